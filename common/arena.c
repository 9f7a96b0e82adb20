/* SPDX-License-Identifier: MIT */
/*
 * arena.c - bump allocation over a chain of blocks. The first block is kept
 * across resets so that a steady stream of small requests allocates nothing
 * from malloc after warm-up.
 */
#include "arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN alignof(max_align_t)

struct block {
    struct block *next;
    size_t size; /* usable bytes in data[] */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct deferred {
    struct deferred *next;
    void (*fn)(void *);
    void *arg;
};

struct arena {
    struct block *head; /* current block; the chain ends in the first block */
    size_t block_size;
    size_t used;
    struct deferred *deferred;
#ifdef FFX_SANITIZE
    void **objects; /* one malloc per allocation, freed at reset */
    size_t nobjects, capobjects;
#endif
};

static void *
xmalloc(size_t n)
{
    void *p = malloc(n);

    if (p == NULL)
        abort(); /* out of memory: the supervisor restarts the worker */
    return p;
}

static struct block *
block_new(size_t size)
{
    struct block *b = xmalloc(sizeof(*b) + size);

    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

struct arena *
arena_create(size_t block_size)
{
    struct arena *a = xmalloc(sizeof(*a));

    memset(a, 0, sizeof(*a));
    a->block_size = block_size < 1024 ? 1024 : block_size;
    a->head = block_new(a->block_size);
    return a;
}

static void
run_deferred(struct arena *a)
{
    while (a->deferred != NULL) {
        struct deferred *d = a->deferred;

        a->deferred = d->next;
        d->fn(d->arg);
    }
}

void
arena_reset(struct arena *a)
{
    run_deferred(a);
    while (a->head->next != NULL) {
        struct block *b = a->head;

        a->head = b->next;
        free(b);
    }
    a->head->used = 0;
    a->used = 0;
#ifdef FFX_SANITIZE
    for (size_t i = 0; i < a->nobjects; i++)
        free(a->objects[i]);
    a->nobjects = 0;
#endif
}

void
arena_destroy(struct arena *a)
{
    if (a == NULL)
        return;
    arena_reset(a);
    free(a->head);
#ifdef FFX_SANITIZE
    free(a->objects);
#endif
    free(a);
}

#ifdef FFX_SANITIZE
static void *
track(struct arena *a, void *p)
{
    if (a->nobjects == a->capobjects) {
        size_t cap = a->capobjects ? a->capobjects * 2 : 64;
        void **grown = realloc(a->objects, cap * sizeof(*grown));

        if (grown == NULL)
            abort();
        a->objects = grown;
        a->capobjects = cap;
    }
    a->objects[a->nobjects++] = p;
    return p;
}
#endif

void *
arena_alloc(struct arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);

    if (need < n)
        abort(); /* size overflow */
    a->used += n;
#ifdef FFX_SANITIZE
    return memset(track(a, xmalloc(n ? n : 1)), 0, n ? n : 1);
#else
    if (a->head->size - a->head->used < need) {
        struct block *b = block_new(need > a->block_size ? need : a->block_size);

        b->next = a->head;
        a->head = b;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += need;
    return memset(p, 0, n);
#endif
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
    return s == NULL ? NULL : arena_strndup(a, s, strlen(s));
}

char *
arena_sprintf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();

    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

char *
arena_concat(struct arena *a, ...)
{
    va_list ap;
    size_t n = 0;
    char *out;
    char *p;

    va_start(ap, a);
    for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *))
        n += strlen(s);
    va_end(ap);
    out = p = arena_alloc(a, n + 1);
    va_start(ap, a);
    for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *)) {
        size_t len = strlen(s);

        memcpy(p, s, len);
        p += len;
    }
    va_end(ap);
    *p = '\0';
    return out;
}

void
arena_defer(struct arena *a, void (*fn)(void *), void *arg)
{
    struct deferred *d = arena_alloc(a, sizeof(*d));

    d->fn = fn;
    d->arg = arg;
    d->next = a->deferred;
    a->deferred = d;
}

size_t
arena_used(const struct arena *a)
{
    return a->used;
}
