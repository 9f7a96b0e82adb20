/* SPDX-License-Identifier: MIT */
/*
 * test_auth.c - auth_require over real HS256 tokens with the configuration a
 * function loads: which audience a user token must carry when FFX_JWT_AUD is
 * unset or set, in production and in development, and that Supabase's legacy
 * anon and service_role keys (no aud at all) still verify.
 */
#include "arena.h"
#include "auth.h"
#include "cfg.h"
#include "check.h"
#include "jwt.h"
#include "request.h"

#include <stdlib.h>
#include <time.h>

#define SECRET "a-production-secret-of-at-least-32-characters"
#define USER   "7a1c3e52-8d4b-4f2a-9c61-0b5d2e8f4a13"

static int
discard(void *ctx, const char *buf, size_t n)
{
    (void)ctx, (void)buf, (void)n;
    return 0;
}

static int
no_read(void *ctx, char *buf, int n)
{
    (void)ctx, (void)buf, (void)n;
    return 0;
}

static int
load(const char *env, const char *aud)
{
    static const struct cfg_key *const tables[] = {cfg_common_keys, auth_cfg_keys, NULL};

    auth_fini();
    /* only what this test sets: scripts/test exports the dev stack's keys, which production
     * refuses */
    unsetenv("FFX_SECRET_KEYS");
    unsetenv("SUPABASE_JWKS");
    unsetenv("SUPABASE_JWKS_FILE");
    setenv("FFX_ENV", env, 1);
    setenv("SUPABASE_JWT_SECRET", SECRET, 1);
    if (aud != NULL)
        setenv("FFX_JWT_AUD", aud, 1);
    else
        unsetenv("FFX_JWT_AUD");
    if (cfg_load(tables) != 0 || auth_check_config() != 0)
        return -1;
    return auth_init();
}

/* A token signed with SECRET: role, and aud (JSON text, NULL: none). */
static const char *
token(struct arena *a, const char *role, const char *aud_json)
{
    cJSON *p = cJSON_CreateObject();
    long long now = (long long)time(NULL);
    const char *t;

    cJSON_AddStringToObject(p, "role", role);
    cJSON_AddNumberToObject(p, "iat", (double)(now - 10));
    cJSON_AddNumberToObject(p, "exp", (double)(now + 600));
    if (strcmp(role, "authenticated") == 0) {
        cJSON_AddStringToObject(p, "sub", USER);
        cJSON_AddStringToObject(p, "email", "u@example.com");
    } else {
        /* Supabase's legacy anon/service_role keys: iss, ref, role, iat, exp; no aud, no sub */
        cJSON_AddStringToObject(p, "iss", "supabase");
        cJSON_AddStringToObject(p, "ref", "abcdefghijklmnopqrst");
    }
    if (aud_json != NULL)
        cJSON_AddItemToObject(p, "aud", cJSON_Parse(aud_json));
    t = jwt_sign_hs256(a, SECRET, p);
    cJSON_Delete(p);
    return t;
}

/* auth_require for "Authorization: Bearer <tok>" serving every role. */
static enum err_code
require(struct arena *a, const char *tok, struct auth_identity *id)
{
    char *env[] = {"REQUEST_METHOD=POST", "REQUEST_ID=rid-auth",
                   arena_sprintf(a, "HTTP_AUTHORIZATION=Bearer %s", tok), NULL};
    struct req_source src = {.envp = env, .read = no_read};
    struct req *r = arena_alloc(a, sizeof(*r));

    req_init(r, a, (struct resp_sink){.write = discard});
    if (req_parse(r, &src, 1024) != ERR_OK)
        return ERR_INTERNAL;
    return auth_require(r, AUTH_ANON | AUTH_USER | AUTH_SERVICE, id);
}

static const struct {
    const char *env, *configured; /* FFX_ENV, FFX_JWT_AUD (NULL: unset) */
    const char *role, *aud;       /* the token */
    bool accepted;
} cases[] = {
    /* FFX_JWT_AUD unset: user tokens must carry Supabase Auth's aud, "authenticated" */
    {"production", NULL, "authenticated", "\"authenticated\"", true},
    {"production", NULL, "authenticated", "[\"other\",\"authenticated\"]", true},
    {"production", NULL, "authenticated", "\"somebody-else\"", false},
    {"production", NULL, "authenticated", "[\"somebody-else\"]", false},
    {"production", NULL, "authenticated", "\"\"", false},
    {"production", NULL, "authenticated", NULL, false},
    {"development", NULL, "authenticated", "\"somebody-else\"", false},
    {"development", NULL, "authenticated", NULL, false},
    {"development", NULL, "authenticated", "\"authenticated\"", true},
    /* a project with its own audience sets it */
    {"production", "my-project", "authenticated", "\"my-project\"", true},
    {"production", "my-project", "authenticated", "\"authenticated\"", false},
    /* the legacy keys carry no aud and verify as Supabase accepts them; an aud does not matter */
    {"production", NULL, "anon", NULL, true},
    {"production", NULL, "service_role", NULL, true},
    {"production", NULL, "service_role", "\"somebody-else\"", true},
    {"production", "my-project", "anon", NULL, true},
};

int
main(void)
{
    struct arena *a = arena_create(16384);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct auth_identity id;
        enum err_code rc;

        CHECK_INTEQ(load(cases[i].env, cases[i].configured), 0);
        rc = require(a, token(a, cases[i].role, cases[i].aud), &id);
        if ((rc == ERR_OK) != cases[i].accepted)
            fprintf(stderr, "case %zu: %s, FFX_JWT_AUD=%s, %s token with aud %s: rc %d\n", i,
                    cases[i].env, cases[i].configured ? cases[i].configured : "(unset)",
                    cases[i].role, cases[i].aud ? cases[i].aud : "(none)", (int)rc);
        CHECK((rc == ERR_OK) == cases[i].accepted);
        if (!cases[i].accepted)
            CHECK_INTEQ(rc, ERR_UNAUTHORIZED);
        arena_reset(a);
    }
    /* what the loaded configuration says the audience is */
    CHECK_INTEQ(load("production", NULL), 0);
    CHECK_STREQ(cfg_str("FFX_JWT_AUD"), "authenticated");
    auth_fini();
    cfg_free();
    arena_destroy(a);
    return check_done();
}
