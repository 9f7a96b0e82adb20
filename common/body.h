/* SPDX-License-Identifier: MIT */
/*
 * body.h - the request body as JSON, and validators that set the
 * request's error themselves (400 with a message naming the field), so a
 * handler reads as a list of steps. Part of the HTTP frame: these read
 * the request's body text (struct req), which no module below the frame
 * sees.
 *
 * A request body is held to the strict lexer's rules (jsonlex.h) before
 * cJSON reads it, and its numbers are read exactly from the body's text
 * (jsonnum.h): an amount never passes through a double. Trees are owned by
 * the request's arena (json.h).
 */
#ifndef FFX_BODY_H
#define FFX_BODY_H

#include "err.h"
#include "request.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* body_parse - the request body as a JSON object. 400 "Invalid JSON"
 * when it is empty, breaks the lexer's rules (not RFC 8259 JSON: 01, a raw
 * control character in a string; invalid UTF-8; a \u0000 escape or a lone
 * surrogate), or is not an object. A UTF-8 byte-order mark before it is
 * ignored. */
enum err_code body_parse(struct req *r, cJSON **out);

/* Validators for request bodies. Each sets r->call.err to a 400 whose message
 * names the field, so a handler reads as a list of steps. obj is the body
 * body_parse returned: a number is read from its text in r->body. */

/* body_require_fields - 400 "Missing required fields: a, b" listing, in the
 * order given, every NULL-terminated key that is absent, null or "". */
enum err_code body_require_fields(struct req *r, const cJSON *obj, const char *const *keys);

/* body_field_string - obj[key] as a string of 1..max_len bytes, or NULL
 * when absent/null and optional. "Invalid <key>" otherwise. */
enum err_code body_field_string(struct req *r, const cJSON *obj, const char *key, size_t max_len,
                                bool optional, const char **out);

/* body_field_choice - a string that is one of the NULL-terminated choices:
 * "Invalid <key>: must be one of a, b". */
enum err_code body_field_choice(struct req *r, const cJSON *obj, const char *key,
                                const char *const *choices, const char **out);

/* body_field_int - an integer in [min, max], exactly: a JSON number whose
 * value is integral (10000, 1e4, 10000.0), or a string of digits with at
 * most one point, as JavaScript clients send both. */
enum err_code body_field_int(struct req *r, const cJSON *obj, const char *key, long long min,
                             long long max, long long *out);

/* body_field_amount - an amount from 0 to 1000000000 with at most 2
 * decimals (trailing zeros do not count), as a JSON number or a numeric
 * string as body_field_int takes them; *out is its decimal text with
 * exactly 2 decimals ("649" and 6.495e2 give "649.00" and "649.50"). Read
 * exactly: 1.000000001 is refused, never rounded to 1.00. */
enum err_code body_field_amount(struct req *r, const cJSON *obj, const char *key, const char **out);

#endif
