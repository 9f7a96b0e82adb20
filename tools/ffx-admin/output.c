/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin's output (output.h).
 */
/* wcwidth() is X/Open; the build defines only _POSIX_C_SOURCE. */
#define _XOPEN_SOURCE 700
#include "output.h"
#include "commands.h"

#include <cjson/cJSON.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

void
output_use_utf8(void)
{
    const char *cs;

    if (setlocale(LC_CTYPE, "") != NULL) {
        cs = nl_langinfo(CODESET);
        if (cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0))
            return;
    }
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        setlocale(LC_CTYPE, "C.utf8");
}

size_t
output_display_width(const char *s)
{
    mbstate_t st;
    size_t width = 0, len = strlen(s), n;
    wchar_t wc;
    int w;

    memset(&st, 0, sizeof(st));
    while (len > 0) {
        n = mbrtowc(&wc, s, len, &st);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            memset(&st, 0, sizeof(st));
            n = 1;
            w = 1;
        } else {
            w = wcwidth(wc);
            if (w < 0)
                w = 1; /* a control character: printed as a space */
        }
        width += (size_t)w;
        s += n;
        len -= n;
    }
    return width;
}

/* A cell's text: strings as they are, null empty, anything else as compact JSON; malloc'd.
 * Control characters become spaces so that a value cannot break its row. */
static char *
cell_text(const cJSON *v)
{
    char *text;

    if (v == NULL || cJSON_IsNull(v))
        text = strdup("");
    else if (cJSON_IsString(v))
        text = strdup(v->valuestring);
    else
        text = cJSON_PrintUnformatted(v);
    if (text == NULL)
        abort();
    for (char *p = text; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return text;
}

static void
print_padded(const char *s, size_t width, int last)
{
    size_t w = output_display_width(s);

    fputs(s, stdout);
    if (!last)
        for (; w < width; w++)
            putchar(' ');
}

/* ---- tables ----------------------------------------------------------------------------- */

struct table {
    int cols, rows;
    const char **names;
    char **cells; /* rows x cols */
    size_t *width;
};

/* Columns: every key of the rows' objects, in order of first appearance. */
static int
column_of(struct table *t, const char *name)
{
    for (int c = 0; c < t->cols; c++)
        if (strcmp(t->names[c], name) == 0)
            return c;
    return -1;
}

static void
table_columns(struct table *t, const cJSON *rows)
{
    const cJSON *row, *item;
    int cap = 0;

    cJSON_ArrayForEach(row, rows) cJSON_ArrayForEach(item, row) cap++;
    t->names = calloc((size_t)cap + 1, sizeof(*t->names));
    if (t->names == NULL)
        abort();
    cJSON_ArrayForEach(row, rows) cJSON_ArrayForEach(item, row) if (column_of(t, item->string) < 0)
        t->names[t->cols++] = item->string;
}

static void
table_fill(struct table *t, const cJSON *rows)
{
    const cJSON *row;
    int r = 0;

    t->rows = cJSON_GetArraySize(rows);
    t->cells = calloc((size_t)t->rows * (size_t)t->cols + 1, sizeof(*t->cells));
    t->width = calloc((size_t)t->cols + 1, sizeof(*t->width));
    if (t->cells == NULL || t->width == NULL)
        abort();
    for (int c = 0; c < t->cols; c++)
        t->width[c] = output_display_width(t->names[c]);
    cJSON_ArrayForEach(row, rows)
    {
        for (int c = 0; c < t->cols; c++) {
            char *cell = cell_text(cJSON_GetObjectItemCaseSensitive(row, t->names[c]));
            size_t w = output_display_width(cell);

            t->cells[r * t->cols + c] = cell;
            if (w > t->width[c])
                t->width[c] = w;
        }
        r++;
    }
}

static void
table_print(const struct table *t)
{
    for (int c = 0; c < t->cols; c++) {
        fputs(c ? "  " : "", stdout);
        print_padded(t->names[c], t->width[c], c == t->cols - 1);
    }
    putchar('\n');
    for (int c = 0; c < t->cols; c++) {
        fputs(c ? "  " : "", stdout);
        for (size_t i = 0; i < t->width[c]; i++)
            putchar('-');
    }
    putchar('\n');
    for (int r = 0; r < t->rows; r++) {
        for (int c = 0; c < t->cols; c++) {
            fputs(c ? "  " : "", stdout);
            print_padded(t->cells[r * t->cols + c], t->width[c], c == t->cols - 1);
        }
        putchar('\n');
    }
    printf("(%d row%s)\n", t->rows, t->rows == 1 ? "" : "s");
}

static void
table_free(struct table *t)
{
    for (int i = 0; i < t->rows * t->cols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->names);
    free(t->width);
}

static int
rows_of_objects(const cJSON *array)
{
    const cJSON *row;

    cJSON_ArrayForEach(row, array) if (!cJSON_IsObject(row)) return 0;
    return 1;
}

static void
print_array(const cJSON *array)
{
    struct table t = {0};
    const cJSON *v;

    if (!rows_of_objects(array)) {
        cJSON_ArrayForEach(v, array)
        {
            char *cell = cell_text(v);

            printf("%s\n", cell);
            free(cell);
        }
        return;
    }
    table_columns(&t, array);
    table_fill(&t, array);
    table_print(&t);
    table_free(&t);
}

/* ---- objects ---------------------------------------------------------------------------- */

/* The scalar members of obj as "name  value" lines, the names padded to one width. */
static void
print_scalars(const cJSON *obj)
{
    const cJSON *item;
    size_t width = 0;

    cJSON_ArrayForEach(item, obj) if (!cJSON_IsObject(item) && !cJSON_IsArray(item) &&
                                      output_display_width(item->string) > width) width =
        output_display_width(item->string);
    cJSON_ArrayForEach(item, obj)
    {
        char *cell;

        if (cJSON_IsObject(item) || cJSON_IsArray(item))
            continue;
        cell = cell_text(item);
        print_padded(item->string, width, 0);
        printf("  %s\n", cell);
        free(cell);
    }
}

/* An object's nested members: objects as blocks, arrays as tables. */
static void
print_nested(const cJSON *obj)
{
    const cJSON *item;

    cJSON_ArrayForEach(item, obj)
    {
        if (cJSON_IsObject(item)) {
            printf("\n== %s\n", item->string);
            print_scalars(item);
            print_nested(item);
        } else if (cJSON_IsArray(item)) {
            printf("\n== %s\n", item->string);
            print_array(item);
        }
    }
}

static void
print_object(const cJSON *obj)
{
    print_scalars(obj);
    print_nested(obj);
}

/* ---- the outcome ------------------------------------------------------------------------ */

static int
write_text(const struct invocation *inv, const char *text)
{
    const char *path = args_local(inv, "--output");
    FILE *f;
    size_t len = strlen(text);

    if (path == NULL) {
        fwrite(text, 1, len, stdout);
        return EXIT_DONE;
    }
    f = fopen(path, "w");
    if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "ffx-admin: cannot write %s\n", path);
        if (f != NULL)
            fclose(f);
        return EXIT_FAILED;
    }
    fprintf(stderr, "ffx-admin: wrote %s (%zu bytes)\n", path, len);
    return EXIT_DONE;
}

