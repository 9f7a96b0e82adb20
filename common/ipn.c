/* SPDX-License-Identifier: MIT */
/*
 * ipn.c - NOWPayments IPN signatures: the JavaScript canonical form
 * (JSON.parse, keys sorted at every depth, JSON.stringify) and HMAC-SHA512
 * verification over the raw body and that form. Strings returned live in
 * the caller's arena; cJSON trees are freed before returning.
 */
#include "ipn.h"
#include "arena.h"
#include "crypto.h"
#include "text.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IPN_SIG_HEX (2 * CRYPTO_SHA512_LEN)

/*
 * How a value is written. The two sorted modes are the two official
 * samples: [SDK-NODE2] sortObjectDeep keeps arrays, the [DOC] sortObject
 * turns them into {"0":…} objects. EMIT_AS_IS is plain JSON.stringify of
 * the parsed value, which sortObjectDeep returns unchanged for an object
 * with an own "constructor" key (its value.constructor === Object test).
 */
enum emit_mode { EMIT_SORT_ARRAYS, EMIT_SORT_OBJECTS, EMIT_AS_IS };

/* A growing output string in the arena. */
struct out {
    struct arena *a;
    char *p;
    size_t len;
    size_t cap;
};

/* One member of an object being written. */
struct member {
    const char *key;
    const cJSON *item; /* after merging duplicate keys: the last value */
    size_t pos;        /* first position of the key in the document */
    uint32_t index;    /* numeric value when is_index */
    bool is_index;     /* a canonical array index, which JS enumerates first */
};

/* ---- numbers: ECMAScript Number::toString ----------------------------- */

/* parse_e - the k significant digits and exponent n (v = 0.d1d2… × 10^n)
 * of the "%.*e" text s; returns k. */
static size_t
parse_e(const char *s, char *digits, int *n)
{
    size_t k = 0;

    for (; *s != 'e'; s++)
        if (*s != '.')
            digits[k++] = *s;
    digits[k] = '\0';
    *n = atoi(s + 1) + 1;
    return k;
}

/* round_trips - whether the k digits with exponent n read back as v. */
static bool
round_trips(const char *digits, size_t k, int n, double v)
{
    char text[48];

    snprintf(text, sizeof(text), "%c.%se%d", digits[0], k > 1 ? digits + 1 : "0", n - 1);
    return strtod(text, NULL) == v;
}

/* step_last - add (up) or subtract one unit in the last of k digits,
 * staying at k digits: 99+1 = 10 with n+1, 10-1 = 99 with n-1. */
static void
step_last(char *digits, size_t k, int *n, bool up)
{
    size_t i = k;

    while (i-- > 0) {
        if (digits[i] != (up ? '9' : '0')) {
            digits[i] = (char)(digits[i] + (up ? 1 : -1));
            break;
        }
        digits[i] = up ? '0' : '9';
    }
    if (digits[0] == '0' && up) {
        digits[0] = '1';
        ++*n;
    } else if (digits[0] == '0') {
        memset(digits, '9', k);
        --*n;
    }
}

/*
 * shortest - the fewest significant digits that read back as v (finite,
 * > 0), into digits (room for 18); returns their count, the exponent in
 * *n. At each length the correctly rounded digits come first, being the
 * closest; when they miss because v's rounding interval is lopsided (v a
 * power of two), the neighbour on the other side of v may still hit.
 */
static size_t
shortest(double v, char *digits, int *n)
{
    char text[48];
    size_t k = 0;

    for (int prec = 0; prec < 17; prec++) {
        char other[24];
        int n2 = 0;

        snprintf(text, sizeof(text), "%.*e", prec, v);
        k = parse_e(text, digits, n);
        if (round_trips(digits, k, *n, v))
            break;
        memcpy(other, digits, k + 1);
        n2 = *n;
        step_last(other, k, &n2, strtod(text, NULL) < v);
        if (round_trips(other, k, n2, v)) {
            memcpy(digits, other, k + 1);
            *n = n2;
            break;
        }
    }
    while (k > 1 && digits[k - 1] == '0')
        k--;
    digits[k] = '\0';
    return k;
}

