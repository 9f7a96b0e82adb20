/* SPDX-License-Identifier: MIT */
/*
 * console.h - one console action (docs/CONSOLE.md), run the way the operator is signed in:
 *
 * - API mode (the default when a token is available: --token-file FILE, FFX_ADMIN_TOKEN, or the
 *   file `ffx-admin login` saved): POST $FFX_API_URL/functions/v1/admin/<resource>/<verb> with
 *   the arguments as a JSON object and the bearer token (libcurl, TLS verified, timeouts). The
 *   audit names the person whose token it is.
 * - Direct mode (--direct or FFX_ADMIN_DIRECT=1 only): DATABASE_URL, one transaction with the
 *   service_role claims carrying "operator" (the OS user), `select ffx_internal.console($1, $2)`.
 *   For bootstrapping the first admin on the database host; says on stderr that the audit will
 *   name operator:<user>.
 *
 * Either way the outcome is the action's JSON object (or the CSV an export answers), or a
 * sentence: FF400 (bad input) is EXIT_USAGE, every other failure EXIT_FAILED. PostgreSQL and
 * transport errors become one plain sentence (connection refused: "cannot reach the database
 * at host:port"; anything unexpected: its first line plus the SQLSTATE), never a libpq dump.
 */
#ifndef FFX_ADMIN_CONSOLE_H
#define FFX_ADMIN_CONSOLE_H

#include "args.h"

struct outcome {
    int status; /* EXIT_DONE, EXIT_FAILED or EXIT_USAGE */
    char *body; /* the answer: JSON text (without "success"), or CSV when is_csv; malloc'd */
    int is_csv;
    char *message; /* the sentence when status is not EXIT_DONE; malloc'd */
};

/* The token the operator is signed in with (--token-file, FFX_ADMIN_TOKEN, the saved file), or
 * NULL; malloc'd. */
char *console_token(const struct invocation *inv);

/* The admin API's base URL: --api, FFX_API_URL, the one saved by `login`, or
 * http://127.0.0.1:54321. */
const char *console_api_url(const struct invocation *inv);

/* Run action with args (a JSON object) in the invocation's mode. EXIT_USAGE without running when
 * neither a token nor --direct is there ("not signed in"). */
void console_call(const struct invocation *inv, const char *action, const cJSON *args,
                  struct outcome *out);

/* POST body to url (JSON) with an optional bearer token; the outcome as above. */
void console_post(const char *url, const char *token, const char *body, struct outcome *out);

void outcome_free(struct outcome *out);

/* Run the invocation's action and print its outcome (output.h); the exit status. */
int console_run(struct invocation *inv);

#endif
