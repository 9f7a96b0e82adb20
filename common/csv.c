/* SPDX-License-Identifier: MIT */
/*
 * csv.c - RFC 4180 records of the inventory CSV, parsed in place in a
 * scratch copy of the text.
 */
#include "csv.h"
#include "arena.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const csv_inventory_columns[CSV_INVENTORY_COLUMNS] = {
    "size", "platform", "server", "login", "password", "investor_password"};

#define CSV_MAX_FIELDS (CSV_INVENTORY_COLUMNS + 1) /* one more shows "too many" */

/* The reader's position in the scratch text (NUL-terminated). */
struct csv_reader {
    char *p;
    int line; /* the physical line p is on, from 1 */
};

/* One record: its fields (pointers into the scratch text) and where it
 * started. nfields counts past CSV_MAX_FIELDS without storing. */
struct csv_record {
    char *fields[CSV_MAX_FIELDS];
    int nfields;
    int line;
    const char *error; /* NULL, or why the record could not be read */
};

static bool
at_record_end(const char *p)
{
    return *p == '\0' || *p == '\n' || (p[0] == '\r' && p[1] == '\n');
}

/* Step over the end of a record (LF, CRLF or the end of the text). */
static void
skip_record_end(struct csv_reader *rd)
{
    if (*rd->p == '\r')
        rd->p++;
    if (*rd->p == '\n') {
        rd->p++;
        rd->line++;
    }
}

/* A quoted field starting at rd->p ('"'): unescaped in place; the end of
 * the field must follow the closing quote. */
static const char *
read_quoted(struct csv_reader *rd, char **field)
{
    char *out = rd->p + 1;

    *field = out;
    rd->p++;
    for (;;) {
        if (*rd->p == '\0')
            return "unterminated quoted field";
        if (rd->p[0] == '"' && rd->p[1] == '"') {
            *out++ = '"';
            rd->p += 2;
        } else if (*rd->p == '"') {
            rd->p++;
            break;
        } else {
            if (*rd->p == '\n')
                rd->line++;
            *out++ = *rd->p++;
        }
    }
    if (*rd->p != ',' && !at_record_end(rd->p))
        return "text after a closing quote";
    *out = '\0';
    return NULL;
}

static const char *
read_plain(struct csv_reader *rd, char **field)
{
    *field = rd->p;
    while (*rd->p != ',' && !at_record_end(rd->p)) {
        if (*rd->p == '"')
            return "a quote inside an unquoted field";
        rd->p++;
    }
    return NULL;
}

/* Skip to the end of the current record after an error, so the next record
 * is read from its own line. */
static void
skip_rest_of_line(struct csv_reader *rd)
{
    while (!at_record_end(rd->p))
        rd->p++;
}

static void
read_record(struct csv_reader *rd, struct csv_record *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->line = rd->line;
    for (;;) {
        char *field = NULL;
        char sep;

        rec->error = *rd->p == '"' ? read_quoted(rd, &field) : read_plain(rd, &field);
        if (rec->error != NULL) {
            skip_rest_of_line(rd);
            break;
        }
        sep = *rd->p;
        if (sep == ',' || sep == '\r')
            *rd->p++ = '\0';
        if (rec->nfields < CSV_MAX_FIELDS)
            rec->fields[rec->nfields] = field;
        rec->nfields++;
        if (sep != ',')
            break;
    }
    if (*rd->p == '\n') {
        *rd->p++ = '\0';
        rd->line++;
    }
}

static bool
blank_line(const char *p)
{
    p += strspn(p, " \t");
    return at_record_end(p);
}

static void
add_error(cJSON *errors, int line, const char *msg)
{
    cJSON *e = cJSON_CreateObject();

    cJSON_AddNumberToObject(e, "line", line);
    cJSON_AddStringToObject(e, "error", msg);
    cJSON_AddItemToArray(errors, e);
}

static bool
column_is(const char *field, const char *name)
{
    size_t lead = strspn(field, " \t");
    size_t n = strlen(field + lead);

    while (n > 0 && (field[lead + n - 1] == ' ' || field[lead + n - 1] == '\t'))
        n--;
    return n == strlen(name) && strncasecmp(field + lead, name, n) == 0;
}

static bool
header_ok(const struct csv_record *rec)
{
    if (rec->error != NULL || rec->nfields != CSV_INVENTORY_COLUMNS)
        return false;
    for (int i = 0; i < CSV_INVENTORY_COLUMNS; i++)
        if (!column_is(rec->fields[i], csv_inventory_columns[i]))
            return false;
    return true;
}

static void
add_row(cJSON *rows, const struct csv_record *rec)
{
    cJSON *row = cJSON_CreateObject();

    cJSON_AddNumberToObject(row, "line", rec->line);
    for (int i = 0; i < CSV_INVENTORY_COLUMNS; i++)
        cJSON_AddStringToObject(row, csv_inventory_columns[i], rec->fields[i]);
    cJSON_AddItemToArray(rows, row);
}

/* A data record: a row, or the error that keeps it out. */
static int
take_record(const struct csv_record *rec, cJSON *rows, cJSON *errors, struct arena *a)
{
    if (rec->error != NULL) {
        add_error(errors, rec->line, rec->error);
        return 1;
    }
    if (rec->nfields != CSV_INVENTORY_COLUMNS) {
        add_error(
            errors, rec->line,
            arena_sprintf(a, "expected %d fields, found %d", CSV_INVENTORY_COLUMNS, rec->nfields));
        return 1;
    }
    add_row(rows, rec);
    return 0;
}

int
csv_inventory_read(struct arena *a, const char *text, size_t n, cJSON *rows, cJSON *errors)
{
    struct csv_reader rd = {arena_strndup(a, text, n), 1};
    struct csv_record rec;
    bool header = false;
    int nerrors = 0;

    if (n >= 3 && memcmp(rd.p, "\xEF\xBB\xBF", 3) == 0)
        rd.p += 3;
    while (*rd.p != '\0') {
        if (blank_line(rd.p)) {
            skip_rest_of_line(&rd);
            skip_record_end(&rd);
            continue;
        }
        read_record(&rd, &rec);
        if (header) {
            nerrors += take_record(&rec, rows, errors, a);
            continue;
        }
        header = true;
        if (!header_ok(&rec)) {
            add_error(errors, rec.line,
                      "the header must be size,platform,server,login,password,investor_password");
            nerrors++;
        }
    }
    if (!header) {
        add_error(errors, 1, "the file is empty: it needs the header and one line per account");
        nerrors++;
    }
    return nerrors;
}
