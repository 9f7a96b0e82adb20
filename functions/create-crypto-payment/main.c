/* SPDX-License-Identifier: MIT */
/*
 * create-crypto-payment - the seed's POST contract: a NOWPayments invoice
 * (hosted checkout link) and a deposit address for an order, at the price
 * the server set on the order.
 *
 * One transaction, under the caller's identity, holds the order's row lock
 * from the check to the record, so concurrent calls for one order create one
 * invoice and a retry returns the open one without calling NOWPayments:
 *
 *   crypto_payment_begin   lock, check ownership/state/request, reuse or plan
 *   np_create_invoice      only when the order has no invoice yet
 *   np_create_invoice_payment   the deposit address for the chosen coin
 *   crypto_payment_record  store invoice, payment, crypto fields, audit
 *
 * A NOWPayments failure rolls everything back: the order stays payable.
 */
#include "arena.h"
#include "auth.h"
#include "cfg.h"
#include "db.h"
#include "json.h"
#include "nowpayments.h"
#include "response.h"
#include "server.h"

#include <stdlib.h>
#include <string.h>

static const struct cfg_key payment_keys[] = {
    {"FFX_PUBLIC_URL", CFG_STR, "http://127.0.0.1:54321", 0, 0, NULL, 0,
     "public base URL of this API; NOWPayments posts IPNs to <it>/functions/v1/payment-webhook"},
    {"FRONTEND_URL", CFG_STR, "http://localhost:3000", 0, 0, NULL, 0,
     "where the checkout sends the customer back (success and cancel pages)"},
    CFG_END,
};

/* The seed's order of fields, which is also the order of its message. */
static const char *const required_fields[] = {
    "orderId",        "userId", "accountType", "accountSize", "platformType",
    "cryptoCurrency", "amount", "finalAmount", NULL,
};
static const char *const account_types[] = {"instant", "hft", "one_step", "two_step", NULL};
static const char *const platforms[] = {"mt4", "mt5", NULL};

struct payment_request {
    const char *order_id;
    const char *user_id;
    const char *account_type;
    long long account_size;
    const char *platform_type;
    const char *crypto_currency;
    const char *amount;
    const char *final_amount;
};

static enum err_code
read_request(struct req *r, struct payment_request *p)
{
    cJSON *b = NULL;
    enum err_code rc;

    rc = json_parse_body(r, &b);
    if (!rc)
        rc = json_require_fields(r, b, required_fields);
    if (!rc)
        rc = json_field_string(r, b, "orderId", 32, false, &p->order_id);
    if (!rc)
        rc = json_field_string(r, b, "userId", 64, false, &p->user_id);
    if (!rc)
        rc = json_field_choice(r, b, "accountType", account_types, &p->account_type);
    if (!rc)
        rc = json_field_int(r, b, "accountSize", 1, 100000000, &p->account_size);
    if (!rc)
        rc = json_field_choice(r, b, "platformType", platforms, &p->platform_type);
    if (!rc)
        rc = json_field_string(r, b, "cryptoCurrency", 32, false, &p->crypto_currency);
    if (!rc)
        rc = json_field_amount(r, b, "amount", &p->amount);
    if (!rc)
        rc = json_field_amount(r, b, "finalAmount", &p->final_amount);
    return rc;
}

