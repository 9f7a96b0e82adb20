/* SPDX-License-Identifier: MIT */
/*
 * metrics - GET: this host's metrics in the Prometheus text format
 * (text/plain; version=0.0.4), for a Prometheus scrape.
 *
 *   authorise            Authorization: Bearer <FFX_METRICS_TOKEN> (a scrape-only
 *                        credential), or an admin's token, or the service role
 *                        → else 401 (no or bad credentials) / 403 (a user or anon)
 *   per-function         every <function>.metrics file of FFX_METRICS_DIR:
 *                        requests by status code, latency histograms, start
 *                        times, the functions' own counters (common/metrics.h)
 *   database gauges      one call of ffx_internal.metrics_gauges() (92_metrics.sql):
 *                        inbox, orders, paid-but-undelivered, outbox, stock
 *   answer 200           ffx_database_up says whether the gauges could be read:
 *                        a database outage still serves the per-function
 *                        counters, which are what shows the outage
 *
 * The token is optional; with it Prometheus needs no key that could do
 * anything else. nginx's production site also serves this path only to an
 * allow-list (docs/DEPLOYMENT.md "Metrics").
 */
#include "arena.h"
#include "auth.h"
#include "cfg.h"
#include "crypto.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "response.h"
#include "server.h"

#include <stdlib.h>
#include <string.h>

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static const struct cfg_key metrics_keys[] = {
    {"FFX_METRICS_TOKEN", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET,
     "bearer token that may read the metrics and nothing else (32+ characters); unset: none"},
    CFG_END,
};

/* HELP texts of the rows ffx_internal.metrics_gauges() returns (all gauges). */
static const struct {
    const char *name;
    const char *help;
} gauge_families[] = {
    {"ffx_accounts_available",
     "Inventory accounts ready to deliver, per product on sale (0: sold out) and any other stock."},
    {"ffx_email_outbox_messages", "E-mail outbox messages by status; pending is the backlog."},
    {"ffx_email_outbox_oldest_pending_age_seconds",
     "Age of the oldest pending or sending outbox message (0: none)."},
    {"ffx_ipn_events", "NOWPayments IPN events stored in the inbox, by state."},
    {"ffx_orders", "Orders by order status and payment status."},
    {"ffx_orders_paid_undelivered", "Paid orders whose account has not been delivered."},
    {"ffx_orders_paid_undelivered_oldest_age_seconds",
     "Seconds since the oldest paid-but-undelivered order was paid (0: none)."},
};

#define MAX_LABEL_PAIRS 8

static enum err_code
authorize(struct req *r, struct auth_identity *id)
{
    const char *token = cfg_str("FFX_METRICS_TOKEN");
    const char *authz = req_header(r, "authorization");
    enum err_code rc;

    if (token != NULL && authz != NULL && strncmp(authz, "Bearer ", 7) == 0 &&
        crypto_equal(authz + 7, strlen(authz + 7), token, strlen(token))) {
        memset(id, 0, sizeof(*id));
        id->role = RLS_SERVICE;
        return ERR_OK;
    }
    rc = auth_require(r, AUTH_USER | AUTH_SERVICE, id);
    if (rc)
        return rc;
    if (id->role == RLS_AUTHENTICATED && !id->is_admin)
        return ERR_SET(&r->call.err, ERR_FORBIDDEN, "Unauthorized");
    return ERR_OK;
}

static const char *
family_help(const char *name)
{
    for (size_t i = 0; i < sizeof(gauge_families) / sizeof(gauge_families[0]); i++)
        if (strcmp(gauge_families[i].name, name) == 0)
            return gauge_families[i].help;
    return NULL;
}

/* A row's labels (a flat jsonb object of strings) as name/value pairs. */
static bool
row_labels(struct req *r, const char *text, const char **pairs)
{
    cJSON *obj = json_parse(r->call.arena, text, strlen(text));
    size_t n = 0;
    cJSON *item;

    if (!cJSON_IsObject(obj))
        return false;
    cJSON_ArrayForEach(item, obj)
    {
        if (n == 2 * MAX_LABEL_PAIRS || !cJSON_IsString(item))
            return false;
        pairs[n++] = item->string;
        pairs[n++] = item->valuestring;
    }
    pairs[n] = NULL;
    return true;
}

