/* SPDX-License-Identifier: MIT */
/* The SQLSTATE table; the connection itself is tested against a real server
 * by the integration suite. */
#include "check.h"
#include "db.h"

static const struct {
    const char *sqlstate;
    enum err_code want;
} cases[] = {
    {"23505", ERR_CONFLICT},     {"23503", ERR_CONFLICT},    {"23514", ERR_BAD_REQUEST},
    {"23502", ERR_BAD_REQUEST},  {"22P02", ERR_BAD_REQUEST}, {"22001", ERR_BAD_REQUEST},
    {"42501", ERR_FORBIDDEN},    {"40001", ERR_UNAVAILABLE}, {"40P01", ERR_UNAVAILABLE},
    {"57014", ERR_UNAVAILABLE},  {"57P01", ERR_UNAVAILABLE}, {"08006", ERR_UNAVAILABLE},
    {"53300", ERR_UNAVAILABLE},  {"FF400", ERR_BAD_REQUEST}, {"FF403", ERR_FORBIDDEN},
    {"FF404", ERR_NOT_FOUND},    {"FF409", ERR_CONFLICT},    {"FF429", ERR_TOO_MANY_REQUESTS},
    {"FF401", ERR_UNAUTHORIZED}, {"FF503", ERR_PAUSED},      {"FF500", ERR_INTERNAL},
    {"42P01", ERR_INTERNAL},     {"XX000", ERR_INTERNAL},    {NULL, ERR_INTERNAL},
};

int
main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_INTEQ(db_sqlstate_code(cases[i].sqlstate), cases[i].want);
    CHECK_STREQ(rls_role_name(RLS_ANON), "anon");
    CHECK_STREQ(rls_role_name(RLS_AUTHENTICATED), "authenticated");
    CHECK_STREQ(rls_role_name(RLS_SERVICE), "service_role");
    CHECK(!db_connected());
    return check_done();
}
