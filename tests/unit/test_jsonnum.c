/* SPDX-License-Identifier: MIT */
/*
 * test_jsonnum.c - exact JSON numbers (reading, comparing, integers,
 * fixed and plain text: no double anywhere) and ECMAScript's
 * Number::toString with the check that a lexeme is what it writes
 * (expected texts from Node 20).
 */
#include "arena.h"
#include "check.h"
#include "jsonnum.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

static bool
num(const char *s, struct jsonnum *x)
{
    return jsonnum_read(s, strlen(s), x);
}

/* Lexemes: RFC 8259 numbers and what is not one. */
static const struct {
    const char *text;
    bool ok;
    bool negative;
    long decimals;
} read_cases[] = {
    {"0", true, false, 0},
    {"-0", true, false, 0}, /* -0 is zero, and zero is not negative */
    {"649", true, false, 0},
    {"649.00", true, false, 0},
    {"649.50", true, false, 1},
    {"6.495e2", true, false, 1},
    {"1e21", true, false, 0},
    {"1E+21", true, false, 0},
    {"1e-7", true, false, 7},
    {"0.1", true, false, 1},
    {"0.2", true, false, 1},
    {"0.30000000000000004", true, false, 17}, /* 0.1 + 0.2 in a double */
    {"0.09853637216235617", true, false, 17},
    {"12345678901234567.89", true, false, 2},
    {"-12.5", true, true, 1},
    {"1e400", true, false, 0},
    {"1e-400", true, false, 400},
    {"1e99999999999999999999", true, false, 0}, /* the exponent is clamped, not overflowed */
    {"1e-99999999999999999999", true, false, 100000},
    {"00", false, false, 0},
    {"01", false, false, 0},
    {"-01", false, false, 0},
    {"+1", false, false, 0},
    {".5", false, false, 0},
    {"1.", false, false, 0},
    {"-.5", false, false, 0},
    {"1e", false, false, 0},
    {"1e+", false, false, 0},
    {"-", false, false, 0},
    {"", false, false, 0},
    {"1.5.3", false, false, 0},
    {"1e5e5", false, false, 0},
    {"0x10", false, false, 0},
    {"NaN", false, false, 0},
    {"Infinity", false, false, 0},
    {"-Infinity", false, false, 0},
    {" 1", false, false, 0},
    {"1 ", false, false, 0},
    {"1,5", false, false, 0},
    {"\"1\"", false, false, 0},
};

static void
test_read(void)
{
    for (size_t i = 0; i < NELEM(read_cases); i++) {
        struct jsonnum x;
        int failed = check_failed;

        CHECK_INTEQ(num(read_cases[i].text, &x), read_cases[i].ok);
        if (read_cases[i].ok) {
            CHECK_INTEQ(jsonnum_is_negative(&x), read_cases[i].negative);
            CHECK_INTEQ(jsonnum_decimals(&x), read_cases[i].decimals);
        }
        if (check_failed != failed)
            fprintf(stderr, "  in lexeme \"%s\"\n", read_cases[i].text);
    }
    CHECK(!jsonnum_read(NULL, 0, &(struct jsonnum){0}));
}

/* Numeric strings as clients send them. */
static const struct {
    const char *text;
    bool ok;
    const char *fixed2; /* jsonnum_fixed(.., 2) */
} decimal_cases[] = {
    {"649.50", true, "649.50"}, {"649", true, "649.00"}, {"00649", true, "649.00"},
    {".5", true, "0.50"},       {"5.", true, "5.00"},    {"0", true, "0.00"},
    {"", false, NULL},          {".", false, NULL},      {"-1", false, NULL},
    {"+1", false, NULL},        {"1e3", false, NULL},    {" 1", false, NULL},
    {"1 ", false, NULL},        {"1,5", false, NULL},    {"1.2.3", false, NULL},
    {"NaN", false, NULL},
};

static void
test_read_decimal(struct arena *a)
{
    for (size_t i = 0; i < NELEM(decimal_cases); i++) {
        const char *s = decimal_cases[i].text;
        struct jsonnum x;

        CHECK_INTEQ(jsonnum_read_decimal(s, strlen(s), &x), decimal_cases[i].ok);
        if (decimal_cases[i].ok)
            CHECK_STREQ(jsonnum_fixed(a, &x, 2), decimal_cases[i].fixed2);
    }
    CHECK(!jsonnum_read_decimal(NULL, 0, &(struct jsonnum){0}));
    arena_reset(a);
}

