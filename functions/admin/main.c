/* SPDX-License-Identifier: MIT */
/*
 * admin - the operator console's API (docs/CONSOLE.md, "The admin API"):
 *
 *   GET  /functions/v1/admin/<resource>[/<verb>]?k=v   a read action, query as string arguments
 *   POST /functions/v1/admin/<resource>[/<verb>]       any action, a JSON object body
 *   POST /functions/v1/admin/inventory/import          {"csv", "dry_run", "reason"}: parsed here
 *   POST /functions/v1/admin/login                     {"link_id", "secret"} -> a console token
 *
 * Every action is one call of ffx_internal.console(action, args, read_only)
 * under the caller's own role and verified claims, in one round trip; the
 * database decides what the staff role may do and writes the audit row.
 * This function only refuses early what it can decide alone: a path that is
 * no action (404), a caller who is not staff (401/403, before any SQL), a
 * body that is not a JSON object (400) or over 1 MiB (413, the frame).
 * The answer is the action's object with "success": true first; errors keep
 * the seed's {"success":false,"error":"..."} with the FF status.
 */
#include "arena.h"
#include "auth.h"
#include "body.h"
#include "console_token.h"
#include "csv.h"
#include "db.h"
#include "json.h"
#include "jwt.h"
#include "log.h"
#include "response.h"
#include "server.h"

#include <string.h>
#include <time.h>

#define ADMIN_PREFIX   "/functions/v1/admin"
#define ADMIN_BODY_MAX (1024 * 1024)
#define SEGMENT_MAX    64

/* What the path asks for: the login exchange, or an action. */
struct route {
    bool login;
    const char *action; /* "orders.list", or a bare "orders" that console() resolves */
};

/* ---- the path ---- */

static bool
segment_ok(const char *s, size_t n)
{
    if (n == 0 || n > SEGMENT_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            return false;
    return true;
}

/* "/<resource>" or "/<resource>/<verb>" after the prefix, each [a-z_]+;
 * anything else is 404 JSON before credentials are even read. */
static enum err_code
parse_route(struct req *r, struct route *out)
{
    const char *rest = r->path;
    const char *slash;
    size_t n1, n2 = 0;

    memset(out, 0, sizeof(*out));
    if (rest == NULL || strncmp(rest, ADMIN_PREFIX "/", sizeof(ADMIN_PREFIX)) != 0)
        return ERR_SET(&r->call.err, ERR_NOT_FOUND, "Unknown action");
    rest += sizeof(ADMIN_PREFIX);
    slash = strchr(rest, '/');
    n1 = slash ? (size_t)(slash - rest) : strlen(rest);
    if (slash != NULL)
        n2 = strlen(slash + 1);
    if (!segment_ok(rest, n1) || (slash != NULL && !segment_ok(slash + 1, n2)))
        return ERR_SET(&r->call.err, ERR_NOT_FOUND, "Unknown action");
    out->login = slash == NULL && strcmp(rest, "login") == 0;
    out->action = slash == NULL ? arena_strdup(r->call.arena, rest)
                                : arena_sprintf(r->call.arena, "%.*s.%s", (int)n1, rest, slash + 1);
    return ERR_OK;
}

/* ---- the arguments ---- */

/* GET: the query parameters as a JSON object of strings; a repeated name
 * is refused rather than silently reduced to one of its values. */
static enum err_code
query_args(struct req *r, const char **out)
{
    cJSON *args = json_object(r->call.arena);

    for (size_t i = 0; i < r->nquery; i++) {
        if (cJSON_GetObjectItemCaseSensitive(args, r->query[i].name) != NULL)
            return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Repeated query parameter: %.64s",
                           r->query[i].name);
        cJSON_AddStringToObject(args, r->query[i].name, r->query[i].value);
    }
    *out = json_print(r->call.arena, args);
    return ERR_OK;
}

/* inventory/import: {"csv": text, ...} -> {"rows": [...], ...} with the
 * shared parser (common/csv.h); a CSV it cannot read is refused whole, with
 * every bad line, before anything reaches the database. Only for a caller
 * who may import (admin): anyone else's body goes to console() as it is, so
 * the database's 403 comes first, as for every other action. */
