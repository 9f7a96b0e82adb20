/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin's dev-stack helpers: users and tokens (dev.h).
 */
#include "dev.h"
#include "arena.h"
#include "cfg.h"
#include "crypto.h"
#include "jwt.h"

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_DATABASE_URL "postgresql://postgres:postgres@127.0.0.1:54322/postgres"
#define DEFAULT_PUBLIC_URL   "http://127.0.0.1:54321"

static PGconn *
connect_db(void)
{
    PGconn *conn = PQconnectdb(env_or("DATABASE_URL", DEFAULT_DATABASE_URL));

    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "ffx-admin: cannot reach the database at %s:%s\n",
                PQhost(conn) ? PQhost(conn) : "localhost", PQport(conn) ? PQport(conn) : "5432");
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

/* Run one parameterised query expecting rows; prints the error itself. */
static PGresult *
query(PGconn *conn, const char *sql, int n, const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "ffx-admin: %s\n",
                PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                    ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                    : "the database refused the statement");
        PQclear(res);
        return NULL;
    }
    return res;
}

static char *
metadata_json(const char *first, const char *last)
{
    cJSON *meta = cJSON_CreateObject();
    char *text;

    cJSON_AddStringToObject(meta, "first_name", first ? first : "");
    cJSON_AddStringToObject(meta, "last_name", last ? last : "");
    text = cJSON_PrintUnformatted(meta);
    cJSON_Delete(meta);
    return text;
}

int
user_create(struct invocation *inv)
{
    const char *email = args_local(inv, "--email");
    const char *app = args_local_flag(inv, "--admin")
                          ? "{\"provider\":\"email\",\"providers\":[\"email\"],\"role\":\"admin\"}"
                          : "{\"provider\":\"email\",\"providers\":[\"email\"]}";
    char *meta;
    PGconn *conn;
    PGresult *res;
    int status = 1;

    if (email == NULL) {
        fprintf(stderr, "usage: ffx-admin user create --email E [--first-name F] "
                        "[--last-name L] [--admin]\n");
        return 2;
    }
    conn = connect_db();
    if (conn == NULL)
        return 1;
    meta = metadata_json(args_local(inv, "--first-name"), args_local(inv, "--last-name"));
    res = query(conn,
                "INSERT INTO auth.users (id, aud, role, email, raw_app_meta_data,"
                " raw_user_meta_data, email_confirmed_at, created_at, updated_at)"
                " VALUES (gen_random_uuid(), 'authenticated', 'authenticated', $1,"
                " $2::jsonb, $3::jsonb, now(), now(), now()) RETURNING id",
                3, (const char *const[]){email, app, meta});
    if (res != NULL) {
        printf("%s\n", PQgetvalue(res, 0, 0));
        status = 0;
    }
    PQclear(res);
    cJSON_free(meta);
    PQfinish(conn);
    return status;
}

static char *
random_uuid(struct arena *ar)
{
    unsigned char b[16];
    char hex[33];

    if (crypto_random(b, sizeof(b)) != 0)
        abort();
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    crypto_hex(b, sizeof(b), hex);
    return arena_sprintf(ar, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
                         hex + 20);
}

static cJSON *
parse_or_empty(const char *text)
{
    cJSON *j = cJSON_Parse(text);

    return j != NULL ? j : cJSON_CreateObject();
}

/* The claims of a Supabase Auth access token for the user in row 0 of res:
 * id, email, phone, app metadata, user metadata, aud, role, is_anonymous. */