/* layout - the k digits with exponent n as Number::toString lays them out
 * (ECMA-262 §6.1.6.1.20, steps 6-12), at o; returns the end. */
static char *
layout(const char *d, int k, int n, char *o)
{
    int e = n - 1 < 0 ? 1 - n : n - 1;

    if (k <= n && n <= 21) { /* 15, 1e21 - 1: digits and zeros */
        memcpy(o, d, (size_t)k);
        memset(o + k, '0', (size_t)(n - k));
        return o + n;
    }
    if (0 < n && n <= 21) { /* 14.8106 */
        memcpy(o, d, (size_t)n);
        o[n] = '.';
        memcpy(o + n + 1, d + n, (size_t)(k - n));
        return o + k + 1;
    }
    if (-6 < n && n <= 0) { /* 0.000002 */
        memcpy(o, "0.", 2);
        memset(o + 2, '0', (size_t)-n);
        memcpy(o + 2 - n, d, (size_t)k);
        return o + 2 - n + k;
    }
    *o++ = d[0]; /* 1e-7, 1.5e-7, 1e+21 */
    if (k > 1) {
        *o++ = '.';
        memcpy(o, d + 1, (size_t)k - 1);
        o += k - 1;
    }
    *o++ = 'e';
    *o++ = n - 1 < 0 ? '-' : '+';
    if (e >= 100)
        *o++ = (char)('0' + e / 100);
    if (e >= 10)
        *o++ = (char)('0' + e / 10 % 10);
    *o++ = (char)('0' + e % 10);
    return o;
}

void
ipn_js_number(double v, char out[32])
{
    char digits[24];
    int k = 0, n = 0;
    char *o = out;

    if (isnan(v) || isinf(v)) {
        strcpy(out, "null"); /* what JSON.stringify writes for them */
        return;
    }
    if (v == 0) {
        strcpy(out, "0"); /* -0 too */
        return;
    }
    if (v < 0) {
        *o++ = '-';
        v = -v;
    }
    k = (int)shortest(v, digits, &n);
    *layout(digits, k, n, o) = '\0';
}

/* ---- the lexical checks cJSON leaves out ------------------------------ */

static bool
is_hex4(const unsigned char *s)
{
    for (int i = 0; i < 4; i++)
        if (!isxdigit(s[i]))
            return false;
    return true;
}

/* string_end - the position after the JSON string starting at s[i] (a
 * quote), or 0 when JSON.parse would refuse it or we cannot represent it:
 * raw control characters, bad escapes, invalid UTF-8, and \u0000 (cJSON
 * strings end at NUL). */
static size_t
string_end(const unsigned char *s, size_t n, size_t i)
{
    for (i++; i < n;) {
        size_t step = 1;

        if (s[i] == '"')
            return i + 1;
        if (s[i] < 0x20)
            return 0;
        if (s[i] == '\\') {
            if (i + 1 >= n)
                return 0;
            if (s[i + 1] == 'u') {
                /* cJSON reads a bad hex digit as U+0000, and ends its
                 * strings at NUL; it does check the surrogates. */
                if (n - i < 6 || !is_hex4(s + i + 2) || memcmp(s + i + 2, "0000", 4) == 0)
                    return 0;
                step = 6;
            } else if (strchr("\"\\/bfnrt", s[i + 1]) != NULL && s[i + 1] != '\0') {
                step = 2;
            } else {
                return 0;
            }
        } else if (s[i] >= 0x80) {
            step = utf8_seq_len(s + i, n - i);
            if (step == 0)
                return 0;
        }
        i += step;
    }
    return 0;
}

