/* SPDX-License-Identifier: MIT */
/*
 * create-crypto-payment - the seed's POST contract: a NOWPayments invoice
 * (hosted checkout link) and a deposit address for an order, at the price
 * the server set on the order.
 *
 * No transaction is open and no row is locked while NOWPayments is called
 * (sql/definitions/40_checkout.sql): a slow provider costs this
 * worker its time, and nobody else anything.
 *
 *   crypto_payment_begin    as the caller, one short transaction: check
 *                           ownership/state/request, then reuse the open
 *                           payment, or wait for the call that holds the
 *                           order and coin (polled, at most
 *                           FFX_PAYMENT_WAIT_MS, then 503), or reserve
 *                           (order, coin) with a token
 *   np_create_invoice       only when the order has no invoice yet
 *   np_create_invoice_payment   the deposit address for the chosen coin
 *   crypto_payment_record   as the service, one short transaction: store
 *                           invoice, payment, crypto fields, audit, if the
 *                           token still holds the reservation; release it
 *
 * A NOWPayments failure releases the reservation (crypto_payment_release):
 * the order stays payable. A worker that dies holding a reservation blocks
 * the order's coin until the reservation expires (the provider budget plus
 * 5 s); the next call then takes it over.
 */
#include "arena.h"
#include "auth.h"
#include "body.h"
#include "cfg.h"
#include "db.h"
#include "failpoint.h"
#include "json.h"
#include "log.h"
#include "nowpayments.h"
#include "response.h"
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct cfg_key payment_keys[] = {
    {"FFX_PUBLIC_URL", CFG_STR, "http://127.0.0.1:54321", 0, 0, NULL, 0,
     "public base URL of this API; NOWPayments posts IPNs to <it>/functions/v1/payment-webhook"},
    {"FRONTEND_URL", CFG_STR, "http://localhost:3000", 0, 0, NULL, 0,
     "where the checkout sends the customer back (success and cancel pages)"},
    {"FFX_PAYMENT_WAIT_MS", CFG_INT, "2000", 0, 10000, NULL, 0,
     "how long a call waits for another call that is creating the same order's payment in the "
     "same coin before it answers 503"},
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

    rc = body_parse(r, &b);
    if (rc)
        return rc;
    rc = body_require_fields(r, b, required_fields);
    if (rc)
        return rc;
    rc = body_field_string(r, b, "orderId", 32, false, &p->order_id);
    if (rc)
        return rc;
    rc = body_field_string(r, b, "userId", 64, false, &p->user_id);
    if (rc)
        return rc;
    rc = body_field_choice(r, b, "accountType", account_types, &p->account_type);
    if (rc)
        return rc;
    rc = body_field_int(r, b, "accountSize", 1, 100000000, &p->account_size);
    if (rc)
        return rc;
    rc = body_field_choice(r, b, "platformType", platforms, &p->platform_type);
    if (rc)
        return rc;
    rc = body_field_string(r, b, "cryptoCurrency", 32, false, &p->crypto_currency);
    if (rc)
        return rc;
    rc = body_field_amount(r, b, "amount", &p->amount);
    if (rc)
        return rc;
    return body_field_amount(r, b, "finalAmount", &p->final_amount);
}

/* "<host>:<pid>:<request id>": who holds a reservation, for operators and
 * for the tests that stop the holding worker. */
static const char *
holder_name(struct req *r)
{
    char host[64] = "";

    if (gethostname(host, sizeof(host) - 1) != 0)
        strcpy(host, "unknown");
    return arena_sprintf(r->call.arena, "%.64s:%ld:%.64s", host, (long)getpid(),
                         r->call.request_id ? r->call.request_id : "");
}

static const char *
plan_action(const cJSON *plan)
{
    const char *action = json_string_field(plan, "action");

    return action != NULL ? action : "";
}

/* One crypto_payment_begin, a transaction of its own under the caller's
 * identity. The provider budget is what the two POSTs may take (each
 * bounded by FFX_NP_TIMEOUT_MS, connecting included, never retried). */
