/* SPDX-License-Identifier: MIT */
/*
 * create-order - POST {accountType, accountSize, platformType, discountCode?}
 * with a user's token: 201 {"success":true,"order":{...}}.
 *
 * For deployments without a REST data API. The order is inserted as the
 * user under RLS, through ffx_internal.order_create(); the database sets its id
 * (FFX + 9 digits) and its price from the pricing table and the discount
 * code, whatever a client sends. It refuses a banned or suspended customer
 * (FF403 -> 403), an unavailable product (FF400 -> 400) and, beyond the
 * customer's discount code attempts per hour, any order carrying a code
 * (FF429 -> 429). A refused code is not an SQL error: its attempt must be
 * committed to count against the rate limit, so order_create() answers
 * with the error text instead and this function turns it into the 400.
 */
#include "arena.h"
#include "auth.h"
#include "body.h"
#include "db.h"
#include "json.h"
#include "response.h"
#include "server.h"

#include <string.h>

static const char *const required_fields[] = {"accountType", "accountSize", "platformType", NULL};
static const char *const account_types[] = {"instant", "hft", "one_step", "two_step", NULL};
static const char *const platforms[] = {"mt4", "mt5", NULL};

struct order_request {
    const char *account_type;
    long long account_size;
    const char *platform_type;
    const char *discount_code; /* NULL: none */
};

static enum err_code
read_order_request(struct req *r, struct order_request *o)
{
    cJSON *body = NULL;
    enum err_code rc;

    rc = body_parse(r, &body);
    if (rc)
        return rc;
    rc = body_require_fields(r, body, required_fields);
    if (rc)
        return rc;
    rc = body_field_choice(r, body, "accountType", account_types, &o->account_type);
    if (rc)
        return rc;
    rc = body_field_int(r, body, "accountSize", 1, 100000000, &o->account_size);
    if (rc)
        return rc;
    rc = body_field_choice(r, body, "platformType", platforms, &o->platform_type);
    if (rc)
        return rc;
    return body_field_string(r, body, "discountCode", 64, true, &o->discount_code);
}

/* The order as JSON text, as order_create() built it from the INSERT's
 * RETURNING; a code the database refused is the seed's 400. */
static enum err_code
insert_order(struct req *r, const struct auth_identity *id, const struct order_request *o,
             const char **order)
{
    enum err_code rc;
    PGresult *res = NULL;
    const char *size = arena_sprintf(r->call.arena, "%lld", o->account_size);

    rc = db_single_text(
        &r->call, id->role, id->claims_json, &res,
        "SELECT order_doc, error FROM ffx_internal.order_create($1, $2, $3, $4)", 4,
        (const char *const[]){o->account_type, size, o->platform_type, o->discount_code});
    if (rc)
        return rc;
    if (!PQgetisnull(res, 0, 1))
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "%s", PQgetvalue(res, 0, 1));
    *order = PQgetvalue(res, 0, 0);
    return ERR_OK;
}

static enum err_code
handle_create_order(struct req *r)
{
    struct auth_identity id;
    struct order_request o = {0};
    const char *order = NULL;
    const char *body;
    enum err_code rc;

    rc = auth_require(r, AUTH_USER, &id);
    if (rc)
        return rc;
    rc = read_order_request(r, &o);
    if (rc)
        return rc;
    rc = insert_order(r, &id, &o, &order);
    if (rc)
        return rc;
    body = arena_concat(r->call.arena, "{\"success\":true,\"order\":", order, "}", (char *)NULL);
    return resp_json_text(r, 201, body, strlen(body));
}

static const struct server_module *const modules[] = {&auth_module, NULL};

int
main(void)
{
    static const struct server_app app = {
        .name = "create-order",
        .methods = "POST",
        .modules = modules,
        .uses_db = true,
        .handle = handle_create_order,
    };

    return server_main(&app);
}
