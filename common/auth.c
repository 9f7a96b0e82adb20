/* SPDX-License-Identifier: MIT */
/*
 * auth.c - credentials to identity. The key set is loaded once per process
 * and lives until auth_fini().
 */
#include "auth.h"
#include "arena.h"
#include "console_token.h"
#include "crypto.h"
#include "json.h"
#include "jwt.h"
#include "log.h"
#include "request.h"
#include "response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define JWKS_FILE_MAX (256 * 1024)

const struct cfg_key auth_cfg_keys[] = {
    /* the `supabase start` secret by default: production refuses it (cfg.c) */
    {"SUPABASE_JWT_SECRET", CFG_STR, CFG_DEV_JWT_SECRET, 0, 0, NULL, CFG_SECRET,
     "HS256 secret of user tokens and legacy API keys"},
    {"SUPABASE_JWKS", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET,
     "JWKS JSON with the ES256/RS256 public keys"},
    {"SUPABASE_JWKS_FILE", CFG_STR, NULL, 0, 0, NULL, 0, "file holding the JWKS JSON"},
    {"FFX_SECRET_KEYS", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET,
     "comma-separated sb_secret_... keys accepted as service_role"},
    /* Supabase Auth's aud for every user token (GOTRUE_JWT_AUD's default); a token minted for
     * another audience with the same secret is not a user token of this project */
    {"FFX_JWT_AUD", CFG_STR, "authenticated", 0, 0, NULL, 0,
     "required aud of user (role authenticated) tokens; the anon/service_role keys have none"},
    CFG_END,
};

static struct jwt_keys *keys;

