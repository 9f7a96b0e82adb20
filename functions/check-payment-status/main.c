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
 * IPN (public.payment_apply). If NOWPayments fails, the answer comes from
 * the database as it is.
 */
#include "arena.h"
#include "auth.h"
#include "cfg.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "nowpayments.h"
#include "response.h"
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct cfg_key status_keys[] = {
    {"FFX_STATUS_REFRESH_SECONDS", CFG_INT, "30", 0, 86400, NULL, 0,
     "refresh a non-final payment from NOWPayments when our copy is older than this"},
    CFG_END,
};

/* Statuses after which NOWPayments sends nothing more worth polling for. */
static const char *const final_statuses[] = {"finished", "failed", "refunded", "expired", NULL};

struct status_query {
    const char *order_id;
    const char *user_id;
};

static enum err_code
read_params(struct req *r, struct status_query *q)
{
    q->order_id = req_query(r, "orderId");
    q->user_id = req_query(r, "userId");
    if (q->order_id == NULL || q->order_id[0] == '\0' || q->user_id == NULL ||
        q->user_id[0] == '\0')
        return ERR_SET(&r->err, ERR_BAD_REQUEST, "Missing required parameters: orderId and userId");
    return ERR_OK;
}

/* One round trip: the SQL function returns {"order":…,"payment":…}, or NULL
 * when RLS hides the order or it does not exist, and the age of our copy of
 * the payment. */
static enum err_code
load_status(struct req *r, const struct auth_identity *id, const char *order_id, cJSON **out,
            long long *age_s)
{
    enum err_code rc;
    PGresult *res = NULL;

    *out = NULL;
    rc = db_single_text(r, id->role, id->claims_json, &res,
                        "SELECT status, payment_age_s FROM public.check_payment_status($1)", 1,
                        (const char *const[]){order_id});
    if (rc)
        return rc;
    if (PQgetisnull(res, 0, 0))
        return ERR_OK;
    *age_s = PQgetisnull(res, 0, 1) ? 0 : atoll(PQgetvalue(res, 0, 1));
    *out = json_parse(r->arena, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
    if (*out == NULL)
        return ERR_SET(&r->err, ERR_INTERNAL, "check_payment_status returned invalid JSON");
    return ERR_OK;
}

static bool
needs_refresh(const cJSON *status, long long age_s)
{
    const char *st = json_string_field(cJSON_GetObjectItem(status, "payment"), "payment_status");

    if (st == NULL || age_s < cfg_int("FFX_STATUS_REFRESH_SECONDS"))
        return false;
    for (size_t i = 0; final_statuses[i] != NULL; i++)
        if (strcmp(st, final_statuses[i]) == 0)
            return false;
    return true;
}

/* Fetch the payment from NOWPayments and apply it like an IPN; on success
 * *status is replaced by the fresh state. Failures are logged and ignored:
 * the caller still gets what the database has. */
static void
refresh_status(struct req *r, const struct auth_identity *id, const char *order_id, cJSON **status)
{
    const char *payment_id =
        json_string_field(cJSON_GetObjectItem(*status, "payment"), "payment_id");
    struct np_payment p = {0};
    PGresult *res = NULL;
    cJSON *fresh = NULL;
    long long age_s = 0;

    /* The caller's read already proved the order is theirs; what is applied
     * comes from NOWPayments, not from the caller, so it runs as the
     * service, exactly as an IPN would. */
    if (np_get_payment(r, payment_id, &p) != ERR_OK ||
        db_single_text(r, DB_ROLE_SERVICE, NULL, &res,
                       "SELECT public.payment_apply($1::jsonb, 'status_check')", 1,
                       (const char *const[]){p.raw_json}) != ERR_OK ||
        load_status(r, id, order_id, &fresh, &age_s) != ERR_OK) {
        log_event(LOG_WARN, r->request_id, "status", "refresh failed, answering from the database");
        err_clear(&r->err);
        db_end();
        return;
    }
    if (fresh != NULL)
        *status = fresh;
}

/* The order must be userId's: an admin asking for the wrong user's order
 * gets the same 404 as anyone else. */
static enum err_code
check_owner(struct req *r, cJSON *status, const char *user_id)
{
    cJSON *order = cJSON_GetObjectItemCaseSensitive(status, "order");
    const char *owner = json_string_field(order, "user_id");

    if (owner == NULL || strcasecmp(owner, user_id) != 0)
        return ERR_SET(&r->err, ERR_NOT_FOUND, "Order not found");
    cJSON_DeleteItemFromObjectCaseSensitive(order, "user_id");
    return ERR_OK;
}

/* {"success":true,"order":…,"payment":…}, success first as in the seed. */
static cJSON *
success_body(struct req *r, cJSON *status)
{
    cJSON *body = json_object(r->arena);

    cJSON_AddBoolToObject(body, "success", 1);
    cJSON_AddItemToObject(body, "order", cJSON_DetachItemFromObject(status, "order"));
    cJSON_AddItemToObject(body, "payment", cJSON_DetachItemFromObject(status, "payment"));
    return body;
}

static enum err_code
handle_check_payment_status(struct req *r)
{
    struct auth_identity id;
    struct status_query q;
    cJSON *status = NULL;
    long long age_s = 0;
    enum err_code rc;

    rc = auth_require(r, AUTH_USER | AUTH_SERVICE, &id);
    if (rc)
        return rc;
    rc = read_params(r, &q);
    if (rc)
        return rc;
    if (!auth_may_act_for(&id, q.user_id))
        return ERR_SET(&r->err, ERR_FORBIDDEN, "Unauthorized");
    rc = load_status(r, &id, q.order_id, &status, &age_s);
    if (rc)
        return rc;
    if (status == NULL)
        return ERR_SET(&r->err, ERR_NOT_FOUND, "Order not found");
    rc = check_owner(r, status, q.user_id);
    if (rc)
        return rc;
    if (needs_refresh(status, age_s)) {
        refresh_status(r, &id, q.order_id, &status);
        cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItem(status, "order"), "user_id");
    }
    if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(status, "payment")))
        return ERR_SET(&r->err, ERR_BAD_REQUEST, "No payment found for this order");
    return resp_json(r, 200, success_body(r, status));
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
