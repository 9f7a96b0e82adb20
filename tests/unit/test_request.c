/* SPDX-License-Identifier: MIT */
#include "arena.h"
#include "check.h"
#include "request.h"

/* A body source that hands out at most `chunk` bytes per read. */
struct mem_reader {
    const char *data;
    size_t len, pos, chunk;
};

static int
mem_read(void *ctx, char *buf, int n)
{
    struct mem_reader *m = ctx;
    size_t left = m->len - m->pos;
    size_t take = (size_t)n < left ? (size_t)n : left;

    if (m->chunk && take > m->chunk)
        take = m->chunk;
    memcpy(buf, m->data + m->pos, take);
    m->pos += take;
    return (int)take;
}

static int
null_write(void *ctx, const char *buf, size_t n)
{
    (void)ctx, (void)buf, (void)n;
    return 0;
}

static enum err_code
parse(struct arena *a, struct req *r, char **envp, const char *body, size_t body_max,
      struct mem_reader *m)
{
    struct resp_sink sink = {.write = null_write};
    struct req_source src = {.envp = envp, .read = mem_read, .ctx = m};

    *m = (struct mem_reader){.data = body ? body : "", .len = body ? strlen(body) : 0, .chunk = 3};
    req_init(r, a, sink);
    return req_parse(r, &src, body_max);
}

static void
test_basic_fields(struct arena *a)
{
    char *env[] = {"REQUEST_METHOD=POST",
                   "DOCUMENT_URI=/functions/v1/webhook-debug",
                   "QUERY_STRING=a=1&b=two+words&c=%7Bx%7D&flag&=empty&a=2",
                   "REMOTE_ADDR=127.0.0.1",
                   "REQUEST_ID=abc123",
                   "CONTENT_LENGTH=11",
                   "CONTENT_TYPE=application/json",
                   "HTTP_X_NOWPAYMENTS_SIG=deadbeef",
                   "HTTP_USER_AGENT=curl/8",
                   "SERVER_PROTOCOL=HTTP/1.1",
                   "HTTP_CONTENT_TYPE=text/evil",
                   "HTTP_CONTENT_LENGTH=999",
                   NULL};
    struct mem_reader m;
    struct req r;

    CHECK_INTEQ(parse(a, &r, env, "{\"x\": true}", 64, &m), ERR_OK);
    CHECK_STREQ(r.method, "POST");
    CHECK(req_method_is(&r, "POST") && !req_method_is(&r, "post"));
    CHECK_STREQ(r.path, "/functions/v1/webhook-debug");
    CHECK_STREQ(r.call.request_id, "abc123");
    CHECK_STREQ(r.remote_addr, "127.0.0.1");
    CHECK_STREQ(req_query(&r, "a"), "1"); /* first wins */
    CHECK_STREQ(req_query(&r, "b"), "two words");
    CHECK_STREQ(req_query(&r, "c"), "{x}");
    CHECK_STREQ(req_query(&r, "flag"), "");
    CHECK_STREQ(req_query(&r, ""), "empty");
    CHECK(req_query(&r, "missing") == NULL);
    CHECK_STREQ(req_header(&r, "x-nowpayments-sig"), "deadbeef");
    CHECK_STREQ(req_header(&r, "content-type"), "application/json");
    CHECK_STREQ(req_header(&r, "user-agent"), "curl/8");
    CHECK(req_header(&r, "server-protocol") == NULL); /* not a header */
    CHECK_INTEQ(r.body_len, 11);
    CHECK_STREQ(r.body, "{\"x\": true}");
}

static const struct {
    const char *query;
    const char *key;
    const char *want; /* NULL: the request is rejected with 400 */
} query_cases[] = {
    {"orderId=FFX123456789", "orderId", "FFX123456789"},
    {"k=%41%42", "k", "AB"},
    {"k=%e2%82%ac", "k", "\xe2\x82\xac"},
    {"k=%", "k", NULL},
    {"k=%4", "k", NULL},
    {"k=%G1", "k", NULL},
    {"k=%1G", "k", NULL},
    {"k=%00", "k", NULL}, /* an encoded NUL would cut strings short later */
    {"%zz=1", "k", NULL},
    {"&&k=v&&", "k", "v"},
    {"", "k", "(absent)"},
};

