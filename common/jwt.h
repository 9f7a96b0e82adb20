/* SPDX-License-Identifier: MIT */
/*
 * jwt.h - verification (and, for the admin tool, HS256 signing) of
 * Supabase-compatible JSON Web Tokens.
 *
 * Keys: the HS256 shared secret (SUPABASE_JWT_SECRET) and the public keys of
 * a JWKS (ES256 on P-256, RS256 on RSA >= 2048 bits), chosen by `kid`.
 * Algorithms are an allow-list: HS256, ES256, RS256. "none", anything else,
 * and any algorithm with no configured key are rejected. An HS256 token is
 * only ever checked against the shared secret and an ES256/RS256 token only
 * against a JWK of the matching key type (no algorithm confusion).
 *
 * Claims: exp is required; exp, nbf and iat are checked with JWT_LEEWAY_S;
 * aud is checked only when an audience is configured (string or array);
 * role must be anon, authenticated or service_role, and authenticated
 * needs a UUID sub. Tokens over JWT_MAX_LEN bytes are rejected before any
 * decoding.
 */
#ifndef FFX_JWT_H
#define FFX_JWT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct arena;

#define JWT_MAX_LEN  8192
#define JWT_LEEWAY_S 30

enum jwt_role { JWT_ROLE_ANON, JWT_ROLE_AUTHENTICATED, JWT_ROLE_SERVICE };

/* Process-lifetime key set (malloc'd, freed by jwt_keys_free). */
struct jwt_keys;

/* jwt_keys_load - build a key set from the HS256 secret (NULL or "" for
 * none) and a JWKS JSON document (NULL for none). Private members of a JWK
 * are ignored; "oct" keys in the JWKS are ignored (the shared secret comes
 * only from hs256_secret). Returns NULL and writes a reason into err (at
 * least 128 bytes) when the JWKS is malformed or a key is unusable. */
struct jwt_keys *jwt_keys_load(const char *hs256_secret, const char *jwks_json, char *err,
                               size_t err_len);
void jwt_keys_free(struct jwt_keys *keys);

/* jwt_keys_count - number of usable keys (the secret counts as one). */
size_t jwt_keys_count(const struct jwt_keys *keys);

struct jwt_claims {
    enum jwt_role role;
    const char *sub;          /* NULL for anon/service_role keys without one */
    const char *email;        /* NULL when absent */
    bool is_admin;            /* app_metadata.role == "admin" */
    const cJSON *payload;     /* the whole verified payload (arena-owned) */
    const char *payload_json; /* its text as received, for request.jwt.claims */
    long long exp;
};

/* jwt_verify - check token[0..len) at time `now` against keys and, when
 * audience is non-NULL, its aud claim. On success fills *out (arena-owned)
 * and returns 0. On failure returns -1 and sets *reason to a static,
 * loggable explanation ("expired", "bad signature", "unknown kid", ...):
 * never sent to the client, never containing the token. */
int jwt_verify(const struct jwt_keys *keys, struct arena *a, const char *token, size_t len,
               time_t now, const char *audience, struct jwt_claims *out, const char **reason);

/* jwt_sign_hs256 - header {"alg":"HS256","typ":"JWT"} + the given payload,
 * signed with secret; the token is allocated in the arena. */
char *jwt_sign_hs256(struct arena *a, const char *secret, const cJSON *payload);

/* jwt_is_uuid - canonical 8-4-4-4-12 hex form (either case). */
bool jwt_is_uuid(const char *s);

#endif
