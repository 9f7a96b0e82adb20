/* SPDX-License-Identifier: MIT */
/*
 * check-payment-status - GET ?orderId=&userId=: the order and its newest
 * NOWPayments payment, as the seed's API reference describes them.
 *
 * The caller is the verified token's subject; userId must match it unless
 * the caller is an admin or the service role. The read runs under the
 * caller's role and claims, so RLS alone already hides other users' orders.
 *
 * A missed webhook is repaired here: when the newest payment is not final
 * and our copy is older than FFX_STATUS_REFRESH_SECONDS, the payment is
 * fetched from NOWPayments and applied through the same transition as an
 * IPN (ffx_internal.payment_apply). If NOWPayments fails, the answer comes from
 * the database as it is.
 *
 * That refresh is bounded, because customers poll this endpoint: at most
 * one GET per payment per FFX_STATUS_REFRESH_SECONDS across every worker
 * and host (ffx_internal.payment_refresh_claim records the attempt in the
 * database, in a statement of its own, before the GET; ffx-reconcile
 * claims the same way), one attempt, within FFX_STATUS_REFRESH_BUDGET_MS,
 * with no transaction open while it runs. Everybody else answers from the
 * database at once.
 */
#include "arena.h"
#include "auth.h"
#include "cfg.h"
#include "db.h"
#include "log.h"
#include "nowpayments.h"
#include "response.h"
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct cfg_key status_keys[] = {
    {"FFX_STATUS_REFRESH_SECONDS", CFG_INT, "30", 0, 86400, NULL, 0,
     "refresh a non-final payment from NOWPayments when our copy is older than this, at most "
     "once per payment per this many seconds"},
    {"FFX_STATUS_REFRESH_BUDGET_MS", CFG_INT, "1500", 100, 10000, NULL, 0,
     "the refresh's one GET from NOWPayments, connecting included, takes at most this long"},
    CFG_END,
};

/* Statuses after which NOWPayments sends nothing more worth polling for. */
static const char *const final_statuses[] = {"finished", "failed", "refunded", "expired", NULL};

struct status_query {
    const char *order_id;
    const char *user_id;
};

/* What ffx_internal.check_payment_status returns: the documents as JSON text,
 * copied into the answer as they are. All NULL when the order is hidden
 * or missing. */
struct order_status {
    const char *owner;
    const char *order_json;
    const char *payment_json; /* NULL: no payment yet */
    const char *payment_id;
    const char *payment_status;
    long long payment_age_s;
};

static enum err_code
read_params(struct req *r, struct status_query *q)
{
    q->order_id = req_query(r, "orderId");
    q->user_id = req_query(r, "userId");
    if (q->order_id == NULL || q->order_id[0] == '\0' || q->user_id == NULL ||
        q->user_id[0] == '\0')
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST,
                       "Missing required parameters: orderId and userId");
    return ERR_OK;
}

static const char *
column(const PGresult *res, int i)
{
    return PQgetisnull(res, 0, i) ? NULL : PQgetvalue(res, 0, i);
}

/* One round trip, under the caller's role and claims: RLS alone already
 * hides other users' orders. */
static enum err_code
load_status(struct req *r, const struct auth_identity *id, const char *order_id,
            struct order_status *st)
{
    PGresult *res = NULL;
    enum err_code rc =
        db_single_text(&r->call, id->role, id->claims_json, &res,
                       "SELECT owner, order_doc::text, payment_doc::text, payment_id,"
                       " payment_status, payment_age_s"
                       " FROM ffx_internal.check_payment_status($1)",
                       1, (const char *const[]){order_id});

    if (rc)
        return rc;
    st->owner = column(res, 0);
    st->order_json = column(res, 1);
    st->payment_json = column(res, 2);
    st->payment_id = column(res, 3);
    st->payment_status = column(res, 4);
    st->payment_age_s = column(res, 5) ? atoll(column(res, 5)) : 0;
    return ERR_OK;
}

static bool
needs_refresh(const struct order_status *st)
{
    if (st->payment_status == NULL || st->payment_id == NULL ||
        st->payment_age_s < cfg_int("FFX_STATUS_REFRESH_SECONDS"))
        return false;
    for (size_t i = 0; final_statuses[i] != NULL; i++)
        if (strcmp(st->payment_status, final_statuses[i]) == 0)
            return false;
    return true;
}

/* claim_refresh - whether this call may ask NOWPayments for the payment:
 * the attempt is recorded first, in a transaction of its own, and only one
 * caller per payment per FFX_STATUS_REFRESH_SECONDS gets true. The
 * caller's read already proved the order is theirs; the claim runs as the
 * service, like the apply. */
