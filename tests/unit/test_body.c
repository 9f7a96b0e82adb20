/* SPDX-License-Identifier: MIT */
#include "arena.h"
#include "body.h"
#include "check.h"

#include <limits.h>

static const struct {
    const char *body;
    int ok; /* parses as one JSON object */
} body_cases[] = {
    {"{\"a\":1}", 1},
    {"  {\"a\":[1,2,{\"b\":null}]}\n", 1},
    {"", 0},
    {"{", 0},
    {"{\"a\":1", 0},
    {"{\"a\":1} trailing", 0},
    {"{\"a\":1}{\"b\":2}", 0},
    {"[1,2]", 0},
    {"\"just a string\"", 0},
    {"null", 0},
    {"{\"a\":NaN}", 0},
    {"{'a':1}", 0},
    {"{\"a\":\"\\ud800\"}", 0},     /* a lone surrogate escape is not text */
    {"{\"a\":\"x\\u0000y\"}", 0},   /* an escaped NUL would cut the value short */
    {"{\"a\":\"x\\\\u0000y\"}", 1}, /* an escaped backslash, then plain text */
};

static void
test_parse_body(struct arena *a)
{
    for (size_t i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
        struct req r;
        cJSON *root = NULL;

        memset(&r, 0, sizeof(r));
        r.call.arena = a;
        r.body = (char *)body_cases[i].body;
        r.body_len = strlen(body_cases[i].body);
        if (body_cases[i].ok) {
            CHECK_INTEQ(body_parse(&r, &root), ERR_OK);
            CHECK(cJSON_IsObject(root));
        } else {
            CHECK_INTEQ(body_parse(&r, &root), ERR_BAD_REQUEST);
            CHECK_STREQ(r.call.err.msg, "Invalid JSON");
            CHECK(root == NULL);
        }
        arena_reset(a);
    }
}

/* body_of - a request whose body is text, parsed: the validators read the
 * body, as the functions call them. */
static cJSON *
body_of(struct arena *a, struct req *r, const char *text)
{
    cJSON *root = NULL;

    req_init(r, a, (struct resp_sink){NULL, NULL});
    r->body = arena_strdup(a, text);
    r->body_len = strlen(text);
    CHECK_INTEQ(body_parse(r, &root), ERR_OK);
    return root;
}

/* Amounts as sent and as body_field_amount must hand them on (NULL: a 400
 * with that message). No double is involved: an amount a double would round
 * (999999999.999999999 reads as 1e9, 1.000000001 within a cent's millionth)
 * is compared as the decimal it is. */
static const struct {
    const char *json;
    const char *want;
    const char *message; /* when want is NULL */
} amount_cases[] = {
    {"649", "649.00", NULL},
    {"649.5", "649.50", NULL},
    {"649.00", "649.00", NULL},
    {"649.000", "649.00", NULL}, /* trailing zeros add no decimal */
    {"\"649.50\"", "649.50", NULL},
    {"\"649\"", "649.00", NULL},
    {"\".5\"", "0.50", NULL}, /* what a JavaScript client may put in a string */
    {"\"5.\"", "5.00", NULL},
    {"\"00649.5\"", "649.50", NULL},
    {"6.495e2", "649.50", NULL},
    {"64950E-2", "649.50", NULL},
    {"0", "0.00", NULL},
    {"-0", "0.00", NULL},
    {"0.0", "0.00", NULL},
    {"0.1", "0.10", NULL},
    {"0.57", "0.57", NULL},
    {"999999999.99", "999999999.99", NULL},
    {"1000000000", "1000000000.00", NULL},
    {"1e9", "1000000000.00", NULL},
    {"1000000000.00", "1000000000.00", NULL},
    {"1000000000.01", NULL, "Invalid amount: must be a non-negative amount"},
    {"1000000000.000000001", NULL, "Invalid amount: must be a non-negative amount"},
    {"1e10", NULL, "Invalid amount: must be a non-negative amount"},
    {"12345678901234567.89", NULL, "Invalid amount: must be a non-negative amount"},
    {"1e400", NULL, "Invalid amount: must be a non-negative amount"},
    {"-1", NULL, "Invalid amount: must be a non-negative amount"},
    {"-0.01", NULL, "Invalid amount: must be a non-negative amount"},
    {"649.001", NULL, "Invalid amount: at most 2 decimals"},
    {"999999999.995", NULL, "Invalid amount: at most 2 decimals"},
    {"999999999.999999999", NULL, "Invalid amount: at most 2 decimals"},
    {"1.000000001", NULL, "Invalid amount: at most 2 decimals"},
    {"0.30000000000000004", NULL, "Invalid amount: at most 2 decimals"},
    {"1e-9", NULL, "Invalid amount: at most 2 decimals"},
    {"1.5e-320", NULL, "Invalid amount: at most 2 decimals"},
    {"\"1e3\"", NULL, "Invalid amount: must be a non-negative amount"},
    {"\"-1\"", NULL, "Invalid amount: must be a non-negative amount"},
    {"\" 1\"", NULL, "Invalid amount: must be a non-negative amount"},
    {"\"1.2.3\"", NULL, "Invalid amount: must be a non-negative amount"},
    {"\".\"", NULL, "Invalid amount: must be a non-negative amount"},
    {"\"\"", NULL, "Invalid amount: must be a non-negative amount"},
    {"true", NULL, "Invalid amount: must be a non-negative amount"},
    {"null", NULL, "Invalid amount: must be a non-negative amount"},
    {"[1]", NULL, "Invalid amount: must be a non-negative amount"},
    {"{}", NULL, "Invalid amount: must be a non-negative amount"},
};

