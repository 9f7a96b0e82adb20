/* SPDX-License-Identifier: MIT */
/*
 * jsonnum.c - exact JSON numbers: reading a lexeme into its digits,
 * comparing, checking and writing them out with no floating point; then
 * ECMAScript's Number::toString, and the check that a lexeme is what it
 * writes, which need the double a lexeme reads as.
 */
#include "jsonnum.h"
#include "arena.h"
#include "jsonlex.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exponents are read up to this size and no further (1e100001 reads as
 * 1e100000): every caller refuses far smaller ones, and a long run of
 * digits must not overflow. */
#define EXP_CLAMP 100000

/* ---- reading ------------------------------------------------------------ */

static size_t
digits_end(const char *s, size_t n, size_t i)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* digit - digit j of intp+frac. */
static char
digit(const struct jsonnum *x, size_t j)
{
    return j < x->nint ? x->intp[j] : x->frac[j - x->nint];
}

/* significant - the significant digit i (0 for the first) of a non-zero
 * value. */
static char
significant(const struct jsonnum *x, long i)
{
    return digit(x, x->first + (size_t)i);
}

/* normalise - first, count and point from the digits and the exponent. */
static void
normalise(struct jsonnum *x)
{
    size_t all = x->nint + x->nfrac, last = all;

    x->first = 0;
    while (x->first < all && digit(x, x->first) == '0')
        x->first++;
    while (last > x->first && digit(x, last - 1) == '0')
        last--;
    x->count = last - x->first;
    x->point = x->count == 0 ? 0 : (long)x->nint - (long)x->first + x->exp;
}

/* read_exponent - the exponent digits s[i..n) (a sign first allowed),
 * at most EXP_CLAMP in size. */
static long
read_exponent(const char *s, size_t n, size_t i)
{
    long sign = s[i] == '-' ? -1 : 1, e = 0;

    for (i += s[i] == '-' || s[i] == '+'; i < n; i++) {
        e = e * 10 + (s[i] - '0');
        if (e > EXP_CLAMP)
            e = EXP_CLAMP;
    }
    return sign * e;
}

bool
jsonnum_read(const char *s, size_t n, struct jsonnum *out)
{
    size_t i = 0;

    *out = (struct jsonnum){.text = s, .len = n};
    if (s == NULL || n == 0 || jsonlex_number(s, n, 0) != n)
        return false;
    out->negative = s[0] == '-';
    i = out->negative ? 1 : 0;
    out->intp = s + i;
    out->nint = digits_end(s, n, i) - i;
    i += out->nint;
    if (i < n && s[i] == '.') {
        out->frac = s + i + 1;
        out->nfrac = digits_end(s, n, i + 1) - (i + 1);
        i += 1 + out->nfrac;
    }
    if (i < n) {
        out->has_exp = true;
        out->exp = read_exponent(s, n, i + 1);
    }
    normalise(out);
    return true;
}

bool
jsonnum_read_decimal(const char *s, size_t n, struct jsonnum *out)
{
    size_t point = 0;

    *out = (struct jsonnum){.text = s, .len = n};
    if (s == NULL)
        return false;
    point = digits_end(s, n, 0);
    out->intp = s;
    out->nint = point;
    if (point < n && s[point] == '.') {
        out->frac = s + point + 1;
        out->nfrac = digits_end(s, n, point + 1) - (point + 1);
    }
    if (out->nint + out->nfrac == 0 || out->nint + (out->frac ? 1 : 0) + out->nfrac != n)
        return false;
    normalise(out);
    return true;
}

/* ---- values ------------------------------------------------------------- */

bool
jsonnum_is_zero(const struct jsonnum *x)
{
    return x->count == 0;
}

bool
jsonnum_is_negative(const struct jsonnum *x)
{
    return x->negative && x->count > 0;
}

/* magnitude_cmp - the absolute values of two non-zero numbers compared:
 * more digits before the point is larger, then digit by digit. */
static int
magnitude_cmp(const struct jsonnum *x, const struct jsonnum *y)
{
    long k = (long)(x->count > y->count ? x->count : y->count);

    if (x->point != y->point)
        return x->point < y->point ? -1 : 1;
    for (long i = 0; i < k; i++) {
        char a = i < (long)x->count ? significant(x, i) : '0';
        char b = i < (long)y->count ? significant(y, i) : '0';

        if (a != b)
            return a < b ? -1 : 1;
    }
    return 0;
}

static int
sign_of(const struct jsonnum *x)
{
    return x->count == 0 ? 0 : x->negative ? -1 : 1;
}

int
jsonnum_cmp(const struct jsonnum *x, const struct jsonnum *y)
{
    int sx = sign_of(x), sy = sign_of(y);

    if (sx != sy)
        return sx < sy ? -1 : 1;
    if (sx == 0)
        return 0;
    return sx * magnitude_cmp(x, y);
}

long
jsonnum_decimals(const struct jsonnum *x)
{
    return (long)x->count > x->point ? (long)x->count - x->point : 0;
}

/* value_digit - the digit of weight 10^(point - 1 - j): significant digit
 * j, or a zero before or after them. */
static char
value_digit(const struct jsonnum *x, long j)
{
    return j >= 0 && j < (long)x->count ? significant(x, j) : '0';
}