static size_t
digits_end(const unsigned char *s, size_t n, size_t i)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* number_end - the position after the JSON number starting at s[i], or 0
 * when the lexeme breaks RFC 8259 (cJSON hands anything made of digits,
 * signs, dots and e to strtod, so it takes 01, 1. and -.5). */
static size_t
number_end(const unsigned char *s, size_t n, size_t i)
{
    size_t j = 0;

    if (s[i] == '-')
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
    if (i < n && strchr("0123456789.eE+-", s[i]) != NULL && s[i] != '\0')
        return 0;
    return i;
}

/* lexically_valid - whether JSON.parse would accept every token of s[0..n)
 * that cJSON is laxer about; cJSON checks the structure and literals. */
static bool
lexically_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t next = i + 1;

        if (s[i] == '"')
            next = string_end(s, n, i);
        else if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9'))
            next = number_end(s, n, i);
        else if (s[i] >= 0x80 || (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r'))
            next = 0; /* cJSON skips any byte <= 32 as space, and a BOM */
        if (next == 0)
            return false;
        i = next;
    }
    return true;
}

/* parse - the tree of body[0..n) (caller deletes it), or NULL when
 * JSON.parse would throw or the body holds what we cannot represent (see
 * string_end; cJSON also refuses lone surrogates and nesting deeper than
 * CJSON_NESTING_LIMIT). */
static cJSON *
parse(const char *body, size_t n)
{
    const char *end = NULL;
    cJSON *tree = NULL;

    if (body == NULL || !lexically_valid((const unsigned char *)body, n))
        return NULL;
    tree = cJSON_ParseWithLengthOpts(body, n, &end, false);
    if (tree == NULL)
        return NULL;
    for (; end < body + n; end++) {
        if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n') {
            cJSON_Delete(tree);
            return NULL;
        }
    }
    return tree;
}

/* ---- output ----------------------------------------------------------- */

