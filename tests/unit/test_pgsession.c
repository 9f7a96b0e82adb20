/* SPDX-License-Identifier: MIT */
/* The tools' session without a server: options, and what an outage logs (once as a warning,
 * then only at debug level, never the password). Connected behaviour (the transaction, LISTEN,
 * reconnection after a restart) is tested against the real PostgreSQL by the mailer and
 * reliability integration suites. */
#include "check.h"
#include "arena.h"
#include "log.h"
#include "pgsession.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <unistd.h>

/* Nothing listens on port 1 of the loopback: the connect is refused at once. */
#define DEAD_URL "postgresql://tool:s3cret-pw@127.0.0.1:1/postgres"

static int fds[2];

/* The log lines written since the last call, as one string. */
static char *
drain(void)
{
    return check_drain(fds[0]);
}

static int
lines(const char *text)
{
    int n = 0;

    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static void
test_init(void)
{
    struct pgsession s;

    pgsession_init(&s, &(struct pgsession_options){.conninfo = DEAD_URL,
                                                   .app_name = "unit",
                                                   .connect_timeout_s = 3,
                                                   .statement_timeout_ms = 8000});
    CHECK(s.conn == NULL);
    CHECK(!pgsession_ok(&s));
    CHECK(!s.down);
    CHECK_STREQ(s.connect_timeout, "3");
    CHECK_STREQ(s.statement_timeout, "8000");
    CHECK_STREQ(s.opt.app_name, "unit");
    CHECK(s.opt.listen_channel == NULL);
    CHECK_STREQ(drain(), "");
}

static void
test_outage_logged_once(void)
{
    struct pgsession s;
    struct arena *a = arena_create(1024);
    cJSON *j;
    char *text;

    pgsession_init(&s, &(struct pgsession_options){.conninfo = DEAD_URL,
                                                   .app_name = "unit",
                                                   .connect_timeout_s = 2,
                                                   .statement_timeout_ms = 1000,
                                                   .retry_ms = 250});
    CHECK_INTEQ(pgsession_connect(&s), -1);
    CHECK(s.down);
    CHECK(!pgsession_ok(&s));
    text = drain();
    CHECK_INTEQ(lines(text), 1);
    CHECK(strstr(text, "s3cret-pw") == NULL);
    j = cJSON_Parse(text);
    CHECK(j != NULL);
    CHECK_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(j, "level")), "warn");
    CHECK_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(j, "mod")), "db");
    CHECK_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(j, "msg")),
                "could not connect to the database");
    CHECK(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(j, "detail"))) > 0);
    CHECK_INTEQ(cJSON_GetObjectItem(j, "retry_ms")->valueint, 250);
    cJSON_Delete(j);

    /* the same outage: silent at info level, whether connecting or trying a transaction (which
     * reopens the connection once before giving up) */
    CHECK_INTEQ(pgsession_connect(&s), -1);
    CHECK(pgsession_tx_exec(&s, a, "unit statement failed", "SELECT 1", 0, NULL) == NULL);
    CHECK_STREQ(drain(), "");
    CHECK(s.down);

    /* at debug level every retry is a line */
    log_init("unit", LOG_DEBUG);
    CHECK_INTEQ(pgsession_connect(&s), -1);
    text = drain();
    CHECK_INTEQ(lines(text), 1);
    CHECK(strstr(text, "\"level\":\"debug\"") != NULL);
    log_init("unit", LOG_INFO);

    pgsession_close(&s);
    CHECK(s.conn == NULL);
    CHECK(!pgsession_ok(&s));
    arena_destroy(a);
}

static void
test_no_retry_field(void)
{
    struct pgsession s;

    /* a one-shot run (--once) does not retry: no retry_ms in its line */
    pgsession_init(&s, &(struct pgsession_options){.conninfo = DEAD_URL,
                                                   .app_name = "unit",
                                                   .listen_channel = "ffx_outbox",
                                                   .connect_timeout_s = 2});
    CHECK_INTEQ(pgsession_connect(&s), -1);
    CHECK(strstr(drain(), "retry_ms") == NULL);
    pgsession_close(&s);
}

int
main(void)
{
    if (pipe(fds) != 0)
        return 1;
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    log_set_fd(fds[1]);
    log_init("unit", LOG_INFO);
    test_init();
    test_outage_logged_once();
    test_no_retry_field();
    return check_done();
}
