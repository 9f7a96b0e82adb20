/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin: one console action through the admin API or, for bootstrapping, straight to the
 * database (console.h).
 */
#include "console.h"
#include "commands.h"
#include "login.h"
#include "output.h"
#include "rls.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define DEFAULT_API_URL      "http://127.0.0.1:54321"
#define DEFAULT_DATABASE_URL "postgresql://postgres:postgres@127.0.0.1:54322/postgres"
#define API_RESPONSE_MAX     (64L * 1024 * 1024)

static char *
xstrdup(const char *s)
{
    char *copy = strdup(s != NULL ? s : "");

    if (copy == NULL)
        abort();
    return copy;
}

static void fail(struct outcome *out, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct outcome *out, int status, const char *fmt, ...)
{
    va_list ap;
    char buf[1024];

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    out->status = status;
    out->message = xstrdup(buf);
}

void
outcome_free(struct outcome *out)
{
    free(out->body);
    free(out->message);
    out->body = out->message = NULL;
}

/* ---- who and where ---------------------------------------------------------------------- */

char *
console_token(const struct invocation *inv)
{
    const char *env = getenv("FFX_ADMIN_TOKEN");

    if (inv->token_file != NULL)
        return token_read(inv->token_file);
    if (env != NULL && env[0] != '\0')
        return xstrdup(env);
    return token_read_saved();
}

const char *
console_api_url(const struct invocation *inv)
{
    static char saved[2048];
    char *api;

    if (inv->api_url != NULL)
        return inv->api_url;
    if (getenv("FFX_API_URL") != NULL && getenv("FFX_API_URL")[0] != '\0')
        return getenv("FFX_API_URL");
    api = token_saved_api();
    snprintf(saved, sizeof(saved), "%s", api != NULL ? api : DEFAULT_API_URL);
    free(api);
    return saved;
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

/* ---- API mode --------------------------------------------------------------------------- */

struct buffer {
    char *data;
    size_t len;
};

static size_t
on_data(char *ptr, size_t size, size_t n, void *userdata)
{
    struct buffer *b = userdata;
    size_t add = size * n;
    char *grown;

    if (b->len + add > (size_t)API_RESPONSE_MAX)
        return 0;
    grown = realloc(b->data, b->len + add + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + b->len, ptr, add);
    b->data = grown;
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

static CURL *
api_request(const char *url, struct curl_slist *headers, const char *body, struct buffer *b,
            char *errbuf)
{
    CURL *curl = curl_easy_init();
    int bad = curl == NULL;

    if (bad)
        return NULL;
    bad |= curl_easy_setopt(curl, CURLOPT_URL, url) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_USERAGENT, "ffx-admin") != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_WRITEDATA, b) != CURLE_OK;
    if (bad) {
        curl_easy_cleanup(curl);
        return NULL;
    }
    return curl;
}

/* A 400 that is about a file's lines (inventory import), not the command line: the answer is
 * printed as direct mode prints the same refusal, and exits 1 as it does there. */
static int
refused_lines(long http, const cJSON *j)
{
    return http == 400 && cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "success")) &&
           (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "lines")) ||
            cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "errors")));
}

/* The JSON answer of the admin API: the action's object (without "success": true), or its
 * {"success": false, "error": …} as a sentence; 400 is the operator's input. */
static void
api_answer(long http, const char *url, const char *text, struct outcome *out)
{
    cJSON *j = cJSON_Parse(text);
    const char *error = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "error"));

    if (!cJSON_IsObject(j)) {
        fail(out, EXIT_FAILED, "the admin API at %s answered HTTP %ld without JSON", url, http);
    } else if ((http >= 200 && http < 300) || refused_lines(http, j)) {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "success")))
            cJSON_DeleteItemFromObjectCaseSensitive(j, "success");
        out->body = cJSON_PrintUnformatted(j);
        out->status = EXIT_DONE;
    } else {
        fail(out, http == 400 || http == 413 ? EXIT_USAGE : EXIT_FAILED, "%s",
             error != NULL ? error : "the admin API refused the request");
        if (error == NULL)
            fail(out, out->status, "the admin API at %s answered HTTP %ld", url, http);
    }
    cJSON_Delete(j);
}