static void
put(struct out *o, const char *s, size_t n)
{
    if (o->cap - o->len < n + 1) {
        size_t cap = o->cap * 2 > o->len + n + 1 ? o->cap * 2 : o->len + n + 1;
        char *p = arena_alloc(o->a, cap);

        if (o->len > 0)
            memcpy(p, o->p, o->len);
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void
put_str(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* put_string - s as JSON.stringify writes it: " and \ and U+0000..U+001F
 * escaped (the short forms where JSON has them, else \u00xx, lower-case
 * hex), everything else raw: no \/, no escapes for DEL, U+2028 or non-ASCII. */
static void
put_string(struct out *o, const char *s)
{
    static const char brief[] = "\bb\ff\nn\rr\tt\"\"\\\\";
    const char *p = s;
    size_t run = 0;

    put(o, "\"", 1);
    for (; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        const char *b = NULL;
        char esc[8];

        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        put(o, p - run, run);
        run = 0;
        b = strchr(brief, c);
        if (b != NULL)
            snprintf(esc, sizeof(esc), "\\%c", b[1]);
        else
            snprintf(esc, sizeof(esc), "\\u%04x", c);
        put_str(o, esc);
    }
    put(o, p - run, run);
    put(o, "\"", 1);
}

/* ---- objects ---------------------------------------------------------- */

/* array_index - whether key is a canonical array index ("0", or no
 * leading zero and at most 2^32 - 2), which JS objects enumerate first, in
 * numeric order, whatever order the keys were inserted in. */
static bool
array_index(const char *key, uint32_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    for (; key[i] >= '0' && key[i] <= '9' && i < 10; i++)
        v = v * 10 + (uint64_t)(key[i] - '0');
    if (i == 0 || key[i] != '\0' || (key[0] == '0' && i > 1) || v > UINT32_MAX - 1)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* utf16_rank - decode the code point at *s (valid UTF-8) and step past
 * it; returns a weight that orders code points as their UTF-16 code units
 * do: a supplementary character's high surrogate (D800..DBFF) sorts it
 * before U+E000..U+FFFF. */
static uint32_t
utf16_rank(const unsigned char **s)
{
    const unsigned char *p = *s;
    size_t len = p[0] < 0x80 ? 1 : p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1 ? p[0] : p[0] & (0x7Fu >> len);

    for (size_t i = 1; i < len; i++)
        cp = cp << 6 | (p[i] & 0x3Fu);
    *s = p + len;
    return cp >= 0xE000 && cp <= 0xFFFF ? cp + 0x200000 : cp;
}

/* utf16_cmp - Array.prototype.sort()'s order of two valid UTF-8 keys. */
static int
utf16_cmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

    while (*p != '\0' && *q != '\0') {
        uint32_t x = utf16_rank(&p), y = utf16_rank(&q);

        if (x != y)
            return x < y ? -1 : 1;
    }
    return (*p != '\0') - (*q != '\0');
}

/* member_cmp_sorted - the enumeration order of an object built by
 * inserting the keys in sort() order: indices first, then sort() order;
 * equal keys by position, so the last of a run is the value JSON.parse
 * kept. */
static int
member_cmp_sorted(const void *x, const void *y)
{
    const struct member *m = x, *n = y;
    int c = 0;

    if (m->is_index != n->is_index)
        return m->is_index ? -1 : 1;
    if (m->is_index)
        c = m->index < n->index ? -1 : m->index > n->index;
    else
        c = utf16_cmp(m->key, n->key);
    if (c == 0)
        c = m->pos < n->pos ? -1 : m->pos > n->pos;
    return c;
}

/* member_cmp_as_is - the enumeration order of the object JSON.parse made:
 * indices first, then the other keys where they first appeared. */
static int
member_cmp_as_is(const void *x, const void *y)
{
    const struct member *m = x, *n = y;

    if (m->is_index != n->is_index)
        return m->is_index ? -1 : 1;
    if (m->is_index)
        return m->index < n->index ? -1 : m->index > n->index;
    return m->pos < n->pos ? -1 : m->pos > n->pos;
}

/* members - obj's members in the order mode writes them, duplicate keys
 * merged (first position, last value); the count in *count. A sorted copy
 * is built by assignment (result[key] = …), which for "__proto__" sets the
 * prototype instead of a property, so that key is dropped there. */
static struct member *
members(struct arena *a, const cJSON *obj, enum emit_mode mode, size_t *count)
{
    size_t n = 0, k = 0;
    struct member *m = NULL;

    for (const cJSON *c = obj->child; c != NULL; c = c->next)
        n++;
    m = arena_alloc(a, (n > 0 ? n : 1) * sizeof(*m));
    n = 0;
    for (const cJSON *c = obj->child; c != NULL; c = c->next, k++) {
        if (mode != EMIT_AS_IS && strcmp(c->string, "__proto__") == 0)
            continue;
        m[n] = (struct member){.key = c->string, .item = c, .pos = k};
        m[n].is_index = array_index(c->string, &m[n].index);
        n++;
    }
    qsort(m, n, sizeof(*m), member_cmp_sorted);
    k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && strcmp(m[k - 1].key, m[i].key) == 0)
            m[k - 1].item = m[i].item;
        else
            m[k++] = m[i];
    }
    if (mode == EMIT_AS_IS)
        qsort(m, k, sizeof(*m), member_cmp_as_is);
    *count = k;
    return m;
}

static void put_value(struct out *o, const cJSON *item, enum emit_mode mode);

static void
put_object(struct out *o, const cJSON *obj, enum emit_mode mode)
{
    size_t n = 0;
    const struct member *m = NULL;

    /* sortObjectDeep sorts only when value.constructor === Object, which
     * an own "constructor" key defeats: the object goes out as parsed. */
    if (mode == EMIT_SORT_ARRAYS && cJSON_GetObjectItemCaseSensitive(obj, "constructor") != NULL)
        mode = EMIT_AS_IS;
    m = members(o->a, obj, mode, &n);
    put(o, "{", 1);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            put(o, ",", 1);
        put_string(o, m[i].key);
        put(o, ":", 1);
        put_value(o, m[i].item, mode);
    }
    put(o, "}", 1);
}

