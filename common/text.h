/* SPDX-License-Identifier: MIT */
/*
 * text.h - small byte-string helpers shared by the logger and the JSON code.
 */
#ifndef FFX_TEXT_H
#define FFX_TEXT_H

#include <stddef.h>

struct arena;

/* utf8_seq_len - length (1..4) of the valid UTF-8 sequence at s[0..n), or 0
 * when it is invalid (overlong, surrogate, beyond U+10FFFF, truncated). */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/* text_utf8_clean - copy of s[0..n) in the arena with every invalid byte
 * replaced by U+FFFD and NUL bytes dropped, so it can go into jsonb/text. */
char *text_utf8_clean(struct arena *a, const char *s, size_t n);

#endif
