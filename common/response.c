/* SPDX-License-Identifier: MIT */
/*
 * response.c - CGI-style response headers and a JSON body, written through
 * the request's sink in one piece.
 */
#include "response.h"
#include "arena.h"
#include "json.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    int status;
    const char *text;
} status_texts[] = {
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {409, "Conflict"},
    {413, "Payload Too Large"},
    {429, "Too Many Requests"},
    {500, "Internal Server Error"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
};

const char *
resp_status_text(int status)
{
    for (size_t i = 0; i < sizeof(status_texts) / sizeof(status_texts[0]); i++)
        if (status_texts[i].status == status)
            return status_texts[i].text;
    return "Unknown";
}

void
resp_add_header(struct req *r, const char *line)
{
    if (r->nextra_headers == REQ_MAX_EXTRA_HEADERS) {
        log_event(LOG_ERROR, r->call.request_id, "http", "too many extra headers, dropped one");
        return;
    }
    r->extra_headers[r->nextra_headers++] = line;
}

/* A requested header list is echoed only if it is a plain token list, so a
 * hostile value cannot inject anything into our response headers. */
static const char *
allowed_headers(const struct req *r)
{
    const char *asked = req_header(r, "access-control-request-headers");

    if (asked == NULL || asked[0] == '\0' || strlen(asked) > 1024)
        return RESP_CORS_ALLOW_HEADERS;
    for (const char *p = asked; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == ',' || *p == ' '))
            return RESP_CORS_ALLOW_HEADERS;
    }
    return asked;
}

/* content_type NULL: no body, no Content-Type. Glued, not formatted: this
 * runs for every response. */
static char *
build_head(struct req *r, int status, const char *content_type)
{
    char code[8];
    const char *extra = "";

    snprintf(code, sizeof(code), "%d", status);
    for (size_t i = 0; i < r->nextra_headers; i++)
        extra = arena_concat(r->call.arena, extra, r->extra_headers[i], "\r\n", (char *)NULL);
    return arena_concat(r->call.arena, "Status: ", code, " ", resp_status_text(status),
                        "\r\n"
                        "Access-Control-Allow-Origin: *\r\n"
                        "Access-Control-Allow-Headers: ",
                        allowed_headers(r),
                        "\r\n"
                        "Access-Control-Allow-Methods: " RESP_CORS_ALLOW_METHODS "\r\n"
                        "Access-Control-Expose-Headers: X-Request-Id\r\n"
                        "X-Request-Id: ",
                        r->call.request_id ? r->call.request_id : "",
                        "\r\n"
                        "Cache-Control: no-store\r\n",
                        content_type ? "Content-Type: " : "", content_type ? content_type : "",
                        content_type ? "\r\n" : "", extra, "\r\n", (char *)NULL);
}

static enum err_code
send_response(struct req *r, int status, const char *body, size_t n, const char *content_type)
{
    const char *head;

    if (r->responded) {
        log_event(LOG_ERROR, r->call.request_id, "http", "second response for one request ignored");
        return ERR_OK;
    }
    r->responded = true;
    r->status = status;
    head = build_head(r, status, content_type);
    if (r->sink.write(r->sink.ctx, head, strlen(head)) != 0 ||
        (n > 0 && r->sink.write(r->sink.ctx, body, n) != 0))
        log_event(LOG_WARN, r->call.request_id, "http", "client went away before the response");
    return ERR_OK;
}

enum err_code
resp_json_text(struct req *r, int status, const char *json, size_t n)
{
    return send_response(r, status, json, n, "application/json");
}

enum err_code
resp_body(struct req *r, int status, const char *content_type, const char *body, size_t n)
{
    return send_response(r, status, body, n, content_type);
}

enum err_code
resp_json(struct req *r, int status, const cJSON *body)
{
    char *text = json_print(r->call.arena, body);

    return resp_json_text(r, status, text, strlen(text));
}

enum err_code
resp_error(struct req *r)
{
    int status = err_http_status(r->call.err.code);
    cJSON *body = json_object(r->call.arena);

    cJSON_AddBoolToObject(body, "success", 0);
    cJSON_AddStringToObject(body, "error", err_client_message(&r->call.err));
    if (status >= 500 && r->call.request_id != NULL)
        cJSON_AddStringToObject(body, "request_id", r->call.request_id);
    if (r->call.err.code == ERR_METHOD_NOT_ALLOWED && r->nextra_headers == 0)
        resp_add_header(r, "Allow: OPTIONS");
    return resp_json(r, status, body);
}

enum err_code
resp_preflight(struct req *r)
{
    resp_add_header(r, "Access-Control-Max-Age: 86400");
    return send_response(r, 204, NULL, 0, NULL);
}
