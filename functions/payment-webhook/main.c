/* SPDX-License-Identifier: MIT */
/*
 * payment-webhook - NOWPayments' IPN receiver (no user auth: NOWPayments
 * calls it; the HMAC-SHA512 signature is the credential).
 *
 *   verify x-nowpayments-sig    a missing or malformed header → 401; the raw
 *                               body's HMAC (current and previous secret);
 *                               the strict rules (ipn.h) → else 400, signed
 *                               or not; only if the raw body missed, the
 *                               canonical forms → else 401
 *   parse the signed text       an object with payment_id and payment_status
 *                               → else 400
 *   ffx_internal.ipn_receive          store the signed text (the raw body, or the
 *                               canonical form that matched) in the inbox
 *                               (dedupe key), then apply the transition and
 *                               deliver, in one transaction
 *   answer 200                  once the event is durably stored, duplicate,
 *                               unmatched or not; 5xx only if it could not be
 *                               stored, so NOWPayments retries
 *
 * Every delivery is counted by outcome in the shared metrics
 * (ffx_webhook_events_total, served by functions/metrics): processed,
 * duplicate, unmatched, failed (stored, the transition raised), plus the
 * ones never stored: rejected_signature, invalid_payload (a strict rule
 * broken, or no payment_id/payment_status), error (5xx). Bodies over
 * IPN_BODY_MAX (16 KiB) are 413 before any of this.
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
#include "jsonnum.h"
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

/* signature_rejected - 401: no header, a malformed one, or no form of the
 * body signed by either secret. */
static enum err_code
signature_rejected(struct req *r)
{
    struct log_line l;

    rejected_signatures++;
    metrics_count(OUT_REJECTED_SIGNATURE);
    log_begin(&l, LOG_WARN, r->call.request_id, "webhook", "IPN signature rejected");
    log_str(&l, "client_addr", r->remote_addr);
    log_int(&l, "has_signature", req_header(r, "x-nowpayments-sig") != NULL);
    log_int(&l, "body_bytes", (long long)r->body_len);
    log_int(&l, "rejected_total", (long long)rejected_signatures);
    log_end(&l);
    return ERR_SET(&r->call.err, ERR_UNAUTHORIZED, "Invalid signature");
}

/* payload_refused - 400: the body breaks a strict rule (ipn.h), whatever
 * its signature; nothing is stored. */
static enum err_code
payload_refused(struct req *r, const char *rule)
{
    struct log_line l;

    metrics_count(OUT_INVALID_PAYLOAD);
    log_begin(&l, LOG_WARN, r->call.request_id, "webhook", "IPN refused: breaks a strict rule");
    log_str(&l, "rule", rule);
    log_str(&l, "client_addr", r->remote_addr);
    log_int(&l, "body_bytes", (long long)r->body_len);
    log_end(&l);
    return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Invalid payload");
}

/* verify_signature - *v holds the text that was signed: the raw body, or
 * the canonical form that matched. */
static enum err_code
verify_signature(struct req *r, struct ipn_verified *v, enum ipn_match *how)
{
    const char *secrets[] = {cfg_str("NOWPAYMENTS_IPN_SECRET"),
                             cfg_str("NOWPAYMENTS_IPN_SECRET_PREVIOUS"), NULL};

    *how = ipn_verify(r->call.arena, secrets, req_header(r, "x-nowpayments-sig"), r->body,
                      r->body_len, v);
    if (*how == IPN_INVALID)
        return payload_refused(r, v->invalid);
    if (*how == IPN_NO_MATCH)
        return signature_rejected(r);
    if (v->used_previous)
        log_event(LOG_WARN, r->call.request_id, "webhook", "IPN signed with the previous secret");
    return ERR_OK;
}

/* payment_id may be a number or a string; payment_status a known string. */
static enum err_code
check_payload(struct req *r, const cJSON *ipn)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ipn, "payment_id");
    const char *status = json_string_field(ipn, "payment_status");

    if (!(cJSON_IsNumber(id) || (cJSON_IsString(id) && id->valuestring[0] != '\0')) ||
        status == NULL || status[0] == '\0')
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Invalid payload");
    return ERR_OK;
}

/* What the database did with a stored event, for the counters and the log:
 * ipn_receive's outcome (processed, duplicate, unmatched, failed), whether
 * this call delivered an account, the order it matched, the verdict on the
 * money (paid, underpaid, ...; NULL when none was taken) and the order's
 * needs_attention afterwards. */
struct applied {
    const char *outcome;
    bool delivered;
    const char *order_id;
    const char *verdict;
    const char *needs_attention;
};

