/* SPDX-License-Identifier: MIT */
/*
 * nowpayments.h - the NOWPayments API client, over libcurl.
 *
 * One CURL handle per worker process (connections are reused), created by
 * np_init() and freed by np_fini(). TLS peer and host verification are always
 * on; FFX_NP_CA_FILE only adds a CA bundle. Every response body is capped at
 * NP_RESPONSE_MAX bytes. The API key is sent in x-api-key and never logged.
 *
 * Idempotent GETs are retried at most twice, with backoff, on a timeout, a
 * connection failure, a 5xx or a 429; POSTs are never retried (a timed-out
 * POST may have created the invoice). Failures set call->err to ERR_UPSTREAM
 * with the client message "NowPayments error: <provider message or a short
 * reason>" and log the detail (status, provider code, curl error, duration).
 * A caller that answers a customer can ask for less per call (struct
 * np_limits): a shorter budget and a single attempt.
 *
 * Every call takes the call context (call.h) of the work at hand, a
 * request's or a tool's own: what it produces lives in its arena, its
 * time adds to provider_ms, its failure is its err.
 *
 * Parsed values are arena strings: ids are normalised to decimal text
 * whether the API sent a number or a string, amounts are kept as the decimal
 * text of the JSON value (never rounded through a float format), and
 * absent or null fields are NULL.
 */
#ifndef FFX_NOWPAYMENTS_H
#define FFX_NOWPAYMENTS_H

#include "cfg.h"
#include "err.h"
#include "module.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct call;

#define NP_RESPONSE_MAX (256 * 1024)

/* NOWPAYMENTS_BASE_URL (https://api.nowpayments.io/v1), NOWPAYMENTS_API_KEY
 * (required, secret), FFX_NP_CONNECT_TIMEOUT_MS (3000), FFX_NP_TIMEOUT_MS
 * (10000), FFX_NP_CA_FILE (unset). */
extern const struct cfg_key np_cfg_keys[];

/* np_check_config - the base URL is http(s), the key has no blanks, the CA
 * file is readable; 0 OK. (Production's refusal of the simulator's public key
 * and of plain http is cfg_load's.) */
int np_check_config(void);

/* np_init / np_fini - the worker's CURL handle (curl_global_init is done
 * by np_init on first use). 0 on success. */
int np_init(void);
void np_fini(void);

/* The module a function lists in server_app.modules to call NOWPayments. */
extern const struct server_module np_module;

struct np_invoice_request {
    const char *price_amount; /* decimal text, e.g. "649.00" */
    const char *price_currency;
    const char *pay_currency; /* optional */
    const char *order_id;
    const char *order_description;
    const char *ipn_callback_url;
    const char *success_url;
    const char *cancel_url;
    int is_fixed_rate;
};

struct np_invoice {
    const char *id;
    const char *invoice_url;
    const char *order_id;
    const char *price_amount;
    const char *price_currency;
    const char *pay_currency;
    const char *created_at;
    const char *raw_json; /* the body as received */
};

struct np_payment {
    const char *payment_id;
    const char *payment_status;
    const char *pay_address;
    const char *pay_amount;
    const char *pay_currency;
    const char *price_amount;
    const char *price_currency;
    const char *actually_paid;
    const char *outcome_amount;
    const char *outcome_currency;
    const char *order_id;
    const char *order_description;
    const char *invoice_id;
    const char *parent_payment_id;
    const char *purchase_id;
    const char *created_at; /* ISO text as sent */
    const char *updated_at; /* ISO text, or epoch ms as decimal text (IPN) */
    const char *expiration_estimate_date;
    const char *raw_json;
};

/* An error body {"status":false,"statusCode":403,"code":"INVALID_API_KEY",
 * "message":"Invalid api key"}: code and message (either may be NULL). */
struct np_api_error {
    int status_code;
    const char *code;
    const char *message;
};

/* Per-call limits. timeout_ms bounds the whole call, connecting included
 * (0: FFX_NP_TIMEOUT_MS; never more than it); single_attempt turns the
 * GET retries off. */
struct np_limits {
    long timeout_ms;
    bool single_attempt;
};

/* POST /v1/invoice, then POST /v1/invoice-payment, GET /v1/payment/{id}. */
enum err_code np_create_invoice(struct call *call, const struct np_invoice_request *q,
                                struct np_invoice *out);
enum err_code np_create_invoice_payment(struct call *call, const char *invoice_id,
                                        const char *pay_currency, const char *order_id,
                                        const char *order_description, struct np_payment *out);
enum err_code np_get_payment(struct call *call, const char *payment_id, struct np_payment *out);

/* np_get_payment_limited - GET /v1/payment/{id} within lim (NULL: as
 * np_get_payment). */
enum err_code np_get_payment_limited(struct call *call, const char *payment_id,
                                     const struct np_limits *lim, struct np_payment *out);

/* Parsers, public for the unit tests and fuzzers. 0 on success, -1 when the
 * body is not the expected JSON object or lacks the identifying field
 * (invoice "id", payment "payment_id"). */
int np_parse_invoice(struct arena *a, const char *body, size_t n, struct np_invoice *out);
int np_parse_payment(struct arena *a, const char *body, size_t n, struct np_payment *out);
int np_parse_error(struct arena *a, const char *body, size_t n, struct np_api_error *out);

#endif
