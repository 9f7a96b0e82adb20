/* SPDX-License-Identifier: MIT */
/*
 * csv.h - the inventory CSV, read the same way by `ffx-admin inventory
 * import` and by the admin function's POST /functions/v1/admin/inventory/import
 * (docs/CONSOLE.md), so a file the one accepts the other accepts too.
 *
 * The format: RFC 4180 records (fields separated by commas; a field in
 * double quotes may hold commas, line breaks and doubled quotes ""), lines
 * ending in LF or CRLF, an optional UTF-8 byte-order mark, blank lines
 * ignored. The first record is the header, exactly the columns
 * size,platform,server,login,password,investor_password (any case, spaces
 * around a name ignored); every other record has those six fields.
 *
 * What a field means (a size, a platform, a duplicate login) is the
 * database's to judge (inventory.import); this reader only finds the
 * records and says, by line number, which ones it could not read.
 */
#ifndef FFX_CSV_H
#define FFX_CSV_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct arena;

#define CSV_INVENTORY_COLUMNS 6

/* The header's column names, in order; also the keys of a row object. */
extern const char *const csv_inventory_columns[CSV_INVENTORY_COLUMNS];

/* csv_inventory_read - read text[0..n). Each record after the header is
 * appended to rows as {"line": N, "size": "...", "platform": "...", ...}
 * (every field a string as written, N the line the record starts on); each
 * problem is appended to errors as {"line": N, "error": "<sentence>"}: a
 * wrong header, a record with another number of fields, a stray or
 * unterminated quote, an empty file. rows and errors are arrays the caller
 * owns; scratch memory comes from the arena. Returns the number of errors
 * added. */
int csv_inventory_read(struct arena *a, const char *text, size_t n, cJSON *rows, cJSON *errors);

#endif
