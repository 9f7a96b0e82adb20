/* SPDX-License-Identifier: MIT */
/*
 * payment-webhook - NOWPayments' IPN receiver (no user auth: NOWPayments
 * calls it; the HMAC-SHA512 signature is the credential).
 *
 *   verify x-nowpayments-sig    raw body, then the canonical form, with the
 *                               current and the previous secret → else 401
 *   parse                       JSON with payment_id and payment_status → else 400
 *   public.ipn_receive          store in the inbox (dedupe key), then apply
 *                               the transition and deliver, in one transaction
 *   answer 200                  once the event is durably stored, duplicate,
 *                               unmatched or not; 5xx only if it could not be
 *                               stored, so NOWPayments retries
 *
 * Every delivery is counted by outcome in the shared metrics
 * (ffx_webhook_events_total, served by functions/metrics): processed,
 * duplicate, unmatched, failed (stored, the transition raised), plus the
 * ones never stored: rejected_signature, invalid_payload, error (5xx).
 *
 * Test builds have three failpoints (common/failpoint.h) on this path:
 * webhook-after-inbox (ipn_receive returned, nothing committed),
 * delivery-before-commit (the same, when it delivered an account) and
 * webhook-after-commit (committed, not yet answered).
 */
#include "arena.h"
#include "cfg.h"
#include "db.h"
#include "failpoint.h"
#include "ipn.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "response.h"
#include "server.h"

#include <string.h>

static const struct cfg_key webhook_keys[] = {
    {"NOWPAYMENTS_IPN_SECRET", CFG_STR, NULL, 0, 0, NULL, CFG_REQUIRED | CFG_SECRET,
     "the IPN secret from the NOWPayments dashboard"},
    {"NOWPAYMENTS_IPN_SECRET_PREVIOUS", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET,
     "the secret being rotated out, still accepted while set"},
    CFG_END,
};

/* Per worker: how many deliveries failed verification (logged with each;
 * the host-wide count is the rejected_signature counter below). */
static unsigned long rejected_signatures;

enum outcome {
    OUT_PROCESSED,
    OUT_DUPLICATE,
    OUT_UNMATCHED,
    OUT_FAILED,
    OUT_REJECTED_SIGNATURE,
    OUT_INVALID_PAYLOAD,
    OUT_ERROR,
};

#define OUTCOME_HELP                                                                               \
    "NOWPayments IPN deliveries by outcome (this host, since the function started)."
static const struct metrics_counter outcome_counters[] = {
    [OUT_PROCESSED] = {"ffx_webhook_events_total", "outcome", "processed", OUTCOME_HELP},
    [OUT_DUPLICATE] = {"ffx_webhook_events_total", "outcome", "duplicate", OUTCOME_HELP},
    [OUT_UNMATCHED] = {"ffx_webhook_events_total", "outcome", "unmatched", OUTCOME_HELP},
    [OUT_FAILED] = {"ffx_webhook_events_total", "outcome", "failed", OUTCOME_HELP},
    [OUT_REJECTED_SIGNATURE] = {"ffx_webhook_events_total", "outcome", "rejected_signature",
                                OUTCOME_HELP},
    [OUT_INVALID_PAYLOAD] = {"ffx_webhook_events_total", "outcome", "invalid_payload",
                             OUTCOME_HELP},
    [OUT_ERROR] = {"ffx_webhook_events_total", "outcome", "error", OUTCOME_HELP},
    METRICS_COUNTER_END,
};

/* ipn_receive's outcome word as a counter. */
static void
count_outcome(const char *outcome)
{
    for (unsigned i = OUT_PROCESSED; i <= OUT_FAILED; i++) {
        if (strcmp(outcome, outcome_counters[i].value) == 0) {
            metrics_count(i);
            return;
        }
    }
    metrics_count(OUT_ERROR);
}

