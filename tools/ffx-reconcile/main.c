/* SPDX-License-Identifier: MIT */
/*
 * ffx-reconcile - the sweeper that makes the payment lifecycle converge when an IPN is lost, a
 * process dies between two steps, NOWPayments or PostgreSQL was away, or an order is abandoned
 * (sql/definitions/80_reconcile.sql).
 *
 *   ffx-reconcile           a pass every FFX_RECONCILE_INTERVAL seconds until SIGTERM/SIGINT
 *                           (finishes the step in hand, exits 0)
 *   ffx-reconcile --once    one pass, then exit 0 (tests, cron); 1 if the database cannot be
 *                           reached or one of the steps' statements failed in it
 *
 * One pass, every step in its own short transaction as service_role (BEGIN, then the claims and
 * the role, transaction-local: the login role is NOINHERIT and can do nothing on its own):
 *   (a) ffx_internal.reconcile_due_payments(FFX_RECONCILE_BATCH, FFX_RECONCILE_MIN_AGE_S) claims
 * the non-final payments due for a poll (the backoff is the database's); for each,
 *       ffx_internal.payment_refresh_claim(id, FFX_RECONCILE_MIN_AGE_S, 'ffx-reconcile') (a payment
 *       check-payment-status or another reconciler asked NOWPayments about within that many
 *       seconds is skipped: one GET per payment per interval across all of them), then
 *       GET /v1/payment/{id}, then ffx_internal.payment_apply(raw, 'reconcile') in a transaction of
 * its own. A NOWPayments failure is logged and the payment skipped: it is polled again after its
 * backoff. (b) ffx_internal.reconcile_failed_events(FFX_RECONCILE_BATCH): failed and unmatched
 * inbox events. (c) ffx_internal.expire_stale_orders(FFX_RECONCILE_EXPIRY_MINUTES): abandoned
 * unpaid orders. (d) ffx_internal.deliver_waiting_orders(): paid orders that stock arrived for
 * while locked. (e) ffx_internal.discount_holds_release_stale(FFX_RECONCILE_EXPIRY_MINUTES):
 * discount-code holds that no live payment backs (a checkout that died before its payment was
 * recorded), so a code's last use is not held forever by an order nobody can pay. and one summary
 * line with the counts. Every change goes through payment_apply, so the reconciler, the webhook and
 * check-payment-status move the same monotonic state machine, and several reconcilers may run at
 * once (every claim is FOR UPDATE SKIP LOCKED).
 *
 * A lost database connection is reopened at the next pass (a pass that meets the outage ends
 * there); the outage is logged once. The command line, signals, waits and the loop are
 * common/daemon.h's; what a pass does and the interval are this file's. Exit status: 0 done, 1
 * failure, 2 bad configuration or usage.
 */
#include "arena.h"
#include "call.h"
#include "cfg.h"
#include "daemon.h"
#include "err.h"
#include "log.h"
#include "nowpayments.h"
#include "pgsession.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECONCILE_NAME "ffx-reconcile"

static const struct cfg_key reconcile_keys[] = {
    {"FFX_RECONCILE_INTERVAL", CFG_INT, "30", 1, 86400, NULL, 0, "seconds between passes"},
    {"FFX_RECONCILE_MIN_AGE_S", CFG_INT, "60", 0, 604800, NULL, 0,
     "a non-final payment is polled once our copy is this old (younger: an IPN may be coming)"},
    {"FFX_RECONCILE_BATCH", CFG_INT, "50", 1, 10000, NULL, 0,
     "payments polled and inbox events retried per pass"},
    {"FFX_RECONCILE_EXPIRY_MINUTES", CFG_INT, "60", 0, 525600, NULL, 0,
     "an unpaid order whose payments have no known expiration fails after this long"},
    CFG_END,
};

struct reconciler {
    struct pgsession db;
    struct arena *step; /* one step's results; reset after each step */
    struct arena *item; /* one payment's poll and apply; reset after each payment */
    char batch[24];
    char min_age[24];
    char expiry[24];
    long long interval_s;
};

/* (b) to (e) below */
#define SCALAR_STEPS 4

/* What one pass did, for its summary line. */
struct pass_stats {
    long long claimed, polled, poll_failed, changed, delivered, apply_failed, refreshed_recently;
    long long scalar_counts[SCALAR_STEPS]; /* scalar_steps' numbers, in the table's order */
    int db_failures;
};

/* The single value of a one-row result as a number; 0 for NULL. */
static long long
scalar(const PGresult *res)
{
    if (PQntuples(res) != 1 || PQnfields(res) < 1 || PQgetisnull(res, 0, 0))
        return 0;
    return strtoll(PQgetvalue(res, 0, 0), NULL, 10);
}

/* ---- (a) poll the payments due ---- */

