/* SPDX-License-Identifier: MIT */
/*
 * The request transactions of common/db.c against the test stack's
 * PostgreSQL (FFX_FUNCTIONS_DATABASE_URL, logging in as the functions do;
 * DATABASE_URL, the superuser, plays the administrator): what each pipelined
 * transaction sets and leaves behind, that statements are prepared once per
 * connection (and not at all with prepare off), errors in and out of a
 * transaction, and the reconnection when the server has closed the session.
 */
#include "arena.h"
#include "call.h"
#include "check.h"
#include "db.h"
#include "log.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <time.h>

static struct arena *arena;

static void
fresh_call(struct call *c)
{
    arena_reset(arena);
    call_init(c, arena, NULL);
}

static void
open_db(const char *url, bool prepare)
{
    struct db_options opt = {
        .conninfo = url,
        .app_name = "test_db_live",
        .connect_timeout_s = 3,
        .statement_timeout_ms = 8000,
        .prepare = prepare,
    };

    db_open(&opt);
}

/* One value of a one-statement transaction, copied out (NULL on error). */
static char *
single(enum rls_role role, const char *claims, const char *sql)
{
    static char value[512];
    struct call c;
    PGresult *res = NULL;

    fresh_call(&c);
    if (db_single(&c, role, claims, &res, sql, 0, NULL) != ERR_OK) {
        fprintf(stderr, "  (%s: %s %s)\n", sql, c.err.msg, c.err.detail);
        db_end();
        return NULL;
    }
    snprintf(value, sizeof(value), "%s", PQgetvalue(res, 0, 0));
    db_end();
    return value;
}

static void
test_what_a_transaction_sets(void)
{
    CHECK_STREQ(single(RLS_SERVICE, NULL,
                       "SELECT current_user || ' ' || current_setting('request.jwt.claims')"
                       " || ' ' || current_setting('statement_timeout')"),
                "service_role {\"role\":\"service_role\"} 8s");
    CHECK_STREQ(single(RLS_AUTHENTICATED, "{\"sub\":\"a0000000-0000-4000-8000-00000000000a\"}",
                       "SELECT current_user || ' ' || auth.uid()"),
                "authenticated a0000000-0000-4000-8000-00000000000a");
    /* The settings were transaction-local: nothing of the previous
     * transaction is left on the connection. */
    CHECK_STREQ(single(RLS_ANON, NULL,
                       "SELECT current_user || ' ' || current_setting('request.jwt.claims')"),
                "anon {\"role\":\"anon\"}");
}

static long
prepared_count(void)
{
    const char *n = single(RLS_ANON, NULL,
                           "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'ffx\\_%'");

    return n ? atol(n) : -1;
}

static void
test_statements_are_prepared_once(const char *url)
{
    long first = prepared_count();

    /* the prelude and the count itself, prepared on first use */
    CHECK(first >= 2);
    CHECK_INTEQ(prepared_count(), first);
    db_close();
    open_db(url, false);
    CHECK_INTEQ(prepared_count(), 0);
    db_close();
    open_db(url, true);
}

static void
test_errors_leave_nothing_open(void)
{
    struct call c;
    PGresult *res = NULL;
    char *txid;

    fresh_call(&c);
    CHECK_INTEQ(db_single(&c, RLS_ANON, NULL, &res, "SELECT 1/0", 0, NULL), ERR_BAD_REQUEST);
    db_end();
    CHECK_STREQ(single(RLS_ANON, NULL, "SELECT 'after'"), "after");

    /* db_begin sends nothing until the first statement; both statements see
     * one transaction; an error in it is rolled back by db_end. */
    fresh_call(&c);
    CHECK_INTEQ(db_begin(&c, RLS_SERVICE, NULL), ERR_OK);
    CHECK_INTEQ(db_exec(&c, &res, "SELECT txid_current()::text", 0, NULL), ERR_OK);
    txid = arena_strdup(arena, PQgetvalue(res, 0, 0));
    CHECK_INTEQ(db_exec(&c, &res, "SELECT txid_current()::text", 0, NULL), ERR_OK);
    CHECK_STREQ(PQgetvalue(res, 0, 0), txid);
    CHECK_INTEQ(db_exec(&c, &res, "SELECT 1/0", 0, NULL), ERR_BAD_REQUEST);
    db_end();
    CHECK_STREQ(single(RLS_ANON, NULL, "SELECT 'after a failed transaction'"),
                "after a failed transaction");

    /* A transaction without statements commits nothing and sends nothing. */
    fresh_call(&c);
    CHECK_INTEQ(db_begin(&c, RLS_SERVICE, NULL), ERR_OK);
    CHECK_INTEQ(db_commit(&c), ERR_OK);
    db_end();
}

/* The administrator ends the functions' session (as a restart does): the
 * next transaction goes out again on a new connection. */
static void
test_reconnects_after_the_server_hung_up(const char *admin_url)
{
    char *pid = single(RLS_ANON, NULL, "SELECT pg_backend_pid()::text");
    char old[32];
    PGconn *admin = PQconnectdb(admin_url);
    const char *params[] = {old};
    PGresult *res;

    CHECK(pid != NULL);
    if (pid == NULL || PQstatus(admin) != CONNECTION_OK) {
        PQfinish(admin);
        return;
    }
    snprintf(old, sizeof(old), "%s", pid);
    res = PQexecParams(admin, "SELECT pg_terminate_backend($1::int, 5000)", 1, NULL, params, NULL,
                       NULL, 0);
    CHECK_STREQ(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    PQfinish(admin);
    pid = single(RLS_ANON, NULL, "SELECT pg_backend_pid()::text");
    CHECK(pid != NULL && strcmp(pid, old) != 0);
    CHECK(prepared_count() >= 2); /* prepared again on the new connection */
}

int
main(void)
{
    const char *url = getenv("FFX_FUNCTIONS_DATABASE_URL");
    const char *admin_url = getenv("DATABASE_URL");

    if (url == NULL || admin_url == NULL) {
        fprintf(stderr, "test_db_live: needs the test stack (scripts/test sets "
                        "FFX_FUNCTIONS_DATABASE_URL and DATABASE_URL)\n");
        return 77;
    }
    log_init("test_db_live", LOG_ERROR);
    arena = arena_create(16 * 1024);
    open_db(url, true);
    CHECK(db_connected());
    test_what_a_transaction_sets();
    test_statements_are_prepared_once(url);
    test_errors_leave_nothing_open();
    test_reconnects_after_the_server_hung_up(admin_url);
    db_close();
    arena_destroy(arena);
    return check_done();
}
