/* SPDX-License-Identifier: MIT */
/*
 * err.h - the one error convention: functions that can fail return an
 * enum err_code, 0 (ERR_OK) meaning success, and record what went wrong in a
 * struct err. ERR_SET returns the code, so a failing step is one line:
 *
 *     return ERR_SET(&r->err, ERR_NOT_FOUND, "Order not found");
 *
 * For 4xx codes `msg` is the client message, in the seed's words. For 5xx the
 * client only ever sees a fixed message plus the request id; `msg` and
 * `detail` go to the log. ERR_UPSTREAM is the exception the seed makes: its
 * 500 carries a message we wrote ("NowPayments error: ..."), and so does
 * ERR_PAUSED, the 503 of a service an operator paused on purpose (SQLSTATE
 * FF503, e.g. checkout paused with the operator's message).
 */
#ifndef FFX_ERR_H
#define FFX_ERR_H

enum err_code {
    ERR_OK = 0,
    ERR_BAD_REQUEST,        /* 400 */
    ERR_UNAUTHORIZED,       /* 401 */
    ERR_FORBIDDEN,          /* 403 */
    ERR_NOT_FOUND,          /* 404 */
    ERR_METHOD_NOT_ALLOWED, /* 405 */
    ERR_CONFLICT,           /* 409 */
    ERR_TOO_LARGE,          /* 413 */
    ERR_TOO_MANY_REQUESTS,  /* 429 */
    ERR_INTERNAL,           /* 500, fixed client message */
    ERR_UPSTREAM,           /* 500, client message set by the caller */
    ERR_UNAVAILABLE,        /* 503, e.g. the database is unreachable */
    ERR_PAUSED,             /* 503, client message set by the caller: an operator paused it */
};

struct err {
    enum err_code code;
    char msg[160];    /* client message for 4xx; log only for 5xx */
    char detail[320]; /* log only: SQLSTATE text, libcurl error, ... */
    const char *file;
    int line;
};

enum err_code err_set(struct err *e, enum err_code code, const char *file, int line,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define ERR_SET(e, code, ...) err_set((e), (code), __FILE__, __LINE__, __VA_ARGS__)

/* err_detail - attach log-only detail to an error already set. */
void err_detail(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* err_clear - back to ERR_OK with empty messages. */
void err_clear(struct err *e);

/* err_http_status - the HTTP status for a code (200 for ERR_OK). */
int err_http_status(enum err_code code);

/* err_client_message - what the client may read: msg for 4xx and upstream
 * errors, a fixed text for internal and unavailable errors. */
const char *err_client_message(const struct err *e);

/* err_code_name - stable lower-case name for logs ("not_found"). */
const char *err_code_name(enum err_code code);

#endif