/* Comparisons a double gets wrong (or right only by luck). */
static const struct {
    const char *x, *y;
    int want;
} cmp_cases[] = {
    {"0", "-0", 0},
    {"0", "0e400", 0},
    {"649", "649.00", 0},
    {"6.49e2", "649", 0},
    {"64900e-2", "649.0", 0},
    {"0.30000000000000004", "0.3", 1},
    {"0.1", "0.10000000000000000001", -1},
    {"12345678901234567.89", "12345678901234567.88", 1}, /* one double for both */
    {"9007199254740993", "9007199254740992", 1},
    {"1000000000", "999999999.99", 1},
    {"1000000000.000000001", "1e9", 1},
    {"999999999.999999999", "1e9", -1},
    {"1e400", "1e399", 1},
    {"1e-400", "0", 1},
    {"-1e-400", "0", -1},
    {"-1", "1", -1},
    {"-2", "-1", -1},
    {"-0.5", "-0.50", 0},
    {"1e99999999999999999999", "1e100000", 0}, /* both clamped: beyond every caller's range */
};

static void
test_cmp(void)
{
    for (size_t i = 0; i < NELEM(cmp_cases); i++) {
        struct jsonnum x, y;
        int failed = check_failed;

        CHECK(num(cmp_cases[i].x, &x) && num(cmp_cases[i].y, &y));
        CHECK_INTEQ(jsonnum_cmp(&x, &y), cmp_cases[i].want);
        CHECK_INTEQ(jsonnum_cmp(&y, &x), -cmp_cases[i].want);
        if (check_failed != failed)
            fprintf(stderr, "  comparing %s and %s\n", cmp_cases[i].x, cmp_cases[i].y);
    }
}

static const struct {
    const char *text;
    bool ok;
    long long want;
} integer_cases[] = {
    {"0", true, 0},
    {"-0", true, 0},
    {"1e3", true, 1000},
    {"1000.0", true, 1000},
    {"1.5e1", true, 15},
    {"-5", true, -5},
    {"9007199254740993", true, 9007199254740993LL}, /* 2^53 + 1: a double says ...992 */
    {"9223372036854775807", true, LLONG_MAX},
    {"-9223372036854775808", true, LLONG_MIN},
    {"9223372036854775808", false, 0},
    {"-9223372036854775809", false, 0},
    {"92233720368547758070e-1", true, LLONG_MAX},
    {"1e19", false, 0},
    {"12345678901234567890", false, 0},
    {"0.5", false, 0},
    {"1000.5", false, 0},
    {"1e-400", false, 0},
    {"1e400", false, 0},
};

static void
test_integer(void)
{
    for (size_t i = 0; i < NELEM(integer_cases); i++) {
        struct jsonnum x;
        long long v = -1;
        int failed = check_failed;

        CHECK(num(integer_cases[i].text, &x));
        CHECK_INTEQ(jsonnum_integer(&x, &v), integer_cases[i].ok);
        CHECK(v == integer_cases[i].want);
        if (check_failed != failed)
            fprintf(stderr, "  for %s: got %lld\n", integer_cases[i].text, v);
    }
}

static const struct {
    const char *text;
    long decimals;
    const char *want; /* NULL: more decimals than asked, refused */
} fixed_cases[] = {
    {"649", 2, "649.00"},
    {"649.5", 2, "649.50"},
    {"649.00", 2, "649.00"},
    {"649.000", 2, "649.00"},
    {"6.495e2", 2, "649.50"},
    {"0.1", 2, "0.10"},
    {"1e-2", 2, "0.01"},
    {"-0", 2, "0.00"},
    {"0e400", 2, "0.00"},
    {"-1.5", 2, "-1.50"},
    {"12345678901234567.89", 2, "12345678901234567.89"}, /* a double: 12345678901234568.00 */
    {"0.30000000000000004", 17, "0.30000000000000004"},
    {"0.30000000000000004", 2, NULL}, /* never rounded to 0.30 */
    {"0.001", 2, NULL},
    {"649.001", 2, NULL},
    {"1e-400", 2, NULL},
    {"1e21", 0, "1000000000000000000000"},
    {"5", 0, "5"},
    {"0.5", 0, NULL},
};

static void
test_fixed(struct arena *a)
{
    for (size_t i = 0; i < NELEM(fixed_cases); i++) {
        struct jsonnum x;

        CHECK(num(fixed_cases[i].text, &x));
        CHECK_STREQ(jsonnum_fixed(a, &x, fixed_cases[i].decimals), fixed_cases[i].want);
    }
    arena_reset(a);
}

static const struct {
    const char *text;
    const char *want; /* NULL: exponent beyond 400 */
} plain_cases[] = {
    {"649.00", "649.00"}, /* as written: no exponent to apply */
    {"649", "649"},
    {"-0", "-0"},
    {"0.30000000000000004", "0.30000000000000004"},
    {"12345678901234567.89", "12345678901234567.89"},
    {"1e-7", "0.0000001"},
    {"1E-7", "0.0000001"},
    {"2.5e-6", "0.0000025"},
    {"1e21", "1000000000000000000000"},
    {"1.50E+3", "1500"},
    {"1.25e1", "12.5"},
    {"2.50e-1", "0.25"},
    {"123e-1", "12.3"},
    {"0.0012e3", "1.2"},
    {"-1.2e-2", "-0.012"},
    {"0e5", "0"},
    {"-0e5", "0"},
    {"123e0", "123"},
    {"1.0e0", "1"},
    {"1e401", NULL},
    {"1e-401", NULL},
    {"1e-99999999999999999999", NULL},
};

