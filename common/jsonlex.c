/* SPDX-License-Identifier: MIT */
/*
 * jsonlex.c - the strict JSON lexer: tokens, whole texts checked by
 * recursive descent (bounded by JSONLEX_DEPTH_MAX), an object's members,
 * string decoding. Nothing here allocates except the members array and
 * decoded strings, in the caller's arena.
 */
#include "jsonlex.h"
#include "arena.h"
#include "text.h"

#include <string.h>

/* ---- tokens ----------------------------------------------------------- */

size_t
jsonlex_space(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    return i;
}

/* short_escape - the character \c stands for, or 0 when it is not one of
 * JSON's two-character escapes. */
static unsigned char
short_escape(unsigned char c)
{
    switch (c) {
    case '"':
    case '\\':
    case '/':
        return c;
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return 0;
    }
}

/* hex4 - the value of the 4 hex digits at s[0..n), or -1. */
static long
hex4(const unsigned char *s, size_t n)
{
    long v = 0;

    if (n < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        int d = text_hex_digit(s[i]);

        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* escape_len - the length of the escape at s[0..n) (a backslash), or 0
 * when it breaks the rules: an unknown escape, bad hex, \u0000, or a
 * surrogate not in a high-low pair. */
static size_t
escape_len(const unsigned char *s, size_t n)
{
    long high = 0, low = 0;

    if (n < 2)
        return 0;
    if (s[1] != 'u')
        return short_escape(s[1]) != 0 ? 2 : 0;
    high = hex4(s + 2, n - 2);
    if (high <= 0 || (high >= 0xDC00 && high <= 0xDFFF))
        return 0;
    if (high < 0xD800 || high > 0xDBFF)
        return 6;
    low = n >= 8 && s[6] == '\\' && s[7] == 'u' ? hex4(s + 8, n - 8) : -1;
    return low >= 0xDC00 && low <= 0xDFFF ? 12 : 0;
}

size_t
jsonlex_string(const char *text, size_t n, size_t i, bool *escaped)
{
    const unsigned char *s = (const unsigned char *)text;
    bool any = false;

    if (i >= n || s[i] != '"')
        return 0;
    for (i++; i < n;) {
        size_t step = 1;

        if (s[i] == '"') {
            if (escaped != NULL)
                *escaped = any;
            return i + 1;
        }
        if (s[i] < 0x20)
            return 0;
        if (s[i] == '\\') {
            step = escape_len(s + i, n - i);
            any = true;
        } else if (s[i] >= 0x80) {
            step = utf8_seq_len(s + i, n - i);
        }
        if (step == 0)
            return 0;
        i += step;
    }
    return 0;
}

static size_t
digits_end(const char *s, size_t n, size_t i)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

size_t
jsonlex_number(const char *s, size_t n, size_t i)
{
    size_t j = 0;

    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        i = digits_end(s, n, i);
    else
        return 0;
    if (i < n && s[i] == '.') {
        j = digits_end(s, n, i + 1);
        if (j == i + 1)
            return 0;
        i = j;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        j = digits_end(s, n, i);
        if (j == i)
            return 0;
        i = j;
    }
    /* Maximal munch: "01" or "1.5.3" is one bad token, not two good ones. */
    if (i < n && s[i] != '\0' && strchr("0123456789.eE+-", s[i]) != NULL)
        return 0;
    return i;
}

size_t
jsonlex_literal(const char *s, size_t n, size_t i, enum jsonlex_kind *kind)
{
    static const struct {
        const char *word;
        enum jsonlex_kind kind;
    } literals[] = {{"true", JSONLEX_TRUE}, {"false", JSONLEX_FALSE}, {"null", JSONLEX_NULL}};

    for (size_t w = 0; w < sizeof(literals) / sizeof(literals[0]); w++) {
        size_t len = strlen(literals[w].word);

        if (i < n && n - i >= len && memcmp(s + i, literals[w].word, len) == 0) {
            *kind = literals[w].kind;
            return i + len;
        }
    }
    return 0;
}

/* ---- whole texts -------------------------------------------------------- */

static size_t value_end(const char *s, size_t n, size_t i, size_t depth, struct jsonlex_token *out);

/* colon_end - past the whitespace, colon and whitespace that follow a key
 * ending at s[i]: the position of the member's value, or 0. */
static size_t
colon_end(const char *s, size_t n, size_t i)
{
    i = jsonlex_space(s, n, i);
    if (i >= n || s[i] != ':')
        return 0;
    return jsonlex_space(s, n, i + 1);
}

/* container_end - the end of the object or array at s[i], whose values
 * are depth + 1 deep. */
static size_t
container_end(const char *s, size_t n, size_t i, size_t depth)
{
    bool object = s[i] == '{';
    char close = object ? '}' : ']';
    struct jsonlex_token ignored;

    if (depth >= JSONLEX_DEPTH_MAX)
        return 0;
    i = jsonlex_space(s, n, i + 1);
    if (i < n && s[i] == close)
        return i + 1;
    for (;;) {
        if (object) {
            i = jsonlex_string(s, n, i, NULL);
            i = i != 0 ? colon_end(s, n, i) : 0;
        }
        if (i == 0)
            return 0;
        i = value_end(s, n, i, depth + 1, &ignored);
        if (i == 0)
            return 0;
        i = jsonlex_space(s, n, i);
        if (i < n && s[i] == close)
            return i + 1;
        if (i >= n || s[i] != ',')
            return 0;
        i = jsonlex_space(s, n, i + 1);
    }
}

/* value_end - the end of the value at s[i] (no whitespace first), which
 * is depth containers deep; the value in *out. */
static size_t
value_end(const char *s, size_t n, size_t i, size_t depth, struct jsonlex_token *out)
{
    size_t end = 0;

    *out = (struct jsonlex_token){.kind = JSONLEX_NULL, .text = s + i};
    if (i >= n)
        return 0;
    if (s[i] == '{' || s[i] == '[') {
        out->kind = s[i] == '{' ? JSONLEX_OBJECT : JSONLEX_ARRAY;
        end = container_end(s, n, i, depth);
    } else if (s[i] == '"') {
        out->kind = JSONLEX_STRING;
        end = jsonlex_string(s, n, i, &out->escaped);
    } else if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
        out->kind = JSONLEX_NUMBER;
        end = jsonlex_number(s, n, i);
    } else {
        end = jsonlex_literal(s, n, i, &out->kind);
    }
    out->len = end > i ? end - i : 0;
    return end;
}

bool
jsonlex_document(const char *s, size_t n, struct jsonlex_token *out)
{
    size_t i = 0;

    *out = (struct jsonlex_token){.kind = JSONLEX_NULL, .text = s};
    if (s == NULL)
        return false;
    i = value_end(s, n, jsonlex_space(s, n, 0), 0, out);
    return i != 0 && jsonlex_space(s, n, i) == n;
}

/* ---- objects ------------------------------------------------------------ */

/* add_member - m at members[count], growing the array in the arena. */
static struct jsonlex_member *
add_member(struct arena *a, struct jsonlex_member *members, size_t count, size_t *cap,
           const struct jsonlex_member *m)
{
    if (count == *cap) {
        struct jsonlex_member *bigger = NULL;

        *cap = *cap > 0 ? 2 * *cap : 16;
        bigger = arena_alloc(a, *cap * sizeof(*bigger));
        if (count > 0)
            memcpy(bigger, members, count * sizeof(*bigger));
        members = bigger;
    }
    members[count] = *m;
    return members;
}

/* The object was checked as a whole, so each step here is known to
 * succeed: this walk only records where the members are. */
size_t
jsonlex_members(struct arena *a, const struct jsonlex_token *object, struct jsonlex_member **out)
{
    const char *s = object->text;
    size_t n = object->len, i = jsonlex_space(s, n, 1), count = 0, cap = 0;

    *out = NULL;
    while (i < n && s[i] == '"') {
        struct jsonlex_member m = {.key = {.kind = JSONLEX_STRING, .text = s + i}};
        size_t key_end = jsonlex_string(s, n, i, &m.key.escaped);
        size_t at = key_end != 0 ? colon_end(s, n, key_end) : 0;

        i = at != 0 ? value_end(s, n, at, 1, &m.value) : 0;
        if (i == 0)
            break; /* not a checked object: no more members */
        m.key.len = key_end - (size_t)(m.key.text - s);
        *out = add_member(a, *out, count++, &cap, &m);
        i = jsonlex_space(s, n, i);
        if (i < n && s[i] == ',')
            i = jsonlex_space(s, n, i + 1);
    }
    return count;
}

const struct jsonlex_member *
jsonlex_find(const struct jsonlex_member *members, size_t count, const char *key)
{
    for (size_t i = 0; i < count; i++)
        if (jsonlex_string_is(&members[i].key, key))
            return &members[i];
    return NULL;
}

/* ---- strings ------------------------------------------------------------ */

size_t
jsonlex_escape(const char *text, uint32_t *c)
{
    const unsigned char *s = (const unsigned char *)text;
    uint32_t high = 0;

    if (s[1] != 'u') {
        *c = short_escape(s[1]);
        return 2;
    }
    high = (uint32_t)hex4(s + 2, 4);
    if (high < 0xD800 || high > 0xDBFF) {
        *c = high;
        return 6;
    }
    *c = 0x10000 + ((high - 0xD800) << 10) + ((uint32_t)hex4(s + 8, 4) - 0xDC00);
    return 12;
}

char *
jsonlex_decode(struct arena *a, const struct jsonlex_token *string, size_t *len)
{
    const char *t = string->text;
    char *out = NULL;
    size_t o = 0;

    if (!string->escaped) { /* the common case: the characters are the text */
        if (len != NULL)
            *len = string->len - 2;
        return arena_strndup(a, t + 1, string->len - 2);
    }
    out = arena_alloc(a, string->len); /* an escape never decodes longer */
    for (size_t i = 1; i + 1 < string->len;) {
        uint32_t c = 0;

        if (t[i] != '\\') {
            out[o++] = t[i++];
            continue;
        }
        i += jsonlex_escape(t + i, &c);
        o += utf8_encode(c, out + o);
    }
    out[o] = '\0';
    if (len != NULL)
        *len = o;
    return out;
}

bool
jsonlex_string_is(const struct jsonlex_token *string, const char *s)
{
    const char *t = string->text;
    size_t want = strlen(s), o = 0;

    if (!string->escaped)
        return string->len - 2 == want && memcmp(t + 1, s, want) == 0;
    for (size_t i = 1; i + 1 < string->len;) {
        char bytes[4];
        size_t len = 1;
        uint32_t c = 0;

        if (t[i] == '\\') {
            i += jsonlex_escape(t + i, &c);
            len = utf8_encode(c, bytes);
        } else {
            bytes[0] = t[i++];
        }
        if (want - o < len || memcmp(s + o, bytes, len) != 0)
            return false;
        o += len;
    }
    return o == want;
}
