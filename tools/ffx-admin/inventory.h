/* SPDX-License-Identifier: MIT */
/*
 * inventory.h - `ffx-admin inventory import FILE.csv [--dry-run] --reason R`.
 *
 * The file: a header size,platform,server,login,password,investor_password (any case; a UTF-8
 * BOM accepted), then one account per line, RFC 4180 quoting. API mode sends the text as "csv"
 * (the admin function parses it with the same reader); direct mode reads it here and sends
 * "rows" (each with its "line"), stopping on a malformed line. The action inventory.import
 * answers one result per line; --dry-run previews without importing.
 */
#ifndef FFX_ADMIN_INVENTORY_H
#define FFX_ADMIN_INVENTORY_H

#include "args.h"

int inventory_import(struct invocation *inv);

#endif
