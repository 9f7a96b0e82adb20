/* SPDX-License-Identifier: MIT */
/*
 * db.h - the worker's one PostgreSQL connection and the request transaction.
 *
 * Every statement a request runs on behalf of a caller runs inside a
 * transaction that first runs the claims-and-role prologue (rls.h:
 * request.jwt.claims, the role anon, authenticated or service_role, the
 * statement timeout, all transaction-local), so RLS policies see the
 * caller and the connection is safe behind a transaction-mode pooler. Statements are parameterised
 * only.
 *
 * Round trips are the cost that matters, so they are batched with libpq's
 * pipeline mode: db_single() sends a whole one-statement transaction in one
 * round trip, and db_begin() sends nothing until the first db_exec(), which
 * travels together with BEGIN and the claims. With db_options.prepare each
 * statement text is prepared once per connection and then only bound and
 * executed.
 *
 * Every function takes the call context (call.h) of the work at hand, a
 * request's or a tool's own: statements' results live in its arena, a
 * failure sets its err, and round trips add to its db_ms.
 *
 * The connection is opened per worker and repaired transparently: a
 * connection the server closed while idle (a restart) is noticed before
 * anything is sent and reopened; a request that cannot reach the database
 * gets 503 "Service unavailable".
 */
#ifndef FFX_DB_H
#define FFX_DB_H

#include "err.h"
#include "rls.h"

#include <libpq-fe.h>
#include <stdbool.h>

struct call;

struct db_options {
    const char *conninfo; /* URL or key=value string */
    const char *app_name; /* application_name, e.g. the function's name */
    int connect_timeout_s;
    int statement_timeout_ms;
    bool prepare; /* prepare statements once per connection (not behind PgBouncer < 1.21) */
};

/* db_open - remember the options and try to connect now. Failing here is not
 * fatal: the first request retries. Call once per worker after fork. */
void db_open(const struct db_options *opt);

/* db_close - close the connection and forget the options. */
void db_close(void);

/* db_connected - whether the connection is currently usable (no I/O). */
bool db_connected(void);

/* db_begin - open a transaction as role with these claims (JSON text; NULL
 * means {"role":<role>}). Nothing is sent yet: BEGIN and the claims go out
 * with the first db_exec(), whose errors (503 when the database cannot be
 * reached) therefore include the transaction's. */
enum err_code db_begin(struct call *c, enum rls_role role, const char *claims_json);

#define DB_MAX_PARAMS   16
#define DB_MAX_PIPELINE 4 /* statements sent together: BEGIN, the claims, one statement */

/* A parameter: value (NULL for SQL NULL) and, for binary values, a length. */
struct db_param {
    const char *value;
    int length; /* used only when binary */
    bool binary;
};

/* db_exec - one parameterised statement; text results. On success *out is
 * valid until the request ends (PQclear is deferred on the arena). Errors
 * map SQLSTATE to a code (db_sqlstate_code) and set c->err. */
enum err_code db_exec(struct call *c, PGresult **out, const char *sql, int nparams,
                      const struct db_param *params);

/* db_exec_text - db_exec with text parameters given as strings. */
enum err_code db_exec_text(struct call *c, PGresult **out, const char *sql, int nparams,
                           const char *const *values);

/* db_single - a transaction of one statement, in one round trip: the
 * claims, role and statement are pipelined and committed together. Use it
 * when nothing has to happen between the statement and the commit; no
 * db_begin() before it. Results as db_exec(). */
enum err_code db_single(struct call *c, enum rls_role role, const char *claims_json, PGresult **out,
                        const char *sql, int nparams, const struct db_param *params);

/* db_single_text - db_single with text parameters given as strings. */
enum err_code db_single_text(struct call *c, enum rls_role role, const char *claims_json,
                             PGresult **out, const char *sql, int nparams,
                             const char *const *values);

/* db_commit - COMMIT; an error here is reported like a statement error. */
enum err_code db_commit(struct call *c);

/* db_end - roll back whatever the request left open. Called after every
 * request by the server loop, so a handler's early return cannot leak a
 * transaction, its role or its claims into the next request. */
void db_end(void);

/* db_sqlstate_code - the error code for a SQLSTATE (table in db.c).
 * SQLSTATEs FF400/FF401/FF403/FF404/FF409/FF429/FF503, raised by the schema's business rules,
 * become 400/401/403/404/409/429/503 with the exception's message as the client message. */
enum err_code db_sqlstate_code(const char *sqlstate);

#endif
