/* SPDX-License-Identifier: MIT */
/*
 * response.h - writing the one response of a request: a status, a JSON body
 * (or, for the few answers that are not JSON, a body of another type), CORS
 * headers (every response, so browsers can read errors too) and
 * X-Request-Id. A request is answered at most once; later calls are ignored
 * and logged, so a handler bug cannot corrupt the FastCGI stream.
 */
#ifndef FFX_RESPONSE_H
#define FFX_RESPONSE_H

#include "request.h"

#include <cjson/cJSON.h>

/* The headers supabase-js sends (its own four, then the retry counter and the
 * trace headers of newer versions), allowed when a preflight names none. */
#define RESP_CORS_ALLOW_HEADERS                                                                    \
    "authorization, x-client-info, apikey, content-type, x-retry-count, traceparent, "             \
    "tracestate, baggage"
#define RESP_CORS_ALLOW_METHODS "GET, POST, PUT, PATCH, DELETE, OPTIONS"

/* resp_add_header - an extra "Name: value" line for this response. The
 * string must live until the response is written (arena or static). */
void resp_add_header(struct req *r, const char *line);

/* resp_json - serialise body and send it with the given status. */
enum err_code resp_json(struct req *r, int status, const cJSON *body);

/* resp_json_text - send an already serialised JSON body. */
enum err_code resp_json_text(struct req *r, int status, const char *json, size_t n);

/* resp_body - send body[0..n) as content_type (e.g. the Prometheus text
 * format), with the same CORS, request id and cache headers as JSON. */
enum err_code resp_body(struct req *r, int status, const char *content_type, const char *body,
                        size_t n);

/* resp_error - {"success":false,"error":<client message>} for r->err; 5xx
 * add "request_id" so a user can quote it to support. */
enum err_code resp_error(struct req *r);

/* resp_preflight - 204 for an OPTIONS request, CORS headers only. */
enum err_code resp_preflight(struct req *r);

/* resp_status_text - "Not Found" for 404 and so on. */
const char *resp_status_text(int status);

#endif