/* put_array - [a,b] or, as the [DOC] sortObject makes it, {"0":a,"1":b}. */
static void
put_array(struct out *o, const cJSON *arr, enum emit_mode mode)
{
    size_t i = 0;

    put(o, mode == EMIT_SORT_OBJECTS ? "{" : "[", 1);
    for (const cJSON *c = arr->child; c != NULL; c = c->next, i++) {
        char key[32];

        if (i > 0)
            put(o, ",", 1);
        if (mode == EMIT_SORT_OBJECTS) {
            snprintf(key, sizeof(key), "\"%zu\":", i);
            put_str(o, key);
        }
        put_value(o, c, mode);
    }
    put(o, mode == EMIT_SORT_OBJECTS ? "}" : "]", 1);
}

static void
put_value(struct out *o, const cJSON *item, enum emit_mode mode)
{
    char num[32];

    if (cJSON_IsObject(item)) {
        put_object(o, item, mode);
    } else if (cJSON_IsArray(item)) {
        put_array(o, item, mode);
    } else if (cJSON_IsString(item)) {
        put_string(o, item->valuestring);
    } else if (cJSON_IsNumber(item)) {
        ipn_js_number(item->valuedouble, num);
        put_str(o, num);
    } else {
        put_str(o, cJSON_IsTrue(item) ? "true" : cJSON_IsFalse(item) ? "false" : "null");
    }
}

/* emit - the canonical text of tree in the arena. */
static char *
emit(struct arena *a, const cJSON *tree, enum emit_mode mode, size_t size_hint)
{
    struct out o = {.a = a, .cap = size_hint + 64};

    o.p = arena_alloc(a, o.cap);
    put_value(&o, tree, mode);
    return o.p;
}

/* A top-level scalar comes out as itself, as sortObjectDeep returns it
 * (the docs' sortObject would make {} of a number); IPNs are objects. */
char *
ipn_canonicalize(struct arena *a, const char *body, size_t n, enum ipn_array_style style)
{
    cJSON *tree = parse(body, n);
    char *s = NULL;

    if (tree == NULL)
        return NULL;
    s = emit(a, tree, style == IPN_ARRAYS_AS_OBJECTS ? EMIT_SORT_OBJECTS : EMIT_SORT_ARRAYS, n);
    cJSON_Delete(tree);
    return s;
}

/* ---- signatures ------------------------------------------------------- */

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* trim - s[0..*len) without the spaces, tabs, CRs and LFs around it. */
static const char *
trim(const char *s, size_t *len)
{
    size_t n = s != NULL ? strlen(s) : 0;

    while (n > 0 && is_space(*s)) {
        s++;
        n--;
    }
    while (n > 0 && is_space(s[n - 1]))
        n--;
    *len = n;
    return s;
}

void
ipn_sign(const char *secret, const char *msg, size_t n, char out[129])
{
    unsigned char mac[CRYPTO_SHA512_LEN];
    size_t key_len = 0;
    const char *key = trim(secret, &key_len);

    if (crypto_hmac_sha512(key, key_len, msg, n, mac) != 0) {
        out[0] = '\0'; /* matches no header */
        return;
    }
    crypto_hex(mac, sizeof(mac), out);
}

/* header_hex - the trimmed header in lower case into out, or false when it
 * is missing or not exactly 128 hex digits. */
static bool
header_hex(const char *header, char out[IPN_SIG_HEX + 1])
{
    size_t n = 0;
    const char *s = trim(header, &n);

    if (n != IPN_SIG_HEX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
        out[i] = c;
    }
    out[n] = '\0';
    return true;
}

