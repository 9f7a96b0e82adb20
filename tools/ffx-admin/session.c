/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin: arguments, the operator session and listing output.
 *
 * Every command runs in ONE transaction that first runs the claims-and-role prologue (rls.h)
 * exactly as the functions do per request, so RLS and the SQL functions' caller checks hold:
 * with DATABASE_URL pointing at the NOINHERIT functions role nothing works until the role is set.
 * --as-admin EMAIL (default FFX_ADMIN_EMAIL): the admin's claims as `authenticated` (looked up
 * through admin_identity() in a service_role step; refused unless app_metadata.role is admin).
 * Otherwise: service_role claims carrying "operator" (the OS user), which the audit rows record.
 */
#include "admin.h"
#include "rls.h"

#include <cjson/cJSON.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_DATABASE_URL "postgresql://postgres:postgres@127.0.0.1:54322/postgres"

/* Options that take no value; every other --option takes the next argument. */
static const char *const flags[] = {"--json", "--unmatched", "--admin", "--service-role",
                                    "--anon", "--force",     NULL};

static int
is_flag(const char *arg)
{
    for (int i = 0; flags[i] != NULL; i++)
        if (strcmp(arg, flags[i]) == 0)
            return 1;
    return 0;
}

const char *
opt_value(const struct args *a, const char *name)
{
    for (int i = 0; i + 1 < a->argc; i++)
        if (strcmp(a->argv[i], name) == 0)
            return a->argv[i + 1];
    return NULL;
}

int
opt_flag(const struct args *a, const char *name)
{
    for (int i = 0; i < a->argc; i++)
        if (strcmp(a->argv[i], name) == 0)
            return 1;
    return 0;
}

const char *
positional(const struct args *a, int n)
{
    for (int i = 0; i < a->argc; i++) {
        if (strncmp(a->argv[i], "--", 2) == 0) {
            if (!is_flag(a->argv[i]))
                i++;
            continue;
        }
        if (n-- == 0)
            return a->argv[i];
    }
    return NULL;
}

const char *
env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);

    return v != NULL && v[0] != '\0' ? v : fallback;
}

PGconn *
connect_db(void)
{
    PGconn *conn = PQconnectdb(env_or("DATABASE_URL", DEFAULT_DATABASE_URL));

    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "ffx-admin: could not connect: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

static void
print_error(const PGresult *res, PGconn *conn)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

    if (msg != NULL)
        fprintf(stderr, "ffx-admin: %s\n", msg);
    else
        fprintf(stderr, "ffx-admin: %s", PQerrorMessage(conn));
}

PGresult *
session_query(struct session *s, const char *sql, int n, const char *const *params)
{
    PGresult *res = PQexecParams(s->conn, sql, n, NULL, params, NULL, NULL, 0);

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        print_error(res, s->conn);
        PQclear(res);
        return NULL;
    }
    return res;
}

static int
exec_simple(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

    if (!ok)
        print_error(res, conn);
    PQclear(res);
    return ok ? 0 : -1;
}

static const char *
os_user(void)
{
    const struct passwd *pw = getpwuid(getuid());
    const char *u = getenv("USER");

    if (u != NULL && u[0] != '\0')
        return u;
    return pw != NULL ? pw->pw_name : "unknown";
}

/* The claims-and-role prologue (rls.h); no statement timeout of its own: an operator's command
 * runs under the session's. */
static int
set_identity(struct session *s, const char *claims, enum rls_role role)
{
    const char *prologue[RLS_PROLOGUE_NPARAMS];
    PGresult *res;

    rls_prologue_params(prologue, role, claims, NULL);
    res = session_query(s, rls_prologue_sql, RLS_PROLOGUE_NPARAMS, prologue);
    PQclear(res);
    return res != NULL ? 0 : -1;
}

/* The admin's claims as Supabase Auth would issue them, or NULL (error printed). */
static char *
admin_claims(struct session *s, const char *email)
{
    PGresult *res = session_query(s,
                                  "SELECT id, email, app_metadata, user_metadata, "
                                  "app_metadata->>'role' FROM ffx_internal.admin_identity($1)",
                                  1, (const char *const[]){email});
    cJSON *c;
    char *text = NULL;

    if (res == NULL)
        return NULL;
    if (PQntuples(res) != 1) {
        fprintf(stderr, "ffx-admin: no user %s\n", email);
    } else if (strcmp(PQgetvalue(res, 0, 4), "admin") != 0) {
        fprintf(stderr, "ffx-admin: %s is not an admin (app_metadata.role)\n", email);
    } else {
        c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "sub", PQgetvalue(res, 0, 0));
        cJSON_AddStringToObject(c, "email", PQgetvalue(res, 0, 1));
        cJSON_AddStringToObject(c, "role", "authenticated");
        cJSON_AddStringToObject(c, "aud", "authenticated");
        cJSON_AddItemToObject(c, "app_metadata", cJSON_Parse(PQgetvalue(res, 0, 2)));
        cJSON_AddItemToObject(c, "user_metadata", cJSON_Parse(PQgetvalue(res, 0, 3)));
        cJSON_AddStringToObject(c, "operator", os_user());
        text = cJSON_PrintUnformatted(c);
        cJSON_Delete(c);
    }
    PQclear(res);
    return text;
}