/* The lines of a file the action refused, one "line N: why" each: inventory.import's
 * "lines" ({line, ok, error}) and the admin function's "errors" for a CSV it cannot read. */
static void
print_bad_lines(const cJSON *j)
{
    const char *const lists[] = {"lines", "errors"};
    const cJSON *l;

    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(j, lists[i]))
        {
            const cJSON *line = cJSON_GetObjectItemCaseSensitive(l, "line");
            const char *why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "error"));

            if (cJSON_IsNumber(line) && why != NULL)
                fprintf(stderr, "line %d: %s\n", line->valueint, why);
        }
}

/* An answer that ran but reports it did not do what was asked. */
static int
reports_failure(const cJSON *j)
{
    const char *error = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "error"));

    if (!cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "success")))
        return 0;
    print_bad_lines(j);
    fprintf(stderr, "ffx-admin: %s\n", error != NULL ? error : "the action did not succeed");
    return 1;
}

int
output_outcome(const struct invocation *inv, const struct outcome *out)
{
    cJSON *j, *csv;
    int status = EXIT_DONE;

    if (out->status != EXIT_DONE) {
        fprintf(stderr, "ffx-admin: %s\n", out->message ? out->message : "failed");
        return out->status;
    }
    if (out->is_csv)
        return write_text(inv, out->body);
    j = cJSON_Parse(out->body);
    csv = cJSON_GetObjectItemCaseSensitive(j, "csv");
    if (reports_failure(j))
        status = EXIT_FAILED;
    if (inv->json) {
        if (args_local(inv, "--output") != NULL)
            status |= write_text(inv, out->body);
        else
            printf("%s\n", out->body);
    } else if (cJSON_IsString(csv)) {
        status |= write_text(inv, csv->valuestring);
    } else if (cJSON_IsObject(j)) {
        print_object(j);
    } else {
        printf("%s\n", out->body);
    }
    cJSON_Delete(j);
    return status;
}