static void
test_amounts(struct arena *a)
{
    for (size_t i = 0; i < sizeof(amount_cases) / sizeof(amount_cases[0]); i++) {
        struct req r;
        const char *text = arena_sprintf(a, "{\"orderId\":\"x\",\"amount\":%s,\"n\":1.5e-7}",
                                         amount_cases[i].json);
        cJSON *body = body_of(a, &r, text);
        const char *got = NULL;
        int failed = check_failed;

        if (amount_cases[i].want != NULL) {
            CHECK_INTEQ(body_field_amount(&r, body, "amount", &got), ERR_OK);
            CHECK_STREQ(got, amount_cases[i].want);
        } else {
            CHECK_INTEQ(body_field_amount(&r, body, "amount", &got), ERR_BAD_REQUEST);
            CHECK(got == NULL);
            CHECK_STREQ(r.call.err.msg, amount_cases[i].message);
        }
        if (check_failed != failed)
            fprintf(stderr, "  for amount %s\n", amount_cases[i].json);
        arena_reset(a);
    }
}

/* Integers exactly: 2^53 + 1 and the long long bounds are not what a
 * double would make of them. */
static const struct {
    const char *json;
    long long min, max;
    bool ok;
    long long want;
} int_cases[] = {
    {"10000", 1, 100000000, true, 10000},
    {"1e4", 1, 100000000, true, 10000},
    {"10000.0", 1, 100000000, true, 10000},
    {"\"10000\"", 1, 100000000, true, 10000},
    {"\"10000.\"", 1, 100000000, true, 10000},
    {"100000000", 1, 100000000, true, 100000000},
    {"-0", 0, 10, true, 0},
    {"-5", -10, 10, true, -5},
    {"9007199254740993", 0, LLONG_MAX, true, 9007199254740993LL},
    {"9223372036854775807", 0, LLONG_MAX, true, LLONG_MAX},
    {"-9223372036854775808", LLONG_MIN, 0, true, LLONG_MIN},
    {"9223372036854775808", 0, LLONG_MAX, false, 0},
    {"1e19", 0, LLONG_MAX, false, 0},
    {"100000001", 1, 100000000, false, 0},
    {"0", 1, 100000000, false, 0},
    {"10000.5", 1, 100000000, false, 0},
    {"100000000.000000001", 1, 100000000, false, 0},
    {"1.5e-320", 0, 10, false, 0},
    {"1e309", 1, 100000000, false, 0},
    {"\"1e3\"", 1, 100000000, false, 0},
    {"\"-1\"", -10, 10, false, 0},
    {"\"\"", 1, 100000000, false, 0},
    {"true", 1, 100000000, false, 0},
    {"[10000]", 1, 100000000, false, 0},
};

static void
test_ints(struct arena *a)
{
    for (size_t i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
        struct req r;
        const char *text = arena_sprintf(a, "{\"size\":%s}", int_cases[i].json);
        cJSON *body = body_of(a, &r, text);
        long long got = -1;
        int failed = check_failed;

        CHECK_INTEQ(body_field_int(&r, body, "size", int_cases[i].min, int_cases[i].max, &got),
                    int_cases[i].ok ? ERR_OK : ERR_BAD_REQUEST);
        CHECK(got == int_cases[i].want);
        if (check_failed != failed)
            fprintf(stderr, "  for integer %s: got %lld\n", int_cases[i].json, got);
        arena_reset(a);
    }
}

int
main(void)
{
    struct arena *a = arena_create(4096);

    test_parse_body(a);
    test_amounts(a);
    test_ints(a);
    arena_destroy(a);
    return check_done();
}
