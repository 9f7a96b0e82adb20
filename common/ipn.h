/* SPDX-License-Identifier: MIT */
/*
 * ipn.h - NOWPayments IPN signatures: x-nowpayments-sig is the lower-case
 * hex HMAC-SHA512, keyed with the IPN secret, of JSON.stringify of the body
 * with object keys sorted at every depth (nowpayments.md §5.2).
 *
 * ipn_verify tries, for each configured secret (current, then previous
 * during a rotation; both trimmed of surrounding whitespace): the raw body
 * as received (recent IPNs arrive already canonical), then the canonical
 * re-serialisation with arrays kept as arrays, then with arrays turned into
 * {"0":…} objects as the documented Node sample does. Comparisons are
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
 * body[0..n), in the arena; NULL when the body is not valid JSON (or holds
 * a lone surrogate, which JSON.parse would keep but we cannot represent).
 * Numbers follow ECMAScript Number::toString (shortest round trip: 15,
 * 0.000002, 1e-7, 1e+21); strings escape only ", \, and U+0000..U+001F;
 * keys sort by UTF-16 code units. */
char *ipn_canonicalize(struct arena *a, const char *body, size_t n, enum ipn_array_style style);

/* ipn_js_number - v as ECMAScript Number::toString writes it, into out
 * (room for 32 bytes). */
void ipn_js_number(double v, char out[32]);

/* ipn_sign - lower-case hex HMAC-SHA512 of msg under the (trimmed) secret,
 * into out (room for 129 bytes). */
void ipn_sign(const char *secret, const char *msg, size_t n, char out[129]);

/* The outcome of a verification, for counters and logs. */
enum ipn_match {
    IPN_NO_MATCH = 0,
    IPN_MATCH_RAW,       /* HMAC over the raw body */
    IPN_MATCH_CANONICAL, /* over the re-serialisation */
};

/* ipn_verify - whether sig_header is the signature of body[0..n) under one
 * of the NULL-terminated secrets (NULL or empty entries are skipped).
 * *used_previous (may be NULL) tells whether a secret other than the first
 * matched. A missing or malformed header never matches. */
enum ipn_match ipn_verify(struct arena *a, const char *const *secrets, const char *sig_header,
                          const char *body, size_t n, bool *used_previous);

#endif
