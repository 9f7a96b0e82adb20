/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json.c - fuzz target for common/json.c, common/body.c and common/text.c.
 *
 * The input is a request body, any bytes. It goes through json_parse and
 * json_print, then through body_parse and every request-body validator
 * with the bounds the functions use (create-order, create-crypto-payment),
 * and through text_utf8_clean, whose output must be NUL-free valid UTF-8.
 * Amounts must come out as exact cents text (is_amount).
 */
#include "arena.h"
#include "body.h"
#include "err.h"
#include "json.h"
#include "request.h"
#include "text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const required_fields[] = {
    "orderId",        "userId", "accountType", "accountSize", "platformType",
    "cryptoCurrency", "amount", "finalAmount", NULL,
};
static const char *const account_types[] = {"instant", "hft", "one_step", "two_step", NULL};
static const char *const platforms[] = {"mt4", "mt5", NULL};
static const char *const string_fields[] = {"orderId", "userId", "cryptoCurrency", "discountCode",
                                            NULL};
static const char *const amount_fields[] = {"amount", "finalAmount", NULL};

static struct arena *arena;

static int
null_write(void *ctx, const char *buf, size_t n)
{
    (void)ctx, (void)buf, (void)n;
    return 0;
}

/* fail - an oracle did not hold: crash, so the fuzzer keeps the input. */
static void
fail(const char *what)
{
    fprintf(stderr, "fuzz_json: %s\n", what);
    abort();
}

static void
check_clean(const char *in, size_t n)
{
    const char *out = text_utf8_clean(arena, in, n);
    size_t len = strlen(out);

    if (len > 3 * n)
        fail("text_utf8_clean grew more than 3x");
    for (size_t i = 0; i < len;) {
        size_t step = utf8_seq_len((const unsigned char *)out + i, len - i);

        if (step == 0)
            fail("text_utf8_clean left invalid UTF-8");
        i += step;
    }
}

/* is_amount - digits, a point, two digits, at most 1000000000.00, and no
 * needless leading zero ("0.50", not "00.50"). */
static bool
is_amount(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0, whole = s != NULL ? strspn(s, "0123456789") : 0;

    if (n < 4 || whole != n - 3 || s[whole] != '.' || strspn(s + whole + 1, "0123456789") != 2)
        return false;
    if (whole > 1 && s[0] == '0')
        return false;
    return whole < 10 || strcmp(s, "1000000000.00") == 0;
}

static void
check_validators(struct req *r, const cJSON *body)
{
    const char *s = NULL;
    long long v = 0;

    body_require_fields(r, body, required_fields);
    err_clear(&r->call.err);
    for (size_t i = 0; string_fields[i] != NULL; i++) {
        if (body_field_string(r, body, string_fields[i], 32, i == 3, &s) == ERR_OK && s != NULL &&
            (s[0] == '\0' || strlen(s) > 32))
            fail("body_field_string accepted a bad length");
        err_clear(&r->call.err);
    }
    if (body_field_choice(r, body, "accountType", account_types, &s) == ERR_OK && s == NULL)
        fail("body_field_choice succeeded without a value");
    err_clear(&r->call.err);
    body_field_choice(r, body, "platformType", platforms, &s);
    err_clear(&r->call.err);
    if (body_field_int(r, body, "accountSize", 1, 100000000, &v) == ERR_OK &&
        (v < 1 || v > 100000000))
        fail("body_field_int out of bounds");
    err_clear(&r->call.err);
    body_field_int(r, body, "amount", 0, 4294967295LL, &v);
    err_clear(&r->call.err);
    for (size_t i = 0; amount_fields[i] != NULL; i++) {
        if (body_field_amount(r, body, amount_fields[i], &s) == ERR_OK && !is_amount(s))
            fail("body_field_amount wrote a bad amount");
        err_clear(&r->call.err);
    }
    json_string_field(body, "orderId");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct resp_sink sink = {.write = null_write, .ctx = NULL};
    struct req r;
    cJSON *tree = NULL;

    if (arena == NULL)
        arena = arena_create(64 * 1024);

    tree = json_parse(arena, text, size);
    if (tree != NULL)
        json_print(arena, tree);

    req_init(&r, arena, sink);
    r.body = arena_strndup(arena, text, size);
    r.body_len = size;
    if (body_parse(&r, &tree) == ERR_OK) {
        if (!cJSON_IsObject(tree))
            fail("body_parse returned a non-object");
        check_validators(&r, tree);
    } else if (tree != NULL || r.call.err.code != ERR_BAD_REQUEST) {
        fail("body_parse failed without a 400");
    }

    check_clean(text, size);
    arena_reset(arena);
    return 0;
}
