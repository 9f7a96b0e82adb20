/* SPDX-License-Identifier: MIT */
/*
 * pgsession.h - the PostgreSQL session of a long-running tool (ffx-mailer, ffx-reconcile).
 *
 * Not the request path (db.h serves the functions' workers): a tool keeps one connection for
 * its whole life and runs every step as one statement in a short transaction of its own, as
 * service_role:
 *   BEGIN;
 *   the claims-and-role prologue (rls.h) with {"role":"service_role"}, service_role and
 *   the statement timeout;
 *   <the statement>;
 *   COMMIT
 * so the login role can be the NOINHERIT functions role, and nothing outlives the transaction
 * but the LISTEN a tool may ask for.
 *
 * Connection loss: pgsession_connect() reopens the connection (and LISTENs again); a
 * transaction that finds it dead at BEGIN reopens it once, since nothing has happened yet. An
 * outage is logged once as a warning (the retries at debug level) and its end at info. Statement
 * errors and server notices become JSON log lines (log.h) with the SQLSTATE and the server's
 * primary message; never the statement's parameters.
 */
#ifndef FFX_PGSESSION_H
#define FFX_PGSESSION_H

#include <libpq-fe.h>
#include <stdbool.h>

struct arena;

struct pgsession_options {
    const char *conninfo;       /* URL or key=value string; kept, not copied */
    const char *app_name;       /* application_name */
    const char *listen_channel; /* LISTEN on it after every connect; NULL: none */
    long long connect_timeout_s;
    long long statement_timeout_ms;
    long long retry_ms; /* > 0: named in the failed-connect log line as the caller's retry delay */
};

struct pgsession {
    PGconn *conn; /* NULL until the first connect; the caller may wait on its socket */
    struct pgsession_options opt;
    char connect_timeout[24];
    char statement_timeout[24];
    bool down; /* an outage is going on and has been logged */
};

/* pgsession_init - remember the options; no I/O. */
void pgsession_init(struct pgsession *s, const struct pgsession_options *opt);

/* pgsession_connect - (re)open the connection, then LISTEN if asked. 0 on success; -1 with the
 * failure logged (a warning the first time in an outage, debug after). */
int pgsession_connect(struct pgsession *s);

/* pgsession_ok - whether the connection is open and usable (no I/O). */
bool pgsession_ok(const struct pgsession *s);

/* pgsession_tx_exec - one parameterised statement (text parameters, text results) in its own
 * transaction as service_role, committed. The result is PQclear-ed at the next reset of arena a.
 * NULL on failure, logged with `what` as the message and rolled back. */
PGresult *pgsession_tx_exec(struct pgsession *s, struct arena *a, const char *what, const char *sql,
                            int n, const char *const *vals);

/* pgsession_close - close the connection; pgsession_connect() may open it again. */
void pgsession_close(struct pgsession *s);

#endif
