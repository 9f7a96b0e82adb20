/* SPDX-License-Identifier: MIT */
/*
 * text.h - small byte-string helpers shared by the logger, the JSON code
 * and the mailer: UTF-8 and hex digits.
 */
#ifndef FFX_TEXT_H
#define FFX_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct arena;

/* utf8_seq_len - length (1..4) of the valid UTF-8 sequence at s[0..n), or 0
 * when it is invalid (overlong, surrogate, beyond U+10FFFF, truncated). */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/* utf8_encode - the code point c (at most U+10FFFF, not a surrogate) as
 * UTF-8 at out (room for 4 bytes); returns its length, 1 to 4. */
size_t utf8_encode(uint32_t c, char *out);

/* text_hex_digit - the value of the hex digit c (either case), or -1. */
int text_hex_digit(unsigned char c);

/* text_utf8_clean - copy of s[0..n) in the arena with every invalid byte
 * replaced by U+FFFD and NUL bytes dropped, so it can go into jsonb/text. */
char *text_utf8_clean(struct arena *a, const char *s, size_t n);

#endif