/* Run a one-row jsonb query and parse its value. */
static enum err_code
query_json(struct req *r, const char *sql, int n, const char *const *params, cJSON **out)
{
    PGresult *res = NULL;
    enum err_code rc = db_exec_text(r, &res, sql, n, params);

    *out = NULL;
    if (rc)
        return rc;
    *out = json_parse(r->arena, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
    return *out ? ERR_OK : ERR_SET(&r->err, ERR_INTERNAL, "%s returned no JSON", sql);
}

static enum err_code
begin_payment(struct req *r, const struct auth_identity *id, const struct payment_request *p,
              cJSON **plan)
{
    /* The order's lock is held across the HTTP calls: a concurrent call for
     * the same order must wait that long instead of timing out first. */
    enum err_code rc = db_begin_with_timeout(r, id->role, id->claims_json,
                                             2 * cfg_int("FFX_NP_TIMEOUT_MS") + 5000);

    if (rc)
        return rc;
    return query_json(r,
                      "SELECT public.crypto_payment_begin($1, $2::uuid, $3, $4::int, $5,"
                      " $6::numeric, $7::numeric, $8)",
                      8,
                      (const char *const[]){p->order_id, p->user_id, p->account_type,
                                            arena_sprintf(r->arena, "%lld", p->account_size),
                                            p->platform_type, p->amount, p->final_amount,
                                            p->crypto_currency},
                      plan);
}

static enum err_code
create_invoice(struct req *r, const struct payment_request *p, const cJSON *plan,
               struct np_invoice *inv)
{
    const char *frontend = cfg_str("FRONTEND_URL");
    struct np_invoice_request q = {
        .price_amount = json_string_field(plan, "price_amount"),
        .price_currency = json_string_field(plan, "price_currency"),
        .order_id = p->order_id,
        .order_description = json_string_field(plan, "order_description"),
        .ipn_callback_url =
            arena_sprintf(r->arena, "%s/functions/v1/payment-webhook", cfg_str("FFX_PUBLIC_URL")),
        .success_url =
            arena_sprintf(r->arena, "%s/payment/success?orderId=%s", frontend, p->order_id),
        .cancel_url =
            arena_sprintf(r->arena, "%s/payment/cancel?orderId=%s", frontend, p->order_id),
        .is_fixed_rate = 1,
    };

    return np_create_invoice(r, &q, inv);
}

static void
add_text_or_null(cJSON *obj, const char *key, const char *value)
{
    if (value != NULL)
        cJSON_AddStringToObject(obj, key, value);
    else
        cJSON_AddNullToObject(obj, key);
}

/* The provider's payment as crypto_payment_record expects it. */
static const char *
payment_json(struct req *r, const struct np_payment *pay)
{
    cJSON *o = json_object(r->arena);
    cJSON *raw = json_parse(r->arena, pay->raw_json, strlen(pay->raw_json));

    add_text_or_null(o, "payment_id", pay->payment_id);
    add_text_or_null(o, "payment_status", pay->payment_status);
    add_text_or_null(o, "pay_address", pay->pay_address);
    add_text_or_null(o, "pay_amount", pay->pay_amount);
    add_text_or_null(o, "pay_currency", pay->pay_currency);
    add_text_or_null(o, "price_amount", pay->price_amount);
    add_text_or_null(o, "price_currency", pay->price_currency);
    add_text_or_null(o, "invoice_id", pay->invoice_id);
    add_text_or_null(o, "order_id", pay->order_id);
    add_text_or_null(o, "created_at", pay->created_at);
    add_text_or_null(o, "updated_at", pay->updated_at);
    add_text_or_null(o, "expiration_estimate_date", pay->expiration_estimate_date);
    if (raw != NULL)
        cJSON_AddItemReferenceToObject(o, "raw", raw);
    return json_print(r->arena, o);
}

static const char *
invoice_record_json(struct req *r, const struct np_invoice *inv)
{
    cJSON *o = json_object(r->arena);

    add_text_or_null(o, "id", inv->id);
    add_text_or_null(o, "invoice_url", inv->invoice_url);
    return json_print(r->arena, o);
}

static enum err_code
create_payment(struct req *r, const struct payment_request *p, const cJSON *plan, cJSON **saved)
{
    const char *invoice_id = json_string_field(plan, "invoice_id");
    const char *invoice_json = NULL;
    struct np_invoice inv = {0};
    struct np_payment pay = {0};
    enum err_code rc;

    if (invoice_id == NULL) {
        rc = create_invoice(r, p, plan, &inv);
        if (rc)
            return rc;
        invoice_id = inv.id;
        invoice_json = invoice_record_json(r, &inv);
    }
    rc = np_create_invoice_payment(r, invoice_id, json_string_field(plan, "pay_currency"),
                                   p->order_id, json_string_field(plan, "order_description"), &pay);
    if (rc)
        return rc;
    return query_json(r, "SELECT public.crypto_payment_record($1, $2::jsonb, $3::jsonb)", 3,
                      (const char *const[]){p->order_id, invoice_json, payment_json(r, &pay)},
                      saved);
}

/* {"success":true,"invoice_url":…,"payment":{…,"qr_code":"","time_limit":""}} */
static enum err_code
reply(struct req *r, cJSON *saved)
{
    cJSON *body = json_object(r->arena);
    cJSON *payment = cJSON_DetachItemFromObject(saved, "payment");
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(saved, "invoice_url");

    cJSON_AddBoolToObject(body, "success", 1);
    cJSON_AddStringToObject(body, "invoice_url", cJSON_IsString(url) ? url->valuestring : "");
    if (payment == NULL)
        payment = cJSON_CreateObject();
    cJSON_AddStringToObject(payment, "qr_code", "");
    cJSON_AddStringToObject(payment, "time_limit", "");
    if (cJSON_GetObjectItemCaseSensitive(payment, "expiration_date") == NULL)
        cJSON_AddStringToObject(payment, "expiration_date", "");
    cJSON_AddItemToObject(body, "payment", payment);
    return resp_json(r, 200, body);
}

static enum err_code
handle_create_crypto_payment(struct req *r)
{
    struct auth_identity id;
    struct payment_request p = {0};
    cJSON *plan = NULL;
    cJSON *saved = NULL;
    enum err_code rc;

    rc = auth_require(r, AUTH_USER | AUTH_SERVICE, &id);
    if (!rc)
        rc = read_request(r, &p);
    if (!rc && !auth_may_act_for(&id, p.user_id))
        rc = ERR_SET(&r->err, ERR_FORBIDDEN, "Unauthorized");
    if (!rc)
        rc = begin_payment(r, &id, &p, &plan);
    if (rc)
        return rc;
    if (strcmp(json_string_field(plan, "action") ? json_string_field(plan, "action") : "",
               "reuse") == 0)
        saved = plan;
    else
        rc = create_payment(r, &p, plan, &saved);
    if (!rc)
        rc = db_commit(r);
    return rc ? rc : reply(r, saved);
}

static const struct server_module *const modules[] = {&auth_module, &np_module, NULL};

int
main(void)
{
    static const struct server_app app = {
        .name = "create-crypto-payment",
        .methods = "POST",
        .modules = modules,
        .cfg_keys = payment_keys,
        .uses_db = true,
        .handle = handle_create_crypto_payment,
    };

    return server_main(&app);
}
