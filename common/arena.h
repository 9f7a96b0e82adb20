/* SPDX-License-Identifier: MIT */
/*
 * arena.h - per-request bump allocator.
 *
 * Everything allocated from an arena lives until arena_reset(); nothing is
 * freed one by one. Allocation failure aborts, so callers never check for
 * NULL. Objects owned by other libraries (PGresult, cJSON trees, strings
 * from cJSON_Print) are handed to arena_defer() right after creation and
 * released, last in first out, by the next reset.
 *
 * Built with FFX_SANITIZE, every allocation is its own malloc() so that
 * AddressSanitizer sees overflows between objects.
 */
#ifndef FFX_ARENA_H
#define FFX_ARENA_H

#include <stddef.h>

struct arena;

/* arena_create - a new arena whose blocks hold block_size bytes (min 1 KiB). */
struct arena *arena_create(size_t block_size);

/* arena_destroy - reset, then free the arena itself. NULL is a no-op. */
void arena_destroy(struct arena *a);

/* arena_reset - run deferred cleanups (LIFO) and forget every allocation. */
void arena_reset(struct arena *a);

/* arena_alloc - n bytes, zeroed, aligned for any type. */
void *arena_alloc(struct arena *a, size_t n);

/* arena_strndup - copy of s[0..n) plus a terminating NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* arena_strdup - copy of the NUL-terminated s; NULL gives NULL. */
char *arena_strdup(struct arena *a, const char *s);

/* arena_sprintf - formatted string allocated from the arena. */
char *arena_sprintf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* arena_concat - the NUL-terminated strings up to a NULL, joined: one
 * allocation, no formatting (for hot paths that only glue text). */
char *arena_concat(struct arena *a, ...) __attribute__((sentinel));

/* arena_defer - call fn(arg) at the next reset (PQclear, cJSON_Delete, ...). */
void arena_defer(struct arena *a, void (*fn)(void *), void *arg);

/* arena_used - bytes handed out since the last reset (for tests and metrics). */
size_t arena_used(const struct arena *a);

#endif
