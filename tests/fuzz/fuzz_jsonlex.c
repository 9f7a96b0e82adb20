/* SPDX-License-Identifier: MIT */
/*
 * fuzz_jsonlex.c - fuzz target for common/jsonlex.c and common/jsonnum.c.
 *
 * The input is a JSON text, any bytes. Oracles:
 * - what jsonlex_document accepts, cJSON parses (the lexer is never laxer
 *   than the parser the functions then use), to a tree of the same shape:
 *   an object has as many members, the first member of each key holds the
 *   same value (strings decoded alike, numbers the same double);
 * - every number lexeme reads with jsonnum_read, and the texts jsonnum
 *   writes (plain, fixed, integer) read back as the same value;
 * - jsonnum_cmp orders two numbers as their doubles do, wherever the
 *   doubles differ;
 * - jsonlex_string_is agrees with jsonlex_decode.
 */
#include "arena.h"
#include "jsonlex.h"
#include "jsonnum.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena *arena;

static void
fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_jsonlex: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* same_back - the text t, read as a number, equals x. */
static void
same_back(const struct jsonnum *x, const char *t, const char *what)
{
    struct jsonnum y;

    if (t == NULL)
        return;
    if (!jsonnum_read(t, strlen(t), &y) || jsonnum_cmp(x, &y) != 0)
        fail(what, t);
}

static void
check_number(const struct jsonlex_token *v, const cJSON *item)
{
    struct jsonnum x;
    long long i = 0;
    char *text = arena_strndup(arena, v->text, v->len);

    if (!jsonnum_read(v->text, v->len, &x))
        fail("a number token jsonnum cannot read", text);
    if (item != NULL && v->len < 64 && strtod(text, NULL) != cJSON_GetNumberValue(item))
        fail("cJSON read another double", text);
    same_back(&x, jsonnum_plain(arena, &x, 400), "jsonnum_plain changed the value");
    if (jsonnum_decimals(&x) <= 1000 && x.point <= 1000)
        same_back(&x, jsonnum_fixed(arena, &x, jsonnum_decimals(&x)), "jsonnum_fixed changed it");
    if (jsonnum_integer(&x, &i))
        same_back(&x, arena_sprintf(arena, "%lld", i), "jsonnum_integer changed it");
}

static void check_value(const struct jsonlex_token *v, const cJSON *item, int depth);

static void
check_string(const struct jsonlex_token *v, const cJSON *item)
{
    size_t len = 0;
    const char *decoded = jsonlex_decode(arena, v, &len);

    if (strlen(decoded) != len)
        fail("a decoded string holds a NUL", decoded);
    if (!jsonlex_string_is(v, decoded))
        fail("jsonlex_string_is disagrees with jsonlex_decode", decoded);
    if (item != NULL && strcmp(decoded, cJSON_GetStringValue(item)) != 0)
        fail("cJSON decoded the string otherwise", decoded);
}

static void
check_object(const struct jsonlex_token *v, const cJSON *item, int depth)
{
    struct jsonlex_member *m = NULL;
    size_t count = jsonlex_members(arena, v, &m);

    if (count != (size_t)cJSON_GetArraySize(item))
        fail("another member count than cJSON's", NULL);
    for (size_t i = 0; i < count; i++) {
        const char *key = jsonlex_decode(arena, &m[i].key, NULL);
        const struct jsonlex_member *first = jsonlex_find(m, count, key);

        if (first == NULL || first > &m[i])
            fail("jsonlex_find missed the first member of a key", key);
        if (first == &m[i])
            check_value(&m[i].value, cJSON_GetObjectItemCaseSensitive(item, key), depth + 1);
    }
}

static void
check_value(const struct jsonlex_token *v, const cJSON *item, int depth)
{
    static const int kinds[] = {cJSON_Object, cJSON_Array, cJSON_String, cJSON_Number,
                                cJSON_True,   cJSON_False, cJSON_NULL};

    if (item == NULL || (item->type & 0xFF) != kinds[v->kind])
        fail("cJSON read another kind of value", NULL);
    if (v->kind == JSONLEX_NUMBER)
        check_number(v, item);
    else if (v->kind == JSONLEX_STRING)
        check_string(v, item);
    else if (v->kind == JSONLEX_OBJECT && depth < 8)
        check_object(v, item, depth);
}

/* check_order - the first two numbers of the input, if it is "a b". */
static void
check_order(const char *s, size_t n)
{
    const char *space = memchr(s, ' ', n);
    struct jsonnum x, y;
    double dx = 0, dy = 0;

    if (space == NULL || !jsonnum_read(s, (size_t)(space - s), &x) ||
        !jsonnum_read(space + 1, n - (size_t)(space - s) - 1, &y) || n > 120)
        return;
    dx = strtod(arena_strndup(arena, s, (size_t)(space - s)), NULL);
    dy = strtod(arena_strndup(arena, space + 1, n - (size_t)(space - s) - 1), NULL);
    if ((dx < dy && jsonnum_cmp(&x, &y) >= 0) || (dx > dy && jsonnum_cmp(&x, &y) <= 0))
        fail("jsonnum_cmp orders otherwise than the doubles", arena_strndup(arena, s, n));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct jsonlex_token v;

    if (arena == NULL)
        arena = arena_create(64 * 1024);
    if (jsonlex_document(text, size, &v)) {
        cJSON *tree = cJSON_ParseWithLength(text, size);

        if (tree == NULL)
            fail("the lexer accepted what cJSON refuses", NULL);
        check_value(&v, tree, 0);
        cJSON_Delete(tree);
    }
    check_order(text, size);
    arena_reset(arena);
    return 0;
}
