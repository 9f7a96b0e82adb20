/* SPDX-License-Identifier: MIT */
/*
 * json.c - arena-owned cJSON trees.
 */
#include "json.h"
#include "arena.h"

#include <stdlib.h>

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
