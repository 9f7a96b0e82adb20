/* SPDX-License-Identifier: MIT */
#include "arena.h"
#include "check.h"
#include "json.h"
#include "response.h"

struct capture {
    char buf[8192];
    size_t len;
};

static int
capture_write(void *ctx, const char *buf, size_t n)
{
    struct capture *c = ctx;

    if (c->len + n >= sizeof(c->buf))
        return -1;
    memcpy(c->buf + c->len, buf, n);
    c->len += n;
    c->buf[c->len] = '\0';
    return 0;
}

static int
no_read(void *ctx, char *buf, int n)
{
    (void)ctx, (void)buf, (void)n;
    return 0;
}

static void
start(struct req *r, struct arena *a, struct capture *c, char **envp)
{
    struct req_source src = {.envp = envp, .read = no_read};

    memset(c, 0, sizeof(*c));
    req_init(r, a, (struct resp_sink){.write = capture_write, .ctx = c});
    CHECK_INTEQ(req_parse(r, &src, 1024), ERR_OK);
}

static const char *
body_of(const struct capture *c)
{
    const char *p = strstr(c->buf, "\r\n\r\n");

    return p ? p + 4 : "";
}

static void
test_json_response(struct arena *a)
{
    char *env[] = {"REQUEST_METHOD=POST", "REQUEST_ID=rid42", NULL};
    struct capture c;
    struct req r;
    cJSON *body;

    start(&r, a, &c, env);
    body = json_object(a);
    cJSON_AddBoolToObject(body, "success", 1);
    resp_json(&r, 200, body);
    CHECK(strncmp(c.buf, "Status: 200 OK\r\n", 16) == 0);
    CHECK(strstr(c.buf, "\r\nContent-Type: application/json\r\n") != NULL);
    CHECK(strstr(c.buf, "\r\nAccess-Control-Allow-Origin: *\r\n") != NULL);
    CHECK(strstr(c.buf, "\r\nAccess-Control-Allow-Headers: " RESP_CORS_ALLOW_HEADERS "\r\n"));
    CHECK(strstr(c.buf, "\r\nX-Request-Id: rid42\r\n") != NULL);
    CHECK_STREQ(body_of(&c), "{\"success\":true}");
    CHECK(r.responded && r.status == 200);
    /* a second answer is refused, the stream is not corrupted */
    resp_json(&r, 500, body);
    CHECK(strstr(body_of(&c), "Status") == NULL);
    arena_reset(a);
}

static const struct {
    enum err_code code;
    const char *msg;
    const char *want_status;
    const char *want_body;
} error_cases[] = {
    {ERR_BAD_REQUEST, "Invalid payload", "Status: 400 Bad Request",
     "{\"success\":false,\"error\":\"Invalid payload\"}"},
    {ERR_NOT_FOUND, "Order not found", "Status: 404 Not Found",
     "{\"success\":false,\"error\":\"Order not found\"}"},
    {ERR_TOO_LARGE, "Payload too large", "Status: 413 Payload Too Large",
     "{\"success\":false,\"error\":\"Payload too large\"}"},
    {ERR_TOO_MANY_REQUESTS, "Too many discount code attempts", "Status: 429 Too Many Requests",
     "{\"success\":false,\"error\":\"Too many discount code attempts\"}"},
    {ERR_INTERNAL, "secret detail: password=hunter2", "Status: 500 Internal Server Error",
     "{\"success\":false,\"error\":\"Internal server error\",\"request_id\":\"rid7\"}"},
    {ERR_UNAVAILABLE, "db down at 10.1.2.3", "Status: 503 Service Unavailable",
     "{\"success\":false,\"error\":\"Service unavailable\",\"request_id\":\"rid7\"}"},
};

