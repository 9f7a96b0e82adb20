/* SPDX-License-Identifier: MIT */
/*
 * db.c - one libpq connection per worker process, request transactions,
 * SQLSTATE mapping and reconnection.
 */
#include "db.h"
#include "arena.h"
#include "log.h"
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static PGconn *conn;
static struct db_options options;
static char statement_timeout[24];

static const char *const role_names[] = {
    [DB_ROLE_ANON] = "anon",
    [DB_ROLE_AUTHENTICATED] = "authenticated",
    [DB_ROLE_SERVICE] = "service_role",
};

/* First match wins; a two-character entry matches the whole class. The
 * message is what a client may read; the server's text goes to the log. */
static const struct {
    const char *sqlstate;
    enum err_code code;
    const char *message;
} sqlstate_map[] = {
    /* Business rules in SQL raise FFnnn with the client's own message
     * (NULL here: the server's message is passed on). */
    {"FF400", ERR_BAD_REQUEST, NULL},
    {"FF403", ERR_FORBIDDEN, NULL},
    {"FF404", ERR_NOT_FOUND, NULL},
    {"FF409", ERR_CONFLICT, NULL},
    {"23505", ERR_CONFLICT, "Conflict with existing data"},
    {"23503", ERR_CONFLICT, "Referenced record does not exist"},
    {"23", ERR_BAD_REQUEST, "Invalid value"},
    {"22023", ERR_INTERNAL, NULL}, /* our functions' "provider data is wrong" */
    {"22", ERR_BAD_REQUEST, "Invalid value"},
    {"42501", ERR_FORBIDDEN, "Unauthorized"},
    {"40001", ERR_UNAVAILABLE, ""},
    {"40P01", ERR_UNAVAILABLE, ""},
    {"55P03", ERR_UNAVAILABLE, ""},
    {"57014", ERR_UNAVAILABLE, ""},
    {"57P", ERR_UNAVAILABLE, ""},
    {"08", ERR_UNAVAILABLE, ""},
    {"53", ERR_UNAVAILABLE, ""},
};

const char *
db_role_name(enum db_role role)
{
    return role_names[role];
}

static size_t
sqlstate_index(const char *sqlstate)
{
    for (size_t i = 0; i < sizeof(sqlstate_map) / sizeof(sqlstate_map[0]); i++) {
        size_t n = strlen(sqlstate_map[i].sqlstate);

        if (sqlstate != NULL && strncmp(sqlstate, sqlstate_map[i].sqlstate, n) == 0)
            return i;
    }
    return (size_t)-1;
}

enum err_code
db_sqlstate_code(const char *sqlstate)
{
    size_t i = sqlstate_index(sqlstate);

    return i == (size_t)-1 ? ERR_INTERNAL : sqlstate_map[i].code;
}

static void
connect_now(void)
{
    char timeout[16];
    const char *keys[] = {"dbname", "application_name", "connect_timeout", NULL};
    const char *vals[] = {options.conninfo, options.app_name, timeout, NULL};

    snprintf(timeout, sizeof(timeout), "%d", options.connect_timeout_s);
    if (conn != NULL)
        PQfinish(conn);
    conn = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(conn) != CONNECTION_OK) {
        struct log_line l;

        log_begin(&l, LOG_WARN, NULL, "db", "could not connect to the database");
        log_str(&l, "detail", PQerrorMessage(conn));
        log_end(&l);
    }
}

void
db_open(const struct db_options *opt)
{
    options = *opt;
    snprintf(statement_timeout, sizeof(statement_timeout), "%d", opt->statement_timeout_ms);
    connect_now();
}

void
db_close(void)
{
    if (conn != NULL)
        PQfinish(conn);
    conn = NULL;
    memset(&options, 0, sizeof(options));
}

bool
db_connected(void)
{
    return conn != NULL && PQstatus(conn) == CONNECTION_OK;
}

static void
clear_result(void *res)
{
    PQclear(res);
}

