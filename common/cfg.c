/* SPDX-License-Identifier: MIT */
/*
 * cfg.c - the environment, parsed once into a small table of values.
 */
#include "cfg.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct cfg_key cfg_common_keys[] = {
    {"FFX_ENV", CFG_ENUM, "development", 0, 0, "development|production", 0,
     "production refuses the public development secrets and plain-http URLs"},
    {"FFX_LISTEN", CFG_STR, NULL, 0, 0, NULL, 0,
     "unix socket path to listen on; unset: the socket on fd 0"},
    {"FFX_WORKERS", CFG_INT, "2", 0, 256, NULL, 0, "prefork workers; 0 serves in one process"},
    {"FFX_BODY_MAX", CFG_INT, "65536", 1024, 16777216, NULL, 0, "largest request body, bytes"},
    {"FFX_LOG_LEVEL", CFG_ENUM, "info", 0, 0, "debug|info|warn|error", 0, NULL},
    {"FFX_SHUTDOWN_GRACE_MS", CFG_INT, "30000", 100, 600000, NULL, 0,
     "how long SIGTERM waits for requests in flight"},
    {"DATABASE_URL", CFG_STR, "postgresql://postgres:postgres@127.0.0.1:54322/postgres", 0, 0, NULL,
     CFG_SECRET, "libpq connection string"},
    {"FFX_DB_STATEMENT_TIMEOUT_MS", CFG_INT, "8000", 100, 600000, NULL, 0,
     "statement_timeout for request transactions"},
    {"FFX_DB_CONNECT_TIMEOUT_S", CFG_INT, "3", 1, 60, NULL, 0, "libpq connect_timeout"},
    {"FFX_DB_PREPARE", CFG_BOOL, "1", 0, 0, NULL, 0,
     "prepare statements once per connection; 0 behind a pooler that cannot keep them"},
    {"FFX_METRICS_DIR", CFG_STR, NULL, 0, 0, NULL, 0,
     "directory of the shared counter files (common/metrics.h); unset: no metrics"},
    CFG_END,
};

#define CFG_MAX_KEYS 96

struct cfg_value {
    const struct cfg_key *key;
    const char *raw; /* points into environ or at the default */
    long long num;
};

static struct cfg_value values[CFG_MAX_KEYS];
static size_t nvalues;

