/* SPDX-License-Identifier: MIT */
/*
 * err.c - error codes, their HTTP statuses and client-facing messages.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    int status;
    const char *name;
    const char *fixed_message; /* NULL: the caller's msg is shown */
} codes[] = {
    [ERR_OK] = {200, "ok", NULL},
    [ERR_BAD_REQUEST] = {400, "bad_request", NULL},
    [ERR_UNAUTHORIZED] = {401, "unauthorized", NULL},
    [ERR_FORBIDDEN] = {403, "forbidden", NULL},
    [ERR_NOT_FOUND] = {404, "not_found", NULL},
    [ERR_METHOD_NOT_ALLOWED] = {405, "method_not_allowed", NULL},
    [ERR_CONFLICT] = {409, "conflict", NULL},
    [ERR_TOO_LARGE] = {413, "too_large", NULL},
    [ERR_TOO_MANY_REQUESTS] = {429, "too_many_requests", NULL},
    [ERR_INTERNAL] = {500, "internal", "Internal server error"},
    [ERR_UPSTREAM] = {500, "upstream", NULL},
    [ERR_UNAVAILABLE] = {503, "unavailable", "Service unavailable"},
    [ERR_PAUSED] = {503, "paused", NULL},
};

#define NCODES (sizeof(codes) / sizeof(codes[0]))

enum err_code
err_set(struct err *e, enum err_code code, const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    e->code = code;
    e->file = file;
    e->line = line;
    e->detail[0] = '\0';
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return code;
}

void
err_detail(struct err *e, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
    va_end(ap);
}

void
err_clear(struct err *e)
{
    memset(e, 0, sizeof(*e));
}

int
err_http_status(enum err_code code)
{
    return (size_t)code < NCODES ? codes[code].status : 500;
}

const char *
err_client_message(const struct err *e)
{
    if ((size_t)e->code >= NCODES)
        return "Internal server error";
    if (codes[e->code].fixed_message != NULL)
        return codes[e->code].fixed_message;
    return e->msg;
}

const char *
err_code_name(enum err_code code)
{
    return (size_t)code < NCODES ? codes[code].name : "unknown";
}
