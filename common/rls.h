/* SPDX-License-Identifier: MIT */
/*
 * rls.h - the claims-and-role prologue of the row-level-security contract,
 * written once: the first statement of every transaction that runs on
 * somebody's behalf (a function's request, a tool's step, an ffx-admin
 * command) is
 *
 *   SELECT set_config('request.jwt.claims', $1, true),
 *          set_config('role', $2, true),
 *          set_config('statement_timeout', $3, true)
 *
 * all transaction-local, so RLS policies and auth.uid()/auth.role() see the
 * caller, nothing outlives the transaction (safe behind a transaction-mode
 * pooler), and the login role may be NOINHERIT. set_config('role', x, true)
 * is SET LOCAL ROLE x, as PostgREST does it. The roles are Supabase's three,
 * never anything else.
 *
 * This module owns the statement's text and how its parameters are built;
 * it runs nothing (db.h pipelines it with BEGIN and the statement,
 * pgsession.h and ffx-admin send it after their BEGIN). No allocation: the
 * parameters point at static text or at the caller's strings.
 */
#ifndef FFX_RLS_H
#define FFX_RLS_H

enum rls_role { RLS_ANON, RLS_AUTHENTICATED, RLS_SERVICE };

#define RLS_PROLOGUE_NPARAMS 3

/* The prologue's text; $1 claims JSON, $2 role name, $3 statement timeout
 * in milliseconds as text (NULL: the session's own, as RESET gives it). */
extern const char rls_prologue_sql[];

/* rls_role_name - "anon", "authenticated" or "service_role". */
const char *rls_role_name(enum rls_role role);

/* rls_default_claims - {"role":"<name>"}: the claims of a caller that has
 * no token of its own (a key, the service, a tool). Static text. */
const char *rls_default_claims(enum rls_role role);

/* rls_prologue_params - the prologue's parameters in order: claims_json
 * (NULL: rls_default_claims(role)), the role's name, timeout_ms (may be
 * NULL). The strings are the caller's or static; nothing is copied. */
void rls_prologue_params(const char *params[RLS_PROLOGUE_NPARAMS], enum rls_role role,
                         const char *claims_json, const char *timeout_ms);

#endif
