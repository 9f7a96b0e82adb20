/* SPDX-License-Identifier: MIT */
/*
 * body.c - the request body's validators: the body is checked by the
 * strict lexer before cJSON reads it, and numbers are read from their
 * lexemes (jsonnum.h), never from cJSON's double.
 */
#include "body.h"
#include "arena.h"
#include "json.h"
#include "jsonlex.h"
#include "jsonnum.h"

#include <stdio.h>
#include <string.h>

/* The largest amount a request may carry, exactly. */
#define AMOUNT_MAX "1000000000"

/* body_text - the request body without a UTF-8 byte-order mark, which
 * RFC 8259 lets a parser ignore (cJSON skips it too). */
static const char *
body_text(const struct req *r, size_t *n)
{
    static const char bom[] = "\xEF\xBB\xBF";
    bool has_bom = r->body != NULL && r->body_len >= 3 && memcmp(r->body, bom, 3) == 0;

    *n = r->body_len - (has_bom ? 3 : 0);
    return r->body != NULL ? r->body + (has_bom ? 3 : 0) : NULL;
}

/* The lexer's rules first: cJSON alone would take 01, raw control
 * characters and invalid UTF-8 in strings, and cut a string at \u0000; a
 * body it reads is then one whose numbers the validators can find. */
enum err_code
body_parse(struct req *r, cJSON **out)
{
    struct jsonlex_token root;
    size_t n = 0;
    const char *text = body_text(r, &n);
    cJSON *tree = NULL;

    *out = NULL;
    if (jsonlex_document(text, n, &root) && root.kind == JSONLEX_OBJECT)
        tree = json_parse(r->call.arena, text, n);
    if (tree == NULL || !cJSON_IsObject(tree))
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Invalid JSON");
    *out = tree;
    return ERR_OK;
}

static bool
is_missing(const cJSON *item)
{
    return item == NULL || cJSON_IsNull(item) ||
           (cJSON_IsString(item) && item->valuestring[0] == '\0');
}

enum err_code
body_require_fields(struct req *r, const cJSON *obj, const char *const *keys)
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
    return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Missing required fields: %s", missing);
}

enum err_code
body_field_string(struct req *r, const cJSON *obj, const char *key, size_t max_len, bool optional,
                  const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

    *out = NULL;
    if (optional && (item == NULL || cJSON_IsNull(item)))
        return ERR_OK;
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0' ||
        strlen(item->valuestring) > max_len)
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST,
                       "Invalid %s: must be a string of 1 to %zu characters", key, max_len);
    *out = item->valuestring;
    return ERR_OK;
}

enum err_code
body_field_choice(struct req *r, const cJSON *obj, const char *key, const char *const *choices,
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
    return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Invalid %s: must be one of %s", key, list);
}

/* lexeme_of - the text of the number obj[key] as the body sent it: obj is
 * the body's root (body_parse), whose members the lexer finds again
 * in the text, since cJSON keeps only a double. */
static bool
lexeme_of(const struct req *r, const cJSON *obj, const char *key, struct jsonlex_token *out)
{
    struct jsonlex_token root;
    struct jsonlex_member *members = NULL;
    const struct jsonlex_member *m = NULL;
    size_t n = 0, count = 0;
    const char *text = body_text(r, &n);

    if (obj->prev != NULL || obj->next != NULL || !jsonlex_document(text, n, &root) ||
        root.kind != JSONLEX_OBJECT)
        return false; /* not a body's root: no text to read it from */
    count = jsonlex_members(r->call.arena, &root, &members);
    m = jsonlex_find(members, count, key);
    if (m == NULL || m->value.kind != JSONLEX_NUMBER)
        return false;
    *out = m->value;
    return true;
}

/* number_of - obj[key] exactly: a JSON number from its lexeme, or a
 * string of digits with at most one point (JavaScript clients send both);
 * false for anything else. */
static bool
number_of(const struct req *r, const cJSON *obj, const char *key, struct jsonnum *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    struct jsonlex_token lexeme;

    if (cJSON_IsString(item))
        return jsonnum_read_decimal(item->valuestring, strlen(item->valuestring), out);
    return cJSON_IsNumber(item) && lexeme_of(r, obj, key, &lexeme) &&
           jsonnum_read(lexeme.text, lexeme.len, out);
}

enum err_code
body_field_int(struct req *r, const cJSON *obj, const char *key, long long min, long long max,
               long long *out)
{
    struct jsonnum x;
    long long v = 0;

    *out = 0;
    if (!number_of(r, obj, key, &x) || !jsonnum_integer(&x, &v) || v < min || v > max)
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST,
                       "Invalid %s: must be an integer from %lld to %lld", key, min, max);
    *out = v;
    return ERR_OK;
}

enum err_code
body_field_amount(struct req *r, const cJSON *obj, const char *key, const char **out)
{
    struct jsonnum x, max;

    *out = NULL;
    jsonnum_read(AMOUNT_MAX, sizeof(AMOUNT_MAX) - 1, &max);
    if (!number_of(r, obj, key, &x) || jsonnum_is_negative(&x) || jsonnum_cmp(&x, &max) > 0)
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Invalid %s: must be a non-negative amount",
                       key);
    if (jsonnum_decimals(&x) > 2)
        return ERR_SET(&r->call.err, ERR_BAD_REQUEST, "Invalid %s: at most 2 decimals", key);
    *out = jsonnum_fixed(r->call.arena, &x, 2);
    return ERR_OK;
}