static enum err_code
verify_signature(struct req *r, enum ipn_match *how)
{
    const char *secrets[] = {cfg_str("NOWPAYMENTS_IPN_SECRET"),
                             cfg_str("NOWPAYMENTS_IPN_SECRET_PREVIOUS"), NULL};
    bool previous = false;
    struct log_line l;

    *how = ipn_verify(r->arena, secrets, req_header(r, "x-nowpayments-sig"), r->body, r->body_len,
                      &previous);
    if (*how != IPN_NO_MATCH) {
        if (previous)
            log_event(LOG_WARN, r->request_id, "webhook", "IPN signed with the previous secret");
        return ERR_OK;
    }
    rejected_signatures++;
    metrics_count(OUT_REJECTED_SIGNATURE);
    log_begin(&l, LOG_WARN, r->request_id, "webhook", "IPN signature rejected");
    log_str(&l, "client_addr", r->remote_addr);
    log_int(&l, "has_signature", req_header(r, "x-nowpayments-sig") != NULL);
    log_int(&l, "body_bytes", (long long)r->body_len);
    log_int(&l, "rejected_total", (long long)rejected_signatures);
    log_end(&l);
    return ERR_SET(&r->err, ERR_UNAUTHORIZED, "Invalid signature");
}

/* payment_id may be a number or a string; payment_status a known string. */
static enum err_code
check_payload(struct req *r, const cJSON *ipn)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ipn, "payment_id");
    const char *status = json_string_field(ipn, "payment_status");

    if (!(cJSON_IsNumber(id) || (cJSON_IsString(id) && id->valuestring[0] != '\0')) ||
        status == NULL || status[0] == '\0')
        return ERR_SET(&r->err, ERR_BAD_REQUEST, "Invalid payload");
    return ERR_OK;
}

/* One transaction: store the event and apply it. *outcome is ipn_receive's
 * (processed, duplicate, unmatched, failed); *delivered says whether this
 * call delivered an account. */
static enum err_code
store_and_apply(struct req *r, enum ipn_match how, const char **outcome, bool *delivered)
{
    static const char sql[] = "SELECT x->>'outcome', coalesce((x->>'delivered')::boolean, false)"
                              " FROM public.ipn_receive($1::jsonb, $2) AS x";
    const char *form = how == IPN_MATCH_RAW ? "raw" : "canonical";
    enum err_code rc;
    PGresult *res = NULL;

    rc = db_begin(r, DB_ROLE_SERVICE, NULL);
    if (rc)
        return rc;
    /* The raw body, not a re-serialisation: jsonb keeps every number's
     * exact decimal value. */
    rc = db_exec_text(r, &res, sql, 2, (const char *const[]){r->body, form});
    if (rc)
        return rc;
    *outcome = arena_strdup(r->arena, PQgetvalue(res, 0, 0));
    *delivered = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    failpoint("webhook-after-inbox");
    if (*delivered)
        failpoint("delivery-before-commit");
    rc = db_commit(r);
    if (rc)
        return rc;
    failpoint("webhook-after-commit");
    return ERR_OK;
}

static enum err_code
handle_payment_webhook(struct req *r)
{
    static const char processed[] =
        "{\"success\":true,\"message\":\"Webhook processed successfully\"}";
    enum ipn_match how = IPN_NO_MATCH;
    const char *outcome = NULL;
    bool delivered = false;
    cJSON *ipn = NULL;
    enum err_code rc;
    struct log_line l;

    rc = verify_signature(r, &how);
    if (rc)
        return rc;
    if (json_parse_body(r, &ipn) != ERR_OK || check_payload(r, ipn) != ERR_OK) {
        metrics_count(OUT_INVALID_PAYLOAD);
        return ERR_SET(&r->err, ERR_BAD_REQUEST, "Invalid payload");
    }
    rc = store_and_apply(r, how, &outcome, &delivered);
    if (rc) {
        metrics_count(err_http_status(rc) >= 500 ? OUT_ERROR : OUT_INVALID_PAYLOAD);
        return rc;
    }
    count_outcome(outcome);
    log_begin(&l, LOG_INFO, r->request_id, "webhook", "IPN stored");
    log_str(&l, "outcome", outcome);
    log_int(&l, "delivered", delivered);
    log_str(&l, "payment_status", json_string_field(ipn, "payment_status"));
    log_str(&l, "order_id", json_string_field(ipn, "order_id"));
    log_str(&l, "signature", how == IPN_MATCH_RAW ? "raw" : "canonical");
    log_end(&l);
    return resp_json_text(r, 200, processed, sizeof(processed) - 1);
}

int
main(void)
{
    static const struct server_app app = {
        .name = "payment-webhook",
        .methods = "POST",
        .cfg_keys = webhook_keys,
        .uses_db = true,
        .counters = outcome_counters,
        .handle = handle_payment_webhook,
    };

    return server_main(&app);
}
