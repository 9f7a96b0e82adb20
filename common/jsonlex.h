/* SPDX-License-Identifier: MIT */
/*
 * jsonlex.h - JSON text as the backend accepts it from outside (request
 * bodies, NOWPayments answers, IPNs): RFC 8259, checked without converting
 * anything. A value is a token that points into the text: a number stays
 * its lexeme (jsonnum.h reads it exactly), a string its quoted text until
 * jsonlex_decode.
 *
 * The rules, one set for every caller:
 * - strings: what both JavaScript's JSON.parse and PostgreSQL's jsonb
 *   accept: no raw byte below 0x20, only JSON's escapes, valid UTF-8 (no
 *   overlong form, no surrogate, nothing beyond U+10FFFF), no \u0000 (a C
 *   string would end there; jsonb refuses it) and \uD800-\uDFFF only as a
 *   high-low pair;
 * - numbers: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? with no digit,
 *   point, sign or e right after it (01 is not 0 then 1; 1.5.3 is nothing);
 * - true, false, null; whitespace is space, tab, CR and LF only (no BOM:
 *   a caller that tolerates one skips it first);
 * - objects and arrays nest at most JSONLEX_DEPTH_MAX deep. Duplicate keys
 *   are allowed here; jsonlex_find takes the first.
 *
 * Positions: s[0..n) is the text, no NUL needed. A scanner takes the
 * position of a token's first byte and returns the position just after
 * the token, or 0 when the text breaks a rule there (no token ends at 0).
 */
#ifndef FFX_JSONLEX_H
#define FFX_JSONLEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

/* As cJSON's CJSON_NESTING_LIMIT, so that a text this module accepts is
 * one cJSON parses into the same tree. */
#define JSONLEX_DEPTH_MAX 1000

enum jsonlex_kind {
    JSONLEX_OBJECT,
    JSONLEX_ARRAY,
    JSONLEX_STRING,
    JSONLEX_NUMBER,
    JSONLEX_TRUE,
    JSONLEX_FALSE,
    JSONLEX_NULL,
};

/* One value of a checked text. */
struct jsonlex_token {
    enum jsonlex_kind kind;
    const char *text; /* into the text: a string with its quotes, a container whole */
    size_t len;
    bool escaped; /* a string that holds escapes */
};

/* One member of an object: its key (a string token) and its value. */
struct jsonlex_member {
    struct jsonlex_token key;
    struct jsonlex_token value;
};

/* jsonlex_space - the position after the whitespace at s[i] (i itself
 * when there is none). */
size_t jsonlex_space(const char *s, size_t n, size_t i);

/* jsonlex_string - the string at s[i] (a quote); *escaped (may be NULL)
 * says whether it holds escapes. */
size_t jsonlex_string(const char *s, size_t n, size_t i, bool *escaped);

/* jsonlex_number - the number at s[i]. */
size_t jsonlex_number(const char *s, size_t n, size_t i);

/* jsonlex_literal - true, false or null at s[i], its kind in *kind. */
size_t jsonlex_literal(const char *s, size_t n, size_t i, enum jsonlex_kind *kind);

/* jsonlex_document - whether s[0..n) is exactly one JSON value, with only
 * whitespace around it; the value in *out. */
bool jsonlex_document(const char *s, size_t n, struct jsonlex_token *out);

/* jsonlex_members - the members of an object token that jsonlex_document
 * checked (directly or inside its value), in text order, in an array in
 * the arena; returns their count. */
size_t jsonlex_members(struct arena *a, const struct jsonlex_token *object,
                       struct jsonlex_member **out);

/* jsonlex_find - the first of members[0..count) whose key is key once
 * decoded ("\u0061" is "a"), or NULL. */
const struct jsonlex_member *jsonlex_find(const struct jsonlex_member *members, size_t count,
                                          const char *key);

/* jsonlex_escape - the character of the escape at s (a backslash, inside
 * a string jsonlex_string accepted) into *c; returns the escape's length:
 * 2, 6, or 12 for a surrogate pair. */
size_t jsonlex_escape(const char *s, uint32_t *c);

/* jsonlex_decode - the characters of a string token as UTF-8, in the
 * arena, NUL-terminated (the rules leave no NUL inside); the byte count in
 * *len (may be NULL). */
char *jsonlex_decode(struct arena *a, const struct jsonlex_token *string, size_t *len);

/* jsonlex_string_is - whether a string token's characters are s. */
bool jsonlex_string_is(const struct jsonlex_token *string, const char *s);

#endif