static int
parse_bool(const char *s, long long *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};

    for (size_t i = 0; i < 4; i++) {
        if (strcmp(s, yes[i]) == 0)
            return *out = 1, 0;
        if (strcmp(s, no[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

static int
parse_int(const struct cfg_key *k, const char *s, long long *out)
{
    char *end = NULL;

    if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
        return -1; /* strtoll would skip spaces and accept a '+' */
    errno = 0;
    *out = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    return *out < k->min || *out > k->max ? -1 : 0;
}

static int
parse_enum(const struct cfg_key *k, const char *s, long long *out)
{
    size_t n = strlen(s);
    long long idx = 0;

    for (const char *p = k->choices; *p != '\0'; idx++) {
        size_t len = strcspn(p, "|");

        if (len == n && strncmp(p, s, n) == 0)
            return *out = idx, 0;
        p += len + (p[len] == '|');
    }
    return -1;
}

static int
parse_value(struct cfg_value *v)
{
    const struct cfg_key *k = v->key;

    switch (k->type) {
    case CFG_STR:
        return 0;
    case CFG_INT:
        return parse_int(k, v->raw, &v->num);
    case CFG_BOOL:
        return parse_bool(v->raw, &v->num);
    case CFG_ENUM:
        return parse_enum(k, v->raw, &v->num);
    }
    return -1;
}

void
cfg_report_invalid(const char *key, const char *problem)
{
    struct log_line l;

    log_begin(&l, LOG_ERROR, NULL, "cfg", "invalid configuration");
    log_str(&l, "key", key);
    log_str(&l, "problem", problem);
    log_end(&l);
}

static void
report_bad(const struct cfg_key *k, const char *why)
{
    struct log_line l;
    char expect[160] = "";

    if (k->type == CFG_INT)
        snprintf(expect, sizeof(expect), "an integer in [%lld, %lld]", k->min, k->max);
    else if (k->type == CFG_ENUM)
        snprintf(expect, sizeof(expect), "one of %s", k->choices);
    else if (k->type == CFG_BOOL)
        snprintf(expect, sizeof(expect), "a boolean (0/1/true/false)");
    log_begin(&l, LOG_ERROR, NULL, "cfg", "invalid configuration");
    log_str(&l, "key", k->name);
    log_str(&l, "problem", why);
    if (expect[0] != '\0')
        log_str(&l, "expected", expect);
    log_end(&l);
}

static int
load_key(const struct cfg_key *k)
{
    const char *env = getenv(k->name);
    struct cfg_value *v;

    if (nvalues == CFG_MAX_KEYS)
        abort(); /* programming error: raise CFG_MAX_KEYS */
    v = &values[nvalues++];
    v->key = k;
    v->raw = (env != NULL && env[0] != '\0') ? env : k->def;
    if (v->raw == NULL) {
        if (k->flags & CFG_REQUIRED) {
            report_bad(k, "required but not set");
            return -1;
        }
        return 0;
    }
    if (parse_value(v) != 0) {
        report_bad(k, "value out of range or malformed");
        return -1;
    }
    return 0;
}

/* ---- production refuses what must never run there ------------------------------------------ */

enum prod_rule_kind {
    PROD_NOT_PUBLIC, /* not the public development value */
    PROD_NOT_LISTED, /* a comma-separated list without the public development value */
    PROD_HTTPS,      /* an https:// URL with a host: money and credentials travel there */
};

/* Every "production refuses X" of the programs, in one table. A rule applies to a program when
 * one of its tables has the key, so each program gets exactly the rules of what it reads. */
static const struct prod_rule {
    const char *key;
    enum prod_rule_kind kind;
    const char *public_value;
} prod_rules[] = {
    {"SUPABASE_JWT_SECRET", PROD_NOT_PUBLIC, CFG_DEV_JWT_SECRET},
    {"FFX_SECRET_KEYS", PROD_NOT_LISTED, CFG_DEV_SECRET_KEY},
    {"NOWPAYMENTS_API_KEY", PROD_NOT_PUBLIC, CFG_SIM_API_KEY},
    {"NOWPAYMENTS_IPN_SECRET", PROD_NOT_PUBLIC, CFG_SIM_IPN_SECRET},
    {"NOWPAYMENTS_IPN_SECRET_PREVIOUS", PROD_NOT_PUBLIC, CFG_SIM_IPN_SECRET},
    {"FFX_METRICS_TOKEN", PROD_NOT_PUBLIC, CFG_DEV_METRICS_TOKEN},
    {"NOWPAYMENTS_BASE_URL", PROD_HTTPS, NULL},
    {"FFX_PUBLIC_URL", PROD_HTTPS, NULL},
};

static const struct cfg_value *
find_loaded(const char *name)
{
    for (size_t i = 0; i < nvalues; i++)
        if (strcmp(values[i].key->name, name) == 0)
            return &values[i];
    return NULL;
}

bool
cfg_production(void)
{
    const struct cfg_value *env = find_loaded("FFX_ENV");

    return env != NULL && env->raw != NULL && strcmp(env->raw, "production") == 0;
}

/* Whether s[0..n), without the blanks around it (the IPN secret is used trimmed), is `value`. */
static bool
is_value(const char *s, size_t n, const char *value)
{
    while (n > 0 && strchr(" \t\r\n", *s) != NULL)
        s++, n--;
    while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
        n--;
    return n == strlen(value) && strncmp(s, value, n) == 0;
}

static bool
lists_value(const char *list, const char *value)
{
    while (*list != '\0') {
        size_t len = strcspn(list, ",");

        if (is_value(list, len, value))
            return true;
        list += len + (list[len] == ',');
    }
    return false;
}

/* The problem with `raw` under rule r, or NULL when it passes. */
static const char *
prod_problem(const struct prod_rule *r, const char *raw)
{
    switch (r->kind) {
    case PROD_NOT_PUBLIC:
        return is_value(raw, strlen(raw), r->public_value)
                   ? "the public development value; refusing to start in production"
                   : NULL;
    case PROD_NOT_LISTED:
        return lists_value(raw, r->public_value)
                   ? "lists the public development key; refusing to start in production"
                   : NULL;
    case PROD_HTTPS:
        return strncasecmp(raw, "https://", 8) != 0 || raw[8] == '\0' || raw[8] == '/'
                   ? "not an https:// URL; refusing to start in production"
                   : NULL;
    }
    return NULL;
}

/* In production, every rule whose key is loaded and set; one log line per refusal. */
static int
check_production(void)
{
    int bad = 0;

    if (!cfg_production())
        return 0;
    for (size_t i = 0; i < sizeof(prod_rules) / sizeof(prod_rules[0]); i++) {
        const struct cfg_value *v = find_loaded(prod_rules[i].key);
        const char *problem =
            v != NULL && v->raw != NULL ? prod_problem(&prod_rules[i], v->raw) : NULL;

        if (problem != NULL) {
            report_bad(v->key, problem);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

int
cfg_load(const struct cfg_key *const *tables)
{
    int bad = 0;

    nvalues = 0;
    for (size_t t = 0; tables[t] != NULL; t++)
        for (const struct cfg_key *k = tables[t]; k->name != NULL; k++)
            bad |= load_key(k);
    if (bad)
        return -1;
    return check_production();
}

void
cfg_free(void)
{
    nvalues = 0;
}

static const struct cfg_value *
find(const char *name)
{
    const struct cfg_value *v = find_loaded(name);

    if (v != NULL)
        return v;
    log_event(LOG_ERROR, NULL, "cfg", "unknown configuration key %s", name);
    abort();
}

const char *
cfg_str(const char *name)
{
    return find(name)->raw;
}

long long
cfg_int(const char *name)
{
    return find(name)->num;
}

bool
cfg_bool(const char *name)
{
    return find(name)->num != 0;
}

bool
cfg_is_set(const char *name)
{
    return find(name)->raw != NULL;
}

void
cfg_log_summary(void)
{
    struct log_line l;

    log_begin(&l, LOG_INFO, NULL, "cfg", "configuration loaded");
    for (size_t i = 0; i < nvalues; i++) {
        const struct cfg_value *v = &values[i];

        if (v->raw != NULL && (v->key->flags & CFG_SECRET))
            log_str(&l, v->key->name, "set");
        else
            log_str(&l, v->key->name, v->raw);
    }
    log_end(&l);
}