void
console_post(const char *url, const char *token, const char *body, struct outcome *out)
{
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    struct buffer b = {NULL, 0};
    char errbuf[CURL_ERROR_SIZE] = "", auth[8192];
    const char *type = NULL;
    long http = 0;
    CURL *curl;

    memset(out, 0, sizeof(*out));
    if (token != NULL) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        headers = curl_slist_append(headers, auth);
    }
    curl = api_request(url, headers, body, &b, errbuf);
    if (curl == NULL) {
        fail(out, EXIT_FAILED, "cannot set up an HTTP request to %s", url);
    } else if (curl_easy_perform(curl) != CURLE_OK) {
        fail(out, EXIT_FAILED, "cannot reach the admin API at %s: %s", url,
             errbuf[0] ? errbuf : "no answer");
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
        curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
        if (http >= 200 && http < 300 && type != NULL && strncasecmp(type, "text/csv", 8) == 0) {
            out->body = xstrdup(b.data);
            out->is_csv = 1;
        } else {
            api_answer(http, url, b.data != NULL ? b.data : "", out);
        }
    }
    if (curl != NULL)
        curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    free(b.data);
}

/* POST /functions/v1/admin/<resource>/<verb>: the action's name with its dot made a slash. */
static void
api_call(const struct invocation *inv, const char *token, const char *action, const cJSON *args,
         struct outcome *out)
{
    const char *base = console_api_url(inv);
    size_t n = strlen(base);
    char url[2048];
    char *body = cJSON_PrintUnformatted(args);

    while (n > 0 && base[n - 1] == '/')
        n--;
    snprintf(url, sizeof(url), "%.*s/functions/v1/admin/%s", (int)n, base, action);
    *strrchr(url, '.') = '/';
    console_post(url, token, body, out);
    cJSON_free(body);
}

/* ---- direct mode ------------------------------------------------------------------------ */

/* A connection that failed, as a sentence an operator can act on. */
static void
connect_failure(PGconn *conn, struct outcome *out)
{
    const char *msg = PQerrorMessage(conn);
    const char *host = PQhost(conn) ? PQhost(conn) : "localhost";
    const char *port = PQport(conn) ? PQport(conn) : "5432";

    if (strstr(msg, "authentication failed") != NULL || strstr(msg, "no password") != NULL ||
        strstr(msg, "no pg_hba.conf entry") != NULL)
        fail(out, EXIT_FAILED, "the database at %s:%s refused the login of %s (check DATABASE_URL)",
             host, port, PQuser(conn) ? PQuser(conn) : "?");
    else if (strstr(msg, "does not exist") != NULL)
        fail(out, EXIT_FAILED, "the database at %s:%s has no database %s (check DATABASE_URL)",
             host, port, PQdb(conn) ? PQdb(conn) : "?");
    else
        fail(out, EXIT_FAILED, "cannot reach the database at %s:%s", host, port);
}

