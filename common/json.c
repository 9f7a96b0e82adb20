/* SPDX-License-Identifier: MIT */
/*
 * json.c - arena-owned cJSON trees.
 */
#include "json.h"
#include "arena.h"
#include "request.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
delete_tree(void *tree)
{
    cJSON_Delete(tree);
}

cJSON *
json_adopt(struct arena *a, cJSON *tree)
{
    if (tree == NULL)
        abort(); /* cJSON returns NULL from constructors only when out of memory */
    arena_defer(a, delete_tree, tree);
    return tree;
}

cJSON *
json_object(struct arena *a)
{
    return json_adopt(a, cJSON_CreateObject());
}

cJSON *
json_parse(struct arena *a, const char *text, size_t n)
{
    const char *end = NULL;
    cJSON *tree = cJSON_ParseWithLengthOpts(text, n, &end, false);

    if (tree == NULL)
        return NULL;
    json_adopt(a, tree);
    /* Trailing bytes other than whitespace mean this was not one value. */
    for (; end < text + n; end++)
        if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n')
            return NULL;
    return tree;
}

/* Whether the text holds a \u0000 escape: cJSON would decode it into a NUL
 * that silently cuts the C string short, so the value checked would differ
 * from the value sent. */
static bool
has_nul_escape(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] == 'u' && i + 5 < n && strncmp(s + i + 2, "0000", 4) == 0)
            return true;
        i++; /* skip the escaped character, so "\\\\u0000" is plain text */
    }
    return false;
}

enum err_code
json_parse_body(struct req *r, cJSON **out)
{
    cJSON *tree = r->body_len > 0 && !has_nul_escape(r->body, r->body_len)
                      ? json_parse(r->arena, r->body, r->body_len)
                      : NULL;

    *out = NULL;
    if (tree == NULL || !cJSON_IsObject(tree))
        return ERR_SET(&r->err, ERR_BAD_REQUEST, "Invalid JSON");
    *out = tree;
    return ERR_OK;
}

static void
free_text(void *text)
{
    cJSON_free(text);
}

char *
json_print(struct arena *a, const cJSON *tree)
{
    char *text = cJSON_PrintUnformatted(tree);

    if (text == NULL)
        abort();
    arena_defer(a, free_text, text);
    return text;
}

const char *
json_string_field(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static bool
is_missing(const cJSON *item)
{
    return item == NULL || cJSON_IsNull(item) ||
           (cJSON_IsString(item) && item->valuestring[0] == '\0');
}

enum err_code
json_require_fields(struct req *r, const cJSON *obj, const char *const *keys)
{
    char missing[256] = "";
    size_t len = 0;

    for (size_t i = 0; keys[i] != NULL; i++) {
        if (!is_missing(cJSON_GetObjectItemCaseSensitive(obj, keys[i])))
            continue;
        len += (size_t)snprintf(missing + len, sizeof(missing) - len, "%s%s", len ? ", " : "",
                                keys[i]);
        if (len >= sizeof(missing))
            break;
    }
    if (len == 0)
        return ERR_OK;
    return ERR_SET(&r->err, ERR_BAD_REQUEST, "Missing required fields: %s", missing);
}

enum err_code
json_field_string(struct req *r, const cJSON *obj, const char *key, size_t max_len, bool optional,
                  const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

    *out = NULL;
    if (optional && (item == NULL || cJSON_IsNull(item)))
        return ERR_OK;
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0' ||
        strlen(item->valuestring) > max_len)
        return ERR_SET(&r->err, ERR_BAD_REQUEST,
                       "Invalid %s: must be a string of 1 to %zu characters", key, max_len);
    *out = item->valuestring;
    return ERR_OK;
}

enum err_code
json_field_choice(struct req *r, const cJSON *obj, const char *key, const char *const *choices,
                  const char **out)
{
    const char *value = json_string_field(obj, key);
    char list[160] = "";
    size_t len = 0;

    *out = NULL;
    for (size_t i = 0; choices[i] != NULL; i++) {
        if (value != NULL && strcmp(value, choices[i]) == 0) {
            *out = choices[i];
            return ERR_OK;
        }
        len += (size_t)snprintf(list + len, len < sizeof(list) ? sizeof(list) - len : 0, "%s%s",
                                len ? ", " : "", choices[i]);
    }
    return ERR_SET(&r->err, ERR_BAD_REQUEST, "Invalid %s: must be one of %s", key, list);
}

/* A number from a JSON number or a plain decimal string; false otherwise. */
static bool
number_value(const cJSON *item, double *out)
{
    char *end = NULL;

    if (cJSON_IsNumber(item)) {
        *out = item->valuedouble;
        return isfinite(*out);
    }
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0' ||
        strspn(item->valuestring, "0123456789.") != strlen(item->valuestring))
        return false;
    *out = strtod(item->valuestring, &end);
    return *end == '\0' && isfinite(*out);
}

enum err_code
json_field_int(struct req *r, const cJSON *obj, const char *key, long long min, long long max,
               long long *out)
{
    double v = 0;

    *out = 0;
    /* The ±9.2e18 fence keeps the conversion below defined whatever the bounds. */
    if (!number_value(cJSON_GetObjectItemCaseSensitive(obj, key), &v) || v != floor(v) ||
        v < (double)min || v > (double)max || v < -9.2e18 || v > 9.2e18)
        return ERR_SET(&r->err, ERR_BAD_REQUEST, "Invalid %s: must be an integer from %lld to %lld",
                       key, min, max);
    *out = (long long)v;
    return ERR_OK;
}

enum err_code
json_field_amount(struct req *r, const cJSON *obj, const char *key, const char **out)
{
    double v = 0;
    double cents;

    *out = NULL;
    if (!number_value(cJSON_GetObjectItemCaseSensitive(obj, key), &v) || v < 0 || v > 1e9)
        return ERR_SET(&r->err, ERR_BAD_REQUEST, "Invalid %s: must be a non-negative amount", key);
    if (v == 0)
        v = 0; /* -0 would print as "-0.00" */
    cents = v * 100;
    if (fabs(cents - round(cents)) > 1e-6)
        return ERR_SET(&r->err, ERR_BAD_REQUEST, "Invalid %s: at most 2 decimals", key);
    *out = arena_sprintf(r->arena, "%.2f", round(cents) / 100);
    return ERR_OK;
}
