/* SPDX-License-Identifier: MIT */
/*
 * request.c - turning FastCGI parameters and stdin into a struct req.
 */
#include "request.h"
#include "arena.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Headers whose repetition is an attack or a bug, never a legitimate use:
 * two credentials or two signatures would make "which one did we check?"
 * ambiguous between nginx, this code and a later reader of the log. */
static const char *const single_headers[] = {
    "authorization",
    "apikey",
    "x-nowpayments-sig",
    NULL,
};

void
req_init(struct req *r, struct arena *a, struct resp_sink sink)
{
    memset(r, 0, sizeof(*r));
    call_init(&r->call, a, NULL);
    r->sink = sink;
    r->method = "";
    r->path = "";
    r->query_raw = "";
    r->body = arena_alloc(a, 1);
}

const char *
req_param(char **envp, const char *name)
{
    size_t n = strlen(name);

    for (char **e = envp; e != NULL && *e != NULL; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *
req_percent_decode(struct arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = n - i >= 3 ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = n - i >= 3 ? hexval((unsigned char)s[i + 2]) : -1;

            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return NULL;
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static enum err_code
parse_query(struct req *r)
{
    const char *q = r->query_raw;
    size_t cap = 1;

    for (const char *p = q; *p != '\0'; p++)
        cap += (*p == '&');
    r->query = arena_alloc(r->call.arena, cap * sizeof(*r->query));
    while (*q != '\0') {
        size_t len = strcspn(q, "&");
        const char *eq = memchr(q, '=', len);
        size_t klen = eq ? (size_t)(eq - q) : len;

        if (len > 0) {
            struct req_pair *p = &r->query[r->nquery];

            p->name = req_percent_decode(r->call.arena, q, klen);
            p->value = eq ? req_percent_decode(r->call.arena, eq + 1, len - klen - 1) : "";
            if (p->name == NULL || p->value == NULL)
                return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Invalid query string");
            r->nquery++;
        }
        q += len + (q[len] == '&');
    }
    return ERR_OK;
}

/* "HTTP_X_REQUEST_ID" -> "x-request-id"; CONTENT_TYPE/LENGTH are headers too. */
static const char *
header_name(struct arena *a, const char *var, size_t n)
{
    char *name;

    /* nginx sends the body headers twice, as CONTENT_* and HTTP_CONTENT_*;
     * the CONTENT_* ones are what it acted on. */
    if (n >= 13 && strncmp(var, "HTTP_CONTENT_", 13) == 0 &&
        ((n == 17 && strncmp(var + 13, "TYPE", 4) == 0) ||
         (n == 19 && strncmp(var + 13, "LENGTH", 6) == 0)))
        return NULL;
    if (n > 5 && strncmp(var, "HTTP_", 5) == 0) {
        var += 5;
        n -= 5;
    } else if (!((n == 12 && strncmp(var, "CONTENT_TYPE", 12) == 0) ||
                 (n == 14 && strncmp(var, "CONTENT_LENGTH", 14) == 0))) {
        return NULL;
    }
    name = arena_strndup(a, var, n);
    for (char *p = name; *p != '\0'; p++)
        *p = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
    return name;
}

static bool
must_be_single(const char *name)
{
    for (size_t i = 0; single_headers[i] != NULL; i++)
        if (strcmp(name, single_headers[i]) == 0)
            return true;
    return false;
}

static enum err_code
parse_headers(struct req *r, char **envp)
{
    size_t cap = 0;

    for (char **e = envp; e != NULL && *e != NULL; e++)
        cap++;
    r->headers = arena_alloc(r->call.arena, (cap + 1) * sizeof(*r->headers));
    for (char **e = envp; e != NULL && *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        const char *name = eq ? header_name(r->call.arena, *e, (size_t)(eq - *e)) : NULL;

        if (name == NULL)
            continue;
        if (req_header(r, name) != NULL) {
            if (must_be_single(name))
                return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Duplicate header: %s", name);
            continue; /* first one wins, as with query parameters */
        }
        r->headers[r->nheaders].name = name;
        r->headers[r->nheaders].value = eq + 1;
        r->nheaders++;
    }
    return ERR_OK;
}

/* Strict decimal: digits only, no sign, no spaces, no overflow. */
static int
parse_length(const char *s, size_t *out)
{
    size_t v = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (SIZE_MAX - 9) / 10)
            return -1;
        v = v * 10 + (size_t)(*s - '0');
    }
    *out = v;
    return 0;
}

static enum err_code
read_body(struct req *r, const struct req_source *src, size_t body_max)
{
    const char *cl = req_param(src->envp, "CONTENT_LENGTH");
    size_t want = 0;
    size_t got = 0;

    /* Missing or empty CONTENT_LENGTH means no body: nginx always sets it when
     * there is one (it buffers chunked bodies before passing them on). */
    if (cl == NULL || cl[0] == '\0')
        return ERR_OK;
    if (parse_length(cl, &want) != 0)
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Invalid Content-Length");
    if (want > body_max)
        return ERR_SET(&r->call.err, ERR_TOO_LARGE, "Payload too large");
    r->body = arena_alloc(r->call.arena, want + 1);
    while (got < want) {
        int n = src->read(src->ctx, r->body + got, (int)(want - got));

        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < want)
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Request body shorter than Content-Length");
    r->body[want] = '\0';
    r->body_len = want;
    return ERR_OK;
}

static const char *
param_or(char **envp, const char *name, const char *fallback)
{
    const char *v = req_param(envp, name);

    return v != NULL ? v : fallback;
}

enum err_code
req_parse(struct req *r, const struct req_source *src, size_t body_max)
{
    enum err_code rc;

    r->method = param_or(src->envp, "REQUEST_METHOD", "");
    r->path = param_or(src->envp, "DOCUMENT_URI", param_or(src->envp, "SCRIPT_NAME", ""));
    r->query_raw = param_or(src->envp, "QUERY_STRING", "");
    r->remote_addr = param_or(src->envp, "REMOTE_ADDR", "");
    r->call.request_id = req_param(src->envp, "REQUEST_ID");
    rc = parse_headers(r, src->envp);
    if (rc)
        return rc;
    rc = parse_query(r);
    if (rc)
        return rc;
    return read_body(r, src, body_max);
}

static const char *
find_pair(const struct req_pair *pairs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(pairs[i].name, name) == 0)
            return pairs[i].value;
    return NULL;
}

const char *
req_header(const struct req *r, const char *name)
{
    return find_pair(r->headers, r->nheaders, name);
}

const char *
req_query(const struct req *r, const char *name)
{
    return find_pair(r->query, r->nquery, name);
}

bool
req_method_is(const struct req *r, const char *method)
{
    return strcmp(r->method, method) == 0;
}
