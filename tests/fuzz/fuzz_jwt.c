/* SPDX-License-Identifier: MIT */
/*
 * fuzz_jwt.c - fuzz target for common/jwt.c.
 *
 * The input is used three times:
 *  - as a token, verified (with and without an audience) against a key set
 *    loaded once: the dev HS256 secret plus a JWKS holding one EC P-256
 *    and one RSA-2048 public key (generated once with openssl for this
 *    target; the private halves were only used to sign the seed tokens);
 *  - as JWKS text, loaded into a key set of its own and freed;
 *  - as "<header JSON>\n<payload JSON>" (without a newline: the payload,
 *    under {"alg":"HS256","typ":"JWT"}), made into a token HS256-signed here
 *    with the dev secret, so that the checks behind the signature (header,
 *    claims, times, audience, role) see fuzzed JSON too.
 * Time is fixed at FUZZ_NOW so that the seed tokens stay valid.
 *
 * Oracles: a token verifies only with a known role, an authenticated one
 * only with a UUID sub; a failure always has a reason; a loaded key set
 * counts at least the shared secret.
 */
#include "arena.h"
#include "crypto.h"
#include "jwt.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW        1767225600 /* 2026-01-01T00:00:00Z */
#define FUZZ_DEV_SECRET "super-secret-jwt-token-with-at-least-32-characters-long"

/* kid fuzz-ec-1: P-256; kid fuzz-rsa-1: RSA 2048, e = 65537. */
static const char fuzz_jwks[] =
    "{\"keys\":["
    "{\"kty\":\"EC\",\"kid\":\"fuzz-ec-1\",\"use\":\"sig\",\"alg\":\"ES256\",\"crv\":\"P-256\","
    "\"x\":\"BnTIWYKg8RmEbcjwMUZJHofR3ERkvZ9YWiAxLCbrmS8\","
    "\"y\":\"Wb7BVVR-yV4GDcGUiAe-3DobjjBYNBrZJguvSkvo068\"},"
    "{\"kty\":\"RSA\",\"kid\":\"fuzz-rsa-1\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\""
    "u-Yj5ullcylyxcGXAKcuzPKQckB_QAAcu1Ig2YhDPi0LACi-bJa4aMIn-f0maMhAVvgqLz80MPEc"
    "i6ezxI60EkzaAjdEs-hbMp3zmwxc-lRjwf9g6G0pRkgvUcfyjFhmBT1aXq3ZHz3Qa1VvITvdoy5b"
    "ltWs9TShoVZ0-b__mmVQZpjXyHkEQckTTM-1n1crJiDMYsznbY4uLyZ7eemUASYeMZwbq4driudi"
    "HK_6Ga4mC-bwGfKOMb-QCVKrAycCmwoqL0ydp_Vc25syy7cbMEZSuMgnrtjRBcjzrLlgJO4At5H4"
    "dNN0JsWzMlcQwYqpMjqnNi_COMuXSXAKaCOwuw\",\"e\":\"AQAB\"}"
    "]}";

static struct arena *arena;
static struct jwt_keys *keys; /* process lifetime, like a worker's */

static void
fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_jwt: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void
setup(void)
{
    char err[256];

    arena = arena_create(64 * 1024);
    keys = jwt_keys_load(FUZZ_DEV_SECRET, fuzz_jwks, err, sizeof(err));
    if (keys == NULL || jwt_keys_count(keys) != 3)
        fail("the fixed key set does not load", err);
}

static void
verify(const char *token, size_t len, const char *audience)
{
    struct jwt_claims c;
    const char *reason = NULL;

    if (jwt_verify(keys, arena, token, len, FUZZ_NOW, audience, &c, &reason) != 0) {
        if (reason == NULL)
            fail("jwt_verify failed without a reason", NULL);
        return;
    }
    if (reason != NULL || c.payload == NULL || c.payload_json == NULL)
        fail("jwt_verify succeeded without claims", reason);
    if (c.role != JWT_ROLE_ANON && c.role != JWT_ROLE_AUTHENTICATED && c.role != JWT_ROLE_SERVICE)
        fail("jwt_verify returned an unknown role", NULL);
    if (c.role == JWT_ROLE_AUTHENTICATED && !jwt_is_uuid(c.sub))
        fail("authenticated token without a UUID sub", c.sub);
    if (c.exp < FUZZ_NOW - JWT_LEEWAY_S)
        fail("expired token accepted", c.payload_json);
}

static void
verify_signed(const char *in, size_t n)
{
    static const char default_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    const char *nl = memchr(in, '\n', n);
    const char *header = default_header, *payload = in;
    size_t header_len = sizeof(default_header) - 1, payload_len = n;
    unsigned char mac[CRYPTO_SHA256_LEN];
    const char *input, *token;

    if (nl != NULL) {
        header = in;
        header_len = (size_t)(nl - in);
        payload = nl + 1;
        payload_len = n - header_len - 1;
    }
    input = arena_sprintf(arena, "%s.%s",
                          crypto_b64url_encode(arena, (const unsigned char *)header, header_len),
                          crypto_b64url_encode(arena, (const unsigned char *)payload, payload_len));
    if (crypto_hmac_sha256(FUZZ_DEV_SECRET, strlen(FUZZ_DEV_SECRET), input, strlen(input), mac) !=
        0)
        fail("crypto_hmac_sha256 failed", NULL);
    token = arena_sprintf(arena, "%s.%s", input, crypto_b64url_encode(arena, mac, sizeof(mac)));
    verify(token, strlen(token), NULL);
    verify(token, strlen(token), "authenticated");
}

static void
load_jwks(const char *text)
{
    char err[256];
    struct jwt_keys *k = jwt_keys_load(FUZZ_DEV_SECRET, text, err, sizeof(err));

    if (k == NULL) {
        if (err[0] == '\0')
            fail("jwt_keys_load failed without a reason", NULL);
        return;
    }
    if (jwt_keys_count(k) < 1)
        fail("loaded key set lost the shared secret", NULL);
    jwt_keys_free(k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = NULL;

    if (keys == NULL)
        setup();
    verify((const char *)data, size, NULL);
    verify((const char *)data, size, "authenticated");
    verify_signed((const char *)data, size);
    text = arena_strndup(arena, (const char *)data, size);
    load_jwks(text);
    jwt_is_uuid(text);
    arena_reset(arena);
    return 0;
}
