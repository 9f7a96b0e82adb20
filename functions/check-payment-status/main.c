/* SPDX-License-Identifier: MIT */
/*
 * check-payment-status - GET ?orderId=&userId=: the order and its newest
 * NOWPayments payment, as the seed's API reference describes them.
 *
 * The caller is the verified token's subject; userId must match it unless
 * the caller is an admin or the service role. The read runs under the
 * caller's role and claims, so RLS alone already hides other users' orders.
 */
#include "arena.h"
#include "auth.h"
#include "cfg.h"
#include "db.h"
#include "json.h"
#include "response.h"
#include "server.h"

#include <string.h>
#include <strings.h>

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

/* One statement: the SQL function returns {"order":…,"payment":…} or NULL
 * when RLS hides the order or it does not exist. */
static enum err_code
load_status(struct req *r, const struct auth_identity *id, const char *order_id, cJSON **out)
{
    enum err_code rc;
    PGresult *res = NULL;

    *out = NULL;
    rc = db_begin(r, id->role, id->claims_json);
    if (rc)
        return rc;
    rc = db_exec_text(r, &res, "SELECT public.order_payment_status($1)", 1,
                      (const char *const[]){order_id});
    if (rc)
        return rc;
    rc = db_commit(r);
    if (rc)
        return rc;
    if (PQgetisnull(res, 0, 0))
        return ERR_OK;
    *out = json_parse(r->arena, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
    if (*out == NULL)
        return ERR_SET(&r->err, ERR_INTERNAL, "order_payment_status returned invalid JSON");
    return ERR_OK;
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
    enum err_code rc;

    rc = auth_require(r, AUTH_USER | AUTH_SERVICE, &id);
    if (rc)
        return rc;
    rc = read_params(r, &q);
    if (rc)
        return rc;
    if (!auth_may_act_for(&id, q.user_id))
        return ERR_SET(&r->err, ERR_FORBIDDEN, "Unauthorized");
    rc = load_status(r, &id, q.order_id, &status);
    if (rc)
        return rc;
    if (status == NULL)
        return ERR_SET(&r->err, ERR_NOT_FOUND, "Order not found");
    rc = check_owner(r, status, q.user_id);
    if (rc)
        return rc;
    if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(status, "payment")))
        return ERR_SET(&r->err, ERR_BAD_REQUEST, "No payment found for this order");
    return resp_json(r, 200, success_body(r, status));
}

static const struct cfg_key *const config_tables[] = {auth_cfg_keys, NULL};

int
main(void)
{
    static const struct server_app app = {
        .name = "check-payment-status",
        .methods = "GET",
        .cfg_tables = config_tables,
        .uses_db = true,
        .check_config = auth_check_config,
        .worker_init = auth_init,
        .worker_fini = auth_fini,
        .handle = handle_check_payment_status,
    };

    return server_main(&app);
}
