/* SPDX-License-Identifier: MIT */
/*
 * pgsession.c - a long-running tool's PostgreSQL session: connect and reconnect, the
 * service_role transaction around each statement, errors and notices as log lines.
 */
#include "pgsession.h"
#include "arena.h"
#include "log.h"
#include "rls.h"

#include <stdio.h>
#include <string.h>

void
pgsession_init(struct pgsession *s, const struct pgsession_options *opt)
{
    memset(s, 0, sizeof(*s));
    s->opt = *opt;
    snprintf(s->connect_timeout, sizeof(s->connect_timeout), "%lld", opt->connect_timeout_s);
    snprintf(s->statement_timeout, sizeof(s->statement_timeout), "%lld", opt->statement_timeout_ms);
}

bool
pgsession_ok(const struct pgsession *s)
{
    return s->conn != NULL && PQstatus(s->conn) == CONNECTION_OK;
}

static void
log_pg_error(const char *msg, const PGconn *conn, const PGresult *res)
{
    struct log_line l;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

    log_begin(&l, LOG_ERROR, NULL, "db", msg);
    log_str(&l, "sqlstate", state ? state : "none");
    log_str(&l, "detail", primary ? primary : PQerrorMessage(conn));
    log_end(&l);
}

/* Server notices (a function's WARNING, "terminating connection due to administrator command")
 * become log lines instead of libpq's text on stderr. */
static void
on_notice(void *arg, const PGresult *res)
{
    struct log_line l;
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

    (void)arg;
    log_begin(&l, LOG_WARN, NULL, "db", "server message");
    log_str(&l, "severity", severity ? severity : "unknown");
    log_str(&l, "detail", primary ? primary : "");
    log_end(&l);
}

/* LISTEN on the configured channel, if any (a plain identifier of the caller's; quoted all the
 * same). */
static int
listen_channel(struct pgsession *s)
{
    char *ident;
    char sql[160];
    PGresult *res;
    int ok;

    if (s->opt.listen_channel == NULL)
        return 0;
    ident = PQescapeIdentifier(s->conn, s->opt.listen_channel, strlen(s->opt.listen_channel));
    if (ident == NULL)
        return -1;
    snprintf(sql, sizeof(sql), "LISTEN %s", ident);
    PQfreemem(ident);
    res = PQexec(s->conn, sql);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok ? 0 : -1;
}

int
pgsession_connect(struct pgsession *s)
{
    const char *keys[] = {"dbname", "application_name", "connect_timeout", NULL};
    const char *vals[] = {s->opt.conninfo, s->opt.app_name, s->connect_timeout, NULL};
    struct log_line l;
    char msg[160];

    if (s->conn != NULL)
        PQfinish(s->conn);
    s->conn = PQconnectdbParams(keys, vals, 1);
    if (s->conn != NULL)
        PQsetNoticeReceiver(s->conn, on_notice, NULL);
    if (pgsession_ok(s) && listen_channel(s) == 0) {
        snprintf(msg, sizeof(msg), "%s%s%s", s->down ? "database connection restored" : "connected",
                 s->opt.listen_channel ? "; listening on " : "",
                 s->opt.listen_channel ? s->opt.listen_channel : "");
        log_event(LOG_INFO, NULL, "db", "%s", msg);
        s->down = false;
        return 0;
    }
    if (!s->down || log_enabled(LOG_DEBUG)) {
        log_begin(&l, s->down ? LOG_DEBUG : LOG_WARN, NULL, "db",
                  "could not connect to the database");
        log_str(&l, "detail", PQerrorMessage(s->conn));
        if (s->opt.retry_ms > 0)
            log_int(&l, "retry_ms", s->opt.retry_ms);
        log_end(&l);
    }
    s->down = true;
    return -1;
}

void
pgsession_close(struct pgsession *s)
{
    if (s->conn != NULL)
        PQfinish(s->conn);
    s->conn = NULL;
}

static bool
exec_ok(struct pgsession *s, PGresult *res, const char *what)
{
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

    if (!ok)
        log_pg_error(what, s->conn, res);
    return ok;
}

/* BEGIN; a connection found dead here (PostgreSQL restarted while the tool slept) is reopened
 * once, since nothing has happened yet. */
static bool
begin_tx(struct pgsession *s)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        PGresult *res;

        if (!pgsession_ok(s) && (attempt == 0 || pgsession_connect(s) != 0))
            continue;
        res = PQexec(s->conn, "BEGIN");
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            PQclear(res);
            return true;
        }
        if (pgsession_ok(s) || attempt == 1)
            log_pg_error("could not begin a transaction", s->conn, res);
        PQclear(res);
        if (pgsession_ok(s))
            return false;
    }
    return false;
}

static void
clear_result(void *res)
{
    PQclear(res);
}

PGresult *
pgsession_tx_exec(struct pgsession *s, struct arena *a, const char *what, const char *sql, int n,
                  const char *const *vals)
{
    const char *prologue[RLS_PROLOGUE_NPARAMS];
    PGresult *res = NULL;
    PGresult *out = NULL;

    if (!begin_tx(s))
        return NULL;
    rls_prologue_params(prologue, RLS_SERVICE, NULL, s->statement_timeout);
    res = PQexecParams(s->conn, rls_prologue_sql, RLS_PROLOGUE_NPARAMS, NULL, prologue, NULL, NULL,
                       0);
    if (!exec_ok(s, res, "could not set the role"))
        goto out;
    PQclear(res);
    res = NULL;
    out = PQexecParams(s->conn, sql, n, NULL, vals, NULL, NULL, 0);
    if (!exec_ok(s, out, what)) {
        PQclear(out);
        out = NULL;
        goto out;
    }
    res = PQexec(s->conn, "COMMIT");
    if (!exec_ok(s, res, "could not commit")) {
        PQclear(out);
        out = NULL;
    }
out:
    PQclear(res);
    if (pgsession_ok(s) && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        PQclear(PQexec(s->conn, "ROLLBACK"));
    if (out != NULL)
        arena_defer(a, clear_result, out);
    return out;
}