static const char *
text_or_null(struct req *r, const PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? NULL : arena_strdup(r->call.arena, PQgetvalue(res, 0, col));
}

/* One transaction: store the signed text and apply it. */
static enum err_code
store_and_apply(struct req *r, const struct ipn_verified *v, enum ipn_match how, struct applied *a)
{
    static const char sql[] = "SELECT x->>'outcome', coalesce((x->>'delivered')::boolean, false),"
                              " x->>'order_id', x->>'verdict', x->>'needs_attention'"
                              " FROM ffx_internal.ipn_receive($1::jsonb, $2) AS x";
    const char *form = how == IPN_MATCH_RAW ? "raw" : "canonical";
    enum err_code rc;
    PGresult *res = NULL;

    rc = db_begin(&r->call, RLS_SERVICE, NULL);
    if (rc)
        return rc;
    /* Exactly the bytes that were signed (the dedupe key is computed from
     * them): the strict rules made every number in them the text its double
     * gives back, so jsonb's exact decimals are the values that were signed. */
    rc = db_exec_text(&r->call, &res, sql, 2, (const char *const[]){v->text, form});
    if (rc)
        return rc;
    a->outcome = arena_strdup(r->call.arena, PQgetvalue(res, 0, 0));
    a->delivered = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    a->order_id = text_or_null(r, res, 2);
    a->verdict = text_or_null(r, res, 3);
    a->needs_attention = text_or_null(r, res, 4);
    failpoint("webhook-after-inbox");
    if (a->delivered)
        failpoint("delivery-before-commit");
    rc = db_commit(&r->call);
    if (rc)
        return rc;
    failpoint("webhook-after-commit");
    return ERR_OK;
}

/* payment_id_text - the stored payment_id as text: a string as it is, a
 * number as its lexeme (which the strict rules make Number::toString's). */
static const char *
payment_id_text(struct req *r, const cJSON *ipn)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ipn, "payment_id");
    char *text = NULL;

    if (cJSON_IsString(id))
        return id->valuestring;
    text = arena_alloc(r->call.arena, 32);
    jsonnum_js_text(id->valuedouble, text);
    return text;
}

/* log_stored - what the database applied: the fields read from the text it
 * was given, and what it made of them. */
static void
log_stored(struct req *r, const cJSON *ipn, const struct ipn_verified *v, enum ipn_match how,
           const struct applied *a)
{
    struct log_line l;

    log_begin(&l, LOG_INFO, r->call.request_id, "webhook", "IPN stored");
    log_str(&l, "outcome", a->outcome);
    log_int(&l, "delivered", a->delivered);
    log_str(&l, "payment_id", payment_id_text(r, ipn));
    log_str(&l, "payment_status", json_string_field(ipn, "payment_status"));
    log_str(&l, "order_id", json_string_field(ipn, "order_id"));
    log_str(&l, "matched_order_id", a->order_id);
    log_str(&l, "verdict", a->verdict);
    log_str(&l, "needs_attention", a->needs_attention);
    log_str(&l, "signature", how == IPN_MATCH_RAW ? "raw" : "canonical");
    if (how == IPN_MATCH_CANONICAL)
        log_str(&l, "form", v->style == IPN_ARRAYS_AS_OBJECTS ? "objects" : "arrays");
    log_int(&l, "stored_bytes", (long long)v->len);
    log_end(&l);
}

static enum err_code
handle_payment_webhook(struct req *r)
{
    static const char processed[] =
        "{\"success\":true,\"message\":\"Webhook processed successfully\"}";
    struct ipn_verified v;
    enum ipn_match how = IPN_NO_MATCH;
    struct applied a = {0};
    cJSON *ipn = NULL;
    enum err_code rc;

    rc = verify_signature(r, &v, &how);
    if (rc)
        return rc;
    ipn = json_parse(r->call.arena, v.text, v.len);
    if (ipn == NULL || check_payload(r, ipn) != ERR_OK) {
        metrics_count(OUT_INVALID_PAYLOAD);
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Invalid payload");
    }
    rc = store_and_apply(r, &v, how, &a);
    if (rc) {
        metrics_count(err_http_status(rc) >= 500 ? OUT_ERROR : OUT_INVALID_PAYLOAD);
        return rc;
    }
    count_outcome(a.outcome);
    log_stored(r, ipn, &v, how, &a);
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
        .body_max = IPN_BODY_MAX, /* a real IPN is under 1 KiB */
        .counters = outcome_counters,
        .handle = handle_payment_webhook,
    };

    return server_main(&app);
}
