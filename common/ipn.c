/* SPDX-License-Identifier: MIT */
/*
 * ipn.c - NOWPayments IPN signatures: the JavaScript canonical form
 * (JSON.parse, keys sorted at every depth, JSON.stringify), the strict
 * rules an IPN body must keep, and HMAC-SHA512 verification over the raw
 * body and the canonical forms of a strict body. Strings returned live in
 * the caller's arena; cJSON trees are freed before returning.
 */
#include "ipn.h"
#include "arena.h"
#include "crypto.h"
#include "text.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <float.h>
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

/* read_back - the double that 0.d1d2…dk × 10^n reads as (text written by
 * hand: this runs for every long number of every IPN). */
static double
read_back(const char *digits, size_t k, int n)
{
    char text[48], exponent[8];
    char *o = text;
    int e = n < 0 ? -n : n, m = 0;

    *o++ = '0';
    *o++ = '.';
    memcpy(o, digits, k);
    o += k;
    *o++ = 'e';
    if (n < 0)
        *o++ = '-';
    do {
        exponent[m++] = (char)('0' + e % 10);
        e /= 10;
    } while (e > 0 && m < (int)sizeof(exponent));
    while (m > 0)
        *o++ = exponent[--m];
    *o = '\0';
    return strtod(text, NULL);
}

