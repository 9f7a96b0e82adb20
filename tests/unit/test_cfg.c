/* SPDX-License-Identifier: MIT */
#include "cfg.h"
#include "check.h"
#include "log.h"

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
    cfg_free();
    return check_done();
}