static void
test_error_shapes(struct arena *a)
{
    char *env[] = {"REQUEST_METHOD=GET", "REQUEST_ID=rid7", NULL};

    for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        struct capture c;
        struct req r;

        start(&r, a, &c, env);
        ERR_SET(&r.call.err, error_cases[i].code, "%s", error_cases[i].msg);
        resp_error(&r);
        CHECK(strncmp(c.buf, error_cases[i].want_status, strlen(error_cases[i].want_status)) == 0);
        CHECK_STREQ(body_of(&c), error_cases[i].want_body);
        CHECK(strstr(c.buf, "hunter2") == NULL);
        arena_reset(a);
    }
}

static void
test_preflight_and_headers(struct arena *a)
{
    char *plain[] = {"REQUEST_METHOD=OPTIONS", NULL};
    char *asks[] = {"REQUEST_METHOD=OPTIONS",
                    "HTTP_ACCESS_CONTROL_REQUEST_HEADERS=authorization, x-region", NULL};
    char *hostile[] = {"REQUEST_METHOD=OPTIONS",
                       "HTTP_ACCESS_CONTROL_REQUEST_HEADERS=x\r\nSet-Cookie: a=b", NULL};
    struct capture c;
    struct req r;

    start(&r, a, &c, plain);
    resp_preflight(&r);
    CHECK(strncmp(c.buf, "Status: 204 No Content\r\n", 24) == 0);
    CHECK(strstr(c.buf, "Content-Type") == NULL);
    CHECK_STREQ(body_of(&c), "");
    CHECK(strstr(c.buf, "Access-Control-Allow-Methods: GET, POST") != NULL);

    start(&r, a, &c, asks);
    resp_preflight(&r);
    CHECK(strstr(c.buf, "\r\nAccess-Control-Allow-Headers: authorization, x-region\r\n"));

    start(&r, a, &c, hostile);
    resp_preflight(&r);
    CHECK(strstr(c.buf, "Set-Cookie") == NULL);
    CHECK(strstr(c.buf, "\r\nAccess-Control-Allow-Headers: " RESP_CORS_ALLOW_HEADERS "\r\n"));

    start(&r, a, &c, plain);
    resp_add_header(&r, "WWW-Authenticate: Bearer");
    ERR_SET(&r.call.err, ERR_UNAUTHORIZED, "Unauthorized");
    resp_error(&r);
    CHECK(strstr(c.buf, "\r\nWWW-Authenticate: Bearer\r\n") != NULL);
    CHECK(strstr(c.buf, "Status: 401 Unauthorized") != NULL);
    arena_reset(a);
}

/* A body that is not JSON: its own type, the same CORS and id headers. */
static void
test_other_body(struct arena *a)
{
    char *env[] = {"REQUEST_METHOD=GET", "REQUEST_ID=rid9", NULL};
    struct capture c;
    struct req r;

    start(&r, a, &c, env);
    resp_body(&r, 200, "text/plain; version=0.0.4", "a 1\n", 4);
    CHECK(strncmp(c.buf, "Status: 200 OK\r\n", 16) == 0);
    CHECK(strstr(c.buf, "\r\nContent-Type: text/plain; version=0.0.4\r\n") != NULL);
    CHECK(strstr(c.buf, "application/json") == NULL);
    CHECK(strstr(c.buf, "\r\nAccess-Control-Allow-Origin: *\r\n") != NULL);
    CHECK(strstr(c.buf, "\r\nX-Request-Id: rid9\r\n") != NULL);
    CHECK(strstr(c.buf, "\r\nCache-Control: no-store\r\n") != NULL);
    CHECK_STREQ(body_of(&c), "a 1\n");
    CHECK(r.responded && r.status == 200);
    resp_body(&r, 500, "text/plain", "x", 1); /* answered once only */
    CHECK_STREQ(body_of(&c), "a 1\n");
    arena_reset(a);
}

int
main(void)
{
    struct arena *a = arena_create(4096);

    test_json_response(a);
    test_other_body(a);
    test_error_shapes(a);
    test_preflight_and_headers(a);
    arena_destroy(a);
    return check_done();
}
