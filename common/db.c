/* SPDX-License-Identifier: MIT */
/*
 * db.c - one libpq connection per worker process, request transactions sent
 * as libpq pipelines, statements prepared once per connection, SQLSTATE
 * mapping and reconnection.
 */
#include "db.h"
#include "arena.h"
#include "call.h"
#include "log.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static PGconn *conn;
static struct db_options options;
static char statement_timeout[24];

/* Statements prepared on the current connection (FFX_DB_PREPARE), found by
 * their text and named ffx_<slot>: PostgreSQL parses and plans each once per
 * connection instead of once per request. A new connection starts with none
 * ready. Beyond DB_PREPARED_MAX distinct texts, statements go unnamed. */
#define DB_PREPARED_MAX 64
static struct {
    char *sql;
    bool ready;
} prepared[DB_PREPARED_MAX];
static int nprepared;

/* The transaction db_begin() opened: sent with its first statement. */
static struct {
    bool open;
    const char *prologue[RLS_PROLOGUE_NPARAMS]; /* claims, role, timeout (rls.h) */
} pending;

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
    {"FF401", ERR_UNAUTHORIZED, NULL},
    {"FF403", ERR_FORBIDDEN, NULL},
    {"FF404", ERR_NOT_FOUND, NULL},
    {"FF409", ERR_CONFLICT, NULL},
    {"FF429", ERR_TOO_MANY_REQUESTS, NULL},
    {"FF503", ERR_PAUSED, NULL}, /* an operator's pause: their message, not "Service unavailable" */
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
forget_prepared(void)
{
    for (int i = 0; i < nprepared; i++)
        prepared[i].ready = false;
}

/* The slot of sql in the cache (added if new), or -1: unnamed. */
static int
prepared_slot(const char *sql)
{
    if (!options.prepare)
        return -1;
    for (int i = 0; i < nprepared; i++)
        if (strcmp(prepared[i].sql, sql) == 0)
            return i;
    if (nprepared == DB_PREPARED_MAX)
        return -1;
    prepared[nprepared].sql = strdup(sql);
    if (prepared[nprepared].sql == NULL)
        abort();
    prepared[nprepared].ready = false;
    return nprepared++;
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
    forget_prepared();
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
    for (int i = 0; i < nprepared; i++)
        free(prepared[i].sql);
    nprepared = 0;
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

/* Turn a failed result into c->err; the server text goes to the log only. */
static enum err_code
result_error(struct call *c, const PGresult *res)
{
    const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    size_t i = sqlstate_index(sqlstate);
    enum err_code code = i == (size_t)-1 ? ERR_INTERNAL : sqlstate_map[i].code;
    const char *msg = "database error";

    if (!db_connected())
        code = ERR_UNAVAILABLE; /* the server went away mid-statement */
    else if (code < ERR_INTERNAL || code == ERR_PAUSED)
        msg = sqlstate_map[i].message ? sqlstate_map[i].message
              : primary               ? primary
                                      : "Invalid request";
    ERR_SET(&c->err, code, "%s", msg);
    err_detail(&c->err, "sqlstate=%s %s", sqlstate ? sqlstate : "none",
               primary ? primary
               : conn  ? PQerrorMessage(conn)
                       : "no connection");
    return code;
}

static bool
result_ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);

    return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

/* ---- statements and pipelines ---- */

static void
text_params(struct db_param *params, int nparams, const char *const *values)
{
    if (nparams > DB_MAX_PARAMS)
        abort(); /* programming error: raise DB_MAX_PARAMS */
    for (int i = 0; i < nparams; i++)
        params[i] = (struct db_param){.value = values[i]};
}

/* One statement as libpq takes it. */
struct stmt {
    const char *sql;
    int nparams;
    const char *values[DB_MAX_PARAMS];
    int lengths[DB_MAX_PARAMS];
    int formats[DB_MAX_PARAMS];
};

static void
stmt_init(struct stmt *s, const char *sql, int nparams, const struct db_param *params)
{
    if (nparams > DB_MAX_PARAMS)
        abort(); /* programming error: raise DB_MAX_PARAMS */
    s->sql = sql;
    s->nparams = nparams;
    for (int i = 0; i < nparams; i++) {
        s->values[i] = params[i].value;
        s->lengths[i] = params[i].length;
        s->formats[i] = params[i].binary ? 1 : 0;
    }
}

/* The first statement of every request transaction: the caller's claims,
 * role and statement timeout, transaction-local (rls.h). */
static void
stmt_prelude(struct stmt *s)
{
    struct db_param p[RLS_PROLOGUE_NPARAMS] = {{.value = pending.prologue[0]},
                                               {.value = pending.prologue[1]},
                                               {.value = pending.prologue[2]}};

    stmt_init(s, rls_prologue_sql, RLS_PROLOGUE_NPARAMS, p);
}

