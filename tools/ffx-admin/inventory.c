/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin inventory: import (CSV, all or nothing through admin_inventory_import), report (the
 * seed's availability report), list (never passwords), disable/enable (audited).
 */
#include "admin.h"
#include "arena.h"
#include "csv.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_FILE_MAX (16 * 1024 * 1024)

static void
add_error(cJSON *errors, int line, const char *msg)
{
    cJSON *e = cJSON_CreateObject();

    cJSON_AddNumberToObject(e, "line", line);
    cJSON_AddStringToObject(e, "error", msg);
    cJSON_AddItemToArray(errors, e);
}

/* Read the CSV into rows for admin_inventory_import with the parser the admin function uses
 * (common/csv.h); structural problems go to errors. */
static int
read_csv(const char *path, cJSON *rows, cJSON *errors)
{
    FILE *f = fopen(path, "rb");
    struct arena *ar;
    char *text;
    size_t n;

    if (f == NULL) {
        perror(path);
        return -1;
    }
    ar = arena_create(64 * 1024);
    text = arena_alloc(ar, CSV_FILE_MAX + 1);
    n = fread(text, 1, CSV_FILE_MAX + 1, f);
    fclose(f);
    if (n > CSV_FILE_MAX) {
        fprintf(stderr, "ffx-admin: %s is larger than 16 MiB\n", path);
        arena_destroy(ar);
        return -1;
    }
    csv_inventory_read(ar, text, n, rows, errors);
    arena_destroy(ar);
    return 0;
}

static int
error_line_cmp(const void *x, const void *y)
{
    const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;

    return cJSON_GetObjectItem(a, "line")->valueint - cJSON_GetObjectItem(b, "line")->valueint;
}

static void
print_errors(cJSON *errors)
{
    int n = cJSON_GetArraySize(errors);
    cJSON **v = calloc((size_t)n + 1, sizeof(*v));

    if (v == NULL)
        abort();
    for (int i = 0; i < n; i++)
        v[i] = cJSON_GetArrayItem(errors, i);
    qsort(v, (size_t)n, sizeof(*v), error_line_cmp);
    for (int i = 0; i < n; i++)
        fprintf(stderr, "line %d: %s\n", cJSON_GetObjectItem(v[i], "line")->valueint,
                cJSON_GetStringValue(cJSON_GetObjectItem(v[i], "error")));
    fprintf(stderr, "ffx-admin: %d bad row%s, nothing imported\n", n, n == 1 ? "" : "s");
    free(v);
}

int
cmd_inventory_import(const struct args *a)
{
    const char *path = positional(a, 0);
    cJSON *rows = cJSON_CreateArray(), *errors = cJSON_CreateArray(), *out = NULL;
    struct session s;
    PGresult *res = NULL;
    char *text = NULL;
    int status = 1, ok = 0;

    if (path == NULL) {
        fprintf(stderr, "usage: ffx-admin inventory import FILE.csv [--reason R]\n");
        status = 2;
        goto out;
    }
    if (read_csv(path, rows, errors) != 0)
        goto out;
    if (cJSON_GetArraySize(rows) == 0 && cJSON_GetArraySize(errors) == 0)
        add_error(errors, 1, "no rows");
    if (session_open(&s, a) != 0)
        goto out;
    if (cJSON_GetArraySize(rows) > 0) {
        text = cJSON_PrintUnformatted(rows);
        res = session_query(&s, "SELECT ffx_internal.admin_inventory_import($1::jsonb, $2)", 2,
                            (const char *const[]){text, opt_value(a, "--reason")});
        if (res == NULL) {
            session_close(&s, 0);
            goto out;
        }
        out = cJSON_Parse(PQgetvalue(res, 0, 0));
        cJSON *e, *sqlerr = cJSON_GetObjectItem(out, "errors");

        cJSON_ArrayForEach(e, sqlerr)
            add_error(errors, cJSON_GetObjectItem(e, "line")->valueint,
                      cJSON_GetStringValue(cJSON_GetObjectItem(e, "error")));
    }
    if (cJSON_GetArraySize(errors) > 0) {
        session_close(&s, 0);
        print_errors(errors);
        goto out;
    }
    ok = 1;
    if (session_close(&s, ok) != 0)
        goto out;
    if (s.json)
        printf("{\"imported\":%d,\"delivered\":%d}\n",
               cJSON_GetObjectItem(out, "imported")->valueint,
               cJSON_GetObjectItem(out, "delivered")->valueint);
    else
        printf("imported %d accounts; %d waiting orders delivered\n",
               cJSON_GetObjectItem(out, "imported")->valueint,
               cJSON_GetObjectItem(out, "delivered")->valueint);
    status = 0;
out:
    PQclear(res);
    cJSON_free(text);
    cJSON_Delete(out);
    cJSON_Delete(rows);
    cJSON_Delete(errors);
    return status;
}

int
cmd_inventory_report(const struct args *a)
{
    return run_list(a,
                    "SELECT account_size AS size, platform_type AS platform, count(*) AS total,"
                    " count(*) FILTER (WHERE status = 'available') AS available,"
                    " count(*) FILTER (WHERE status = 'delivered') AS delivered,"
                    " count(*) FILTER (WHERE status = 'disabled') AS disabled"
                    " FROM account_container GROUP BY account_size, platform_type"
                    " ORDER BY account_size, platform_type",
                    0, NULL);
}

int
cmd_inventory_list(const struct args *a)
{
    return run_list(
        a,
        "SELECT id, account_size AS size, platform_type AS platform, server_name AS server,"
        " login_id AS login, status, reserved_for_order_id AS order_id, created_at"
        " FROM account_container"
        " WHERE ($1::text IS NULL OR status = $1)"
        " AND ($2::text IS NULL OR account_size = $2::integer)"
        " AND ($3::text IS NULL OR platform_type = lower($3))"
        " ORDER BY account_size, platform_type, created_at, id",
        3,
        (const char *const[]){opt_value(a, "--status"), opt_value(a, "--size"),
                              opt_value(a, "--platform")});
}

static int
set_status(const struct args *a, const char *to, const char *verb)
{
    const char *id = positional(a, 0), *reason = opt_value(a, "--reason");

    if (id == NULL || reason == NULL) {
        fprintf(stderr, "usage: ffx-admin inventory %s ID --reason R\n", verb);
        return 2;
    }
    return run_call(a, "SELECT ffx_internal.admin_inventory_set_status($1::uuid, $2, $3)", 3,
                    (const char *const[]){id, to, reason});
}

int
cmd_inventory_disable(const struct args *a)
{
    return set_status(a, "disabled", "disable");
}

int
cmd_inventory_enable(const struct args *a)
{
    return set_status(a, "available", "enable");
}