/* Whether this pass may GET the payment: 1 when nobody (check-payment-status, another
 * reconciler) asked NOWPayments about it in the last FFX_RECONCILE_MIN_AGE_S seconds, 0 when
 * somebody did, -1 when the database failed (the pass then counts a failure). The attempt is
 * recorded before the GET, in a transaction of its own. */
static int
claim_refresh(struct reconciler *m, const char *payment_id)
{
    PGresult *res =
        pgsession_tx_exec(&m->db, m->item, "payment_refresh_claim failed",
                          "SELECT ffx_internal.payment_refresh_claim($1, $2::int, 'ffx-reconcile')",
                          2, (const char *const[]){payment_id, m->min_age});

    if (res == NULL || PQntuples(res) != 1)
        return -1;
    return strcmp(PQgetvalue(res, 0, 0), "t") == 0;
}

/* Poll one payment and apply what NOWPayments says. A NOWPayments failure is only logged (the
 * payment's backoff is already recorded); so is an apply that the database refuses (apply_failed,
 * e.g. a status payment_apply does not know). Only a lost connection fails the pass. */
static void
reconcile_payment(struct reconciler *m, const char *payment_id, const char *order_id,
                  struct pass_stats *st)
{
    struct call c;
    struct np_payment p;
    struct log_line l;
    PGresult *res;

    call_init(&c, m->item, NULL);
    switch (claim_refresh(m, payment_id)) {
    case -1:
        st->db_failures++;
        return;
    case 0:
        st->refreshed_recently++;
        return;
    default:
        break;
    }
    if (np_get_payment(&c, payment_id, &p) != ERR_OK) {
        st->poll_failed++;
        log_begin(&l, LOG_WARN, NULL, "reconcile",
                  "payment poll failed; retried after its backoff");
        log_str(&l, "payment_id", payment_id);
        log_str(&l, "order_id", order_id);
        log_str(&l, "error", c.err.msg);
        log_str(&l, "detail", c.err.detail);
        log_end(&l);
        return;
    }
    st->polled++;
    res = pgsession_tx_exec(&m->db, m->item, "payment_apply failed",
                            "SELECT x->>'outcome', coalesce((x->>'changed')::boolean, false),"
                            " coalesce((x->>'delivered')::boolean, false), x->>'order_status',"
                            " x->>'payment_status', x->>'delivery_status'"
                            " FROM ffx_internal.payment_apply($1::jsonb, 'reconcile') AS x",
                            1, (const char *const[]){p.raw_json});
    if (res == NULL || PQntuples(res) != 1) {
        st->apply_failed++;
        if (!pgsession_ok(&m->db))
            st->db_failures++;
        log_begin(&l, LOG_ERROR, NULL, "reconcile", "could not apply a polled payment");
        log_str(&l, "payment_id", payment_id);
        log_str(&l, "order_id", order_id);
        log_str(&l, "provider_status", p.payment_status ? p.payment_status : "");
        log_end(&l);
        return;
    }
    if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
        bool delivered = strcmp(PQgetvalue(res, 0, 2), "t") == 0;

        st->changed++;
        st->delivered += delivered;
        log_begin(&l, LOG_INFO, NULL, "reconcile", "payment reconciled");
        log_str(&l, "payment_id", payment_id);
        log_str(&l, "order_id", order_id);
        log_str(&l, "provider_status", p.payment_status ? p.payment_status : "");
        log_str(&l, "order_status", PQgetvalue(res, 0, 3));
        log_str(&l, "payment_status", PQgetvalue(res, 0, 4));
        log_str(&l, "delivery_status", PQgetvalue(res, 0, 5));
        log_int(&l, "delivered", delivered);
        log_end(&l);
    }
}

static void
poll_due_payments(struct reconciler *m, struct pass_stats *st)
{
    PGresult *due = pgsession_tx_exec(&m->db, m->step, "reconcile_due_payments failed",
                                      "SELECT payment_id, order_id"
                                      " FROM ffx_internal.reconcile_due_payments($1::int, $2::int)",
                                      2, (const char *const[]){m->batch, m->min_age});
    int n;

    if (due == NULL) {
        st->db_failures++;
        return;
    }
    n = PQntuples(due);
    st->claimed = n;
    /* a stop signal ends the step after the payment in hand; the rest are polled after their
     * backoff */
    for (int i = 0; i < n && !daemon_stop_requested() && pgsession_ok(&m->db); i++) {
        reconcile_payment(m, PQgetvalue(due, i, 0), PQgetvalue(due, i, 1), st);
        arena_reset(m->item);
    }
    arena_reset(m->step);
}

/* ---- (b) to (e): one statement each ---- */

/* The parameter a step's statement takes. */
enum step_param { STEP_NO_PARAM, STEP_BATCH, STEP_EXPIRY };

