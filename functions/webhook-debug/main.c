/* SPDX-License-Identifier: MIT */
/*
 * webhook-debug - records what a webhook caller sent, for troubleshooting
 * NOWPayments deliveries: method, path, query, headers (credentials and
 * signatures redacted), body up to FFX_BODY_MAX, client address and time.
 * Only the newest 1000 records are kept. Off unless
 * FFX_ENABLE_WEBHOOK_DEBUG=1: an open, unbounded log sink would be a leak
 * and a disk-filler (docs/ARCHITECTURE.md, "Deviations from the original
 * design").
 */
#include "arena.h"
#include "cfg.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "response.h"
#include "server.h"
#include "text.h"

#include <string.h>

static const struct cfg_key webhook_debug_keys[] = {
    {"FFX_ENABLE_WEBHOOK_DEBUG", CFG_BOOL, "0", 0, 0, NULL, 0,
     "1 to serve webhook-debug; otherwise it answers 404 and stores nothing"},
    CFG_END,
};

/* Never stored, whatever the caller sent. */
static const char *const redacted_headers[] = {
    "authorization", "apikey", "cookie", "x-nowpayments-sig", NULL,
};

static bool
is_redacted(const char *name)
{
    for (size_t i = 0; redacted_headers[i] != NULL; i++)
        if (strcmp(name, redacted_headers[i]) == 0)
            return true;
    return false;
}

static const char *
headers_json(struct req *r)
{
    cJSON *obj = json_object(r->call.arena);

    for (size_t i = 0; i < r->nheaders; i++) {
        const struct req_pair *h = &r->headers[i];
        const char *value = is_redacted(h->name)
                                ? "[REDACTED]"
                                : text_utf8_clean(r->call.arena, h->value, strlen(h->value));

        cJSON_AddStringToObject(obj, h->name, value);
    }
    return json_print(r->call.arena, obj);
}

static enum err_code
store_request(struct req *r, const char **received_at)
{
    enum err_code rc;
    PGresult *res = NULL;
    const struct db_param params[] = {
        {.value = text_utf8_clean(r->call.arena, r->method, strlen(r->method))},
        {.value = text_utf8_clean(r->call.arena, r->path, strlen(r->path))},
        {.value = text_utf8_clean(r->call.arena, r->query_raw, strlen(r->query_raw))},
        {.value = headers_json(r)},
        {.value = r->body, .length = (int)r->body_len, .binary = true},
        {.value = r->remote_addr},
    };

    rc = db_single(&r->call, RLS_SERVICE, NULL, &res,
                   "SELECT to_char(ffx_internal.webhook_debug_record($1, $2, $3, $4::jsonb, $5, $6)"
                   " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
                   6, params);
    if (rc)
        return rc;
    *received_at = arena_strdup(r->call.arena, PQgetvalue(res, 0, 0));
    return ERR_OK;
}

static void
log_stored(const struct req *r)
{
    struct log_line l;

    log_begin(&l, LOG_INFO, r->call.request_id, "webhook-debug", "webhook debug received");
    log_int(&l, "body_bytes", (long long)r->body_len);
    log_int(&l, "headers", (long long)r->nheaders);
    log_str(&l, "client_addr", r->remote_addr);
    log_end(&l);
}

static enum err_code
handle_webhook_debug(struct req *r)
{
    const char *received_at = NULL;
    enum err_code rc = store_request(r, &received_at);
    cJSON *body;

    if (rc)
        return rc;
    log_stored(r);
    body = json_object(r->call.arena);
    cJSON_AddBoolToObject(body, "success", 1);
    cJSON_AddStringToObject(body, "message", "Webhook debug received");
    cJSON_AddStringToObject(body, "timestamp", received_at);
    return resp_json(r, 200, body);
}

static bool
webhook_debug_enabled(void)
{
    return cfg_bool("FFX_ENABLE_WEBHOOK_DEBUG");
}

int
main(void)
{
    static const struct server_app app = {
        .name = "webhook-debug",
        .methods = "POST",
        .cfg_keys = webhook_debug_keys,
        .uses_db = true,
        .enabled = webhook_debug_enabled,
        .handle = handle_webhook_debug,
    };

    return server_main(&app);
}