static void
test_query_decoding(struct arena *a)
{
    for (size_t i = 0; i < sizeof(query_cases) / sizeof(query_cases[0]); i++) {
        char qs[128];
        char *env[] = {"REQUEST_METHOD=GET", qs, NULL};
        struct mem_reader m;
        struct req r;
        enum err_code rc;

        snprintf(qs, sizeof(qs), "QUERY_STRING=%s", query_cases[i].query);
        rc = parse(a, &r, env, NULL, 64, &m);
        if (query_cases[i].want == NULL) {
            CHECK_INTEQ(rc, ERR_BAD_REQUEST);
            CHECK_STREQ(r.call.err.msg, "Invalid query string");
        } else if (strcmp(query_cases[i].want, "(absent)") == 0) {
            CHECK_INTEQ(rc, ERR_OK);
            CHECK(req_query(&r, query_cases[i].key) == NULL);
        } else {
            CHECK_INTEQ(rc, ERR_OK);
            CHECK_STREQ(req_query(&r, query_cases[i].key), query_cases[i].want);
        }
        arena_reset(a);
    }
}

static void
test_duplicate_headers(struct arena *a)
{
    char *dup_auth[] = {"REQUEST_METHOD=GET", "HTTP_AUTHORIZATION=Bearer a",
                        "HTTP_AUTHORIZATION=Bearer b", NULL};
    char *dup_sig[] = {"HTTP_X_NOWPAYMENTS_SIG=a", "HTTP_X_NOWPAYMENTS_SIG=b", NULL};
    char *dup_other[] = {"HTTP_ACCEPT=a", "HTTP_ACCEPT=b", NULL};
    struct mem_reader m;
    struct req r;

    CHECK_INTEQ(parse(a, &r, dup_auth, NULL, 64, &m), ERR_BAD_REQUEST);
    CHECK_STREQ(r.call.err.msg, "Duplicate header: authorization");
    CHECK_INTEQ(parse(a, &r, dup_sig, NULL, 64, &m), ERR_BAD_REQUEST);
    CHECK_INTEQ(parse(a, &r, dup_other, NULL, 64, &m), ERR_OK);
    CHECK_STREQ(req_header(&r, "accept"), "a");
    arena_reset(a);
}

static void
test_body_limits(struct arena *a)
{
    char *no_length[] = {"REQUEST_METHOD=POST", NULL};
    char *empty_length[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=", NULL};
    char *short_length[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=4", NULL};
    char *long_length[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=20", NULL};
    char *too_big[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=65", NULL};
    char *huge[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=99999999999999999999999", NULL};
    char *negative[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=-1", NULL};
    char *spaced[] = {"REQUEST_METHOD=POST", "CONTENT_LENGTH= 4", NULL};
    struct mem_reader m;
    struct req r;

    /* no CONTENT_LENGTH: no body is read, whatever the stream holds */
    CHECK_INTEQ(parse(a, &r, no_length, "{\"a\":1}", 64, &m), ERR_OK);
    CHECK_INTEQ(r.body_len, 0);
    CHECK_INTEQ(m.pos, 0);
    CHECK_INTEQ(parse(a, &r, empty_length, "abc", 64, &m), ERR_OK);
    CHECK_INTEQ(r.body_len, 0);
    /* a body longer than announced: exactly the announced bytes are read */
    CHECK_INTEQ(parse(a, &r, short_length, "abcdefgh", 64, &m), ERR_OK);
    CHECK_STREQ(r.body, "abcd");
    CHECK_INTEQ(m.pos, 4);
    /* a body shorter than announced: 400 */
    CHECK_INTEQ(parse(a, &r, long_length, "abc", 64, &m), ERR_BAD_REQUEST);
    /* over the cap: 413 before any byte is read */
    CHECK_INTEQ(parse(a, &r, too_big, "x", 64, &m), ERR_TOO_LARGE);
    CHECK_INTEQ(m.pos, 0);
    CHECK_INTEQ(parse(a, &r, huge, "x", 64, &m), ERR_BAD_REQUEST);
    CHECK_INTEQ(parse(a, &r, negative, "x", 64, &m), ERR_BAD_REQUEST);
    CHECK_INTEQ(parse(a, &r, spaced, "x", 64, &m), ERR_BAD_REQUEST);
    arena_reset(a);
}

static void
test_empty_environment(struct arena *a)
{
    char *env[] = {NULL};
    char *odd[] = {"NOEQUALS", "HTTP_=x", "=", NULL};
    struct mem_reader m;
    struct req r;

    CHECK_INTEQ(parse(a, &r, env, NULL, 64, &m), ERR_OK);
    CHECK_STREQ(r.method, "");
    CHECK(r.call.request_id == NULL);
    CHECK_INTEQ(parse(a, &r, odd, NULL, 64, &m), ERR_OK);
    CHECK_INTEQ(r.nheaders, 0);
    arena_reset(a);
}

int
main(void)
{
    struct arena *a = arena_create(4096);

    test_basic_fields(a);
    arena_reset(a);
    test_query_decoding(a);
    test_duplicate_headers(a);
    test_body_limits(a);
    test_empty_environment(a);
    arena_destroy(a);
    return check_done();
}
