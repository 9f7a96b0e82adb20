/* SPDX-License-Identifier: MIT */
/*
 * test_rls.c - the claims-and-role prologue's parameters: the role names are Supabase's three,
 * a caller without claims gets {"role":<name>}, given claims and timeout pass through as they
 * are, and the text sets exactly the three settings, transaction-local.
 */
#include "check.h"
#include "rls.h"

#include <string.h>

static const struct {
    enum rls_role role;
    const char *name;
    const char *claims;
} roles[] = {
    {RLS_ANON, "anon", "{\"role\":\"anon\"}"},
    {RLS_AUTHENTICATED, "authenticated", "{\"role\":\"authenticated\"}"},
    {RLS_SERVICE, "service_role", "{\"role\":\"service_role\"}"},
};

static void
test_defaults(void)
{
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
        const char *p[RLS_PROLOGUE_NPARAMS];

        CHECK_STREQ(rls_role_name(roles[i].role), roles[i].name);
        CHECK_STREQ(rls_default_claims(roles[i].role), roles[i].claims);
        rls_prologue_params(p, roles[i].role, NULL, "5000");
        CHECK_STREQ(p[0], roles[i].claims);
        CHECK_STREQ(p[1], roles[i].name);
        CHECK_STREQ(p[2], "5000");
    }
}

static void
test_given_claims(void)
{
    const char *claims = "{\"sub\":\"u1\",\"role\":\"authenticated\"}";
    const char *p[RLS_PROLOGUE_NPARAMS];

    rls_prologue_params(p, RLS_AUTHENTICATED, claims, NULL);
    CHECK(p[0] == claims);
    CHECK_STREQ(p[1], "authenticated");
    CHECK(p[2] == NULL);
}

static void
test_text(void)
{
    static const char *const settings[] = {"'request.jwt.claims', $1, true", "'role', $2, true",
                                           "'statement_timeout', $3, true"};

    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
        CHECK(strstr(rls_prologue_sql, settings[i]) != NULL);
    CHECK(strstr(rls_prologue_sql, "false") == NULL); /* never for the session */
    CHECK(strstr(rls_prologue_sql, "$4") == NULL);
}

int
main(void)
{
    test_defaults();
    test_given_claims();
    test_text();
    return check_done();
}
