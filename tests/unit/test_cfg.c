/* SPDX-License-Identifier: MIT */
#include "cfg.h"
#include "check.h"
#include "log.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static const struct cfg_key keys[] = {
    {"T_PORT", CFG_INT, "8080", 1, 65535, NULL, 0, NULL},
    {"T_MODE", CFG_ENUM, "fast", 0, 0, "fast|safe|off", 0, NULL},
    {"T_FLAG", CFG_BOOL, "0", 0, 0, NULL, 0, NULL},
    {"T_NAME", CFG_STR, NULL, 0, 0, NULL, 0, NULL},
    {"T_TOKEN", CFG_STR, NULL, 0, 0, NULL, CFG_REQUIRED | CFG_SECRET, NULL},
    CFG_END,
};

static const struct cfg_key *const tables[] = {keys, NULL};

static const struct {
    const char *name;
    const char *value; /* NULL: unset */
    int ok;
} cases[] = {
    {"T_PORT", "443", 1},
    {"T_PORT", "0", 0},
    {"T_PORT", "65536", 0},
    {"T_PORT", "80x", 0},
    {"T_PORT", " 80", 0},
    {"T_PORT", "-1", 0},
    {"T_PORT", "99999999999999999999", 0},
    {"T_MODE", "safe", 1},
    {"T_MODE", "sa", 0},
    {"T_MODE", "safe|", 0},
    {"T_FLAG", "yes", 1},
    {"T_FLAG", "maybe", 0},
    {"T_TOKEN", NULL, 0},
    {"T_NAME", "anything at all", 1},
};

static void
reset_env(void)
{
    unsetenv("T_PORT"), unsetenv("T_MODE"), unsetenv("T_FLAG"), unsetenv("T_NAME");
    setenv("T_TOKEN", "s3cret", 1);
}

/* ---- production refuses what must never run there (cfg_check_production) ---- */

/* The keys the production rules name, as the modules declare them (plain strings here). */
static const struct cfg_key prod_keys[] = {
    {"SUPABASE_JWT_SECRET", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET, NULL},
    {"FFX_SECRET_KEYS", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET, NULL},
    {"NOWPAYMENTS_API_KEY", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET, NULL},
    {"NOWPAYMENTS_IPN_SECRET", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET, NULL},
    {"NOWPAYMENTS_IPN_SECRET_PREVIOUS", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET, NULL},
    {"FFX_METRICS_TOKEN", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET, NULL},
    {"NOWPAYMENTS_BASE_URL", CFG_STR, NULL, 0, 0, NULL, 0, NULL},
    {"FFX_PUBLIC_URL", CFG_STR, NULL, 0, 0, NULL, 0, NULL},
    CFG_END,
};

static const struct {
    const char *name;
    const char *value;
    bool refused; /* in production; development accepts every value */
} prod_cases[] = {
    {"SUPABASE_JWT_SECRET", CFG_DEV_JWT_SECRET, true},
    {"SUPABASE_JWT_SECRET", "a-real-secret-of-at-least-32-characters!", false},
    {"FFX_SECRET_KEYS", CFG_DEV_SECRET_KEY, true},
    {"FFX_SECRET_KEYS", "sb_secret_real1," CFG_DEV_SECRET_KEY, true},
    {"FFX_SECRET_KEYS", "sb_secret_real1,sb_secret_real2", false},
    {"NOWPAYMENTS_API_KEY", CFG_SIM_API_KEY, true},
    {"NOWPAYMENTS_API_KEY", "REALKEY-0000000-0000000-0000000", false},
    {"NOWPAYMENTS_IPN_SECRET", CFG_SIM_IPN_SECRET, true},
    /* the webhook trims the secret, so the padded dev secret is the dev secret */
    {"NOWPAYMENTS_IPN_SECRET", " " CFG_SIM_IPN_SECRET "\n", true},
    {"NOWPAYMENTS_IPN_SECRET", "a-real-ipn-secret", false},
    {"NOWPAYMENTS_IPN_SECRET_PREVIOUS", CFG_SIM_IPN_SECRET, true},
    {"FFX_METRICS_TOKEN", CFG_DEV_METRICS_TOKEN, true},
    {"FFX_METRICS_TOKEN", "a-real-scrape-token-of-32-characters-or-more", false},
    {"NOWPAYMENTS_BASE_URL", "http://api.nowpayments.io/v1", true},
    {"NOWPAYMENTS_BASE_URL", "https://api.nowpayments.io/v1", false},
    {"FFX_PUBLIC_URL", "http://api.example.com", true},
    {"FFX_PUBLIC_URL", "https://", true},
    {"FFX_PUBLIC_URL", "ftp://api.example.com", true},
    {"FFX_PUBLIC_URL", "HTTPS://api.example.com", false},
    {"FFX_PUBLIC_URL", "https://api.example.com", false},
};

static void
clear_prod_env(void)
{
    for (const struct cfg_key *k = prod_keys; k->name != NULL; k++)
        unsetenv(k->name);
}

