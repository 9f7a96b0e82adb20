/* SPDX-License-Identifier: MIT */
/*
 * request.h - one HTTP request as nginx hands it over FastCGI: method, path,
 * percent-decoded query parameters, headers and a size-capped body.
 *
 * Parsing reads from a struct req_source, so it is tested without FastCGI.
 * Everything a request owns lives in its arena and dies with arena_reset().
 */
#ifndef FFX_REQUEST_H
#define FFX_REQUEST_H

#include "call.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;

struct req_pair {
    const char *name; /* headers: lower case with dashes ("x-request-id") */
    const char *value;
};

/* Where a request comes from: the FastCGI parameters and a body reader that
 * returns the number of bytes read (0 at end of input, <0 on error). */
struct req_source {
    char **envp;
    int (*read)(void *ctx, char *buf, int n);
    void *ctx;
};

/* Where a response goes: returns 0 when all n bytes were written. */
struct resp_sink {
    int (*write)(void *ctx, const char *buf, size_t n);
    void *ctx;
};

#define REQ_MAX_EXTRA_HEADERS 8

struct req {
    /* arena, error, request id and timings: what the modules below the
     * frame see of this request (call.h) */
    struct call call;

    const char *method;
    const char *path;      /* DOCUMENT_URI, already decoded by nginx */
    const char *query_raw; /* QUERY_STRING as received */
    struct req_pair *query;
    size_t nquery;
    struct req_pair *headers;
    size_t nheaders;
    const char *remote_addr; /* REMOTE_ADDR */
    char *body;              /* NUL-terminated; body_len excludes the NUL */
    size_t body_len;

    /* response state */
    struct resp_sink sink;
    bool responded;
    int status;
    const char *extra_headers[REQ_MAX_EXTRA_HEADERS]; /* "Name: value" */
    size_t nextra_headers;
};

/* req_init - an empty request bound to an arena and a response sink; its
 * call starts now. */
void req_init(struct req *r, struct arena *a, struct resp_sink sink);

/* req_parse - fill r from src; r->call.request_id is nginx's $request_id
 * (REQUEST_ID) when it sent one. Reads the body only when CONTENT_LENGTH is at
 * most body_max. Errors (r->err set): 400 for a malformed query string, a
 * malformed CONTENT_LENGTH, a body shorter than announced or a repeated
 * credential header; 413 for a body over body_max (the body is not read). */
enum err_code req_parse(struct req *r, const struct req_source *src, size_t body_max);

/* req_header - value of a header by lower-case name, or NULL. */
const char *req_header(const struct req *r, const char *name);

/* req_query - decoded value of a query parameter, or NULL (first wins). */
const char *req_query(const struct req *r, const char *name);

/* req_param - a raw FastCGI parameter from envp, or NULL. */
const char *req_param(char **envp, const char *name);

/* req_percent_decode - decode %XX and '+' of s[0..n) into the arena; returns
 * NULL for a bad escape or an encoded NUL byte. */
char *req_percent_decode(struct arena *a, const char *s, size_t n);

/* req_method_is - case-sensitive comparison with the request method. */
bool req_method_is(const struct req *r, const char *method);

#endif