static void
test_plain(struct arena *a)
{
    for (size_t i = 0; i < NELEM(plain_cases); i++) {
        struct jsonnum x;

        CHECK(num(plain_cases[i].text, &x));
        CHECK_STREQ(jsonnum_plain(a, &x, 400), plain_cases[i].want);
    }
    {
        struct jsonnum x;
        const char *s = NULL;

        CHECK(num("1e400", &x));
        s = jsonnum_plain(a, &x, 400);
        CHECK(s != NULL && strlen(s) == 401 && s[0] == '1' && strspn(s + 1, "0") == 400);
        CHECK(num("-1e-400", &x));
        s = jsonnum_plain(a, &x, 400);
        CHECK(s != NULL && strlen(s) == 403 && strncmp(s, "-0.", 3) == 0 && s[402] == '1');
    }
    arena_reset(a);
}

/* Money a double would change keeps its text: what printf("%.2f") makes
 * of the double is shown beside, for contrast. */
static const struct {
    const char *text;
    const char *through_a_double;
} money_cases[] = {
    {"0.30000000000000004", "0.30"},
    {"12345678901234567.89", "12345678901234568.00"},
    {"99999999999999999.99", "100000000000000000.00"},
    {"1000000000.000000001", "1000000000.00"},
};

static void
test_money_keeps_its_text(struct arena *a)
{
    for (size_t i = 0; i < NELEM(money_cases); i++) {
        const char *text = money_cases[i].text;
        char through[64];
        struct jsonnum x, back;

        snprintf(through, sizeof(through), "%.2f", strtod(text, NULL));
        CHECK_STREQ(through, money_cases[i].through_a_double);
        CHECK(num(text, &x));
        CHECK_STREQ(jsonnum_plain(a, &x, 400), text);
        CHECK_STREQ(jsonnum_fixed(a, &x, jsonnum_decimals(&x)), text);
        /* to cents: as it is, or refused; never rounded */
        CHECK_STREQ(jsonnum_fixed(a, &x, 2), jsonnum_decimals(&x) <= 2 ? text : NULL);
        CHECK(num(jsonnum_fixed(a, &x, 30), &back) && jsonnum_cmp(&x, &back) == 0);
    }
    arena_reset(a);
}

/* ECMAScript Number::toString, checked against Node 20. */
static const struct {
    double v;
    const char *want;
} number_cases[] = {
    {15, "15"},
    {0.000002, "0.000002"},
    {0.000083, "0.000083"},
    {1e-7, "1e-7"},
    {1.5e-7, "1.5e-7"},
    {1e21, "1e+21"},
    {123456789, "123456789"},
    {5800567260, "5800567260"},
    {0.09853637216235617, "0.09853637216235617"},
    {14.8106, "14.8106"},
    {69.242455, "69.242455"},
    {1698697946468, "1698697946468"},
    {0.1, "0.1"},
    {100, "100"},
    {999999999999999900000.0, "999999999999999900000"},
    {0.000001, "0.000001"},
    {1.7976931348623157e308, "1.7976931348623157e+308"},
    {5e-324, "5e-324"},
    {0, "0"},
    {-0.0, "0"},
    {-15, "-15"},
    {-1e-7, "-1e-7"},
    {-0.000002, "-0.000002"},
    {1e20, "100000000000000000000"},
    {1.5e21, "1.5e+21"},
    {123e-20, "1.23e-18"},
    {0.30000000000000004, "0.30000000000000004"},
    {9007199254740992, "9007199254740992"},
    {1.2345678901234569e+23, "1.2345678901234569e+23"},
    {2.2250738585072014e-308, "2.2250738585072014e-308"},
    {0.00022187, "0.00022187"},
    {1765249461097, "1765249461097"},
    /* 2^-778: the correctly rounded 16 digits miss (the rounding interval
     * of a power of two is lopsided); the digit above is the shortest */
    {6.290184345309701e-235, "6.290184345309701e-235"},
};

static void
test_js_number(void)
{
    char out[32];

    for (size_t i = 0; i < NELEM(number_cases); i++) {
        jsonnum_js_text(number_cases[i].v, out);
        CHECK_STREQ(out, number_cases[i].want);
    }
    jsonnum_js_text(NAN, out);
    CHECK_STREQ(out, "null");
    jsonnum_js_text(INFINITY, out);
    CHECK_STREQ(out, "null");
    jsonnum_js_text(-INFINITY, out);
    CHECK_STREQ(out, "null");
}