/* Rows come sorted by metric: a HELP/TYPE pair before each metric's first. */
static void
render_gauges(struct req *r, struct metrics_text *t, PGresult *res)
{
    const char *current = "";
    bool known = false;

    for (int i = 0; i < PQntuples(res); i++) {
        const char *metric = PQgetvalue(res, i, 0);
        const char *pairs[2 * MAX_LABEL_PAIRS + 1];

        if (strcmp(metric, current) != 0) {
            current = metric;
            known = family_help(metric) != NULL && metrics_valid_name(metric);
            if (known)
                metrics_text_family(t, metric, "gauge", family_help(metric));
            else
                log_event(LOG_WARN, r->call.request_id, "metrics", "unknown gauge %s skipped",
                          metric);
        }
        if (!known)
            continue;
        if (!row_labels(r, PQgetvalue(res, i, 1), pairs)) {
            log_event(LOG_WARN, r->call.request_id, "metrics", "gauge %s: bad labels, row skipped",
                      metric);
            continue;
        }
        metrics_text_sample(t, metric, pairs, strtod(PQgetvalue(res, i, 2), NULL));
    }
}

/* The gauges, or false when the database could not give them (logged; the
 * per-function counters are served anyway). A refusal by the database
 * (403) is an error to answer. */
static enum err_code
read_gauges(struct req *r, const struct auth_identity *id, PGresult **res, bool *up)
{
    enum err_code rc =
        db_single(&r->call, id->role, id->claims_json, res,
                  "SELECT metric, labels::text, value FROM ffx_internal.metrics_gauges()", 0, NULL);
    *up = rc == ERR_OK;
    if (rc == ERR_OK || err_http_status(rc) < 500)
        return rc;
    log_event(LOG_WARN, r->call.request_id, "metrics", "database gauges unavailable: %s %s",
              r->call.err.msg, r->call.err.detail);
    err_clear(&r->call.err);
    return ERR_OK;
}

static void
render_function_files(struct req *r, struct metrics_text *t)
{
    const char *dir = cfg_str("FFX_METRICS_DIR");
    struct metrics_snapshot *s = NULL;
    size_t n = 0;

    if (dir != NULL && metrics_read_dir(r->call.arena, dir, &s, &n) != 0)
        log_event(LOG_WARN, r->call.request_id, "metrics", "cannot read FFX_METRICS_DIR %s", dir);
    metrics_render_snapshots(t, s, n);
}

static enum err_code
handle_metrics(struct req *r)
{
    struct auth_identity id;
    struct metrics_text t;
    PGresult *res = NULL;
    bool db_up = false;
    enum err_code rc;

    rc = authorize(r, &id);
    if (rc)
        return rc;
    rc = read_gauges(r, &id, &res, &db_up);
    if (rc)
        return rc;
    metrics_text_init(&t, r->call.arena);
    render_function_files(r, &t);
    if (db_up)
        render_gauges(r, &t, res);
    metrics_text_family(&t, "ffx_database_up", "gauge",
                        "1 when this scrape read the database gauges, else 0.");
    metrics_text_sample(&t, "ffx_database_up", NULL, db_up ? 1 : 0);
    return resp_body(r, 200, CONTENT_TYPE, t.buf, t.len);
}

static int
check_config(void)
{
    const char *token = cfg_str("FFX_METRICS_TOKEN");

    if (token != NULL && strlen(token) < 32) {
        log_event(LOG_ERROR, NULL, "cfg", "FFX_METRICS_TOKEN must be at least 32 characters");
        return -1;
    }
    if (cfg_str("FFX_METRICS_DIR") == NULL)
        log_event(LOG_WARN, NULL, "cfg", "FFX_METRICS_DIR is unset: database gauges only");
    return 0;
}

static const struct server_module *const modules[] = {&auth_module, NULL};

int
main(void)
{
    static const struct server_app app = {
        .name = "metrics",
        .methods = "GET",
        .modules = modules,
        .cfg_keys = metrics_keys,
        .uses_db = true,
        .check_config = check_config,
        .handle = handle_metrics,
    };

    return server_main(&app);
}
