/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin inventory import (inventory.h): the CSV file read here in direct mode, sent as it is
 * to the admin API (which parses it with the same reader) in API mode.
 */
#include "inventory.h"
#include "arena.h"
#include "console.h"
#include "csv.h"
#include "output.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
add_error(cJSON *errors, int line, const char *msg)
{
    cJSON *e = cJSON_CreateObject();

    cJSON_AddNumberToObject(e, "line", line);
    cJSON_AddStringToObject(e, "error", msg);
    cJSON_AddItemToArray(errors, e);
}

static void
print_errors(cJSON *errors)
{
    const cJSON *e;
    int n = cJSON_GetArraySize(errors);

    cJSON_ArrayForEach(e, errors)
        fprintf(stderr, "line %d: %s\n", cJSON_GetObjectItem(e, "line")->valueint,
                cJSON_GetStringValue(cJSON_GetObjectItem(e, "error")));
    fprintf(stderr, "ffx-admin: %d bad row%s, nothing imported\n", n, n == 1 ? "" : "s");
}

/* The file's whole text, or NULL (reason on stderr); malloc'd. */
static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0;
    FILE *mem;

    if (f == NULL) {
        fprintf(stderr, "ffx-admin: cannot read %s\n", path);
        return NULL;
    }
    mem = open_memstream(&text, &len);
    if (mem == NULL)
        abort();
    for (int c; (c = getc(f)) != EOF;)
        putc(c, mem);
    fclose(mem);
    fclose(f);
    return text;
}

/* Direct mode: the rows (each with its line number) for the action, read with the admin
 * function's parser (common/csv.h); the file's structural mistakes stop it here. */
static int
rows_argument(struct invocation *inv, const char *text)
{
    struct arena *ar = arena_create(64 * 1024);
    cJSON *rows = cJSON_CreateArray(), *errors = cJSON_CreateArray();

    csv_inventory_read(ar, text, strlen(text), rows, errors);
    arena_destroy(ar);
    if (cJSON_GetArraySize(rows) == 0 && cJSON_GetArraySize(errors) == 0)
        add_error(errors, 1, "no rows");
    if (cJSON_GetArraySize(errors) > 0) {
        print_errors(errors);
        cJSON_Delete(rows);
        cJSON_Delete(errors);
        return EXIT_FAILED;
    }
    cJSON_AddItemToObject(inv->args, "rows", rows);
    cJSON_Delete(errors);
    return EXIT_DONE;
}

int
inventory_import(struct invocation *inv)
{
    char *path = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(inv->args, "file")));
    char *text;
    int status = EXIT_FAILED;

    if (path == NULL)
        abort();
    cJSON_DeleteItemFromObject(inv->args, "file");
    if ((text = slurp(path)) != NULL) {
        if (inv->direct) {
            status = rows_argument(inv, text);
        } else {
            cJSON_AddStringToObject(inv->args, "csv", text);
            status = EXIT_DONE;
        }
        free(text);
    }
    free(path);
    return status == EXIT_DONE ? console_run(inv) : status;
}
