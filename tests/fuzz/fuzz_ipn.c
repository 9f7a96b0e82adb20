/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ipn.c - fuzz target for common/ipn.c (NOWPayments IPN signatures).
 *
 * Input: "<x-nowpayments-sig header>\n<body>". Without a newline the whole
 * input is the body and the header is missing. The body is canonicalised
 * in both array styles and verified against two fixed secrets (the
 * arbitrary "my_ipn_secret" of nowpayments.md §5.5 and, as the previous
 * secret with spaces around it, the real one of vector §5.4 (c)). The
 * first 8 bytes of the input, read as a double, go through ipn_js_number.
 *
 * Oracles: the JavaScript number text reads back as the same double; a
 * canonical form is a fixed point (canonicalising it again changes
 * nothing); a signature made over either canonical form verifies.
 */
#include "arena.h"
#include "ipn.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const secrets[] = {
    "my_ipn_secret",
    " m+uEkMgkRR3ir3i+bX4ezfTLne5LN4Pq\n",
    NULL,
};

static struct arena *arena;

static void
fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_ipn: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void
check_number(const uint8_t *data, size_t size)
{
    char out[32];
    double v = 0;

    if (size < sizeof(v))
        return;
    memcpy(&v, data, sizeof(v));
    memset(out, 'x', sizeof(out));
    ipn_js_number(v, out);
    if (memchr(out, '\0', sizeof(out)) == NULL)
        fail("ipn_js_number overflowed its 32 bytes", NULL);
    if (!isfinite(v)) {
        if (strcmp(out, "null") != 0)
            fail("ipn_js_number of a non-finite value", out);
        return;
    }
    if (strtod(out, NULL) != v)
        fail("ipn_js_number does not round-trip", out);
}

/* check_form - the canonical form c of style st: a fixed point, and its
 * signature verifies against the body it came from. */
static void
check_form(const char *body, size_t n, const char *c, enum ipn_array_style st)
{
    char sig[129];
    const char *again = ipn_canonicalize(arena, c, strlen(c), st);
    struct ipn_verified v;

    if (again == NULL || strcmp(again, c) != 0)
        fail("canonical form is not a fixed point", c);
    ipn_sign(secrets[1], c, strlen(c), sig);
    if (ipn_verify(arena, secrets, sig, body, n, &v) == IPN_NO_MATCH || !v.used_previous)
        fail("signature over the canonical form does not verify", c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    const char *header = NULL;
    const char *body = text;
    size_t n = size;
    const char *arrays, *objects;
    struct ipn_verified v;

    if (arena == NULL)
        arena = arena_create(64 * 1024);
    if (nl != NULL) {
        header = arena_strndup(arena, text, (size_t)(nl - text));
        body = nl + 1;
        n = size - (size_t)(nl + 1 - text);
    }

    arrays = ipn_canonicalize(arena, body, n, IPN_ARRAYS_AS_ARRAYS);
    objects = ipn_canonicalize(arena, body, n, IPN_ARRAYS_AS_OBJECTS);
    if ((arrays == NULL) != (objects == NULL))
        fail("one array style parsed and the other did not", NULL);
    ipn_verify(arena, secrets, header, body, n, &v);
    if (arrays != NULL) {
        check_form(body, n, arrays, IPN_ARRAYS_AS_ARRAYS);
        check_form(body, n, objects, IPN_ARRAYS_AS_OBJECTS);
    }
    check_number(data, size);
    arena_reset(arena);
    return 0;
}