static enum err_code
begin_once(struct req *r, const struct auth_identity *id, const struct payment_request *p,
           const char *holder, cJSON **plan)
{
    PGresult *res = NULL;
    enum err_code rc = db_single_text(
        &r->call, id->role, id->claims_json, &res,
        "SELECT ffx_internal.crypto_payment_begin($1, $2::uuid, $3, $4::int, $5, $6::numeric,"
        " $7::numeric, $8, $9, $10::int)",
        10,
        (const char *const[]){
            p->order_id, p->user_id, p->account_type,
            arena_sprintf(r->call.arena, "%lld", p->account_size), p->platform_type, p->amount,
            p->final_amount, p->crypto_currency, holder,
            arena_sprintf(r->call.arena, "%lld", 2 * cfg_int("FFX_NP_TIMEOUT_MS"))});

    *plan = NULL;
    if (rc)
        return rc;
    *plan = json_parse(r->call.arena, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
    return *plan ? ERR_OK
                 : ERR_SET(&r->call.err, ERR_INTERNAL, "crypto_payment_begin returned no JSON");
}

static long long
monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long long ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* begin_payment - crypto_payment_begin until it answers "reuse" or
 * "create". While another call holds the order and coin ("wait"), ask
 * again every 20 ms doubling to 200 ms, each time in a new short
 * transaction (nothing is held while sleeping), for at most
 * FFX_PAYMENT_WAIT_MS; then 503: the client retries and gets the payment
 * the other call made. */
static enum err_code
begin_payment(struct req *r, const struct auth_identity *id, const struct payment_request *p,
              cJSON **plan)
{
    const char *holder = holder_name(r);
    long long deadline = monotonic_ms() + cfg_int("FFX_PAYMENT_WAIT_MS");
    long long pause = 20;

    for (;;) {
        enum err_code rc = begin_once(r, id, p, holder, plan);

        if (rc || strcmp(plan_action(*plan), "wait") != 0)
            return rc;
        if (monotonic_ms() + pause > deadline) {
            ERR_SET(&r->call.err, ERR_UNAVAILABLE, "another call is creating this payment");
            err_detail(&r->call.err, "order %s, coin %s: still reserved after %lld ms", p->order_id,
                       p->crypto_currency, cfg_int("FFX_PAYMENT_WAIT_MS"));
            return ERR_UNAVAILABLE;
        }
        sleep_ms(pause);
        pause = pause * 2 > 200 ? 200 : pause * 2;
    }
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
        .ipn_callback_url = arena_sprintf(r->call.arena, "%s/functions/v1/payment-webhook",
                                          cfg_str("FFX_PUBLIC_URL")),
        .success_url =
            arena_sprintf(r->call.arena, "%s/payment/success?orderId=%s", frontend, p->order_id),
        .cancel_url =
            arena_sprintf(r->call.arena, "%s/payment/cancel?orderId=%s", frontend, p->order_id),
        .is_fixed_rate = 1,
    };

    return np_create_invoice(&r->call, &q, inv);
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
    cJSON *o = json_object(r->call.arena);
    cJSON *raw = json_parse(r->call.arena, pay->raw_json, strlen(pay->raw_json));

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
    return json_print(r->call.arena, o);
}

static const char *
invoice_record_json(struct req *r, const struct np_invoice *inv)
{
    cJSON *o = json_object(r->call.arena);

    add_text_or_null(o, "id", inv->id);
    add_text_or_null(o, "invoice_url", inv->invoice_url);
    return json_print(r->call.arena, o);
}

/* An expired reservation was replaced: its holder crashed or stalled. */
static void
log_takeover(struct req *r, const struct payment_request *p, const cJSON *plan)
{
    struct log_line l;
    const char *previous = json_string_field(plan, "previous_holder");

    log_begin(&l, LOG_WARN, r->call.request_id, "payment", "took over an expired reservation");
    log_str(&l, "order_id", p->order_id);
    log_str(&l, "pay_currency", json_string_field(plan, "pay_currency"));
    log_str(&l, "previous_holder", previous ? previous : "");
    log_end(&l);
}

/* This call's reservation was taken over while it was at NOWPayments: the
 * payment it created there is an orphan nobody is shown. */
static void
log_superseded(struct req *r, const struct payment_request *p, const struct np_payment *pay)
{
    struct log_line l;

    log_begin(&l, LOG_WARN, r->call.request_id, "payment",
              "reservation taken over meanwhile; the payment created at NOWPayments is not used");
    log_str(&l, "order_id", p->order_id);
    log_str(&l, "orphan_payment_id", pay->payment_id ? pay->payment_id : "");
    log_str(&l, "orphan_invoice_id", pay->invoice_id ? pay->invoice_id : "");
    log_end(&l);
}

/* The provider calls, with nothing held: the invoice when the order has
 * none (*invoice_json then describes it), then the payment. */
static enum err_code
call_provider(struct req *r, const struct payment_request *p, const cJSON *plan,
              const char **invoice_json, struct np_payment *pay)
{
    const char *invoice_id = json_string_field(plan, "invoice_id");
    struct np_invoice inv = {0};
    enum err_code rc;

    *invoice_json = NULL;
    if (invoice_id == NULL) {
        rc = create_invoice(r, p, plan, &inv);
        if (rc)
            return rc;
        invoice_id = inv.id;
        *invoice_json = invoice_record_json(r, &inv);
    }
    return np_create_invoice_payment(&r->call, invoice_id, json_string_field(plan, "pay_currency"),
                                     p->order_id, json_string_field(plan, "order_description"),
                                     pay);
}

