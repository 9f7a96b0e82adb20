/* SPDX-License-Identifier: MIT */
/*
 * strbuf.h - a growing text in an arena, for output built piece by piece
 * (the canonical forms of an IPN, an e-mail message). The text is always
 * NUL-terminated. With a cap, whatever would take it past the cap is not
 * added and too_big says so; what an overlong text means is the caller's
 * decision. The struct is public so that a writer may reserve room
 * (strbuf_room), write into it, and set len itself.
 */
#ifndef FFX_STRBUF_H
#define FFX_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

struct strbuf {
    struct arena *a;
    char *p; /* the text, p[len] == '\0'; NULL until something is added */
    size_t len;
    size_t cap; /* bytes allocated at p */
    size_t max; /* the cap on len, 0 for none */
    bool too_big;
};

/* strbuf_init - an empty text in the arena, with room for size_hint bytes
 * to start with (none allocated for 0) and at most max (0: no cap). */
void strbuf_init(struct strbuf *b, struct arena *a, size_t size_hint, size_t max);

/* strbuf_room - room for n more bytes and a NUL at b->p + b->len; NULL
 * (and too_big) when that would pass the cap. */
char *strbuf_room(struct strbuf *b, size_t n);

/* strbuf_add - append s[0..n); nothing once too_big. */
void strbuf_add(struct strbuf *b, const char *s, size_t n);

/* strbuf_str - append the NUL-terminated s. */
void strbuf_str(struct strbuf *b, const char *s);

/* strbuf_text - the text so far ("" before anything was added). */
const char *strbuf_text(const struct strbuf *b);

#endif
