/* SPDX-License-Identifier: MIT */
/*
 * test-delivery - the seed's delivery diagnostic, made safe (docs/ARCHITECTURE.md,
 * "Deviations from the original design"): service role only; everything runs in one transaction
 * that is rolled back, so the delivery function is exercised as a dry run; the inventory is
 * reported as counts, never logins or passwords; the environment as booleans, never secret lengths.
 *
 * POST {"orderId": "FFX…"} → 200 {"orderId","timestamp","tests":{
 *   order_check, trading_rules_check, available_accounts_check,
 *   delivery_function_test, environment_check}}
 */
#include "arena.h"
#include "auth.h"
#include "body.h"
#include "cfg.h"
#include "db.h"
#include "json.h"
#include "response.h"
#include "server.h"

#include <stdlib.h>
#include <string.h>

static const char *const required_fields[] = {"orderId", NULL};

/* One jsonb value from a one-row query, or NULL when the value is NULL. */
static enum err_code
query_json(struct req *r, const char *sql, const char *param, cJSON **out)
{
    PGresult *res = NULL;
    enum err_code rc = db_exec_text(&r->call, &res, sql, 1, (const char *const[]){param});

    *out = NULL;
    if (rc)
        return rc;
    if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0))
        return ERR_OK;
    *out = json_parse(r->call.arena, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
    return *out ? ERR_OK : ERR_SET(&r->call.err, ERR_INTERNAL, "diagnostic query returned no JSON");
}

/* A new node for the caller to add to the answer, which then owns it. */
static cJSON *
check_result(bool ok, const char *key, cJSON *value, const char *error)
{
    cJSON *c = cJSON_CreateObject();

    cJSON_AddBoolToObject(c, "success", ok);
    if (value != NULL)
        cJSON_AddItemReferenceToObject(c, key, value);
    if (!ok && error != NULL)
        cJSON_AddStringToObject(c, "error", error);
    return c;
}

static const char order_sql[] =
    "SELECT jsonb_build_object('order_id', order_id, 'user_id', user_id, 'account_type',"
    " account_type, 'account_size', account_size, 'platform_type', platform_type, 'amount',"
    " amount, 'final_amount', final_amount, 'order_status', order_status, 'payment_status',"
    " payment_status, 'delivery_status', delivery_status, 'paid_at', paid_at, 'delivered_at',"
    " delivered_at, 'created_at', created_at) FROM public.orders WHERE order_id = $1";

static const char rules_sql[] =
    "SELECT coalesce(jsonb_agg(to_jsonb(t) - 'id' - 'created_at' - 'updated_at'), '[]')"
    " FROM public.trading_rules t, public.orders o WHERE o.order_id = $1"
    " AND t.account_type = o.account_type AND t.account_size = o.account_size";

/* Counts by size and platform; the order's own pair decides success. */
static const char stock_sql[] =
    "SELECT jsonb_build_object('matching', coalesce(sum(c.n) FILTER (WHERE c.account_size ="
    " o.account_size AND c.platform_type = o.platform_type), 0), 'accounts',"
    " coalesce(jsonb_agg(jsonb_build_object('account_size', c.account_size, 'platform_type',"
    " c.platform_type, 'available', c.n) ORDER BY c.account_size, c.platform_type)"
    " FILTER (WHERE c.n IS NOT NULL), '[]'))"
    " FROM public.orders o LEFT JOIN (SELECT account_size, platform_type, count(*) AS n"
    " FROM public.account_container WHERE status = 'available' GROUP BY 1, 2) c ON true"
    " WHERE o.order_id = $1 GROUP BY o.account_size, o.platform_type";

static const char dry_run_sql[] =
    "SELECT ffx_internal.deliver_account_to_user(order_id, user_id) FROM public.orders"
    " WHERE order_id = $1";

static enum err_code
dry_run_delivery(struct req *r, const char *order_id, cJSON **result)
{
    PGresult *res = NULL;
    enum err_code rc = db_exec(&r->call, &res, "SAVEPOINT dry_run", 0, NULL);

    if (rc)
        return rc;
    rc = query_json(r, dry_run_sql, order_id, result);
    /* Counts and outcomes only: never which account would have gone out. */
    cJSON_DeleteItemFromObject(*result, "login_id");
    cJSON_DeleteItemFromObject(*result, "server_name");
    if (rc == ERR_OK || r->call.err.code < ERR_INTERNAL) {
        /* A business refusal is a result to show, not a failure of ours. */
        if (rc) {
            *result = json_object(r->call.arena);
            cJSON_AddBoolToObject(*result, "success", 0);
            cJSON_AddStringToObject(*result, "error", r->call.err.msg);
            err_clear(&r->call.err);
        }
        return db_exec(&r->call, &res, "ROLLBACK TO SAVEPOINT dry_run", 0, NULL);
    }
    return rc;
}

