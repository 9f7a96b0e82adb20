/* SPDX-License-Identifier: MIT */
/*
 * strbuf.c - a growing text in an arena: each growth doubles the room and
 * copies, the old block staying in the arena until its reset.
 */
#include "strbuf.h"
#include "arena.h"

#include <string.h>

void
strbuf_init(struct strbuf *b, struct arena *a, size_t size_hint, size_t max)
{
    *b = (struct strbuf){.a = a, .max = max};
    if (size_hint > 0) {
        b->cap = size_hint + 1;
        b->p = arena_alloc(a, b->cap);
    }
}

char *
strbuf_room(struct strbuf *b, size_t n)
{
    if (b->too_big || (b->max > 0 && n > b->max - b->len)) {
        b->too_big = true;
        return NULL;
    }
    if (b->cap - b->len < n + 1) {
        size_t cap = b->cap > 0 ? 2 * b->cap : 64;
        char *p = NULL;

        while (cap < b->len + n + 1)
            cap *= 2;
        p = arena_alloc(b->a, cap);
        if (b->len > 0)
            memcpy(p, b->p, b->len);
        b->p = p;
        b->cap = cap;
    }
    return b->p + b->len;
}

void
strbuf_add(struct strbuf *b, const char *s, size_t n)
{
    char *at = strbuf_room(b, n);

    if (at == NULL)
        return;
    memcpy(at, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void
strbuf_str(struct strbuf *b, const char *s)
{
    strbuf_add(b, s, strlen(s));
}

const char *
strbuf_text(const struct strbuf *b)
{
    return b->p != NULL ? b->p : "";
}
