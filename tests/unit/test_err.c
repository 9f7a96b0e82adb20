/* SPDX-License-Identifier: MIT */
#include "err.h"
#include "check.h"

static const struct {
    enum err_code code;
    int status;
    const char *msg;    /* what ERR_SET was given */
    const char *client; /* what the client may read */
} cases[] = {
    {ERR_OK, 200, "", ""},
    {ERR_BAD_REQUEST, 400, "Missing required parameters: orderId and userId",
     "Missing required parameters: orderId and userId"},
    {ERR_UNAUTHORIZED, 401, "Unauthorized", "Unauthorized"},
    {ERR_FORBIDDEN, 403, "Unauthorized", "Unauthorized"},
    {ERR_NOT_FOUND, 404, "Order not found", "Order not found"},
    {ERR_METHOD_NOT_ALLOWED, 405, "Method not allowed", "Method not allowed"},
    {ERR_CONFLICT, 409, "Conflict", "Conflict"},
    {ERR_TOO_LARGE, 413, "Payload too large", "Payload too large"},
    {ERR_TOO_MANY_REQUESTS, 429, "Too many discount code attempts",
     "Too many discount code attempts"},
    {ERR_INTERNAL, 500, "could not parse row 3 of users", "Internal server error"},
    {ERR_UPSTREAM, 500, "NowPayments error: Invalid currency",
     "NowPayments error: Invalid currency"},
    {ERR_UNAVAILABLE, 503, "connection refused at 10.0.0.5", "Service unavailable"},
    {ERR_PAUSED, 503, "Payments are paused for maintenance", "Payments are paused for maintenance"},
};

int
main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct err e;

        err_clear(&e);
        CHECK_INTEQ(ERR_SET(&e, cases[i].code, "%s", cases[i].msg), cases[i].code);
        CHECK_INTEQ(err_http_status(e.code), cases[i].status);
        CHECK_STREQ(err_client_message(&e), cases[i].client);
        CHECK(e.line > 0 && e.file != NULL);
    }
    {
        struct err e;

        ERR_SET(&e, ERR_INTERNAL, "x");
        err_detail(&e, "sqlstate=%s", "XX000");
        CHECK_STREQ(e.detail, "sqlstate=XX000");
        ERR_SET(&e, ERR_BAD_REQUEST, "y"); /* a new error starts without old detail */
        CHECK_STREQ(e.detail, "");
    }
    CHECK_INTEQ(err_http_status((enum err_code)99), 500);
    CHECK_STREQ(err_code_name(ERR_NOT_FOUND), "not_found");
    return check_done();
}
