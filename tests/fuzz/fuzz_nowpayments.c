/* SPDX-License-Identifier: MIT */
/*
 * fuzz_nowpayments.c - fuzz target for the response parsers of
 * common/nowpayments.c. The input is an HTTP response body from the
 * NOWPayments API (or an IPN body, which has the payment's shape); it goes
 * through np_parse_invoice, np_parse_payment and np_parse_error.
 *
 * Oracles: a parsed object has its identifying id, ids are decimal text
 * without a leading zero, amounts are plain decimal text (no exponent), and
 * a parsed error has a code or a message.
 */
#include "arena.h"
#include "nowpayments.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena *arena;

static void
fail(const char *what, const char *value)
{
    fprintf(stderr, "fuzz_nowpayments: %s%s%s\n", what, value ? ": " : "", value ? value : "");
    abort();
}

static void
check_id(const char *id, bool required)
{
    if (id == NULL) {
        if (required)
            fail("parsed without its id", NULL);
        return;
    }
    if (id[0] < '1' || id[0] > '9' || strspn(id, "0123456789") != strlen(id) || strlen(id) > 19)
        fail("id is not decimal text", id);
}

static void
check_amount(const char *v)
{
    const char *digits = v != NULL && v[0] == '-' ? v + 1 : v;

    if (v == NULL)
        return;
    if (digits[0] == '\0' || strspn(digits, "0123456789.") != strlen(digits) ||
        strchr(digits, '.') != strrchr(digits, '.'))
        fail("amount is not plain decimal text", v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct np_invoice inv;
    struct np_payment pay;
    struct np_api_error err;

    if (arena == NULL)
        arena = arena_create(64 * 1024);

    if (np_parse_invoice(arena, body, size, &inv) == 0) {
        check_id(inv.id, true);
        check_amount(inv.price_amount);
        if (inv.raw_json == NULL || memcmp(inv.raw_json, body, size) != 0)
            fail("invoice raw_json differs from the body", NULL);
    }
    if (np_parse_payment(arena, body, size, &pay) == 0) {
        check_id(pay.payment_id, true);
        check_id(pay.invoice_id, false);
        check_id(pay.parent_payment_id, false);
        check_id(pay.purchase_id, false);
        check_amount(pay.pay_amount);
        check_amount(pay.price_amount);
        check_amount(pay.actually_paid);
        check_amount(pay.outcome_amount);
        if (pay.raw_json == NULL || memcmp(pay.raw_json, body, size) != 0)
            fail("payment raw_json differs from the body", NULL);
    }
    if (np_parse_error(arena, body, size, &err) == 0) {
        if (err.code == NULL && err.message == NULL)
            fail("error parsed without code or message", NULL);
        if (err.status_code < 0 || err.status_code >= 1000)
            fail("error status code out of range", NULL);
    }
    arena_reset(arena);
    return 0;
}