/* crypto_payment_record as the service (step 1 checked the caller under
 * the caller's identity; the token proves this call made the plan). A
 * "superseded" answer (the reservation was taken over) carries the open
 * payment of this coin, which is what the client gets, or none: 503. */
static enum err_code
record_payment(struct req *r, const struct payment_request *p, const char *token,
               const char *invoice_json, const struct np_payment *pay, cJSON **saved)
{
    PGresult *res = NULL;
    enum err_code rc = db_single_text(
        &r->call, RLS_SERVICE, NULL, &res,
        "SELECT ffx_internal.crypto_payment_record($1, $2::uuid, $3::jsonb, $4::jsonb)", 4,
        (const char *const[]){p->order_id, token, invoice_json, payment_json(r, pay)});

    if (rc)
        return rc;
    *saved = json_parse(r->call.arena, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
    if (*saved == NULL)
        return ERR_SET(&r->call.err, ERR_INTERNAL, "crypto_payment_record returned no JSON");
    if (strcmp(plan_action(*saved), "superseded") != 0)
        return ERR_OK;
    log_superseded(r, p, pay);
    if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(*saved, "payment")))
        return ERR_OK;
    return ERR_SET(&r->call.err, ERR_UNAVAILABLE, "the reservation was taken over");
}

/* Give the reservation back after a failure, keeping the failure's error. */
static void
release_reservation(struct req *r, const struct payment_request *p, const char *token)
{
    struct err failure = r->call.err;
    PGresult *res = NULL;

    err_clear(&r->call.err);
    if (db_single_text(&r->call, RLS_SERVICE, NULL, &res,
                       "SELECT ffx_internal.crypto_payment_release($1, $2::uuid)", 2,
                       (const char *const[]){p->order_id, token}) != ERR_OK)
        log_event(LOG_WARN, r->call.request_id, "payment",
                  "could not release the reservation; it expires on its own");
    r->call.err = failure;
}

/* reserve, call, record; on any failure after the reservation, release */
static enum err_code
create_payment(struct req *r, const struct payment_request *p, const cJSON *plan, cJSON **saved)
{
    const char *token = json_string_field(plan, "token");
    const char *invoice_json = NULL;
    struct np_payment pay = {0};
    enum err_code rc;

    if (token == NULL)
        return ERR_SET(&r->call.err, ERR_INTERNAL, "crypto_payment_begin gave no token");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(plan, "took_over")))
        log_takeover(r, p, plan);
    rc = call_provider(r, p, plan, &invoice_json, &pay);
    failpoint("payment-before-record"); /* test builds: stall or die with a reservation held */
    if (rc)
        goto out;
    rc = record_payment(r, p, token, invoice_json, &pay, saved);
out:
    if (rc)
        release_reservation(r, p, token);
    return rc;
}

/* {"success":true,"invoice_url":…,"payment":{…,"qr_code":"","time_limit":""}} */
static enum err_code
reply(struct req *r, cJSON *saved)
{
    cJSON *body = json_object(r->call.arena);
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

/* authenticate, validate, then the order's open payment: reused, or
 * reserved, created at NOWPayments and recorded; *saved is what to answer */
static enum err_code
open_payment(struct req *r, cJSON **saved)
{
    struct auth_identity id;
    struct payment_request p = {0};
    cJSON *plan = NULL;
    enum err_code rc;

    rc = auth_require(r, AUTH_USER | AUTH_SERVICE, &id);
    if (rc)
        return rc;
    rc = read_request(r, &p);
    if (rc)
        return rc;
    if (!auth_may_act_for(&id, p.user_id))
        return ERR_SET(&r->call.err, ERR_FORBIDDEN, "Unauthorized");
    rc = begin_payment(r, &id, &p, &plan);
    if (rc)
        return rc;
    if (strcmp(plan_action(plan), "reuse") == 0) {
        *saved = plan;
        return ERR_OK;
    }
    return create_payment(r, &p, plan, saved);
}

static enum err_code
handle_create_crypto_payment(struct req *r)
{
    cJSON *saved = NULL;
    enum err_code rc = open_payment(r, &saved);

    /* every 503 here is worth retrying soon: a payment in progress, or the
     * database coming back */
    if (rc == ERR_UNAVAILABLE)
        resp_add_header(r, "Retry-After: 2");
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