/* Forget a connection whose state we no longer trust; the next request
 * opens a fresh one. */
static void
discard_connection(void)
{
    PQfinish(conn);
    conn = NULL;
    forget_prepared();
}

/* Between transactions the connection must be silent: the server (or a
 * pooler) only ever speaks to answer us. Anything to read now is its
 * goodbye (an error before it hung up, or the hang-up itself, as when
 * PgBouncer restarts), so the connection is replaced before anything is
 * sent on it, when that is still safe. One poll(2), no waiting. */
static bool
spoke_while_idle(void)
{
    struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};

    return poll(&p, 1, 0) != 0;
}

static enum err_code
ensure_connection(struct call *c)
{
    if (db_connected() && spoke_while_idle())
        discard_connection();
    if (!db_connected())
        connect_now();
    if (db_connected())
        return ERR_OK;
    ERR_SET(&c->err, ERR_UNAVAILABLE, "database unreachable");
    err_detail(&c->err, "%s", conn ? PQerrorMessage(conn) : "no connection");
    return ERR_UNAVAILABLE;
}

/* Whether a pipeline's first result says the server refused it before
 * running anything: it had closed the session while it sat idle (a
 * restart, an administrator, an idle timeout), so resending it on a fresh
 * connection cannot run anything twice. */
static bool
refused_before_running(const PGresult *first)
{
    const char *sqlstate = first ? PQresultErrorField(first, PG_DIAG_SQLSTATE) : NULL;

    return sqlstate != NULL &&
           (strncmp(sqlstate, "57P0", 4) == 0 || strncmp(sqlstate, "08", 2) == 0);
}

/* Read one statement's result in a pipeline (then the NULL that ends it). */
static PGresult *
pipeline_result(struct call *c)
{
    PGresult *res = PQgetResult(conn);
    PGresult *extra;

    if (res == NULL)
        return NULL;
    arena_defer(c->arena, clear_result, res);
    while (PQstatus(conn) == CONNECTION_OK && (extra = PQgetResult(conn)) != NULL)
        PQclear(extra);
    return res;
}

/* Queue one statement: prepared (and first prepared, once per connection)
 * or unnamed. *parsing says a Prepare went out, whose result comes first. */
static bool
send_statement(const struct stmt *s, int *slot, bool *parsing)
{
    char name[16];

    *slot = prepared_slot(s->sql);
    *parsing = false;
    if (*slot < 0)
        return PQsendQueryParams(conn, s->sql, s->nparams, NULL, s->values, s->lengths, s->formats,
                                 0) == 1;
    snprintf(name, sizeof(name), "ffx_%d", *slot);
    if (!prepared[*slot].ready) {
        if (PQsendPrepare(conn, name, s->sql, s->nparams, NULL) != 1)
            return false;
        *parsing = true;
    }
    return PQsendQueryPrepared(conn, name, s->nparams, s->values, s->lengths, s->formats, 0) == 1;
}

/* The first failure of a pipeline becomes c->err; a statement a pooler
 * lost (26000: it now talks to another server connection) is prepared
 * again next time. */
static enum err_code
note_result(struct call *c, enum err_code rc, const PGresult *res)
{
    const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    if (sqlstate != NULL && strcmp(sqlstate, "26000") == 0)
        forget_prepared();
    if (rc == ERR_OK && !result_ok(res))
        rc = result_error(c, res);
    return rc;
}

/* Send n statements and a Sync in one write, then read every result: one
 * round trip. res[i] is each statement's result (NULL if it never came);
 * *first is the first result that came back, a Prepare's included.
 * The first failure sets c->err; the ones PostgreSQL skipped after it are
 * not errors of their own. Without a BEGIN among them, the statements up to
 * the Sync are one implicit transaction, committed by the Sync; inside an
 * open transaction the Sync commits nothing. */
static enum err_code
pipeline_once(struct call *c, const struct stmt *s, int n, PGresult **res, PGresult **first)
{
    enum err_code rc = ERR_OK;
    struct timespec t0;
    PGresult *sync;
    int slot[DB_MAX_PIPELINE];
    bool parsing[DB_MAX_PIPELINE];
    bool sent;

    if (conn == NULL) {
        ERR_SET(&c->err, ERR_UNAVAILABLE, "database connection lost");
        return ERR_UNAVAILABLE;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sent = PQenterPipelineMode(conn) == 1;
    for (int i = 0; i < n && sent; i++)
        sent = send_statement(&s[i], &slot[i], &parsing[i]);
    sent = sent && PQpipelineSync(conn) == 1;
    *first = NULL;
    for (int i = 0; i < n; i++) {
        bool readable = sent && PQstatus(conn) == CONNECTION_OK;

        if (readable && parsing[i]) {
            PGresult *parsed = pipeline_result(c);

            if (result_ok(parsed))
                prepared[slot[i]].ready = true;
            rc = note_result(c, rc, parsed);
            *first = *first ? *first : parsed;
            readable = PQstatus(conn) == CONNECTION_OK;
        }
        res[i] = readable ? pipeline_result(c) : NULL;
        rc = note_result(c, rc, res[i]);
        *first = *first ? *first : res[i];
    }
    sync = sent && PQstatus(conn) == CONNECTION_OK ? PQgetResult(conn) : NULL;
    if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC || PQexitPipelineMode(conn) != 1) {
        if (rc == ERR_OK) {
            ERR_SET(&c->err, ERR_UNAVAILABLE, "database connection lost");
            err_detail(&c->err, "%s", PQerrorMessage(conn));
            rc = ERR_UNAVAILABLE;
        }
        discard_connection();
    }
    PQclear(sync);
    c->db_ms += ms_since(&t0);
    return rc;
}