bool
jsonnum_integer(const struct jsonnum *x, long long *out)
{
    unsigned long long v = 0, limit = (unsigned long long)LLONG_MAX + (x->negative ? 1 : 0);

    *out = 0;
    if (x->count == 0)
        return true;
    if (jsonnum_decimals(x) > 0 || x->point > 19)
        return false;
    for (long j = 0; j < x->point; j++) {
        unsigned d = (unsigned)(value_digit(x, j) - '0');

        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (!x->negative)
        *out = (long long)v;
    else
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    return true;
}

char *
jsonnum_fixed(struct arena *a, const struct jsonnum *x, long decimals)
{
    long whole = x->point > 0 ? x->point : 1;
    char *out = NULL, *o = NULL;

    if (decimals < 0 || jsonnum_decimals(x) > decimals)
        return NULL;
    out = o = arena_alloc(a, (size_t)(whole + decimals) + 3);
    if (jsonnum_is_negative(x))
        *o++ = '-';
    for (long j = x->point > 0 ? 0 : x->point - 1; j < x->point; j++)
        *o++ = value_digit(x, j);
    if (decimals > 0)
        *o++ = '.';
    for (long f = 0; f < decimals; f++)
        *o++ = value_digit(x, x->point + f);
    *o = '\0';
    return out;
}

char *
jsonnum_plain(struct arena *a, const struct jsonnum *x, long exp_max)
{
    long k = (long)x->count, pos = x->point;
    char *out = NULL, *o = NULL;

    if (!x->has_exp)
        return arena_strndup(a, x->text, x->len);
    if (x->exp > exp_max || x->exp < -exp_max)
        return NULL;
    if (k == 0)
        return arena_strdup(a, "0");
    out = o = arena_alloc(a, (size_t)(k + labs(pos)) + 4);
    if (x->negative)
        *o++ = '-';
    if (pos <= 0) { /* 0.000ddd */
        *o++ = '0';
        *o++ = '.';
        for (long z = pos; z < 0; z++)
            *o++ = '0';
        pos = 0;
    }
    for (long j = 0; j < (k > pos ? k : pos); j++) {
        if (j == pos && j > 0 && j < k)
            *o++ = '.';
        *o++ = value_digit(x, j);
    }
    *o = '\0';
    return out;
}

/* ---- JavaScript's Number::toString -------------------------------------- */

/* The longest text Number::toString writes: -0.00000 and 17 digits. */
#define JS_NUMBER_MAX 25

/* A lexeme's significant digits, NUL-terminated, for comparisons with
 * what printf writes (a lexeme of at most JS_NUMBER_MAX bytes). */
static void
js_digits(const struct jsonnum *x, char digits[JS_NUMBER_MAX + 1])
{
    for (long i = 0; i < (long)x->count; i++)
        digits[i] = significant(x, i);
    digits[x->count] = '\0';
}

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
jsonnum_js_text(double v, char out[32])
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

/* js_checkable - the lexeme read, when it could be what Number::toString
 * writes at all: a JSON number of at most JS_NUMBER_MAX bytes. */
static bool
js_checkable(const char *s, size_t n, struct jsonnum *x)
{
    return s != NULL && n > 0 && n <= JS_NUMBER_MAX && jsonnum_read(s, n, x);
}

/*
 * The lexeme must be laid out as Number::toString lays out its digits
 * (checked with no conversion: most other spellings fail here). A decimal
 * of at most DBL_DIG (15) digits in the normal range is then canonical with
 * no conversion at all: DBL_DIG's definition is that such a decimal
 * survives the trip to a double and back, so no other decimal of at most
 * 15 digits reads as the same double, and none is shorter or closer.
 * Longer ones, and the edges of the range, need the double's exact
 * decimal value (jsonnum_js_value).
 */
enum jsonnum_js
jsonnum_js_layout(const char *s, size_t n)
{
    char digits[JS_NUMBER_MAX + 1], written[JS_NUMBER_MAX + 8];
    size_t sign = 0;
    struct jsonnum x;

    if (!js_checkable(s, n, &x))
        return JSONNUM_JS_NOT;
    if (x.count == 0)
        return n == 1 ? JSONNUM_JS_YES : JSONNUM_JS_NOT; /* "0"; never -0, 0.0 or 0e5 */
    if (x.count > 17 || x.point > 309 || x.point < -323)
        return JSONNUM_JS_NOT; /* more digits than a double has, or out of its range */
    sign = x.negative ? 1 : 0;
    js_digits(&x, digits);
    *layout(digits, (int)x.count, (int)x.point, written) = '\0';
    if (n - sign != strlen(written) || memcmp(s + sign, written, n - sign) != 0)
        return JSONNUM_JS_NOT;
    if (x.count <= DBL_DIG && x.point >= -306 && x.point <= 308)
        return JSONNUM_JS_YES; /* between 1e-307 and 1e308: normal and finite */
    return JSONNUM_JS_NEEDS_VALUE;
}

bool
jsonnum_js_value(const char *s, size_t n)
{
    char digits[JS_NUMBER_MAX + 1], text[JS_NUMBER_MAX + 1];
    struct jsonnum x;
    size_t sign = 0;
    double v = 0;

    if (!js_checkable(s, n, &x) || x.count == 0)
        return false;
    sign = x.negative ? 1 : 0;
    memcpy(text, s + sign, n - sign);
    text[n - sign] = '\0';
    v = strtod(text, NULL);
    js_digits(&x, digits);
    return isfinite(v) && v > 0 && shortest_is(v, digits, (int)x.count, (int)x.point);
}

bool
jsonnum_js_canonical(const char *s, size_t n)
{
    enum jsonnum_js c = jsonnum_js_layout(s, n);

    return c == JSONNUM_JS_YES || (c == JSONNUM_JS_NEEDS_VALUE && jsonnum_js_value(s, n));
}
