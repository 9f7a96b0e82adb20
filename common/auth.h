/* SPDX-License-Identifier: MIT */
/*
 * auth.h - who is calling. Reads the credentials a Supabase client sends,
 * verifies them (jwt.h) and turns them into the identity a request's
 * database transaction runs under.
 *
 * Accepted, in order: "Authorization: Bearer <jwt>"; without an
 * Authorization header, an "apikey" header holding either a JWT (the legacy
 * anon/service_role keys) or an opaque sb_secret_... key listed in
 * FFX_SECRET_KEYS (service_role). A user token (role authenticated) must
 * carry FFX_JWT_AUD ("authenticated", Supabase Auth's) in its aud, a string
 * or an array; the legacy anon/service_role keys carry no aud and are not
 * held to it. No or invalid credentials: 401
 * {"success":false,"error":"Unauthorized"} with "WWW-Authenticate: Bearer";
 * a valid credential of a role the endpoint does not serve: 403, same body.
 * Why a credential failed is logged (never the credential), never answered.
 */
#ifndef FFX_AUTH_H
#define FFX_AUTH_H

#include "cfg.h"
#include "db.h"
#include "err.h"
#include "module.h"

#include <stdbool.h>

struct req;

/* Keys read by auth_init: SUPABASE_JWT_SECRET, SUPABASE_JWKS,
 * SUPABASE_JWKS_FILE, FFX_SECRET_KEYS, FFX_JWT_AUD. Add to a function's
 * configuration tables when it authenticates callers. */
extern const struct cfg_key auth_cfg_keys[];

/* Roles an endpoint serves, combined with |. */
enum auth_roles {
    AUTH_ANON = 1 << 0,
    AUTH_USER = 1 << 1, /* role "authenticated" */
    AUTH_SERVICE = 1 << 2,
};

struct auth_identity {
    enum rls_role role;
    const char *sub;         /* the verified user id; NULL for keys */
    const char *email;       /* the token's email claim, or NULL */
    bool is_admin;           /* app_metadata.role == "admin" */
    const char *staff_role;  /* app_metadata.role of a user token when admin, finance or
                              * support (docs/CONSOLE.md); NULL otherwise */
    const char *claims_json; /* for request.jwt.claims */
};

/* auth_check_config - validate the auth keys (the secret and JWKS load); 0
 * when usable. (Production's refusal of the public dev secret is cfg_load's.)
 * Call from server_app.check_config. */
int auth_check_config(void);

/* auth_init / auth_fini - load the key set for this process; free it. */
int auth_init(void);
void auth_fini(void);

/* auth_require - verify the caller and check its role against `roles`.
 * Sets r->err (401 or 403, with WWW-Authenticate on 401) on failure. */
enum err_code auth_require(struct req *r, unsigned roles, struct auth_identity *out);

/* auth_require_staff - the admin function's caller: a verified user token
 * (Supabase Auth's, or a console token of console_token.h, which no other
 * endpoint accepts) whose app_metadata.role is a staff role. No or bad
 * credentials: 401 as auth_require; any other valid credential (the anon or
 * service key, a customer, a user_metadata that claims admin): 403 "Staff
 * only". The database checks the role again (ffx_internal.console). */
enum err_code auth_require_staff(struct req *r, struct auth_identity *out);

/* The module a function lists in server_app.modules to authenticate
 * callers: its keys, auth_check_config, auth_init and auth_fini. */
extern const struct server_module auth_module;

/* auth_may_act_for - whether the identity may read or act on data of user
 * `user_id`: itself, an admin, or the service role. */
bool auth_may_act_for(const struct auth_identity *id, const char *user_id);

#endif
