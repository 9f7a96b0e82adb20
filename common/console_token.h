/* SPDX-License-Identifier: MIT */
/*
 * console_token.h - the operator console's own short-lived tokens
 * (docs/CONSOLE.md, "Console tokens and sign-in links"), minted by the admin
 * function when a one-time sign-in link is exchanged and accepted by the
 * admin function only.
 *
 * A console token is an HS256 JWT shaped like a Supabase Auth access token
 * (sub, email, role "authenticated", app_metadata.role) with aud
 * "ffx-console" and exp 30 minutes after it was minted. Its key is derived:
 * the lower-case hex text of HMAC-SHA256(secret, "ffx-console-token-v1"),
 * where secret is FFX_CONSOLE_TOKEN_SECRET when set, else
 * SUPABASE_JWT_SECRET. Every other verifier (the other functions, PostgREST,
 * Supabase) checks with the project secret itself, so the token is refused
 * there; and a project token claiming aud "ffx-console" is refused here,
 * because the signature is checked with the derived key.
 *
 * A project with JWKS only (no HS256 secret) sets FFX_CONSOLE_TOKEN_SECRET
 * (32 characters or more) to use sign-in links; without a secret
 * console_token_ready() is false and sign-in links are refused.
 *
 * The derived key set lives per process (console_token_module: init/fini);
 * tokens and claims are allocated in the caller's arena.
 */
#ifndef FFX_CONSOLE_TOKEN_H
#define FFX_CONSOLE_TOKEN_H

#include "jwt.h"
#include "module.h"

#include <stdbool.h>
#include <time.h>

struct arena;

#define CONSOLE_TOKEN_AUD   "ffx-console"
#define CONSOLE_TOKEN_LABEL "ffx-console-token-v1"
#define CONSOLE_TOKEN_TTL_S 1800

/* The module the admin function lists after auth_module (it reads
 * SUPABASE_JWT_SECRET, which auth_module declares). Key:
 * FFX_CONSOLE_TOKEN_SECRET. */
extern const struct server_module console_token_module;

/* console_token_key_hex - the derived signing key for secret into out (65
 * bytes: 64 hex digits and a NUL); 0 on success. Exposed for the tests. */
int console_token_key_hex(const char *secret, char out[65]);

/* console_token_ready - whether a key is loaded (a secret is configured). */
bool console_token_ready(void);

/* console_token_mint - a token for this staff member, valid from now for
 * CONSOLE_TOKEN_TTL_S; NULL when no key is loaded. */
char *console_token_mint(struct arena *a, const char *user_id, const char *email,
                         const char *staff_role, time_t now);

/* console_token_verify - jwt_verify against the derived key with audience
 * CONSOLE_TOKEN_AUD: 0 and *out filled, or -1 with a loggable *reason. */
int console_token_verify(struct arena *a, const char *token, time_t now, struct jwt_claims *out,
                         const char **reason);

#endif