static void
test_production_rules(void)
{
    const struct cfg_key *const prod_tables[] = {cfg_common_keys, prod_keys, NULL};
    int fds[2];

    CHECK(pipe(fds) == 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    log_set_fd(fds[1]);
    for (size_t i = 0; i < sizeof(prod_cases) / sizeof(prod_cases[0]); i++) {
        char want_key[96];
        const char *out;
        int rc;

        clear_prod_env();
        setenv(prod_cases[i].name, prod_cases[i].value, 1);
        setenv("FFX_ENV", "development", 1);
        CHECK(cfg_load(prod_tables) == 0);
        CHECK(!cfg_production());
        check_drain(fds[0]);
        setenv("FFX_ENV", "production", 1);
        rc = cfg_load(prod_tables);
        if ((rc != 0) != prod_cases[i].refused)
            fprintf(stderr, "production case %zu: %s=%s\n", i, prod_cases[i].name,
                    prod_cases[i].value);
        CHECK((rc != 0) == prod_cases[i].refused);
        CHECK(cfg_production());
        out = check_drain(fds[0]);
        snprintf(want_key, sizeof(want_key), "\"key\":\"%s\"", prod_cases[i].name);
        /* one line per refusal, naming the key and never the value */
        CHECK((strstr(out, want_key) != NULL) == prod_cases[i].refused);
        CHECK((strstr(out, "refusing to start in production") != NULL) == prod_cases[i].refused);
        if (strlen(prod_cases[i].value) > 8)
            CHECK(strstr(out, prod_cases[i].value) == NULL);
    }
    /* a rule whose key no table of this program has does not apply */
    {
        const struct cfg_key *const common[] = {cfg_common_keys, NULL};

        clear_prod_env();
        setenv("FFX_PUBLIC_URL", "http://api.example.com", 1);
        CHECK(cfg_load(common) == 0);
    }
    /* every refusal is reported, not only the first */
    {
        const char *out;

        clear_prod_env();
        setenv("NOWPAYMENTS_API_KEY", CFG_SIM_API_KEY, 1);
        setenv("FFX_PUBLIC_URL", "http://api.example.com", 1);
        check_drain(fds[0]);
        CHECK(cfg_load(prod_tables) != 0);
        out = check_drain(fds[0]);
        CHECK(strstr(out, "\"key\":\"NOWPAYMENTS_API_KEY\"") != NULL);
        CHECK(strstr(out, "\"key\":\"FFX_PUBLIC_URL\"") != NULL);
    }
    log_set_fd(2);
    close(fds[0]);
    close(fds[1]);
    clear_prod_env();
    unsetenv("FFX_ENV");
}

int
main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc;

        reset_env();
        if (cases[i].value)
            setenv(cases[i].name, cases[i].value, 1);
        else
            unsetenv(cases[i].name);
        rc = cfg_load(tables);
        if ((rc == 0) != cases[i].ok)
            fprintf(stderr, "case %zu: %s=%s\n", i, cases[i].name, cases[i].value);
        CHECK((rc == 0) == cases[i].ok);
    }

    reset_env();
    setenv("T_PORT", "443", 1);
    setenv("T_MODE", "off", 1);
    setenv("T_FLAG", "true", 1);
    CHECK(cfg_load(tables) == 0);
    CHECK_INTEQ(cfg_int("T_PORT"), 443);
    CHECK_INTEQ(cfg_int("T_MODE"), 2);
    CHECK_STREQ(cfg_str("T_MODE"), "off");
    CHECK(cfg_bool("T_FLAG"));
    CHECK(!cfg_is_set("T_NAME"));
    CHECK(cfg_str("T_NAME") == NULL);
    CHECK_STREQ(cfg_str("T_TOKEN"), "s3cret");

    reset_env(); /* defaults apply when unset or empty */
    setenv("T_PORT", "", 1);
    CHECK(cfg_load(tables) == 0);
    CHECK_INTEQ(cfg_int("T_PORT"), 8080);
    CHECK(!cfg_bool("T_FLAG"));

    /* the common table loads on an empty environment */
    {
        const struct cfg_key *const common[] = {cfg_common_keys, NULL};

        CHECK(cfg_load(common) == 0);
        CHECK_INTEQ(cfg_int("FFX_BODY_MAX"), 65536);
        CHECK_INTEQ(cfg_int("FFX_WORKERS"), 2);
    }
    /* secrets never reach the log */
    {
        int fds[2];
        char buf[4096] = "";

        reset_env();
        CHECK(cfg_load(tables) == 0);
        CHECK(pipe(fds) == 0);
        log_set_fd(fds[1]);
        cfg_log_summary();
        log_set_fd(2);
        CHECK(read(fds[0], buf, sizeof(buf) - 1) > 0);
        CHECK(strstr(buf, "s3cret") == NULL);
        CHECK(strstr(buf, "\"T_TOKEN\":\"set\"") != NULL);
        CHECK(strstr(buf, "\"T_PORT\":\"8080\"") != NULL);
    }
    test_production_rules();
    cfg_free();
    return check_done();
}
