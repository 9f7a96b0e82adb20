/* SPDX-License-Identifier: MIT */
/*
 * json.h - cJSON trees owned by an arena: created, parsed or printed here,
 * freed at the arena's next reset. Nothing here knows of HTTP; the
 * request body's validators are the frame's (body.h).
 */
#ifndef FFX_JSON_H
#define FFX_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct arena;

/* json_object - an empty object freed at the arena's next reset. */
cJSON *json_object(struct arena *a);

/* json_adopt - hand an existing tree to the arena; returns it. */
cJSON *json_adopt(struct arena *a, cJSON *tree);

/* json_parse - parse text[0..n) (which must be exactly one JSON value) into
 * an arena-owned tree; NULL when malformed. */
cJSON *json_parse(struct arena *a, const char *text, size_t n);

/* json_print - compact serialisation owned by the arena. */
char *json_print(struct arena *a, const cJSON *tree);

/* json_string_field - obj[key] when it is a string, else NULL. */
const char *json_string_field(const cJSON *obj, const char *key);

#endif
