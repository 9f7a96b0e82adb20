/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin inventory import (inventory.h): the CSV file read here in direct mode, sent as it is
 * to the admin API (which parses it with the same reader) in API mode.
 */
#include "inventory.h"
#include "console.h"
#include "output.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CSV_COLUMNS 6

static const char *const csv_header[CSV_COLUMNS] = {"size",  "platform", "server",
                                                    "login", "password", "investor_password"};

/* Split one CSV line (RFC 4180 quoting, no embedded newlines) into at most max fields, in
 * place. Returns the number of fields, or -1 on a malformed quote. */
static int
csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;

    for (;;) {
        char *out = p, *start = p;

        if (n == max)
            return max + 1;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0')
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *out++ = *p++;
                }
            }
            if (*p != ',' && *p != '\0')
                return -1;
        } else {
            while (*p != ',' && *p != '\0')
                p++;
            out = p;
        }
        fields[n++] = start;
        if (*p == '\0') {
            *out = '\0';
            return n;
        }
        *out = '\0';
        p++;
    }
}

static void
chomp(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

static int
blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

static void
add_error(cJSON *errors, int line, const char *msg)
{
    cJSON *e = cJSON_CreateObject();

    cJSON_AddNumberToObject(e, "line", line);
    cJSON_AddStringToObject(e, "error", msg);
    cJSON_AddItemToArray(errors, e);
}

/* Read the CSV into rows for admin_inventory_import; structural problems go to errors. */
static int
read_csv(const char *path, cJSON *rows, cJSON *errors)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, header = 0;

    if (f == NULL) {
        perror(path);
        return -1;
    }
    while (getline(&line, &cap, f) != -1) {
        char *fields[CSV_COLUMNS + 1];
        int n;

        lineno++;
        chomp(line);
        if (lineno == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
            memmove(line, line + 3, strlen(line + 3) + 1); /* a UTF-8 BOM (spreadsheets) */
        if (blank(line))
            continue;
        n = csv_split(line, fields, CSV_COLUMNS);
        if (!header) {
            header = 1;
            for (int i = 0; i < CSV_COLUMNS; i++)
                if (n != CSV_COLUMNS || strcasecmp(fields[i], csv_header[i]) != 0) {
                    add_error(
                        errors, lineno,
                        "header must be size,platform,server,login,password,investor_password");
                    break;
                }
            continue;
        }
        if (n != CSV_COLUMNS) {
            add_error(errors, lineno, n < 0 ? "malformed quoting" : "expected 6 fields");
            continue;
        }
        cJSON *r = cJSON_CreateObject();

        cJSON_AddNumberToObject(r, "line", lineno);
        for (int i = 0; i < CSV_COLUMNS; i++)
            cJSON_AddStringToObject(r, csv_header[i], fields[i]);
        cJSON_AddItemToArray(rows, r);
    }
    free(line);
    fclose(f);
    if (!header)
        add_error(errors, 1, "empty file");
    return 0;
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

/* Direct mode: the rows (each with its line number) for the action; the file's structural
 * mistakes stop it here. */
static int
rows_argument(struct invocation *inv, const char *path)
{
    cJSON *rows = cJSON_CreateArray(), *errors = cJSON_CreateArray();

    if (read_csv(path, rows, errors) != 0) {
        cJSON_Delete(rows);
        cJSON_Delete(errors);
        return EXIT_FAILED;
    }
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
    if (inv->direct) {
        status = rows_argument(inv, path);
    } else if ((text = slurp(path)) != NULL) {
        cJSON_AddStringToObject(inv->args, "csv", text);
        free(text);
        status = EXIT_DONE;
    }
    free(path);
    return status == EXIT_DONE ? console_run(inv) : status;
}