static cJSON *
user_claims(struct arena *ar, const PGresult *res, long long now, long long ttl)
{
    cJSON *c = cJSON_CreateObject();
    cJSON *amr = cJSON_AddArrayToObject(c, "amr");
    cJSON *method = cJSON_CreateObject();

    cJSON_AddStringToObject(
        c, "iss", arena_sprintf(ar, "%s/auth/v1", env_or("FFX_PUBLIC_URL", DEFAULT_PUBLIC_URL)));
    cJSON_AddStringToObject(c, "sub", PQgetvalue(res, 0, 0));
    cJSON_AddStringToObject(c, "aud", PQgetvalue(res, 0, 5));
    cJSON_AddNumberToObject(c, "exp", (double)(now + ttl));
    cJSON_AddNumberToObject(c, "iat", (double)now);
    cJSON_AddStringToObject(c, "email", PQgetvalue(res, 0, 1));
    cJSON_AddStringToObject(c, "phone", PQgetvalue(res, 0, 2));
    cJSON_AddItemToObject(c, "app_metadata", parse_or_empty(PQgetvalue(res, 0, 3)));
    cJSON_AddItemToObject(c, "user_metadata", parse_or_empty(PQgetvalue(res, 0, 4)));
    cJSON_AddStringToObject(c, "role", PQgetvalue(res, 0, 6));
    cJSON_AddStringToObject(c, "aal", "aal1");
    cJSON_AddStringToObject(method, "method", "password");
    cJSON_AddNumberToObject(method, "timestamp", (double)now);
    cJSON_AddItemToArray(amr, method);
    cJSON_AddStringToObject(c, "session_id", random_uuid(ar));
    cJSON_AddBoolToObject(c, "is_anonymous", strcmp(PQgetvalue(res, 0, 7), "t") == 0);
    return c;
}

static cJSON *
lookup_user_claims(struct arena *ar, struct invocation *inv, long long now, long long ttl)
{
    const char *id = args_local(inv, "--user");
    const char *email = args_local(inv, "--email");
    PGconn *conn = connect_db();
    PGresult *res;
    cJSON *claims = NULL;

    if (conn == NULL)
        return NULL;
    res = query(conn,
                "SELECT id, coalesce(email, ''), coalesce(phone, ''),"
                " coalesce(raw_app_meta_data, '{}'), coalesce(raw_user_meta_data, '{}'),"
                " coalesce(aud, 'authenticated'), coalesce(role, 'authenticated'), is_anonymous"
                " FROM auth.users WHERE ($1::text IS NOT NULL AND id::text = $1)"
                " OR ($2::text IS NOT NULL AND lower(email) = lower($2))",
                2, (const char *const[]){id, email});
    if (res != NULL && PQntuples(res) == 1)
        claims = user_claims(ar, res, now, ttl);
    else if (res != NULL)
        fprintf(stderr, "ffx-admin: no such user\n");
    PQclear(res);
    PQfinish(conn);
    return claims;
}

static cJSON *
key_claims(const char *role, long long now, long long ttl)
{
    cJSON *c = cJSON_CreateObject();

    cJSON_AddStringToObject(c, "iss", "supabase-demo");
    cJSON_AddStringToObject(c, "role", role);
    cJSON_AddNumberToObject(c, "iat", (double)now);
    cJSON_AddNumberToObject(c, "exp", (double)(now + ttl));
    return c;
}

int
token(struct invocation *inv)
{
    const char *ttl_text = args_local(inv, "--ttl");
    char *end = NULL;
    long long ttl = ttl_text ? strtoll(ttl_text, &end, 10) : 3600;
    long long now = (long long)time(NULL);
    struct arena *ar;
    cJSON *claims;
    int status = 1;

    if ((ttl_text != NULL && (*end != '\0' || ttl < 1 || ttl > 10LL * 365 * 86400)) ||
        !(args_local(inv, "--user") || args_local(inv, "--email") ||
          args_local_flag(inv, "--service-role") || args_local_flag(inv, "--anon"))) {
        fprintf(stderr, "usage: ffx-admin token (--user ID | --email E | --service-role | "
                        "--anon) [--ttl SECONDS]\n");
        return 2;
    }
    ar = arena_create(4096);
    if (args_local_flag(inv, "--service-role") || args_local_flag(inv, "--anon"))
        claims = key_claims(args_local_flag(inv, "--anon") ? "anon" : "service_role", now, ttl);
    else
        claims = lookup_user_claims(ar, inv, now, ttl);
    if (claims != NULL) {
        printf("%s\n",
               jwt_sign_hs256(ar, env_or("SUPABASE_JWT_SECRET", CFG_DEV_JWT_SECRET), claims));
        status = 0;
    }
    cJSON_Delete(claims);
    arena_destroy(ar);
    return status;
}