/* The messages a signature may cover: the raw body, then the canonical
 * forms, computed once and only when the raw body did not match. A form
 * identical to an earlier one is dropped: its HMAC has already missed. */
struct forms {
    const char *msg[3];
    size_t len[3];
    bool parsed;
};

static bool
same(const char *a, size_t a_len, const char *b, size_t b_len)
{
    return a != NULL && b != NULL && a_len == b_len && memcmp(a, b, a_len) == 0;
}

static void
forms_parse(struct arena *a, struct forms *f)
{
    cJSON *tree = parse(f->msg[0], f->len[0]);
    const char *arrays = NULL, *objects = NULL;

    f->parsed = true;
    if (tree == NULL)
        return;
    arrays = emit(a, tree, EMIT_SORT_ARRAYS, f->len[0]);
    objects = emit(a, tree, EMIT_SORT_OBJECTS, f->len[0]);
    cJSON_Delete(tree);
    f->len[1] = strlen(arrays);
    f->len[2] = strlen(objects);
    if (!same(arrays, f->len[1], f->msg[0], f->len[0]))
        f->msg[1] = arrays;
    if (!same(objects, f->len[2], f->msg[0], f->len[0]) &&
        !same(objects, f->len[2], arrays, f->len[1]))
        f->msg[2] = objects;
}

/* Stubs of the strict rules: today's behaviour, to see the tests fail. */
bool
ipn_number_canonical(const char *s, size_t n)
{
    return n > 0 && number_end((const unsigned char *)s, n, 0) == n;
}

const char *
ipn_strict_check(struct arena *a, const char *body, size_t n)
{
    (void)a;
    (void)body;
    (void)n;
    return NULL;
}

char *
ipn_strict_canonical(struct arena *a, const char *body, size_t n, enum ipn_array_style style)
{
    return ipn_canonicalize(a, body, n, style);
}

static enum ipn_match verify_old(struct arena *a, const char *const *secrets,
                                 const char *sig_header, const char *body, size_t n,
                                 bool *used_previous);

enum ipn_match
ipn_verify(struct arena *a, const char *const *secrets, const char *sig_header, const char *body,
           size_t n, struct ipn_verified *out)
{
    struct ipn_verified ignored;
    enum ipn_match m = IPN_NO_MATCH;

    if (out == NULL)
        out = &ignored;
    m = verify_old(a, secrets, sig_header, body, n, &out->used_previous);

    out->text = m != IPN_NO_MATCH ? body : NULL;
    out->len = n;
    out->style = IPN_ARRAYS_AS_ARRAYS;
    out->invalid = NULL;
    return m;
}

static enum ipn_match
verify_old(struct arena *a, const char *const *secrets, const char *sig_header, const char *body,
           size_t n, bool *used_previous)
{
    char want[IPN_SIG_HEX + 1];
    struct forms f = {.msg = {body != NULL ? body : ""}, .len = {body != NULL ? n : 0}};

    if (used_previous != NULL)
        *used_previous = false;
    if (secrets == NULL || !header_hex(sig_header, want))
        return IPN_NO_MATCH;
    for (size_t i = 0; secrets[i] != NULL; i++) {
        size_t key_len = 0;

        trim(secrets[i], &key_len);
        if (key_len == 0)
            continue; /* an unset secret must not become the empty key */
        for (int k = 0; k < 3; k++) {
            char got[IPN_SIG_HEX + 1];

            if (k == 1 && !f.parsed)
                forms_parse(a, &f);
            if (f.msg[k] == NULL)
                continue;
            ipn_sign(secrets[i], f.msg[k], f.len[k], got);
            if (crypto_equal(got, strlen(got), want, IPN_SIG_HEX)) {
                if (used_previous != NULL)
                    *used_previous = i > 0;
                return k == 0 ? IPN_MATCH_RAW : IPN_MATCH_CANONICAL;
            }
        }
    }
    return IPN_NO_MATCH;
}