static enum err_code
import_args(struct req *r, const struct auth_identity *id, cJSON *body, const char **out)
{
    const cJSON *csv = cJSON_GetObjectItemCaseSensitive(body, "csv");
    cJSON *rows = json_adopt(r->call.arena, cJSON_CreateArray());
    cJSON *errors = json_adopt(r->call.arena, cJSON_CreateArray());
    cJSON *answer;

    *out = r->body;
    if (strcmp(id->staff_role, "admin") != 0)
        return ERR_OK;
    if (!cJSON_IsString(csv))
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "csv is required: the file's text");
    csv_inventory_read(r->call.arena, csv->valuestring, strlen(csv->valuestring), rows, errors);
    if (cJSON_GetArraySize(errors) == 0) {
        cJSON_DeleteItemFromObjectCaseSensitive(body, "csv");
        cJSON_AddItemReferenceToObject(body, "rows", rows);
        *out = json_print(r->call.arena, body);
        return ERR_OK;
    }
    answer = json_object(r->call.arena);
    cJSON_AddFalseToObject(answer, "success");
    cJSON_AddStringToObject(answer, "error",
                            "The CSV has lines that cannot be read: nothing was imported");
    cJSON_AddItemReferenceToObject(answer, "errors", errors);
    ERR_SET(&r->call.err, ERR_BAD_REQUEST, "unreadable CSV");
    resp_json(r, 400, answer);
    return ERR_BAD_REQUEST;
}

/* POST: the body, which must be one JSON object, passed on as its own text
 * so that numbers reach jsonb exactly as sent. */
static enum err_code
body_args(struct req *r, const struct route *route, const struct auth_identity *id,
          const char **out)
{
    cJSON *body = NULL;
    enum err_code rc = body_parse(r, &body);

    if (rc)
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "The body must be a JSON object");
    if (strcmp(route->action, "inventory.import") == 0)
        return import_args(r, id, body, out);
    *out = r->body;
    return ERR_OK;
}

/* ---- the action ---- */

static enum err_code
run_action(struct req *r, const struct auth_identity *id, const char *action, const char *args,
           const char **result)
{
    PGresult *res = NULL;
    bool read_only = req_method_is(r, "GET");
    enum err_code rc =
        db_single_text(&r->call, id->role, id->claims_json, &res,
                       "SELECT ffx_internal.console($1, $2::jsonb, $3::boolean)", 3,
                       (const char *const[]){action, args, read_only ? "true" : "false"});

    if (rc)
        return rc;
    *result = PQgetvalue(res, 0, 0);
    return ERR_OK;
}

/* A file name for Content-Disposition: only [A-Za-z0-9._-], else a default. */
static const char *
safe_filename(struct arena *a, const char *name)
{
    size_t n = name != NULL ? strlen(name) : 0;

    if (n == 0 || n > 100 || name[0] == '.')
        return "finance.csv";
    for (size_t i = 0; i < n; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return "finance.csv";
    }
    return arena_strdup(a, name);
}

/* export.finance with format=csv: the action's "csv" text as a download. */
static bool
wants_csv(const char *action, const char *args, struct arena *a)
{
    cJSON *parsed;

    if (strcmp(action, "export.finance") != 0)
        return false;
    parsed = json_parse(a, args, strlen(args));
    return parsed != NULL && json_string_field(parsed, "format") != NULL &&
           strcmp(json_string_field(parsed, "format"), "csv") == 0;
}

static enum err_code
answer_csv(struct req *r, const char *result)
{
    cJSON *obj = json_parse(r->call.arena, result, strlen(result));
    const char *csv = json_string_field(obj, "csv");

    if (csv == NULL)
        return ERR_SET(&r->call.err, ERR_INTERNAL, "export.finance returned no csv text");
    resp_add_header(
        r, arena_sprintf(r->call.arena, "Content-Disposition: attachment; filename=\"%s\"",
                         safe_filename(r->call.arena, json_string_field(obj, "filename"))));
    return resp_body(r, 200, "text/csv; charset=utf-8", csv, strlen(csv));
}

/* The action's object with "success": true first (jsonb prints "{}" or
 * "{"key": ...}"). An action that refused the whole request without raising
 * (inventory.import with bad lines: the per-line errors are the answer) says
 * "success": false itself: that answer goes out as it is, with 400, since
 * nothing was changed. */
static enum err_code
answer_json(struct req *r, const char *result)
{
    const char *body;

    if (strstr(result, "\"success\"") != NULL) {
        cJSON *obj = json_parse(r->call.arena, result, strlen(result));
        const cJSON *ok = cJSON_GetObjectItemCaseSensitive(obj, "success");

        if (cJSON_IsBool(ok))
            return resp_json_text(r, cJSON_IsTrue(ok) ? 200 : 400, result, strlen(result));
    }
    body = strcmp(result, "{}") == 0
               ? "{\"success\":true}"
               : arena_concat(r->call.arena, "{\"success\":true, ", result + 1, (char *)NULL);
    return resp_json_text(r, 200, body, strlen(body));
}

