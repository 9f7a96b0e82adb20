/* SPDX-License-Identifier: MIT */
/*
 * ipn.h - NOWPayments IPN signatures: x-nowpayments-sig is the lower-case
 * hex HMAC-SHA512, keyed with the IPN secret, of JSON.stringify of the body
 * with object keys sorted at every depth.
 *
 * ipn_verify tries, for each configured secret (current, then previous
 * during a rotation; both trimmed of surrounding whitespace): the raw body
 * as received (recent IPNs arrive already canonical), then, for a body
 * that keeps the strict rules and is small enough, the canonical
 * re-serialisation with arrays kept as arrays, then with arrays turned
 * into {"0":…} objects as the documented Node sample does. It returns the
 * text that was signed, which is what must be stored and applied: the
 * strict rules make that text's values, read by PostgreSQL as exact
 * decimals, the values JSON.parse gave the signer. Comparisons are
 * constant time; the header may be upper- or lower-case hex, with spaces
 * around it.
 */
#ifndef FFX_IPN_H
#define FFX_IPN_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

enum ipn_array_style { IPN_ARRAYS_AS_ARRAYS, IPN_ARRAYS_AS_OBJECTS };

/* ipn_canonicalize - JSON.stringify(sortDeep(JSON.parse(body))) of
 * body[0..n), in the arena: the reference the strict path is tested
 * against. NULL when the body breaks the lexer's rules (jsonlex.h: not
 * JSON, or a \u0000 or lone surrogate, which JSON.parse would keep but we
 * cannot represent). Numbers follow ECMAScript Number::toString
 * (jsonnum_js_text: 15, 0.000002, 1e-7, 1e+21); strings escape only ", \,
 * and U+0000..U+001F; keys sort by UTF-16 code units. */
char *ipn_canonicalize(struct arena *a, const char *body, size_t n, enum ipn_array_style style);

/* ipn_sign - lower-case hex HMAC-SHA512 of msg under the (trimmed) secret,
 * into out (room for 129 bytes). */
void ipn_sign(const char *secret, const char *msg, size_t n, char out[129]);

/* The strict rules (ipn_strict_check) and the body cap. */
#define IPN_BODY_MAX     16384 /* bytes; nginx and the function answer 413 above it */
#define IPN_MAX_KEYS     64    /* object members in all, at every depth */
#define IPN_MAX_ELEMENTS 32    /* array elements in all, at every depth */
#define IPN_MAX_DEPTH    3     /* objects and arrays inside one another, the body itself included */
/* Numbers with more than 15 significant digits (or beyond 1e-306..1e308):
 * checking one (jsonnum_js_value) needs the exact decimal value of its
 * double, about 1-2 us of glibc strtod/printf arithmetic on big numbers; a
 * real IPN has a few. */
#define IPN_MAX_LONG_NUMBERS 16
/* The canonical forms are tried only for bodies up to this size: a real
 * IPN is under 1 KiB, and hashing two re-serialisations of a 16 KiB
 * forgery would cost more than everything else a refusal does. */
#define IPN_CANONICAL_MAX 4096

/* ipn_strict_check - NULL when body[0..n) is an object that keeps the
 * strict rules, else which rule it breaks (a constant, for the log). */
const char *ipn_strict_check(struct arena *a, const char *body, size_t n);

/* ipn_strict_canonical - the canonical form of a strict body in the
 * given array style, NULL when the body is not strict. */
char *ipn_strict_canonical(struct arena *a, const char *body, size_t n, enum ipn_array_style style);

/* The outcome of a verification, for the answer, counters and logs. */
enum ipn_match {
    IPN_NO_MATCH = 0,    /* 401 */
    IPN_MATCH_RAW,       /* HMAC over the raw body */
    IPN_MATCH_CANONICAL, /* over a canonical form */
    IPN_INVALID,         /* the body breaks the strict rules: 400 */
};

/* What ipn_verify found. */
struct ipn_verified {
    const char *text; /* the signed text, to store and apply; NULL without a match */
    size_t len;
    enum ipn_array_style style; /* the canonical form that matched */
    bool used_previous;         /* a secret other than the first matched */
    const char *invalid;        /* IPN_INVALID: the strict rule broken */
};

/* ipn_verify - whether sig_header is the signature of body[0..n) under one
 * of the NULL-terminated secrets (NULL or empty entries are skipped), and
 * the text that was signed, in *out (may be NULL). In this order: a
 * missing or malformed header never matches; the raw body's HMAC; the
 * strict rules (IPN_INVALID when broken, whatever the signature); then,
 * only when the raw body missed and is at most IPN_CANONICAL_MAX bytes,
 * the canonical forms (arrays kept, then arrays as objects). */
enum ipn_match ipn_verify(struct arena *a, const char *const *secrets, const char *sig_header,
                          const char *body, size_t n, struct ipn_verified *out);

#endif
