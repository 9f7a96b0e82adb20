/* SPDX-License-Identifier: MIT */
/*
 * jsonnum.h - JSON numbers read exactly, from their text.
 *
 * Money arrives as JSON numbers or numeric strings (a client's amount,
 * NOWPayments' pay_amount and actually_paid) and is stored as PostgreSQL
 * numeric. It never passes through a double: a number is read from its
 * lexeme into a struct jsonnum, which points at the digits as written, and
 * is compared, checked and written out from those digits. 649.00 stays
 * 649.00, 0.30000000000000004 keeps its 17 digits, 12345678901234567.89
 * its last two.
 *
 * The one question about doubles is the JavaScript part at the end: whether
 * a lexeme is exactly what JavaScript's Number::toString writes for the
 * double the lexeme reads as, which is what an IPN signer's JSON.parse and
 * JSON.stringify made of it (the IPN strict rules, ipn.h). Even there the
 * value kept is the lexeme.
 */
#ifndef FFX_JSONNUM_H
#define FFX_JSONNUM_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* A number as written: sign, integer digits, fraction digits, exponent;
 * and its value as 0.d1d2...dk x 10^point, d1 not zero, the k significant
 * digits being those of intp+frac from position first. */
struct jsonnum {
    const char *text; /* the whole text read */
    size_t len;
    bool negative;
    const char *intp; /* integer digits as written (none in ".5") */
    size_t nint;
    const char *frac; /* fraction digits as written, after the point */
    size_t nfrac;
    bool has_exp;
    long exp;     /* as written, clamped to +-100000 so that it cannot overflow */
    size_t first; /* the first significant digit, in intp+frac */
    size_t count; /* significant digits, trailing zeros left out; 0 for zero */
    long point;
};

/* jsonnum_read - s[0..n) as one JSON number lexeme (RFC 8259: no "01",
 * "+1", ".5", "1.", "NaN"); false when it is not exactly one. */
bool jsonnum_read(const char *s, size_t n, struct jsonnum *out);

/* jsonnum_read_decimal - s[0..n) as a plain decimal: digits with at most
 * one point and at least one digit ("649.50", "00649", ".5", "5."), what a
 * JavaScript client may put in a numeric string; no sign, no exponent. */
bool jsonnum_read_decimal(const char *s, size_t n, struct jsonnum *out);

/* jsonnum_cmp - <0, 0, >0 as the value x is below, equal to or above y
 * (-0 equals 0). */
int jsonnum_cmp(const struct jsonnum *x, const struct jsonnum *y);

/* jsonnum_is_zero / jsonnum_is_negative - of the value: -0 is zero, and
 * not negative. */
bool jsonnum_is_zero(const struct jsonnum *x);
bool jsonnum_is_negative(const struct jsonnum *x);

/* jsonnum_decimals - how many fraction digits the value needs: 0 for 649,
 * 649.00 and 6.49e2; 1 for 649.50; 7 for 1e-7. */
long jsonnum_decimals(const struct jsonnum *x);

/* jsonnum_integer - the value as a long long, when it is an integer
 * within LLONG_MIN..LLONG_MAX (1e3 and 1000.0 are; 1000.5 is not). */
bool jsonnum_integer(const struct jsonnum *x, long long *out);

/* jsonnum_fixed - the value with exactly `decimals` fraction digits
 * ("649.50" for 649.5 and 2), in the arena; zero has no sign. NULL when the
 * value needs more than `decimals` digits (nothing is rounded). */
char *jsonnum_fixed(struct arena *a, const struct jsonnum *x, long decimals);

/* jsonnum_plain - the number without an exponent, in the arena: its text
 * as written when it has none ("649.00" stays), else the exponent applied
 * by moving the point ("1e-7" is "0.0000001", "1.50E+3" is "1500"); NULL
 * when the exponent is beyond +-exp_max. */
char *jsonnum_plain(struct arena *a, const struct jsonnum *x, long exp_max);

/* ---- JavaScript's Number::toString ------------------------------------ */

/* jsonnum_js_text - v as ECMAScript Number::toString writes it (the
 * shortest digits that read back as v, laid out as ECMA-262 says: 15,
 * 0.000002, 1e-7, 1e+21), into out (room for 32 bytes); "null" for NaN and
 * the infinities, as JSON.stringify writes them; "0" for -0. */
void jsonnum_js_text(double v, char out[32]);

/* What the cheap part of the check of a lexeme found. */
enum jsonnum_js {
    JSONNUM_JS_NOT,         /* not as Number::toString writes any double */
    JSONNUM_JS_YES,         /* exactly as it writes the double it reads as */
    JSONNUM_JS_NEEDS_VALUE, /* laid out right; jsonnum_js_value decides */
};

/* jsonnum_js_layout - the cheap check, with no conversion: the lexeme must
 * be laid out as Number::toString lays out its digits, and one of at most
 * 15 significant digits in the normal range then is canonical. */
enum jsonnum_js jsonnum_js_layout(const char *s, size_t n);

/* jsonnum_js_value - for a lexeme found JSONNUM_JS_NEEDS_VALUE: whether
 * its digits are the ones Number::toString picks for the double it reads
 * as. Costs a few strtod and snprintf calls on long digit strings (about
 * 1-2 us), which is why the IPN rules bound how many a body may make. */
bool jsonnum_js_value(const char *s, size_t n);

/* jsonnum_js_canonical - both checks: s[0..n) is written exactly as
 * Number::toString writes the double it reads as (15, 0.000002, 1e-7 are;
 * 15.0, 1.50, 1E5, 5784971961.0000001 are not). */
bool jsonnum_js_canonical(const char *s, size_t n);

#endif