static bool
claim_refresh(struct req *r, const char *payment_id)
{
    PGresult *res = NULL;

    if (db_single_text(
            &r->call, RLS_SERVICE, NULL, &res,
            "SELECT ffx_internal.payment_refresh_claim($1, $2::int, 'check-payment-status')", 2,
            (const char *const[]){
                payment_id, arena_sprintf(r->call.arena, "%lld",
                                          cfg_int("FFX_STATUS_REFRESH_SECONDS"))}) != ERR_OK) {
        log_event(LOG_WARN, r->call.request_id, "status",
                  "refresh claim failed, answering from the database");
        err_clear(&r->call.err);
        return false;
    }
    return strcmp(PQgetvalue(res, 0, 0), "t") == 0;
}

/* Fetch the payment from NOWPayments (one attempt, within the budget),
 * apply it like an IPN, and read the order's state again into *fresh. */
static enum err_code
fetch_and_apply(struct req *r, const struct auth_identity *id, const char *order_id,
                const char *payment_id, struct order_status *fresh)
{
    const struct np_limits limits = {cfg_int("FFX_STATUS_REFRESH_BUDGET_MS"), true};
    struct np_payment p = {0};
    PGresult *res = NULL;
    enum err_code rc;

    rc = np_get_payment_limited(&r->call, payment_id, &limits, &p);
    if (rc)
        return rc;
    /* What is applied comes from NOWPayments, not from the caller, so it
     * runs as the service, exactly as an IPN would. */
    rc = db_single_text(&r->call, RLS_SERVICE, NULL, &res,
                        "SELECT ffx_internal.payment_apply($1::jsonb, 'status_check')", 1,
                        (const char *const[]){p.raw_json});
    if (rc)
        return rc;
    return load_status(r, id, order_id, fresh);
}

/* Refresh *st from NOWPayments when this call wins the claim; on success
 * *st is replaced by the fresh state. Failures are logged and ignored: the
 * caller still gets what the database has. */
static void
refresh_status(struct req *r, const struct auth_identity *id, const char *order_id,
               struct order_status *st)
{
    struct order_status fresh = {0};

    if (!claim_refresh(r, st->payment_id))
        return;
    if (fetch_and_apply(r, id, order_id, st->payment_id, &fresh) != ERR_OK) {
        log_event(LOG_WARN, r->call.request_id, "status",
                  "refresh failed, answering from the database");
        err_clear(&r->call.err);
        return;
    }
    if (fresh.order_json != NULL)
        *st = fresh;
}

/* The order must be userId's: an admin asking for the wrong user's order
 * gets the same 404 as anyone else. */
static bool
owned_by(const struct order_status *st, const char *user_id)
{
    return st->owner != NULL && strcasecmp(st->owner, user_id) == 0;
}

/* {"success":true,"order":…,"payment":…}, success first as in the seed. */
static enum err_code
reply(struct req *r, const struct order_status *st)
{
    const char *body = arena_concat(r->call.arena, "{\"success\":true,\"order\":", st->order_json,
                                    ",\"payment\":", st->payment_json, "}", (char *)NULL);

    return resp_json_text(r, 200, body, strlen(body));
}

static enum err_code
handle_check_payment_status(struct req *r)
{
    struct auth_identity id;
    struct status_query q;
    struct order_status st = {0};
    enum err_code rc;

    rc = auth_require(r, AUTH_USER | AUTH_SERVICE, &id);
    if (rc)
        return rc;
    rc = read_params(r, &q);
    if (rc)
        return rc;
    if (!auth_may_act_for(&id, q.user_id))
        return ERR_SET(&r->call.err, ERR_FORBIDDEN, "Unauthorized");
    rc = load_status(r, &id, q.order_id, &st);
    if (rc)
        return rc;
    if (st.order_json == NULL || !owned_by(&st, q.user_id))
        return ERR_SET(&r->call.err, ERR_NOT_FOUND, "Order not found");
    if (needs_refresh(&st))
        refresh_status(r, &id, q.order_id, &st);
    if (st.payment_json == NULL)
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "No payment found for this order");
    return reply(r, &st);
}

static const struct server_module *const modules[] = {&auth_module, &np_module, NULL};

int
main(void)
{
    static const struct server_app app = {
        .name = "check-payment-status",
        .methods = "GET",
        .modules = modules,
        .cfg_keys = status_keys,
        .uses_db = true,
        .handle = handle_check_payment_status,
    };

    return server_main(&app);
}