static double
elapsed_ms(const struct timespec *since)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) * 1e3 +
           (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

/* Turn a failed result into r->err; the server text goes to the log only. */
static enum err_code
result_error(struct req *r, const PGresult *res)
{
    const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    size_t i = sqlstate_index(sqlstate);
    enum err_code code = i == (size_t)-1 ? ERR_INTERNAL : sqlstate_map[i].code;
    const char *msg = "database error";

    if (!db_connected())
        code = ERR_UNAVAILABLE; /* the server went away mid-statement */
    else if (code < ERR_INTERNAL)
        msg = sqlstate_map[i].message ? sqlstate_map[i].message
              : primary               ? primary
                                      : "Invalid request";
    ERR_SET(&r->err, code, "%s", msg);
    err_detail(&r->err, "sqlstate=%s %s", sqlstate ? sqlstate : "none",
               primary ? primary : PQerrorMessage(conn));
    return code;
}

enum err_code
db_exec(struct req *r, PGresult **out, const char *sql, int nparams, const struct db_param *params)
{
    const char *values[16];
    int lengths[16];
    int formats[16];
    struct timespec t0;
    PGresult *res;
    ExecStatusType st;

    *out = NULL;
    if (nparams > 16)
        abort(); /* programming error: raise the limit */
    for (int i = 0; i < nparams; i++) {
        values[i] = params[i].value;
        lengths[i] = params[i].length;
        formats[i] = params[i].binary ? 1 : 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    res = PQexecParams(conn, sql, nparams, NULL, values, lengths, formats, 0);
    r->db_ms += elapsed_ms(&t0);
    if (res != NULL)
        arena_defer(r->arena, clear_result, res);
    st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
        return result_error(r, res);
    *out = res;
    return ERR_OK;
}

enum err_code
db_exec_text(struct req *r, PGresult **out, const char *sql, int nparams, const char *const *values)
{
    struct db_param params[16];

    if (nparams > 16)
        abort();
    for (int i = 0; i < nparams; i++)
        params[i] = (struct db_param){.value = values[i]};
    return db_exec(r, out, sql, nparams, params);
}

/* BEGIN on the current connection; on a dead connection, reconnect and try
 * once more: nothing of the request has run yet, so the retry is safe. */
static enum err_code
begin_with_retry(struct req *r)
{
    PGresult *res = NULL;

    for (int attempt = 0; attempt < 2; attempt++) {
        if (!db_connected())
            connect_now();
        if (!db_connected())
            continue;
        if (db_exec(r, &res, "BEGIN", 0, NULL) == ERR_OK)
            return ERR_OK;
        if (db_connected())
            return r->err.code; /* a real error, not a lost connection */
    }
    ERR_SET(&r->err, ERR_UNAVAILABLE, "database unreachable");
    err_detail(&r->err, "%s", conn ? PQerrorMessage(conn) : "no connection");
    return ERR_UNAVAILABLE;
}

enum err_code
db_begin(struct req *r, enum db_role role, const char *claims_json)
{
    enum err_code rc;
    PGresult *res = NULL;
    const char *role_name = db_role_name(role);
    const char *claims = claims_json;

    if (claims == NULL)
        claims = arena_sprintf(r->arena, "{\"role\":\"%s\"}", role_name);
    rc = begin_with_retry(r);
    if (rc)
        return rc;
    /* set_config('role', x, true) is SET LOCAL ROLE x, as PostgREST does it,
     * but in the same round trip as the claims and the timeout. */
    return db_exec_text(r, &res,
                        "SELECT set_config('request.jwt.claims', $1, true),"
                        " set_config('role', $2, true),"
                        " set_config('statement_timeout', $3, true)",
                        3, (const char *const[]){claims, role_name, statement_timeout});
}

enum err_code
db_commit(struct req *r)
{
    PGresult *res = NULL;

    return db_exec(r, &res, "COMMIT", 0, NULL);
}

void
db_end(void)
{
    PGTransactionStatusType ts;

    if (conn == NULL)
        return;
    ts = PQtransactionStatus(conn);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
        PQclear(PQexec(conn, "ROLLBACK"));
}