/* ---- the login exchange ---- */

struct login_request {
    const char *link_id;
    const char *secret;
};

static enum err_code
bad_link(struct req *r)
{
    return ERR_SET(&r->call.err, ERR_UNAUTHORIZED, "This sign-in link is invalid, used or expired");
}

static enum err_code
read_login_request(struct req *r, struct login_request *l)
{
    cJSON *body = NULL;
    enum err_code rc = body_parse(r, &body);

    if (rc)
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "The body must be a JSON object");
    l->link_id = json_string_field(body, "link_id");
    l->secret = json_string_field(body, "secret");
    if (l->link_id == NULL || l->secret == NULL)
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "link_id and secret are required");
    /* a malformed id is a wrong link like any other: the same 401 */
    if (!jwt_is_uuid(l->link_id) || strlen(l->secret) > 200)
        return bad_link(r);
    return ERR_OK;
}

static enum err_code
answer_login(struct req *r, const PGresult *res)
{
    const char *user_id = PQgetvalue(res, 0, 0);
    const char *email = PQgetvalue(res, 0, 1);
    const char *role = PQgetvalue(res, 0, 2);
    const char *token = console_token_mint(r->call.arena, user_id, email, role, time(NULL));
    cJSON *answer = json_object(r->call.arena);
    cJSON *user;

    if (token == NULL)
        return ERR_SET(&r->call.err, ERR_INTERNAL, "could not sign a console token");
    cJSON_AddTrueToObject(answer, "success");
    cJSON_AddStringToObject(answer, "access_token", token);
    cJSON_AddStringToObject(answer, "token_type", "bearer");
    cJSON_AddNumberToObject(answer, "expires_in", CONSOLE_TOKEN_TTL_S);
    user = cJSON_AddObjectToObject(answer, "user");
    cJSON_AddStringToObject(user, "id", user_id);
    cJSON_AddStringToObject(user, "email", email);
    cJSON_AddStringToObject(user, "role", role);
    resp_add_header(r, "Cache-Control: no-store");
    return resp_json(r, 200, answer);
}

/* POST /login: the link is redeemed (once) by the database as
 * service_role, then the token is signed here. */
static enum err_code
handle_login(struct req *r)
{
    struct login_request l = {0};
    PGresult *res = NULL;
    enum err_code rc;

    if (!req_method_is(r, "POST")) {
        resp_add_header(r, "Allow: POST, OPTIONS");
        return ERR_SET(&r->call.err, ERR_METHOD_NOT_ALLOWED, "Method not allowed");
    }
    if (!console_token_ready())
        return ERR_SET(&r->call.err, ERR_UNAVAILABLE,
                       "no console token key (SUPABASE_JWT_SECRET or FFX_CONSOLE_TOKEN_SECRET)");
    rc = read_login_request(r, &l);
    if (rc)
        return rc;
    rc =
        db_single_text(&r->call, RLS_SERVICE, NULL, &res,
                       "SELECT user_id, email, role FROM ffx_internal.admin_login_redeem($1::uuid, "
                       "$2)",
                       2, (const char *const[]){l.link_id, l.secret});
    if (rc == ERR_UNAUTHORIZED || (rc == ERR_OK && PQntuples(res) != 1))
        return bad_link(r);
    if (rc)
        return rc;
    return answer_login(r, res);
}

/* ---- the request ---- */

static enum err_code
handle_admin(struct req *r)
{
    struct route route;
    struct auth_identity id;
    const char *args = NULL;
    const char *result = NULL;
    enum err_code rc;

    rc = parse_route(r, &route);
    if (rc)
        return rc;
    if (route.login)
        return handle_login(r);
    rc = auth_require_staff(r, &id);
    if (rc)
        return rc;
    rc = req_method_is(r, "GET") ? query_args(r, &args) : body_args(r, &route, &id, &args);
    if (rc)
        return rc;
    rc = run_action(r, &id, route.action, args, &result);
    if (rc)
        return rc;
    if (wants_csv(route.action, args, r->call.arena))
        return answer_csv(r, result);
    return answer_json(r, result);
}

static const struct server_module *const modules[] = {&auth_module, &console_token_module, NULL};

int
main(void)
{
    static const struct server_app app = {
        .name = "admin",
        .methods = "GET, POST",
        .modules = modules,
        .uses_db = true,
        .handle = handle_admin,
        .body_max = ADMIN_BODY_MAX,
    };

    return server_main(&app);
}
