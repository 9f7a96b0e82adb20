/* SPDX-License-Identifier: MIT */
#include "log.h"
#include "check.h"

#include <cjson/cJSON.h>
#include <unistd.h>

static int fds[2];

/* Read back what the logger wrote since the last call. */
static char *
drain(void)
{
    return check_drain(fds[0]);
}

static cJSON *
one_line(void)
{
    char *text = drain();
    size_t len = strlen(text);

    CHECK(len > 0 && text[len - 1] == '\n');
    CHECK(strchr(text, '\n') == text + len - 1); /* exactly one line */
    return cJSON_Parse(text);
}

static void
test_fields(void)
{
    struct log_line l;
    cJSON *j;

    log_begin(&l, LOG_INFO, "req-1", "db", "could not insert");
    log_str(&l, "sqlstate", "23505");
    log_int(&l, "status", 409);
    log_str(&l, "none", NULL);
    log_end(&l);
    j = one_line();
    CHECK(j != NULL);
    CHECK_STREQ(cJSON_GetObjectItem(j, "level")->valuestring, "info");
    CHECK_STREQ(cJSON_GetObjectItem(j, "svc")->valuestring, "unit");
    CHECK_STREQ(cJSON_GetObjectItem(j, "req_id")->valuestring, "req-1");
    CHECK_STREQ(cJSON_GetObjectItem(j, "mod")->valuestring, "db");
    CHECK_STREQ(cJSON_GetObjectItem(j, "msg")->valuestring, "could not insert");
    CHECK_INTEQ(cJSON_GetObjectItem(j, "status")->valueint, 409);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "none")));
    CHECK(strlen(cJSON_GetObjectItem(j, "ts")->valuestring) == 24);
    cJSON_Delete(j);
}

static void
test_escaping(void)
{
    struct log_line l;
    cJSON *j;

    log_begin(&l, LOG_WARN, NULL, "t", "quote \" backslash \\ newline \n tab \t");
    log_str(&l, "bad_utf8", "a\xff\xfe b \xc3\xa9");
    log_end(&l);
    j = one_line();
    CHECK(j != NULL);
    CHECK_STREQ(cJSON_GetObjectItem(j, "msg")->valuestring,
                "quote \" backslash \\ newline \n tab \t");
    CHECK_STREQ(cJSON_GetObjectItem(j, "bad_utf8")->valuestring,
                "a\xEF\xBF\xBD\xEF\xBF\xBD b \xc3\xa9");
    CHECK(cJSON_GetObjectItem(j, "req_id") == NULL);
    cJSON_Delete(j);
}

static void
test_truncation_keeps_valid_json(void)
{
    static char big[3 * LOG_LINE_MAX];
    struct log_line l;
    cJSON *j;

    memset(big, 'x', sizeof(big) - 1);
    log_begin(&l, LOG_ERROR, NULL, "t", "big");
    log_str(&l, "huge", big);
    log_int(&l, "after", 7);
    log_end(&l);
    j = one_line();
    CHECK(j != NULL);
    CHECK(cJSON_GetObjectItem(j, "huge") == NULL);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(j, "truncated")));
    CHECK_INTEQ(cJSON_GetObjectItem(j, "after")->valueint, 7);
    cJSON_Delete(j);
}

static void
test_level_filter(void)
{
    enum log_level lvl = LOG_DEBUG;

    log_init("unit", LOG_WARN);
    log_event(LOG_INFO, NULL, "t", "hidden %d", 1);
    log_event(LOG_ERROR, NULL, "t", "shown %d", 2);
    CHECK(strstr(drain(), "shown 2") != NULL);
    CHECK(log_level_parse("error", &lvl) == 0 && lvl == LOG_ERROR);
    CHECK(log_level_parse("loud", &lvl) != 0);
    log_init("unit", LOG_DEBUG);
}

int
main(void)
{
    if (pipe(fds) != 0)
        return 1;
    log_set_fd(fds[1]);
    log_init("unit", LOG_DEBUG);
    test_fields();
    test_escaping();
    test_truncation_keeps_valid_json();
    test_level_filter();
    log_set_fd(2);
    return check_done();
}