/* round_trips - whether the k digits with exponent n read back as v. */
static bool
round_trips(const char *digits, size_t k, int n, double v)
{
    return read_back(digits, k, n) == v;
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
 * shortest_from - the fewest significant digits, from first + 1 on, that
 * read back as v (finite, > 0), into digits (room for 18); returns their
 * count, the exponent in *n. At each length the correctly rounded digits
 * come first, being the closest; when they miss because v's rounding
 * interval is lopsided (v a power of two), the neighbour on the other side
 * of v may still hit. Once a length hits, every longer one does (its
 * candidates include the shorter one's with a zero appended), which is
 * what lets ipn_number_canonical start the search near the answer.
 */
static size_t
shortest_from(double v, int first, char *digits, int *n)
{
    char text[48];
    size_t k = 0;

    for (int prec = first; prec < 17; prec++) {
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
    k = (int)shortest_from(v, 0, digits, &n);
    *layout(digits, k, n, o) = '\0';
}

/* ---- the lexical checks cJSON leaves out ------------------------------ */

/* is_json_space - the four bytes JSON allows between tokens. */
static bool
is_json_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

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

/* reserve - room for n more bytes and a NUL at o->p + o->len. */
static void
reserve(struct out *o, size_t n)
{
    if (o->cap - o->len < n + 1) {
        size_t cap = o->cap * 2 > o->len + n + 1 ? o->cap * 2 : o->len + n + 1;
        char *p = arena_alloc(o->a, cap);

        if (o->len > 0)
            memcpy(p, o->p, o->len);
        o->p = p;
        o->cap = cap;
    }
}

static void
put(struct out *o, const char *s, size_t n)
{
    reserve(o, n);
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void
put_str(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* write_escaped - the character c (", \ or U+0000..U+001F) at w as
 * JSON.stringify escapes it: the short form where JSON has one, else
 * \u00xx in lower-case hex; returns the end. */
static char *
write_escaped(char *w, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char brief = c == '"' || c == '\\' ? (char)c
                 : c == '\b'           ? 'b'
                 : c == '\f'           ? 'f'
                 : c == '\n'           ? 'n'
                 : c == '\r'           ? 'r'
                 : c == '\t'           ? 't'
                                       : 0;

    *w++ = '\\';
    if (brief != 0) {
        *w++ = brief;
        return w;
    }
    memcpy(w, "u00", 3);
    w[3] = hex[c >> 4];
    w[4] = hex[c & 15];
    return w + 5;
}

static void
put_escaped(struct out *o, unsigned char c)
{
    reserve(o, 6);
    o->len = (size_t)(write_escaped(o->p + o->len, c) - o->p);
    o->p[o->len] = '\0';
}

/* put_string - s as JSON.stringify writes it: " and \ and U+0000..U+001F
 * escaped (put_escaped), everything else raw: no \/, no escapes for DEL,
 * U+2028 or non-ASCII. */
static void
put_string(struct out *o, const char *s)
{
    const char *p = s;
    size_t run = 0;

    put(o, "\"", 1);
    for (; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;

        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        put(o, p - run, run);
        run = 0;
        put_escaped(o, c);
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

/* ---- the strict rules: numbers ---------------------------------------- */

/* The longest text Number::toString writes: -0.00000 and 17 digits. */
#define JS_NUMBER_MAX 25

/* A number lexeme's value as 0.d1d2…dk × 10^n, its sign apart. */
struct decimal {
    char digits[JS_NUMBER_MAX + 1]; /* significant: no leading or trailing zeros */
    int k;                          /* their count; 0 for zero */
    int n;
    bool negative;
};

/* exponent_of - the exponent after the 'e' at s[0..n), clamped far beyond
 * any double's range so that it cannot overflow. */
static int
exponent_of(const char *s, size_t n)
{
    int sign = s[0] == '-' ? -1 : 1, e = 0;

    for (size_t i = s[0] == '-' || s[0] == '+' ? 1 : 0; i < n; i++)
        e = e < 100000 ? e * 10 + (s[i] - '0') : e;
    return sign * e;
}

/* decimal_of - the value of the valid JSON number s[0..n), at most
 * JS_NUMBER_MAX bytes. */
static void
decimal_of(const char *s, size_t n, struct decimal *d)
{
    char all[JS_NUMBER_MAX + 1];
    size_t i = s[0] == '-' ? 1 : 0;
    int m = 0, before_point = -1, first = 0, last = -1;

    *d = (struct decimal){.negative = s[0] == '-'};
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.')
            before_point = m;
        else
            all[m++] = s[i];
    }
    if (before_point < 0)
        before_point = m;
    while (first < m && all[first] == '0')
        first++;
    for (int j = first; j < m; j++)
        if (all[j] != '0')
            last = j;
    if (last < 0)
        return; /* zero */
    d->k = last - first + 1;
    memcpy(d->digits, all + first, (size_t)d->k);
    d->digits[d->k] = '\0';
    d->n = before_point - first + (i < n ? exponent_of(s + i + 1, n - i - 1) : 0);
}

/*
 * shortest_is - whether the k digits d with exponent n (no trailing zero)
 * are the ones Number::toString picks for v, which they read back as: the
 * fewest that do, and among as many the closest to v. The doubles that
 * read back as v form an interval around it; if any decimal of k - 1
 * digits lay in it, one of the two around d would, so those two are
 * tried; then the closest k-digit decimal is the correctly rounded one.
 * Only when that one is not d, which a power of two's lopsided interval
 * allows, does the full search decide.
 */
static bool
shortest_is(double v, const char *d, int k, int n)
{
    char near[24], digits[24], text[48];
    int near_n = n, js_n = 0, js_k = 0;

    if (k >= 2) {
        memcpy(near, d, (size_t)k - 1); /* just below d */
        if (round_trips(near, (size_t)k - 1, n, v))
            return false;
        step_last(near, (size_t)k - 1, &near_n, true); /* just above */
        if (round_trips(near, (size_t)k - 1, near_n, v))
            return false;
    }
    snprintf(text, sizeof(text), "%.*e", k - 1, v);
    parse_e(text, digits, &js_n);
    if (js_n == n && memcmp(digits, d, (size_t)k) == 0)
        return true;
    js_k = (int)shortest_from(v, k >= 2 ? k - 2 : 0, digits, &js_n);
    return js_k == k && js_n == n && memcmp(digits, d, (size_t)k) == 0;
}

/* What the cheap part of a number's check found. */
enum layout_check {
    LAYOUT_WRONG,      /* not as Number::toString writes any double */
    LAYOUT_CANONICAL,  /* canonical, no conversion needed */
    LAYOUT_NEEDS_VALUE /* canonical if the double it reads as agrees (value_check) */
};

/*
 * layout_check - the lexeme must be laid out as Number::toString lays out
 * its digits (checked with no conversion: most other spellings fail
 * here). A decimal of at most DBL_DIG (15) digits in the normal range is
 * then canonical with no conversion at all: DBL_DIG's definition is that
 * such a decimal survives the trip to a double and back, so no other
 * decimal of at most 15 digits reads as the same double, and none is
 * shorter or closer. Longer ones, and the edges of the range, need the
 * double's exact decimal value (value_check), which costs a few strtod
 * and snprintf calls on big numbers: the strict rules bound how many.
 */
static enum layout_check
layout_check(const char *s, size_t n, struct decimal *d)
{
    char written[JS_NUMBER_MAX + 8];
    size_t sign = 0;

    if (s == NULL || n == 0 || n > JS_NUMBER_MAX || number_end((const unsigned char *)s, n, 0) != n)
        return LAYOUT_WRONG;
    decimal_of(s, n, d);
    if (d->k == 0)
        return n == 1 ? LAYOUT_CANONICAL : LAYOUT_WRONG; /* "0"; never -0, 0.0 or 0e5 */
    if (d->k > 17 || d->n > 309 || d->n < -323)
        return LAYOUT_WRONG; /* more digits than a double has, or out of its range */
    sign = d->negative ? 1 : 0;
    *layout(d->digits, d->k, d->n, written) = '\0';
    if (n - sign != strlen(written) || memcmp(s + sign, written, n - sign) != 0)
        return LAYOUT_WRONG;
    if (d->k <= DBL_DIG && d->n >= -306 && d->n <= 308)
        return LAYOUT_CANONICAL; /* between 1e-307 and 1e308: normal and finite */
    return LAYOUT_NEEDS_VALUE;
}

/* value_check - whether the double s[0..n) reads as is written as d. */
static bool
value_check(const char *s, size_t n, const struct decimal *d)
{
    char text[JS_NUMBER_MAX + 1];
    size_t sign = d->negative ? 1 : 0;
    double v = 0;

    memcpy(text, s + sign, n - sign);
    text[n - sign] = '\0';
    v = strtod(text, NULL);
    return isfinite(v) && v > 0 && shortest_is(v, d->digits, d->k, d->n);
}

bool
ipn_number_canonical(const char *s, size_t n)
{
    struct decimal d;
    enum layout_check c = layout_check(s, n, &d);

    return c == LAYOUT_CANONICAL || (c == LAYOUT_NEEDS_VALUE && value_check(s, n, &d));
}

/* ---- the strict rules: the body --------------------------------------- */

/*
 * A strict body is read in one pass into a small tree whose scalars point
 * into the body: numbers and strings keep their lexemes, which the
 * canonical forms reuse as they are (a number's lexeme is already what
 * Number::toString writes, the rules demand it; a string without escapes
 * is already what JSON.stringify writes). The bounds keep the tree small
 * and the work linear: parsing stops at the first broken rule.
 */
enum node_kind { NODE_OBJECT, NODE_ARRAY, NODE_STRING, NODE_NUMBER, NODE_LITERAL };

/* A stretch of an output string. */
struct span {
    size_t at;
    size_t len;
};

/* A string lexeme: its text with the quotes, and whether it has escapes. */
struct lexeme {
    const char *text;
    size_t len;
    bool escaped;
};

struct node {
    enum node_kind kind;
    struct lexeme value; /* scalars */
    struct lexeme key;   /* an object's member: its key as sent */
    const char *name;    /* ...and as JavaScript reads it (UTF-8, NUL-terminated) */
    size_t name_len;
    uint32_t index;     /* the name as a number, when is_index */
    bool is_index;      /* a canonical array index, which objects enumerate first */
    struct node *first; /* containers: the children in body order */
    struct node *next;
    size_t count;
    bool holds_array;       /* it is an array or has one inside */
    struct node **sorted;   /* an object's members in canonical order */
    struct span placed;     /* where the arrays form wrote it... */
    struct span key_placed; /* ...and its key */
};

#define STRICT_NODES (1 + IPN_MAX_KEYS + IPN_MAX_ELEMENTS)

static const char NOT_JSON[] = "not JSON";

struct strict {
    struct arena *a;
    const unsigned char *s;
    size_t n;
    size_t i;
    size_t keys;
    size_t elements;
    size_t long_numbers;
    struct node *pool; /* STRICT_NODES: the bounds make it enough */
    size_t used;
    const char *broken;
};

static bool
refuse(struct strict *p, const char *rule)
{
    p->broken = rule;
    return false;
}

static void
skip_space(struct strict *p)
{
    while (p->i < p->n && is_json_space(p->s[p->i]))
        p->i++;
}

static bool
at(struct strict *p, char c)
{
    return p->i < p->n && p->s[p->i] == (unsigned char)c;
}

static int
hex_digit(unsigned char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* hex_value - the value of the 4 hex digits at s, or -1. */
static long
hex_value(const unsigned char *s)
{
    long v = 0;

    for (int i = 0; i < 4; i++) {
        int d = hex_digit(s[i]);

        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
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

/* escape_len - the length of the escape at s[0..n) (a backslash), or 0
 * when JSON.parse would refuse it or PostgreSQL could not store it: an
 * unknown escape, bad hex, \u0000, or a surrogate not in a high-low pair. */
static size_t
escape_len(const unsigned char *s, size_t n)
{
    long high = 0, low = 0;

    if (n < 2)
        return 0;
    if (s[1] != 'u')
        return short_escape(s[1]) != 0 ? 2 : 0;
    high = n >= 6 ? hex_value(s + 2) : -1;
    if (high <= 0 || (high >= 0xDC00 && high <= 0xDFFF))
        return 0;
    if (high < 0xD800 || high > 0xDBFF)
        return 6;
    low = n >= 12 && s[6] == '\\' && s[7] == 'u' ? hex_value(s + 8) : -1;
    return low >= 0xDC00 && low <= 0xDFFF ? 12 : 0;
}

/* escape_decode - the character of the valid escape at s; returns its length. */
static size_t
escape_decode(const unsigned char *s, uint32_t *c)
{
    uint32_t high = 0;

    if (s[1] != 'u') {
        *c = short_escape(s[1]);
        return 2;
    }
    high = (uint32_t)hex_value(s + 2);
    if (high < 0xD800 || high > 0xDBFF) {
        *c = high;
        return 6;
    }
    *c = 0x10000 + ((high - 0xD800) << 10) + ((uint32_t)hex_value(s + 8) - 0xDC00);
    return 12;
}

/* utf8_encode - the code point c (not a surrogate) as UTF-8 at o; returns its length. */
static size_t
utf8_encode(uint32_t c, char *o)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | c >> 6);
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | c >> 12);
        o[1] = (char)(0x80 | (c >> 6 & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | c >> 18);
    o[1] = (char)(0x80 | (c >> 12 & 0x3F));
    o[2] = (char)(0x80 | (c >> 6 & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* scan_string - the string at p->i (a quote) into *out, checking what
 * JSON.parse and PostgreSQL both accept: no raw control character, valid
 * escapes (escape_len), valid UTF-8. */
static bool
scan_string(struct strict *p, struct lexeme *out)
{
    const unsigned char *s = p->s;
    size_t i = p->i + 1;

    out->escaped = false;
    while (i < p->n) {
        size_t step = 1;

        if (s[i] == '"') {
            out->text = (const char *)s + p->i;
            out->len = i + 1 - p->i;
            p->i = i + 1;
            return true;
        }
        if (s[i] < 0x20)
            return refuse(p, NOT_JSON);
        if (s[i] == '\\') {
            step = escape_len(s + i, p->n - i);
            out->escaped = true;
        } else if (s[i] >= 0x80) {
            step = utf8_seq_len(s + i, p->n - i);
        }
        if (step == 0)
            return refuse(p, NOT_JSON);
        i += step;
    }
    return refuse(p, NOT_JSON);
}

/* decode - the characters of a valid string lexeme as UTF-8, in the arena. */
static char *
decode(struct arena *a, const struct lexeme *l, size_t *len)
{
    char *out = arena_alloc(a, l->len);
    size_t o = 0;

    for (size_t i = 1; i + 1 < l->len;) {
        uint32_t c = 0;

        if (l->text[i] != '\\') {
            out[o++] = l->text[i++];
            continue;
        }
        i += escape_decode((const unsigned char *)l->text + i, &c);
        o += utf8_encode(c, out + o);
    }
    out[o] = '\0';
    *len = o;
    return out;
}

static bool
scan_number(struct strict *p, struct node *nd)
{
    static const char not_js[] = "number not as JavaScript writes it";
    size_t end = number_end(p->s, p->n, p->i);
    enum layout_check c = LAYOUT_WRONG;
    struct decimal d;

    if (end == 0)
        return refuse(p, NOT_JSON);
    nd->kind = NODE_NUMBER;
    nd->value = (struct lexeme){(const char *)p->s + p->i, end - p->i, false};
    p->i = end;
    c = layout_check(nd->value.text, nd->value.len, &d);
    if (c == LAYOUT_WRONG)
        return refuse(p, not_js);
    if (c == LAYOUT_CANONICAL)
        return true;
    if (++p->long_numbers > IPN_MAX_LONG_NUMBERS)
        return refuse(p, "more than 16 long numbers");
    return value_check(nd->value.text, nd->value.len, &d) || refuse(p, not_js);
}

static bool
scan_literal(struct strict *p, struct node *nd)
{
    static const char *const words[] = {"true", "false", "null"};

    for (size_t w = 0; w < 3; w++) {
        size_t len = strlen(words[w]);

        if (p->n - p->i >= len && memcmp(p->s + p->i, words[w], len) == 0) {
            nd->kind = NODE_LITERAL;
            nd->value = (struct lexeme){(const char *)p->s + p->i, len, false};
            p->i += len;
            return true;
        }
    }
    return refuse(p, NOT_JSON);
}

/* new_child - a node for the next member (object) or element, or NULL
 * when that would break a bound. */
static struct node *
new_child(struct strict *p, bool member)
{
    const char *bound = NULL;

    if (member && ++p->keys > IPN_MAX_KEYS)
        bound = "more than 64 keys";
    if (!member && ++p->elements > IPN_MAX_ELEMENTS)
        bound = "more than 32 array elements";
    if (bound != NULL) {
        refuse(p, bound);
        return NULL;
    }
    return &p->pool[p->used++];
}

/* forbidden - keys that mean something to a JavaScript object: JSON.parse
 * keeps them as plain properties, but a copy made by assignment (as the
 * signers' sortObject does) drops __proto__ and sortObjectDeep leaves an
 * object with its own constructor unsorted, so the signed text and the
 * body would disagree. No IPN field has either name. */
static bool
forbidden(const char *name)
{
    return strcmp(name, "__proto__") == 0 || strcmp(name, "constructor") == 0;
}

/* scan_key - the key of member m of obj, then the colon. */
static bool
scan_key(struct strict *p, const struct node *obj, struct node *m)
{
    skip_space(p);
    if (!at(p, '"') || !scan_string(p, &m->key))
        return refuse(p, NOT_JSON);
    if (m->key.escaped) {
        m->name = decode(p->a, &m->key, &m->name_len);
    } else {
        m->name_len = m->key.len - 2;
        m->name = arena_strndup(p->a, m->key.text + 1, m->name_len);
    }
    if (forbidden(m->name))
        return refuse(p, "forbidden key");
    for (const struct node *o = obj->first; o != NULL; o = o->next)
        if (o->name_len == m->name_len && memcmp(o->name, m->name, m->name_len) == 0)
            return refuse(p, "duplicate key");
    m->is_index = array_index(m->name, &m->index);
    skip_space(p);
    if (!at(p, ':'))
        return refuse(p, NOT_JSON);
    p->i++;
    return true;
}

static bool scan_value(struct strict *p, struct node *nd, int depth);

/* scan_container - the object or array at p->i, at the given depth. */
static bool
scan_container(struct strict *p, struct node *nd, int depth)
{
    bool object = p->s[p->i] == '{';
    char close = object ? '}' : ']';
    struct node **tail = &nd->first;

    if (depth > IPN_MAX_DEPTH)
        return refuse(p, "nested deeper than 3");
    nd->kind = object ? NODE_OBJECT : NODE_ARRAY;
    nd->holds_array = !object;
    p->i++;
    skip_space(p);
    if (at(p, close)) {
        p->i++;
        return true;
    }
    for (;;) {
        struct node *child = new_child(p, object);

        if (child == NULL || (object && !scan_key(p, nd, child)) || !scan_value(p, child, depth))
            return false;
        *tail = child;
        tail = &child->next;
        nd->count++;
        nd->holds_array = nd->holds_array || child->holds_array;
        skip_space(p);
        if (!at(p, ',') && !at(p, close))
            return refuse(p, NOT_JSON);
        if (p->s[p->i++] == close)
            return true;
    }
}

static bool
scan_value(struct strict *p, struct node *nd, int depth)
{
    skip_space(p);
    if (p->i >= p->n)
        return refuse(p, NOT_JSON);
    switch (p->s[p->i]) {
    case '{':
    case '[':
        return scan_container(p, nd, depth + 1);
    case '"':
        nd->kind = NODE_STRING;
        return scan_string(p, &nd->value);
    case 't':
    case 'f':
    case 'n':
        return scan_literal(p, nd);
    default:
        return scan_number(p, nd);
    }
}

/* strict_parse - the tree of a strict body, or NULL with *broken set to
 * the first rule it breaks. */
static struct node *
strict_parse(struct arena *a, const char *body, size_t n, const char **broken)
{
    struct strict p = {.a = a, .s = (const unsigned char *)body, .n = n};
    struct node *root = NULL;

    if (body == NULL) {
        *broken = NOT_JSON;
        return NULL;
    }
    p.pool = arena_alloc(a, STRICT_NODES * sizeof(*p.pool));
    root = &p.pool[p.used++];
    if (scan_value(&p, root, 0)) {
        skip_space(&p);
        if (p.i != n)
            refuse(&p, NOT_JSON);
        else if (root->kind != NODE_OBJECT)
            refuse(&p, "not an object");
    }
    *broken = p.broken;
    return p.broken == NULL ? root : NULL;
}

const char *
ipn_strict_check(struct arena *a, const char *body, size_t n)
{
    const char *broken = NULL;

    strict_parse(a, body, n, &broken);
    return broken;
}

/* ---- the strict rules: canonical forms -------------------------------- */

/* put_lexeme - a string lexeme as JSON.stringify writes its value: as it
 * is without escapes (it holds no raw ", \ or control character), else
 * with each escape decoded and re-escaped only where JSON.stringify does,
 * which never makes it longer. */
static void
put_lexeme(struct out *o, const struct lexeme *l)
{
    char *w = NULL;

    if (!l->escaped) {
        put(o, l->text, l->len);
        return;
    }
    reserve(o, l->len);
    w = o->p + o->len;
    *w++ = '"';
    for (size_t i = 1; i + 1 < l->len;) {
        uint32_t c = (unsigned char)l->text[i];

        if (c != '\\') {
            *w++ = (char)c;
            i++;
            continue;
        }
        i += escape_decode((const unsigned char *)l->text + i, &c);
        if (c < 0x20 || c == '"' || c == '\\')
            w = write_escaped(w, (unsigned char)c);
        else
            w += utf8_encode(c, w);
    }
    *w++ = '"';
    o->len = (size_t)(w - o->p);
    o->p[o->len] = '\0';
}

/* node_cmp - members in the order of an object built from sorted keys:
 * array indices first, in numeric order, then UTF-16 order (keys are
 * unique in a strict body). */
static int
node_cmp(const void *x, const void *y)
{
    const struct node *m = *(const struct node *const *)x, *n = *(const struct node *const *)y;

    if (m->is_index != n->is_index)
        return m->is_index ? -1 : 1;
    if (m->is_index)
        return m->index < n->index ? -1 : m->index > n->index;
    return utf16_cmp(m->name, n->name);
}

static struct node **
sorted_members(struct arena *a, struct node *obj)
{
    size_t i = 0;

    obj->sorted = arena_alloc(a, (obj->count > 0 ? obj->count : 1) * sizeof(*obj->sorted));
    for (struct node *m = obj->first; m != NULL; m = m->next)
        obj->sorted[i++] = m;
    qsort(obj->sorted, obj->count, sizeof(*obj->sorted), node_cmp);
    return obj->sorted;
}

/* put_index - "i": for an array element written as a member. */
static void
put_index(struct out *o, size_t i)
{
    char text[24], *p = text + sizeof(text);

    *--p = ':';
    *--p = '"';
    do {
        *--p = (char)('0' + i % 10);
        i /= 10;
    } while (i > 0);
    *--p = '"';
    put(o, p, (size_t)(text + sizeof(text) - p));
}

/* put_arrays_form - nd with arrays kept, noting where each node and key
 * went for put_objects_form. */
static void
put_arrays_form(struct out *o, struct node *nd)
{
    size_t at = o->len, i = 0;

    if (nd->kind == NODE_STRING) {
        put_lexeme(o, &nd->value);
    } else if (nd->kind == NODE_NUMBER || nd->kind == NODE_LITERAL) {
        put(o, nd->value.text, nd->value.len); /* canonical already */
    } else if (nd->kind == NODE_ARRAY) {
        put(o, "[", 1);
        for (struct node *e = nd->first; e != NULL; e = e->next, i++) {
            if (i > 0)
                put(o, ",", 1);
            put_arrays_form(o, e);
        }
        put(o, "]", 1);
    } else {
        struct node **members = sorted_members(o->a, nd);

        put(o, "{", 1);
        for (; i < nd->count; i++) {
            struct node *m = members[i];

            if (i > 0)
                put(o, ",", 1);
            m->key_placed.at = o->len;
            put_lexeme(o, &m->key);
            m->key_placed.len = o->len - m->key_placed.at;
            put(o, ":", 1);
            put_arrays_form(o, m);
        }
        put(o, "}", 1);
    }
    nd->placed = (struct span){at, o->len - at};
}

/* put_objects_form - nd with arrays written as {"0":…}: whatever holds no
 * array is the same in both forms, so it is copied from the arrays form. */
static void
put_objects_form(struct out *o, const struct node *nd, const char *arrays)
{
    size_t i = 0;

    if (!nd->holds_array) {
        put(o, arrays + nd->placed.at, nd->placed.len);
        return;
    }
    put(o, "{", 1);
    if (nd->kind == NODE_ARRAY) {
        for (const struct node *e = nd->first; e != NULL; e = e->next, i++) {
            if (i > 0)
                put(o, ",", 1);
            put_index(o, i);
            put_objects_form(o, e, arrays);
        }
    } else {
        for (; i < nd->count; i++) {
            const struct node *m = nd->sorted[i];

            if (i > 0)
                put(o, ",", 1);
            put(o, arrays + m->key_placed.at, m->key_placed.len);
            put(o, ":", 1);
            put_objects_form(o, m, arrays);
        }
    }
    put(o, "}", 1);
}

/* strict_forms - both canonical forms of a strict tree, indexed by
 * enum ipn_array_style, from a body of n bytes: each is at most n bytes,
 * plus what the indices of arrays as objects add. */
static void
strict_forms(struct arena *a, struct node *tree, size_t n, struct out forms[2])
{
    for (int f = 0; f < 2; f++) {
        forms[f] = (struct out){.a = a, .cap = n + 8 * IPN_MAX_ELEMENTS + 1};
        forms[f].p = arena_alloc(a, forms[f].cap);
    }
    put_arrays_form(&forms[IPN_ARRAYS_AS_ARRAYS], tree);
    put_objects_form(&forms[IPN_ARRAYS_AS_OBJECTS], tree, forms[IPN_ARRAYS_AS_ARRAYS].p);
}

char *
ipn_strict_canonical(struct arena *a, const char *body, size_t n, enum ipn_array_style style)
{
    const char *broken = NULL;
    struct node *tree = strict_parse(a, body, n, &broken);
    struct out forms[2];

    if (tree == NULL)
        return NULL;
    strict_forms(a, tree, n, forms);
    return forms[style].p;
}

/* ---- signatures ------------------------------------------------------- */

/* trim - s[0..*len) without the spaces, tabs, CRs and LFs around it. */
static const char *
trim(const char *s, size_t *len)
{
    size_t n = s != NULL ? strlen(s) : 0;

    while (n > 0 && is_json_space((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && is_json_space((unsigned char)s[n - 1]))
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

/* header_mac - the trimmed header's 128 hex digits (either case) as the
 * 64 bytes of a MAC, or false when it is missing or anything else. */
static bool
header_mac(const char *header, unsigned char out[CRYPTO_SHA512_LEN])
{
    size_t n = 0;
    const char *s = trim(header, &n);

    if (n != IPN_SIG_HEX)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        int high = hex_digit((unsigned char)s[i]), low = hex_digit((unsigned char)s[i + 1]);

        if (high < 0 || low < 0)
            return false;
        out[i / 2] = (unsigned char)(high << 4 | low);
    }
    return true;
}

/* The secrets a signature is checked against: the configured ones that
 * are not blank (an unset secret must not become the empty key), trimmed,
 * with their place in the configuration (0: the current one). */
struct keys {
    const char *key[4];
    size_t len[4];
    size_t place[4];
    size_t count;
};

static void
keys_of(const char *const *secrets, struct keys *k)
{
    k->count = 0;
    for (size_t i = 0; secrets != NULL && secrets[i] != NULL && k->count < 4; i++) {
        k->key[k->count] = trim(secrets[i], &k->len[k->count]);
        k->place[k->count] = i;
        if (k->len[k->count] > 0)
            k->count++;
    }
}

/* signed_by - the place of the secret whose HMAC of msg is want, or -1.
 * Every comparison is constant time. */
static long
signed_by(const struct keys *k, const char *msg, size_t n, const unsigned char *want)
{
    for (size_t i = 0; i < k->count; i++) {
        unsigned char mac[CRYPTO_SHA512_LEN];

        if (crypto_hmac_sha512(k->key[i], k->len[i], msg, n, mac) == 0 &&
            crypto_equal(mac, sizeof(mac), want, CRYPTO_SHA512_LEN))
            return (long)k->place[i];
    }
    return -1;
}

/* same - whether a form is the text s[0..n). */
static bool
same(const struct out *form, const char *s, size_t n)
{
    return form->len == n && memcmp(form->p, s, n) == 0;
}

static enum ipn_match
matched(struct ipn_verified *out, enum ipn_match how, const char *text, size_t len,
        enum ipn_array_style style, long place)
{
    out->text = text;
    out->len = len;
    out->style = style;
    out->used_previous = place > 0;
    return how;
}

/*
 * The order keeps a forgery cheap to refuse: the header's form, then one
 * HMAC per secret over the raw body (linear), then the strict rules (one
 * linear pass, whether or not the raw body matched: what is stored must
 * keep them), and only then the canonical forms, built from the strict
 * tree and tried only when the raw body did not match and is small enough
 * to be a real IPN (IPN_CANONICAL_MAX): for a large forgery they would
 * triple the hashing. A form identical to the raw body or to the other
 * form is not tried again.
 */
enum ipn_match
ipn_verify(struct arena *a, const char *const *secrets, const char *sig_header, const char *body,
           size_t n, struct ipn_verified *out)
{
    unsigned char want[CRYPTO_SHA512_LEN];
    struct ipn_verified ignored;
    struct out forms[2];
    struct node *tree = NULL;
    struct keys k;
    long place = -1;

    out = out != NULL ? out : &ignored;
    *out = (struct ipn_verified){.text = NULL};
    keys_of(secrets, &k);
    if (!header_mac(sig_header, want) || k.count == 0)
        return IPN_NO_MATCH;
    if (body == NULL)
        body = "", n = 0;
    place = signed_by(&k, body, n, want);
    tree = strict_parse(a, body, n, &out->invalid);
    if (tree == NULL)
        return IPN_INVALID;
    if (place >= 0)
        return matched(out, IPN_MATCH_RAW, body, n, IPN_ARRAYS_AS_ARRAYS, place);
    if (n > IPN_CANONICAL_MAX)
        return IPN_NO_MATCH;
    strict_forms(a, tree, n, forms);
    for (int f = 0; f < 2; f++) {
        if (same(&forms[f], body, n) || (f == 1 && same(&forms[1], forms[0].p, forms[0].len)))
            continue;
        place = signed_by(&k, forms[f].p, forms[f].len, want);
        if (place >= 0)
            return matched(out, IPN_MATCH_CANONICAL, forms[f].p, forms[f].len,
                           (enum ipn_array_style)f, place);
    }
    return IPN_NO_MATCH;
}
