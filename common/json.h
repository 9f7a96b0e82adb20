/* SPDX-License-Identifier: MIT */
/*
 * json.h - cJSON with request-scoped ownership and validators that set the
 * request's error themselves (400 with a message naming the field), so a
 * handler reads as a list of steps.
 */
#ifndef FFX_JSON_H
#define FFX_JSON_H

#include "err.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct arena;
struct req;

/* json_object - an empty object freed at the arena's next reset. */
cJSON *json_object(struct arena *a);

/* json_adopt - hand an existing tree to the arena; returns it. */
cJSON *json_adopt(struct arena *a, cJSON *tree);

/* json_parse - parse text[0..n) (which must be exactly one JSON value) into
 * an arena-owned tree; NULL when malformed. */
cJSON *json_parse(struct arena *a, const char *text, size_t n);

/* json_parse_body - the request body as a JSON object. 400 "Invalid JSON"
 * when it is empty, malformed, or not an object. */
enum err_code json_parse_body(struct req *r, cJSON **out);

/* json_print - compact serialisation owned by the arena. */
char *json_print(struct arena *a, const cJSON *tree);

/* json_string_field - obj[key] when it is a string, else NULL. */
const char *json_string_field(const cJSON *obj, const char *key);

/* Validators for request bodies. Each sets r->err to a 400 whose message
 * names the field, so a handler reads as a list of steps. */

/* json_require_fields - 400 "Missing required fields: a, b" listing, in the
 * order given, every NULL-terminated key that is absent, null or "". */
enum err_code json_require_fields(struct req *r, const cJSON *obj, const char *const *keys);

/* json_field_string - obj[key] as a string of 1..max_len bytes, or NULL
 * when absent/null and optional. "Invalid <key>" otherwise. */
enum err_code json_field_string(struct req *r, const cJSON *obj, const char *key, size_t max_len,
                                bool optional, const char **out);

/* json_field_choice - a string that is one of the NULL-terminated choices:
 * "Invalid <key>: must be one of a, b". */
enum err_code json_field_choice(struct req *r, const cJSON *obj, const char *key,
                                const char *const *choices, const char **out);

/* json_field_int - an integral number in [min, max] (a JSON number; a
 * numeric string is accepted too, as JavaScript clients send both). */
enum err_code json_field_int(struct req *r, const cJSON *obj, const char *key, long long min,
                             long long max, long long *out);

/* json_field_amount - a finite number >= 0 with at most 2 decimals, as
 * decimal text ("649", "649.5"). */
enum err_code json_field_amount(struct req *r, const cJSON *obj, const char *key, const char **out);

#endif