/* pipeline_once on a working connection, and once more on a fresh one if
 * the server had hung up on the old one. */
static enum err_code
run_pipeline(struct call *c, const struct stmt *s, int n, PGresult **res)
{
    enum err_code rc = ensure_connection(c);
    PGresult *first = NULL;

    if (rc)
        return rc;
    rc = pipeline_once(c, s, n, res, &first);
    if (rc == ERR_OK || !refused_before_running(first))
        return rc;
    log_event(LOG_WARN, c->request_id, "db", "the server had closed the connection; reconnecting");
    err_clear(&c->err);
    if (conn != NULL)
        discard_connection();
    rc = ensure_connection(c);
    return rc ? rc : pipeline_once(c, s, n, res, &first);
}

/* Who the next transaction runs as; claims NULL means {"role":<role>}. */
static void
remember_caller(enum rls_role role, const char *claims_json)
{
    rls_prologue_params(pending.prologue, role, claims_json, statement_timeout);
}

enum err_code
db_begin(struct call *c, enum rls_role role, const char *claims_json)
{
    (void)c; /* nothing is sent yet: the first db_exec reports for it */
    remember_caller(role, claims_json);
    pending.open = true;
    return ERR_OK;
}

/* The first statement of a transaction travels with BEGIN and the prelude. */
static enum err_code
exec_first(struct call *c, PGresult **out, const struct stmt *s)
{
    struct stmt batch[3];
    PGresult *res[3];
    enum err_code rc;

    pending.open = false;
    stmt_init(&batch[0], "BEGIN", 0, NULL);
    stmt_prelude(&batch[1]);
    batch[2] = *s;
    rc = run_pipeline(c, batch, 3, res);
    if (rc == ERR_OK)
        *out = res[2];
    return rc;
}

enum err_code
db_exec(struct call *c, PGresult **out, const char *sql, int nparams, const struct db_param *params)
{
    struct stmt s;
    PGresult *res = NULL;
    PGresult *first = NULL;
    enum err_code rc;

    *out = NULL;
    stmt_init(&s, sql, nparams, params);
    if (pending.open)
        return exec_first(c, out, &s);
    rc = pipeline_once(c, &s, 1, &res, &first); /* inside the transaction: no retry */
    if (rc == ERR_OK)
        *out = res;
    return rc;
}

enum err_code
db_exec_text(struct call *c, PGresult **out, const char *sql, int nparams,
             const char *const *values)
{
    struct db_param params[DB_MAX_PARAMS];

    text_params(params, nparams, values);
    return db_exec(c, out, sql, nparams, params);
}

enum err_code
db_single(struct call *c, enum rls_role role, const char *claims_json, PGresult **out,
          const char *sql, int nparams, const struct db_param *params)
{
    struct stmt batch[2];
    PGresult *res[2];
    enum err_code rc;

    *out = NULL;
    remember_caller(role, claims_json);
    stmt_prelude(&batch[0]);
    stmt_init(&batch[1], sql, nparams, params);
    rc = run_pipeline(c, batch, 2, res);
    if (rc == ERR_OK)
        *out = res[1];
    return rc;
}

enum err_code
db_single_text(struct call *c, enum rls_role role, const char *claims_json, PGresult **out,
               const char *sql, int nparams, const char *const *values)
{
    struct db_param params[DB_MAX_PARAMS];

    text_params(params, nparams, values);
    return db_single(c, role, claims_json, out, sql, nparams, params);
}

enum err_code
db_commit(struct call *c)
{
    PGresult *res = NULL;

    if (pending.open) { /* nothing was sent: nothing to commit */
        pending.open = false;
        return ERR_OK;
    }
    return db_exec(c, &res, "COMMIT", 0, NULL);
}

void
db_end(void)
{
    PGTransactionStatusType ts;

    pending.open = false;
    if (conn == NULL)
        return;
    ts = PQtransactionStatus(conn);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
        PQclear(PQexec(conn, "ROLLBACK"));
}