static PGconn *
connect_db(struct outcome *out)
{
    const char *const keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *const values[] = {env_or("DATABASE_URL", DEFAULT_DATABASE_URL), "10", "ffx-admin",
                                  NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);

    if (conn == NULL) {
        fail(out, EXIT_FAILED, "out of memory connecting to the database");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        connect_failure(conn, out);
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

/* A statement's failure as one sentence: our FF messages as they are (FF400: EXIT_USAGE), a lost
 * connection by its host, anything else its first line and SQLSTATE. */
static void
statement_failure(PGconn *conn, const PGresult *res, struct outcome *out)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

    if (state != NULL && primary != NULL && strncmp(state, "FF", 2) == 0)
        fail(out, strcmp(state, "FF400") == 0 ? EXIT_USAGE : EXIT_FAILED, "%s", primary);
    else if (state != NULL && primary != NULL)
        fail(out, EXIT_FAILED, "the database refused the action: %.*s (SQLSTATE %s)",
             (int)strcspn(primary, "\n"), primary, state);
    else if (PQstatus(conn) != CONNECTION_OK)
        fail(out, EXIT_FAILED, "lost the connection to the database at %s:%s",
             PQhost(conn) ? PQhost(conn) : "localhost", PQport(conn) ? PQport(conn) : "5432");
    else
        fail(out, EXIT_FAILED, "the database gave no answer (%.*s)",
             (int)strcspn(PQerrorMessage(conn), "\n"), PQerrorMessage(conn));
}

static PGresult *
run(PGconn *conn, const char *sql, int n, const char *const *params, ExecStatusType want,
    struct outcome *out)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);

    if (PQresultStatus(res) != want) {
        statement_failure(conn, res, out);
        PQclear(res);
        return NULL;
    }
    return res;
}

/* service_role, with the OS user as "operator": the audit rows say operator:<user>. */
static char *
operator_claims(void)
{
    cJSON *c = cJSON_CreateObject();
    char *text;

    cJSON_AddStringToObject(c, "role", "service_role");
    cJSON_AddStringToObject(c, "operator", os_user());
    text = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    return text;
}

static int
begin_as_operator(PGconn *conn, struct outcome *out)
{
    const char *prologue[RLS_PROLOGUE_NPARAMS];
    char *claims = operator_claims();
    PGresult *res = run(conn, "BEGIN", 0, NULL, PGRES_COMMAND_OK, out);

    if (res != NULL) {
        PQclear(res);
        rls_prologue_params(prologue, RLS_SERVICE, claims, NULL);
        res = run(conn, rls_prologue_sql, RLS_PROLOGUE_NPARAMS, prologue, PGRES_TUPLES_OK, out);
    }
    PQclear(res);
    cJSON_free(claims);
    return res != NULL ? 0 : -1;
}

static void
direct_call(const char *action, const cJSON *args, struct outcome *out)
{
    PGconn *conn = connect_db(out);
    char *json = cJSON_PrintUnformatted(args);
    PGresult *res = NULL, *done;

    if (conn != NULL && begin_as_operator(conn, out) == 0)
        res = run(conn, "SELECT ffx_internal.console($1, $2::jsonb)::text", 2,
                  (const char *const[]){action, json}, PGRES_TUPLES_OK, out);
    if (res != NULL) {
        done = run(conn, "COMMIT", 0, NULL, PGRES_COMMAND_OK, out);
        if (done != NULL) {
            out->body = xstrdup(PQgetvalue(res, 0, 0));
            out->status = EXIT_DONE;
        }
        PQclear(done);
    }
    PQclear(res);
    cJSON_free(json);
    PQfinish(conn); /* an open transaction is rolled back */
}

/* ---- either ----------------------------------------------------------------------------- */

void
console_call(const struct invocation *inv, const char *action, const cJSON *args,
             struct outcome *out)
{
    char *token = NULL;

    memset(out, 0, sizeof(*out));
    if (inv->direct) {
        fprintf(stderr,
                "ffx-admin: direct mode: connected as service_role; the audit will say "
                "operator:%s\n",
                os_user());
        direct_call(action, args, out);
        return;
    }
    token = console_token(inv);
    if (token == NULL)
        fail(out, EXIT_USAGE,
             "not signed in: run ffx-admin login --link URL, or use --direct on the database "
             "host");
    else
        api_call(inv, token, action, args, out);
    free(token);
}

int
console_run(struct invocation *inv)
{
    struct outcome out;
    int status;

    console_call(inv, inv->cmd->action, inv->args, &out);
    status = output_outcome(inv, &out);
    outcome_free(&out);
    return status;
}
