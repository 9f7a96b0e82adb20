/* SPDX-License-Identifier: MIT */
/*
 * fuzz_request.c - fuzz target for common/request.c and the request frame
 * of common/server.c (server_handle_one), with response.c and json.c
 * behind it.
 *
 * Input format (see README.md):
 *
 *     NAME=VALUE\n        one FastCGI parameter per line, at most FUZZ_MAX_ENV
 *     ...                 (later lines are ignored; a NUL ends a line's C
 *     \n                  string, as in libfcgi's envp); an empty line ends
 *     body bytes          the parameters, and everything after it is the body
 *
 * Without an empty line every line is a parameter and the body is empty.
 * The body is handed out in chunks of 1..7 bytes (by input size), so the
 * reader loop sees short reads.
 *
 * Two passes over the same parameters and body:
 *  1. req_parse with a body limit of FUZZ_BODY_MAX, then req_header,
 *     req_query and req_param lookups;
 *  2. server_handle_one with a small app serving GET and POST whose handler
 *     validates a create-crypto-payment-like JSON body and answers with
 *     resp_json, into a memory sink (FFX_BODY_MAX is 1024, its minimum).
 *
 * With a parameter HTTP_X_FUZZ_SINK_FAIL (any value) every write to the
 * sink fails, as when the client has gone away.
 *
 * Oracles: header names are lower case with dashes; a parsed body is within
 * the limit and NUL-terminated; every request gets exactly one response
 * that starts with a status line and ends its head with an empty line (or,
 * when the sink fails, one write attempt and nothing more).
 */
#include "arena.h"
#include "body.h"
#include "cfg.h"
#include "json.h"
#include "log.h"
#include "request.h"
#include "response.h"
#include "server.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_ENV  16
#define FUZZ_BODY_MAX 256
#define FUZZ_SINK_CAP (64 * 1024)

struct mem_reader {
    const char *data;
    size_t len, pos, chunk;
};

struct mem_sink {
    char buf[FUZZ_SINK_CAP];
    size_t len;
    int writes;
    bool fail; /* refuse every write: the client went away */
};

static const char *const required_fields[] = {
    "orderId", "userId", "accountType", "accountSize", "platformType", "amount", NULL,
};
static const char *const account_types[] = {"instant", "hft", "one_step", "two_step", NULL};
static const char *const platforms[] = {"mt4", "mt5", NULL};
static const char *const header_names[] = {
    "authorization",
    "apikey",
    "x-nowpayments-sig",
    "content-type",
    "content-length",
    "x-request-id",
    "x-client-info",
    "",
    NULL,
};
static const char *const query_names[] = {"orderId", "userId", "a", "", NULL};

static struct arena *arena;
static struct mem_sink sink_out;

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz_request: %s\n", what);
    abort();
}