static const struct scalar_step {
    const char *what; /* the log message when it fails */
    const char *sql;
    enum step_param param;
    const char *summary_key; /* its number in the pass's summary line */
} scalar_steps[SCALAR_STEPS] = {
    {"reconcile_failed_events failed", "SELECT ffx_internal.reconcile_failed_events($1::int)",
     STEP_BATCH, "events_processed"},
    {"expire_stale_orders failed",
     "SELECT ffx_internal.expire_stale_orders(make_interval(mins => $1::int))", STEP_EXPIRY,
     "orders_expired"},
    {"deliver_waiting_orders failed", "SELECT ffx_internal.deliver_waiting_orders()", STEP_NO_PARAM,
     "waiting_delivered"},
    {"discount_holds_release_stale failed",
     "SELECT ffx_internal.discount_holds_release_stale(make_interval(mins => $1::int))",
     STEP_EXPIRY, "discount_holds_released"},
};

static void
run_scalar_step(struct reconciler *m, const struct scalar_step *step, long long *count,
                struct pass_stats *st)
{
    const char *param = step->param == STEP_BATCH ? m->batch : m->expiry;
    PGresult *res;

    if (daemon_stop_requested() || !pgsession_ok(&m->db))
        return;
    res = pgsession_tx_exec(&m->db, m->step, step->what, step->sql,
                            step->param == STEP_NO_PARAM ? 0 : 1, (const char *const[]){param});
    if (res == NULL)
        st->db_failures++;
    else
        *count = scalar(res);
    arena_reset(m->step);
}

/* One pass; its summary line. Returns 0 when every database step worked. */
static int
run_pass(void *tool)
{
    struct reconciler *m = tool;
    struct pass_stats st = {0};
    double t0 = daemon_now_ms();
    struct log_line l;

    poll_due_payments(m, &st);
    for (size_t i = 0; i < SCALAR_STEPS; i++)
        run_scalar_step(m, &scalar_steps[i], &st.scalar_counts[i], &st);
    if (!pgsession_ok(&m->db) && st.db_failures == 0)
        st.db_failures++; /* the connection went during the pass */

    log_begin(&l, st.db_failures ? LOG_WARN : LOG_INFO, NULL, "reconcile",
              daemon_stop_requested() ? "pass interrupted by a stop signal" : "pass done");
    log_int(&l, "claimed", st.claimed);
    log_int(&l, "refreshed_recently", st.refreshed_recently);
    log_int(&l, "polled", st.polled);
    log_int(&l, "poll_failed", st.poll_failed);
    log_int(&l, "changed", st.changed);
    log_int(&l, "delivered", st.delivered);
    log_int(&l, "apply_failed", st.apply_failed);
    for (size_t i = 0; i < SCALAR_STEPS; i++)
        log_int(&l, scalar_steps[i].summary_key, st.scalar_counts[i]);
    log_int(&l, "db_failures", st.db_failures);
    log_double(&l, "dur_ms", daemon_now_ms() - t0);
    log_end(&l);
    return st.db_failures ? -1 : 0;
}

/* The next pass starts FFX_RECONCILE_INTERVAL after this one started. */
static void
wait_for_next_pass(void *tool, double pass_started_ms)
{
    const struct reconciler *m = tool;

    daemon_wait(-1, (long long)(pass_started_ms + (double)m->interval_s * 1000 - daemon_now_ms()));
}

/* ---- start-up ---- */

static int
configure(void *tool)
{
    struct reconciler *m = tool;

    if (np_check_config() != 0)
        return -1;
    snprintf(m->batch, sizeof(m->batch), "%lld", cfg_int("FFX_RECONCILE_BATCH"));
    snprintf(m->min_age, sizeof(m->min_age), "%lld", cfg_int("FFX_RECONCILE_MIN_AGE_S"));
    snprintf(m->expiry, sizeof(m->expiry), "%lld", cfg_int("FFX_RECONCILE_EXPIRY_MINUTES"));
    m->interval_s = cfg_int("FFX_RECONCILE_INTERVAL");
    return 0;
}

static int
start(void *tool)
{
    (void)tool;
    return np_init();
}

static void
finish(void *tool)
{
    struct reconciler *m = tool;

    np_fini();
    arena_destroy(m->item);
    arena_destroy(m->step);
}

int
main(int argc, char **argv)
{
    struct reconciler m = {.step = arena_create(16384), .item = arena_create(16384)};

    return daemon_main(
        &(struct daemon_app){
            .name = RECONCILE_NAME,
            .log_area = "reconcile",
            .cfg_tables = (const struct cfg_key *const[]){np_cfg_keys, reconcile_keys, NULL},
            .db = &m.db,
            .tool = &m,
            .configure = configure,
            .start = start,
            .pass = run_pass,
            .wait = wait_for_next_pass,
            .finish = finish,
        },
        argc, argv);
}