/* Lexemes and whether Number::toString writes exactly them (Node 20). */
static const struct {
    const char *lexeme;
    bool canonical;
} lexeme_cases[] = {
    {"15", true},
    {"0", true},
    {"-15", true},
    {"0.000002", true},
    {"0.000001", true},
    {"1e-7", true},
    {"1.5e-7", true},
    {"-1e-7", true},
    {"1e+21", true},
    {"1e+100", true},
    {"14.8106", true},
    {"0.1", true},
    {"100", true},
    {"5800567260", true},
    {"1698697946468", true},
    {"123456789", true},
    {"999999999999999900000", true},
    {"0.09853637216235617", true}, /* 16 digits, from a real IPN */
    {"0.30000000000000004", true}, /* 17 digits */
    {"9007199254740992", true},    /* 2^53 */
    {"1.7976931348623157e+308", true},
    {"2.2250738585072014e-308", true},
    {"5e-324", true}, /* the smallest subnormal */
    {"1e-323", true},
    {"6.290184345309701e-235", true}, /* 2^-778: the digit above the correctly rounded one */
    {"15.0", false},
    {"1.50", false},
    {"1E5", false},
    {"1e5", false},  /* 100000 */
    {"1e21", false}, /* 1e+21 */
    {"1E+21", false},
    {"1e+20", false},     /* 100000000000000000000 */
    {"0.0000001", false}, /* 1e-7 */
    {"1e-6", false},      /* 0.000001 */
    {"1e-07", false},
    {"2e-06", false}, /* as Python writes 0.000002 */
    {"100e-2", false},
    {"0.1e1", false},
    {"1.0e5", false},
    {"5784971961.0000001", false}, /* reads as 5784971961 */
    {"649.00000000000001", false},
    {"0.30000000000000003", false},     /* reads as 0.30000000000000004, which is closer */
    {"9007199254740993", false},        /* reads as 2^53 */
    {"4.9406564584124654e-324", false}, /* 5e-324 */
    {"0.12345678901234567890", false},
    {"-0", false},
    {"0.0", false},
    {"0e0", false},
    {"1e400", false}, /* Infinity: JSON.stringify writes null */
    {"-1e400", false},
    {"1e-400", false}, /* 0 */
    {"00", false},
    {"01", false},
    {"1.", false},
    {".5", false},
    {"+1", false},
    {"-", false},
    {"", false},
    {"1e", false},
    {"0x10", false},
    {"NaN", false},
    {"Infinity", false},
    {"-Infinity", false},
    {"1 ", false},
};

static void
test_number_canonical(void)
{
    for (size_t i = 0; i < NELEM(lexeme_cases); i++) {
        const char *s = lexeme_cases[i].lexeme;
        int failed = check_failed;

        CHECK_INTEQ(jsonnum_js_canonical(s, strlen(s)), lexeme_cases[i].canonical);
        if (check_failed != failed)
            fprintf(stderr, "  in lexeme \"%s\"\n", s);
    }
}

/* Doubles of every magnitude, as random bit patterns: what jsonnum_js_text
 * writes is canonical, and the same value written another way is not. */
static void
test_number_random(void)
{
    unsigned long long x = 0x9E3779B97F4A7C15ull;
    int failed = check_failed;

    for (int i = 0; i < 200000 && check_failed == failed; i++) {
        char text[32], other[48];
        double v = 0;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        memcpy(&v, &x, sizeof(v));
        if (!isfinite(v))
            continue;
        jsonnum_js_text(v, text);
        CHECK(jsonnum_js_canonical(text, strlen(text)));
        /* with a zero more at the end of the digits, or in %.17g's spelling */
        {
            const char *e = strchr(text, 'e') != NULL ? strchr(text, 'e') : text + strlen(text);

            snprintf(other, sizeof(other), "%.*s%s%s", (int)(e - text), text,
                     memchr(text, '.', (size_t)(e - text)) != NULL ? "0" : ".0", e);
            CHECK(!jsonnum_js_canonical(other, strlen(other)));
        }
        snprintf(other, sizeof(other), "%.17g", v);
        CHECK(strcmp(other, text) == 0 || !jsonnum_js_canonical(other, strlen(other)));
        if (check_failed != failed)
            fprintf(stderr, "  for %s (other %s)\n", text, other);
    }
}

int
main(void)
{
    struct arena *a = arena_create(4096);

    test_read();
    test_read_decimal(a);
    test_cmp();
    test_integer();
    test_fixed(a);
    test_plain(a);
    test_money_keeps_its_text(a);
    test_js_number();
    test_number_canonical();
    test_number_random();
    arena_destroy(a);
    return check_done();
}