static cJSON *
environment_check(void)
{
    cJSON *env = cJSON_CreateObject();

    cJSON_AddBoolToObject(env, "supabase_url", getenv("FFX_PUBLIC_URL") != NULL);
    cJSON_AddBoolToObject(env, "service_key", getenv("FFX_SECRET_KEYS") != NULL);
    cJSON_AddBoolToObject(env, "jwt_secret", cfg_is_set("SUPABASE_JWT_SECRET"));
    cJSON_AddBoolToObject(env, "jwks",
                          cfg_is_set("SUPABASE_JWKS") || cfg_is_set("SUPABASE_JWKS_FILE"));
    cJSON_AddBoolToObject(env, "nowpayments_api_key", getenv("NOWPAYMENTS_API_KEY") != NULL);
    cJSON_AddBoolToObject(env, "nowpayments_ipn_secret", getenv("NOWPAYMENTS_IPN_SECRET") != NULL);
    cJSON_AddBoolToObject(env, "database", db_connected());
    return env;
}

static enum err_code
run_checks(struct req *r, const char *order_id, cJSON *tests)
{
    cJSON *order = NULL, *rules = NULL, *stock = NULL, *delivery = NULL;
    enum err_code rc;

    rc = query_json(r, order_sql, order_id, &order);
    if (rc)
        return rc;
    rc = query_json(r, rules_sql, order_id, &rules);
    if (rc)
        return rc;
    rc = query_json(r, stock_sql, order_id, &stock);
    if (rc)
        return rc;
    if (order != NULL) {
        rc = dry_run_delivery(r, order_id, &delivery);
        if (rc)
            return rc;
    }
    cJSON_AddItemToObject(tests, "order_check",
                          check_result(order != NULL, "order", order, "Order not found"));
    cJSON_AddItemToObject(tests, "trading_rules_check",
                          check_result(cJSON_GetArraySize(rules) > 0, "rules", rules,
                                       "No trading rules for this account type and size"));
    cJSON_AddItemToObject(
        tests, "available_accounts_check",
        check_result(cJSON_GetNumberValue(cJSON_GetObjectItem(stock, "matching")) > 0, "accounts",
                     cJSON_GetObjectItem(stock, "accounts"),
                     "No accounts available for this size and platform"));
    cJSON_AddItemToObject(tests, "delivery_function_test",
                          check_result(cJSON_IsTrue(cJSON_GetObjectItem(delivery, "success")),
                                       "result", delivery, NULL));
    cJSON_AddItemToObject(tests, "environment_check", environment_check());
    return ERR_OK;
}

static enum err_code
handle_test_delivery(struct req *r)
{
    struct auth_identity id;
    const char *order_id = NULL;
    PGresult *res = NULL;
    cJSON *body = NULL;
    cJSON *out;
    enum err_code rc;

    rc = auth_require(r, AUTH_SERVICE, &id);
    if (rc)
        return rc;
    rc = body_parse(r, &body);
    if (rc)
        return rc;
    rc = body_require_fields(r, body, required_fields);
    if (rc)
        return rc;
    rc = body_field_string(r, body, "orderId", 32, false, &order_id);
    if (rc)
        return rc;
    rc = db_begin(&r->call, id.role, id.claims_json);
    if (rc)
        return rc;
    rc = db_exec(&r->call, &res,
                 "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')", 0,
                 NULL);
    if (rc)
        return rc;
    out = json_object(r->call.arena);
    cJSON_AddStringToObject(out, "orderId", order_id);
    cJSON_AddStringToObject(out, "timestamp", PQgetvalue(res, 0, 0));
    rc = run_checks(r, order_id, cJSON_AddObjectToObject(out, "tests"));
    if (rc)
        return rc;
    /* No COMMIT: the server frame rolls the whole transaction back. */
    return resp_json(r, 200, out);
}

static const struct server_module *const modules[] = {&auth_module, NULL};

int
main(void)
{
    static const struct server_app app = {
        .name = "test-delivery",
        .methods = "POST",
        .modules = modules,
        .uses_db = true,
        .handle = handle_test_delivery,
    };

    return server_main(&app);
}
