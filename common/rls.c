/* SPDX-License-Identifier: MIT */
/*
 * rls.c - the claims-and-role prologue's text and parameters.
 */
#include "rls.h"

#include <stddef.h>

const char rls_prologue_sql[] = "SELECT set_config('request.jwt.claims', $1, true),"
                                " set_config('role', $2, true),"
                                " set_config('statement_timeout', $3, true)";

static const char *const role_names[] = {
    [RLS_ANON] = "anon",
    [RLS_AUTHENTICATED] = "authenticated",
    [RLS_SERVICE] = "service_role",
};

static const char *const default_claims[] = {
    [RLS_ANON] = "{\"role\":\"anon\"}",
    [RLS_AUTHENTICATED] = "{\"role\":\"authenticated\"}",
    [RLS_SERVICE] = "{\"role\":\"service_role\"}",
};

const char *
rls_role_name(enum rls_role role)
{
    return role_names[role];
}

const char *
rls_default_claims(enum rls_role role)
{
    return default_claims[role];
}

void
rls_prologue_params(const char *params[RLS_PROLOGUE_NPARAMS], enum rls_role role,
                    const char *claims_json, const char *timeout_ms)
{
    params[0] = claims_json != NULL ? claims_json : rls_default_claims(role);
    params[1] = rls_role_name(role);
    params[2] = timeout_ms;
}
