/* SPDX-License-Identifier: MIT */
/*
 * cfg.h - configuration from the environment, described by tables of keys
 * (name, type, default, bounds, flags) and validated once at start-up.
 *
 * common/ has a table of the keys every process reads (cfg_common_keys);
 * each executable adds its own. cfg_load() checks every key of every table,
 * reports each bad value on one log line and returns non-zero; the caller
 * then exits with status 2. After a successful load, values are read with
 * cfg_str/cfg_int/cfg_bool by name; asking for an unknown name is a
 * programming error and aborts.
 *
 * With FFX_ENV=production, cfg_load also applies the production rules (one
 * table in cfg.c, the only place "production refuses X" is written): no
 * public development secret or key (below), and https:// for the URLs where
 * money or credentials travel (NOWPAYMENTS_BASE_URL, FFX_PUBLIC_URL). A rule
 * applies to every program whose tables have its key, so no program can
 * forget one.
 */
#ifndef FFX_CFG_H
#define FFX_CFG_H

#include <stdbool.h>

enum cfg_type {
    CFG_STR,
    CFG_INT,  /* decimal, within [min, max] */
    CFG_BOOL, /* 0/1/true/false/yes/no/on/off */
    CFG_ENUM, /* one of the '|'-separated words in `choices` */
};

enum cfg_flags {
    CFG_REQUIRED = 1 << 0, /* no default: the process refuses to start without it */
    CFG_SECRET = 1 << 1,   /* never logged; cfg_log_summary prints "set" instead */
};

struct cfg_key {
    const char *name;
    enum cfg_type type;
    const char *def; /* NULL: unset unless given */
    long long min, max;
    const char *choices; /* CFG_ENUM only */
    unsigned flags;
    const char *help;
};

#define CFG_END                                                                                    \
    {                                                                                              \
        NULL, CFG_STR, NULL, 0, 0, NULL, 0, NULL                                                   \
    }

/* The public development values: the dev stack runs on them and the README prints them, so
 * anyone can sign or authenticate with them. Production refuses each (cfg_load). */
#define CFG_DEV_JWT_SECRET    "super-secret-jwt-token-with-at-least-32-characters-long"
#define CFG_DEV_SECRET_KEY    "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
#define CFG_SIM_API_KEY       "sim-api-key"
#define CFG_SIM_IPN_SECRET    "sim-ipn-secret"
#define CFG_DEV_METRICS_TOKEN "ffx-dev-metrics-token-not-for-production"

/* Keys read by common/ itself: FFX_ENV, FFX_LISTEN, FFX_WORKERS, FFX_BODY_MAX,
 * FFX_LOG_LEVEL, DATABASE_URL, FFX_DB_STATEMENT_TIMEOUT_MS, FFX_METRICS_DIR, ... */
extern const struct cfg_key cfg_common_keys[];

/* cfg_load - read and validate every key of the NULL-terminated list of
 * CFG_END-terminated tables, then, in production, the production rules; one
 * log line per problem (naming the key, never its value). 0 when all pass. */
int cfg_load(const struct cfg_key *const *tables);

/* cfg_report_invalid - the one log line of a value a program's own check refuses after
 * cfg_load (a relation between keys, a syntax cfg does not know): it names the key, never the
 * value, which may be a secret. The caller then exits 2 like cfg_load's. */
void cfg_report_invalid(const char *key, const char *problem);

/* cfg_production - whether FFX_ENV=production was loaded (false before cfg_load). */
bool cfg_production(void);

/* cfg_free - forget the loaded values (for a clean shutdown). */
void cfg_free(void);

/* cfg_log_summary - one log line with every key; secrets shown as "set". */
void cfg_log_summary(void);

const char *cfg_str(const char *name); /* NULL when unset */
long long cfg_int(const char *name);
bool cfg_bool(const char *name);
bool cfg_is_set(const char *name);

#endif
