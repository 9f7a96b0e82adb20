/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ipn.c - fuzz target for common/ipn.c (NOWPayments IPN signatures
 * and the strict rules).
 *
 * Input: "<x-nowpayments-sig header>\n<body>". Without a newline the whole
 * input is the body and the header is missing. The body is canonicalised
 * in both array styles by the reference (ipn_canonicalize) and, when it
 * keeps the strict rules, by the strict path (ipn_strict_canonical), and
 * verified against two fixed secrets (the arbitrary "my_ipn_secret" of
 * the worked signature examples and, as the previous secret with spaces
 * around it, the one of the real 2025 production IPN vector, as in
 * test_ipn.c). The first 8 bytes of the input, read
 * as a double, go through jsonnum_js_text and jsonnum_js_canonical, and the
 * whole input, when short, through jsonnum_js_canonical.
 *
 * Oracles: the JavaScript number text reads back as the same double and
 * is canonical, and a lexeme found canonical is what jsonnum_js_text writes;
 * a reference canonical form is a fixed point; whatever keeps the strict
 * rules has both canonical forms, equal to the reference's, and its
 * arrays form keeps the rules and canonicalises to itself (so does the
 * objects form when it keeps them: arrays turned into objects may exceed
 * the key bound); a signature over either form verifies, returning that
 * form, when the body is small enough for the canonical fallback; a body
 * that breaks the rules never verifies, whatever the signature.
 */
#include "arena.h"
#include "ipn.h"
#include "jsonnum.h"

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
    jsonnum_js_text(v, out);
    if (memchr(out, '\0', sizeof(out)) == NULL)
        fail("jsonnum_js_text overflowed its 32 bytes", NULL);
    if (!isfinite(v)) {
        if (strcmp(out, "null") != 0)
            fail("jsonnum_js_text of a non-finite value", out);
        return;
    }
    if (strtod(out, NULL) != v)
        fail("jsonnum_js_text does not round-trip", out);
    if (!jsonnum_js_canonical(out, strlen(out)))
        fail("what jsonnum_js_text writes is not canonical", out);
}

/* check_lexeme - the whole input as a number: canonical only if it is
 * exactly what jsonnum_js_text writes for the double it reads as. */
static void
check_lexeme(const uint8_t *data, size_t size)
{
    char text[40], js[32];

    if (size == 0 || size >= sizeof(text) || !jsonnum_js_canonical((const char *)data, size))
        return;
    memcpy(text, data, size);
    text[size] = '\0';
    jsonnum_js_text(strtod(text, NULL), js);
    if (strcmp(js, text) != 0)
        fail("a lexeme found canonical is not what Number::toString writes", text);
}

/* check_reference - the reference form c of style st is a fixed point. */
static void
check_reference(const char *c, enum ipn_array_style st)
{
    const char *again = ipn_canonicalize(arena, c, strlen(c), st);

    if (again == NULL || strcmp(again, c) != 0)
        fail("canonical form is not a fixed point", c);
}

/* check_signed - a signature over the form c of a strict body verifies
 * and returns c, when the body is small enough for the canonical path. */
static void
check_signed(const char *body, size_t n, const char *c)
{
    struct ipn_verified v;
    enum ipn_match m = IPN_NO_MATCH;
    char sig[129];

    ipn_sign(secrets[1], c, strlen(c), sig);
    m = ipn_verify(arena, secrets, sig, body, n, &v);
    if (m == IPN_INVALID)
        fail("a strict body was refused as invalid", c);
    if (n > IPN_CANONICAL_MAX && !(n == strlen(c) && memcmp(body, c, n) == 0)) {
        if (m != IPN_NO_MATCH)
            fail("a large body matched through a canonical form", c);
        return;
    }
    if (m == IPN_NO_MATCH || !v.used_previous || v.len != strlen(c) || memcmp(v.text, c, v.len))
        fail("a signature over a canonical form does not verify to it", c);
}

/* check_strict - the strict path on a body that keeps the rules. */
static void
check_strict(const char *body, size_t n, const char *reference[2])
{
    for (int st = IPN_ARRAYS_AS_ARRAYS; st <= IPN_ARRAYS_AS_OBJECTS; st++) {
        const char *c = ipn_strict_canonical(arena, body, n, (enum ipn_array_style)st);
        const char *again = NULL;

        if (c == NULL)
            fail("a strict body has no canonical form", NULL);
        if (reference[st] == NULL || strcmp(c, reference[st]) != 0)
            fail("the strict canonical form differs from the reference", c);
        if (ipn_strict_check(arena, c, strlen(c)) != NULL) {
            if (st == IPN_ARRAYS_AS_ARRAYS)
                fail("the arrays form of a strict body breaks the rules", c);
        } else {
            again = ipn_strict_canonical(arena, c, strlen(c), (enum ipn_array_style)st);
            if (again == NULL || strcmp(again, c) != 0)
                fail("the strict canonical form is not a fixed point", c);
        }
        check_signed(body, n, c);
    }
}

/* check_not_strict - a body that breaks the rules never verifies. */
static void
check_not_strict(const char *header, const char *body, size_t n, const char *reference[2])
{
    for (int st = IPN_ARRAYS_AS_ARRAYS; st <= IPN_ARRAYS_AS_OBJECTS; st++) {
        char sig[129];
        const char *tried[] = {header, sig};

        if (reference[st] == NULL)
            continue;
        ipn_sign(secrets[0], reference[st], strlen(reference[st]), sig);
        for (size_t i = 0; i < 2; i++) {
            enum ipn_match m = ipn_verify(arena, secrets, tried[i], body, n, NULL);

            if (m == IPN_MATCH_RAW || m == IPN_MATCH_CANONICAL)
                fail("a body that breaks the strict rules verified", reference[st]);
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    const char *header = NULL;
    const char *body = text;
    size_t n = size;
    const char *reference[2];

    if (arena == NULL)
        arena = arena_create(64 * 1024);
    if (nl != NULL) {
        header = arena_strndup(arena, text, (size_t)(nl - text));
        body = nl + 1;
        n = size - (size_t)(nl + 1 - text);
    }

    reference[0] = ipn_canonicalize(arena, body, n, IPN_ARRAYS_AS_ARRAYS);
    reference[1] = ipn_canonicalize(arena, body, n, IPN_ARRAYS_AS_OBJECTS);
    if ((reference[0] == NULL) != (reference[1] == NULL))
        fail("one array style parsed and the other did not", NULL);
    ipn_verify(arena, secrets, header, body, n, NULL);
    if (reference[0] != NULL) {
        check_reference(reference[0], IPN_ARRAYS_AS_ARRAYS);
        check_reference(reference[1], IPN_ARRAYS_AS_OBJECTS);
    }
    if (ipn_strict_check(arena, body, n) == NULL)
        check_strict(body, n, reference);
    else
        check_not_strict(header, body, n, reference);
    check_number(data, size);
    check_lexeme(data, size);
    arena_reset(arena);
    return 0;
}