static char *
read_jwks_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text;
    size_t n;

    if (f == NULL)
        return NULL;
    text = malloc(JWKS_FILE_MAX + 1);
    if (text == NULL)
        abort();
    n = fread(text, 1, JWKS_FILE_MAX, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static struct jwt_keys *
load_keys(void)
{
    const char *jwks = cfg_str("SUPABASE_JWKS");
    char *from_file = NULL;
    char why[256] = "";
    struct jwt_keys *k;

    if (jwks == NULL && cfg_str("SUPABASE_JWKS_FILE") != NULL) {
        from_file = read_jwks_file(cfg_str("SUPABASE_JWKS_FILE"));
        if (from_file == NULL) {
            log_event(LOG_ERROR, NULL, "auth", "could not read SUPABASE_JWKS_FILE");
            return NULL;
        }
        jwks = from_file;
    }
    k = jwt_keys_load(cfg_str("SUPABASE_JWT_SECRET"), jwks, why, sizeof(why));
    free(from_file);
    if (k == NULL)
        log_event(LOG_ERROR, NULL, "auth", "unusable JWT keys: %s", why);
    return k;
}

int
auth_check_config(void)
{
    struct jwt_keys *k = load_keys();

    if (k == NULL)
        return -1;
    jwt_keys_free(k);
    return 0;
}

int
auth_init(void)
{
    keys = load_keys();
    return keys == NULL ? -1 : 0;
}

void
auth_fini(void)
{
    jwt_keys_free(keys);
    keys = NULL;
}

const struct server_module auth_module = {
    .name = "auth",
    .cfg_keys = auth_cfg_keys,
    .check_config = auth_check_config,
    .init = auth_init,
    .fini = auth_fini,
};

static enum err_code
unauthorized(struct req *r, const char *why)
{
    struct log_line l;

    log_begin(&l, LOG_INFO, r->call.request_id, "auth", "credentials rejected");
    log_str(&l, "reason", why);
    log_end(&l);
    resp_add_header(r, "WWW-Authenticate: Bearer");
    return ERR_SET(&r->call.err, ERR_UNAUTHORIZED, "Unauthorized");
}

/* Whether s is one of the comma-separated keys in list; every entry is
 * compared in constant time so the position of a match does not leak. */
static bool
secret_key_listed(const char *list, const char *s)
{
    size_t n = strlen(s);
    bool found = false;

    while (list != NULL && *list != '\0') {
        size_t len = strcspn(list, ",");

        found |= crypto_equal(list, len, s, n);
        list += len + (list[len] == ',');
    }
    return found;
}

static bool
audience_ok(const cJSON *payload, const char *want)
{
    const cJSON *aud = cJSON_GetObjectItemCaseSensitive(payload, "aud");
    const cJSON *item;

    if (cJSON_IsString(aud))
        return strcmp(aud->valuestring, want) == 0;
    cJSON_ArrayForEach(item, aud)
    {
        if (cJSON_IsString(item) && strcmp(item->valuestring, want) == 0)
            return true;
    }
    return false;
}

static const enum rls_role db_roles[] = {
    [JWT_ROLE_ANON] = RLS_ANON,
    [JWT_ROLE_AUTHENTICATED] = RLS_AUTHENTICATED,
    [JWT_ROLE_SERVICE] = RLS_SERVICE,
};

static const char *const staff_roles[] = {"admin", "finance", "support", NULL};

/* app_metadata.role when it is a staff role (docs/CONSOLE.md), else NULL. */
static const char *
staff_role_of(const cJSON *payload)
{
    const cJSON *app = cJSON_GetObjectItemCaseSensitive(payload, "app_metadata");
    const char *role = cJSON_IsObject(app) ? json_string_field(app, "role") : NULL;

    for (size_t i = 0; role != NULL && staff_roles[i] != NULL; i++)
        if (strcmp(role, staff_roles[i]) == 0)
            return staff_roles[i];
    return NULL;
}

static void
identity_from_claims(const struct jwt_claims *c, struct auth_identity *out)
{
    out->role = db_roles[c->role];
    out->sub = c->sub;
    out->email = c->email;
    out->is_admin = c->is_admin;
    out->staff_role = c->role == JWT_ROLE_AUTHENTICATED ? staff_role_of(c->payload) : NULL;
    out->claims_json = c->payload_json;
}

/* A console token (console_token.h), tried only where console_ok: the admin
 * function, with a token the project's keys refused. */
static enum err_code
identify_console_token(struct req *r, const char *token, const char *project_why,
                       struct auth_identity *out)
{
    struct jwt_claims c;
    const char *why = NULL;

    if (console_token_verify(r->call.arena, token, time(NULL), &c, &why) != 0)
        return unauthorized(r, project_why);
    identity_from_claims(&c, out);
    return ERR_OK;
}

static enum err_code
identify_jwt(struct req *r, const char *token, bool console_ok, struct auth_identity *out)
{
    struct jwt_claims c;
    const char *why = NULL;
    const char *aud = cfg_str("FFX_JWT_AUD");

    if (keys == NULL)
        return unauthorized(r, "no keys loaded");
    if (jwt_verify(keys, r->call.arena, token, strlen(token), time(NULL), NULL, &c, &why) != 0)
        return console_ok ? identify_console_token(r, token, why, out) : unauthorized(r, why);
    /* Supabase's anon and service_role keys carry no aud (nor does Supabase
     * check one on them): only user tokens are held to the audience. */
    if (c.role == JWT_ROLE_AUTHENTICATED && !audience_ok(c.payload, aud))
        return unauthorized(r, "audience mismatch");
    identity_from_claims(&c, out);
    return ERR_OK;
}

static enum err_code
identify(struct req *r, bool console_ok, struct auth_identity *out)
{
    const char *authz = req_header(r, "authorization");
    const char *apikey = req_header(r, "apikey");

    if (authz != NULL) {
        if (strncmp(authz, "Bearer ", 7) != 0 || authz[7] == '\0')
            return unauthorized(r, "authorization is not 'Bearer <token>'");
        return identify_jwt(r, authz + 7, console_ok, out);
    }
    if (apikey == NULL || apikey[0] == '\0')
        return unauthorized(r, "no credentials");
    if (strncmp(apikey, "sb_secret_", 10) == 0) {
        if (!secret_key_listed(cfg_str("FFX_SECRET_KEYS"), apikey))
            return unauthorized(r, "unknown secret key");
        out->role = RLS_SERVICE;
        out->claims_json = "{\"role\":\"service_role\"}";
        return ERR_OK;
    }
    return identify_jwt(r, apikey, false, out);
}

static unsigned
role_bit(enum rls_role role)
{
    switch (role) {
    case RLS_ANON:
        return AUTH_ANON;
    case RLS_AUTHENTICATED:
        return AUTH_USER;
    case RLS_SERVICE:
        return AUTH_SERVICE;
    }
    return 0;
}

enum err_code
auth_require(struct req *r, unsigned roles, struct auth_identity *out)
{
    enum err_code rc;

    memset(out, 0, sizeof(*out));
    rc = identify(r, false, out);
    if (rc)
        return rc;
    if ((role_bit(out->role) & roles) == 0) {
        log_event(LOG_INFO, r->call.request_id, "auth", "role %s not served here",
                  rls_role_name(out->role));
        return ERR_SET(&r->call.err, ERR_FORBIDDEN, "Unauthorized");
    }
    return ERR_OK;
}

enum err_code
auth_require_staff(struct req *r, struct auth_identity *out)
{
    enum err_code rc;

    memset(out, 0, sizeof(*out));
    rc = identify(r, true, out);
    if (rc)
        return rc;
    if (out->staff_role == NULL) {
        log_event(LOG_INFO, r->call.request_id, "auth", "%s without a staff role refused",
                  rls_role_name(out->role));
        return ERR_SET(&r->call.err, ERR_FORBIDDEN, "Staff only");
    }
    return ERR_OK;
}

bool
auth_may_act_for(const struct auth_identity *id, const char *user_id)
{
    if (id->role == RLS_SERVICE || id->is_admin)
        return true;
    return id->sub != NULL && user_id != NULL && strcasecmp(id->sub, user_id) == 0;
}