/* --as-admin EMAIL, else FFX_ADMIN_EMAIL; NULL when neither names one. */
static const char *
admin_email(const struct args *a)
{
    const char *email = opt_value(a, "--as-admin");

    if (email == NULL)
        email = getenv("FFX_ADMIN_EMAIL");
    return email != NULL && email[0] != '\0' ? email : NULL;
}

/* service_role, with the OS user as "operator" for the audit rows. */
static int
act_as_operator(struct session *s)
{
    cJSON *svc = cJSON_CreateObject();
    char *claims;
    int rc;

    cJSON_AddStringToObject(svc, "role", "service_role");
    cJSON_AddStringToObject(svc, "operator", os_user());
    claims = cJSON_PrintUnformatted(svc);
    cJSON_Delete(svc);
    rc = set_identity(s, claims, RLS_SERVICE);
    cJSON_free(claims);
    return rc;
}

/* The admin user's claims as authenticated (looked up as the operator). */
static int
act_as_admin(struct session *s, const char *email)
{
    char *claims = admin_claims(s, email);
    int rc;

    if (claims == NULL)
        return -1;
    rc = set_identity(s, claims, RLS_AUTHENTICATED);
    cJSON_free(claims);
    return rc;
}

int
session_open(struct session *s, const struct args *a)
{
    const char *email = admin_email(a);
    int rc;

    s->json = opt_flag(a, "--json");
    s->conn = connect_db();
    if (s->conn == NULL)
        return -1;
    rc = exec_simple(s->conn, "BEGIN");
    if (rc)
        goto out;
    rc = act_as_operator(s);
    if (rc)
        goto out;
    if (email != NULL)
        rc = act_as_admin(s, email);
out:
    if (rc) {
        PQfinish(s->conn);
        s->conn = NULL;
    }
    return rc;
}

int
session_close(struct session *s, int ok)
{
    int rc = exec_simple(s->conn, ok ? "COMMIT" : "ROLLBACK");

    PQfinish(s->conn);
    s->conn = NULL;
    return rc == 0 ? 0 : 1;
}

void
print_table(const PGresult *res)
{
    int cols = PQnfields(res), rows = PQntuples(res);
    size_t *w = calloc((size_t)cols + 1, sizeof(*w));

    if (w == NULL)
        abort();
    for (int c = 0; c < cols; c++) {
        w[c] = strlen(PQfname(res, c));
        for (int r = 0; r < rows; r++)
            if (strlen(PQgetvalue(res, r, c)) > w[c])
                w[c] = strlen(PQgetvalue(res, r, c));
    }
    for (int c = 0; c < cols; c++)
        printf("%s%-*s", c ? "  " : "", (int)w[c], PQfname(res, c));
    printf("\n");
    for (int c = 0; c < cols; c++) {
        printf("%s", c ? "  " : "");
        for (size_t i = 0; i < w[c]; i++)
            putchar('-');
    }
    printf("\n");
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++)
            printf("%s%-*s", c ? "  " : "", (int)w[c], PQgetvalue(res, r, c));
        printf("\n");
    }
    printf("(%d row%s)\n", rows, rows == 1 ? "" : "s");
    free(w);
}

int
session_list(struct session *s, const char *sql, int n, const char *const *params)
{
    char *wrapped = NULL;
    PGresult *res;
    size_t len;

    if (s->json) {
        len = strlen(sql) + 96;
        wrapped = malloc(len);
        if (wrapped == NULL)
            abort();
        snprintf(wrapped, len, "SELECT coalesce(json_agg(t), '[]'::json) FROM (%s) t", sql);
        sql = wrapped;
    }
    res = session_query(s, sql, n, params);
    free(wrapped);
    if (res == NULL)
        return -1;
    if (s->json)
        printf("%s\n", PQgetvalue(res, 0, 0));
    else
        print_table(res);
    PQclear(res);
    return 0;
}

int
run_list(const struct args *a, const char *sql, int n, const char *const *params)
{
    struct session s;
    int rc;

    if (session_open(&s, a) != 0)
        return 1;
    rc = session_list(&s, sql, n, params);
    return session_close(&s, rc == 0) != 0 || rc != 0 ? 1 : 0;
}

/* A function's answer {"success": false, "error": ...}: it ran (committed with its audit row)
 * but did not do what was asked, e.g. a delivery to an unpaid order. Says so on stderr. */
static int
reports_failure(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    const char *error = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "error"));
    int failed = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "success"));

    if (failed)
        fprintf(stderr, "ffx-admin: %s\n", error != NULL ? error : "failed");
    cJSON_Delete(j);
    return failed;
}

int
run_call(const struct args *a, const char *sql, int n, const char *const *params)
{
    struct session s;
    PGresult *res;
    int ok;

    if (session_open(&s, a) != 0)
        return 1;
    res = session_query(&s, sql, n, params);
    ok = res != NULL;
    if (session_close(&s, ok) != 0)
        ok = 0;
    if (ok) {
        printf("%s\n", PQgetvalue(res, 0, 0));
        ok = !reports_failure(PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    return ok ? 0 : 1;
}