static int
mem_read(void *ctx, char *buf, int n)
{
    struct mem_reader *m = ctx;
    size_t left = m->len - m->pos;
    size_t take = (size_t)n < left ? (size_t)n : left;

    if (take > m->chunk)
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

static int
mem_write(void *ctx, const char *buf, size_t n)
{
    struct mem_sink *s = ctx;

    s->writes++;
    if (s->fail || n > sizeof(s->buf) - 1 - s->len)
        return -1;
    memcpy(s->buf + s->len, buf, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return 0;
}

/* ---- the app behind server_handle_one ---- */

static void
add_string(cJSON *obj, const char *key, const char *value)
{
    if (value != NULL && cJSON_AddStringToObject(obj, key, value) == NULL)
        abort();
}

static enum err_code
handle(struct req *r)
{
    cJSON *body = NULL;
    cJSON *out = NULL;
    const char *order_id = NULL, *user_id = NULL, *type = NULL, *platform = NULL;
    const char *amount = NULL, *code = NULL;
    long long size = 0;
    enum err_code rc;

    if (req_method_is(r, "GET")) {
        order_id = req_query(r, "orderId");
        if (order_id == NULL || order_id[0] == '\0')
            return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Missing orderId");
        out = json_object(r->call.arena);
        add_string(out, "orderId", order_id);
        add_string(out, "userAgent", req_header(r, "user-agent"));
        return resp_json(r, 200, out);
    }
    rc = body_parse(r, &body);
    if (!rc)
        rc = body_require_fields(r, body, required_fields);
    if (!rc)
        rc = body_field_string(r, body, "orderId", 32, false, &order_id);
    if (!rc)
        rc = body_field_string(r, body, "userId", 64, false, &user_id);
    if (!rc)
        rc = body_field_choice(r, body, "accountType", account_types, &type);
    if (!rc)
        rc = body_field_int(r, body, "accountSize", 1, 100000000, &size);
    if (!rc)
        rc = body_field_choice(r, body, "platformType", platforms, &platform);
    if (!rc)
        rc = body_field_amount(r, body, "amount", &amount);
    if (!rc)
        rc = body_field_string(r, body, "discountCode", 64, true, &code);
    if (rc)
        return rc;
    if (strcmp(order_id, "FFX-500") == 0)
        return ERR_SET(&r->call.err, ERR_INTERNAL, "a handler failure for %s", user_id);
    out = json_object(r->call.arena);
    if (cJSON_AddBoolToObject(out, "success", true) == NULL ||
        cJSON_AddNumberToObject(out, "accountSize", (double)size) == NULL)
        abort();
    add_string(out, "orderId", order_id);
    add_string(out, "userId", user_id);
    add_string(out, "accountType", type);
    add_string(out, "platformType", platform);
    add_string(out, "amount", amount);
    add_string(out, "discountCode", code);
    resp_add_header(r, "X-Fuzz: 1");
    return resp_json(r, 201, out);
}

static bool
disabled(void)
{
    return false;
}

static const struct server_app app = {
    .name = "fuzz-request",
    .methods = "GET,POST",
    .handle = handle,
};

/* The same handler behind FFX_ENABLE_...=0: 404 for everything. */
static const struct server_app disabled_app = {
    .name = "fuzz-request-disabled",
    .methods = "POST",
    .enabled = disabled,
    .handle = handle,
};

static void
setup(void)
{
    static const struct cfg_key *const tables[] = {cfg_common_keys, NULL};

    /* The defaults, whatever the environment says, and the smallest body limit. */
    for (const struct cfg_key *k = cfg_common_keys; k->name != NULL; k++)
        unsetenv(k->name);
    setenv("FFX_BODY_MAX", "1024", 1);
    log_init("fuzz-request", LOG_DEBUG);
    log_set_fd(open("/dev/null", O_WRONLY | O_CLOEXEC)); /* built, never shown */
    if (cfg_load(tables) != 0)
        fail("cfg_load of cfg_common_keys failed");
    arena = arena_create(64 * 1024);
}

/* ---- the input ---- */

/* split - the parameters of the input into envp (NULL-terminated) and the
 * body into *body, *body_len. */
static void
split(const char *in, size_t n, char **envp, const char **body, size_t *body_len)
{
    size_t i = 0, nenv = 0;

    *body = in + n;
    *body_len = 0;
    while (i < n) {
        const char *nl = memchr(in + i, '\n', n - i);
        size_t len = nl != NULL ? (size_t)(nl - (in + i)) : n - i;

        if (len == 0) { /* the empty line */
            *body = in + i + 1;
            *body_len = n - i - 1;
            break;
        }
        if (nenv < FUZZ_MAX_ENV)
            envp[nenv++] = arena_strndup(arena, in + i, len);
        i += len + 1;
    }
    envp[nenv] = NULL;
}

static void
check_parsed(const struct req *r, enum err_code rc, char **envp)
{
    for (size_t i = 0; i < r->nheaders; i++)
        for (const char *p = r->headers[i].name; *p != '\0'; p++)
            if ((*p >= 'A' && *p <= 'Z') || *p == '_')
                fail("header name not lower case with dashes");
    for (size_t i = 0; header_names[i] != NULL; i++)
        req_header(r, header_names[i]);
    for (size_t i = 0; query_names[i] != NULL; i++)
        req_query(r, query_names[i]);
    for (size_t i = 0; i < r->nquery; i++)
        if (r->query[i].name == NULL || r->query[i].value == NULL)
            fail("query pair without name or value");
    req_param(envp, "HTTP_HOST");
    req_method_is(r, "POST");
    if (rc == ERR_OK && (r->body_len > FUZZ_BODY_MAX || r->body[r->body_len] != '\0'))
        fail("body over the limit or not NUL-terminated");
    if (rc == ERR_OK && r->body_len > 0)
        req_percent_decode(r->call.arena, r->body, r->body_len);
}

static void
check_response(void)
{
    const char *head_end = strstr(sink_out.buf, "\r\n\r\n");

    if (sink_out.fail) {
        if (sink_out.writes != 1 || sink_out.len != 0)
            fail("response written on after the head failed");
        return;
    }
    if (sink_out.writes == 0 || sink_out.len == 0)
        fail("no response");
    if (strncmp(sink_out.buf, "Status: ", 8) != 0 || head_end == NULL)
        fail("response without a status line or the end of its head");
    if (strstr(sink_out.buf, "\r\nX-Request-Id: ") == NULL)
        fail("response without X-Request-Id");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *envp[FUZZ_MAX_ENV + 1];
    const char *body = NULL;
    size_t body_len = 0;
    struct mem_reader m;
    struct req_source src = {.envp = envp, .read = mem_read, .ctx = &m};
    struct resp_sink null_sink = {.write = null_write, .ctx = NULL};
    struct resp_sink sink = {.write = mem_write, .ctx = &sink_out};
    const char *path = NULL;
    struct req r;
    enum err_code rc;

    if (arena == NULL)
        setup();
    split((const char *)data, size, envp, &body, &body_len);

    m = (struct mem_reader){.data = body, .len = body_len, .chunk = 1 + size % 7};
    req_init(&r, arena, null_sink);
    rc = req_parse(&r, &src, FUZZ_BODY_MAX);
    check_parsed(&r, rc, envp);

    m = (struct mem_reader){.data = body, .len = body_len, .chunk = 1 + size % 7};
    sink_out.len = 0;
    sink_out.writes = 0;
    sink_out.buf[0] = '\0';
    sink_out.fail = req_param(envp, "HTTP_X_FUZZ_SINK_FAIL") != NULL;
    path = req_param(envp, "DOCUMENT_URI");
    server_handle_one(path != NULL && strcmp(path, "/functions/v1/disabled") == 0 ? &disabled_app
                                                                                  : &app,
                      arena, &src, sink);
    check_response();

    arena_reset(arena);
    return 0;
}
