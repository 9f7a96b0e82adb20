/* SPDX-License-Identifier: MIT */
/*
 * crypto.h - the small set of primitives the functions need, over OpenSSL 3:
 * base64url, hex, HMAC-SHA256/512 and constant-time comparison. Output
 * buffers are sized by the caller; nothing here allocates except the
 * arena variants.
 */
#ifndef FFX_CRYPTO_H
#define FFX_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

#define CRYPTO_SHA256_LEN 32
#define CRYPTO_SHA512_LEN 64

/* crypto_b64url_decode - decode unpadded base64url (RFC 4648 §5) text
 * s[0..n) into out (room for at least n*3/4+1 bytes). Returns the decoded
 * length, or -1 on any character outside the alphabet, '=' padding, or an
 * impossible length (n % 4 == 1) or non-zero trailing bits. */
long crypto_b64url_decode(const char *s, size_t n, unsigned char *out);

/* crypto_b64url_encode - unpadded base64url of in[0..n) into the arena. */
char *crypto_b64url_encode(struct arena *a, const unsigned char *in, size_t n);

/* crypto_hex - lower-case hex of in[0..n) into out (room for 2n+1). */
void crypto_hex(const unsigned char *in, size_t n, char *out);

/* crypto_hmac_sha256 / _sha512 - MAC of msg under key into out; 0 on success. */
int crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                       unsigned char out[CRYPTO_SHA256_LEN]);
int crypto_hmac_sha512(const void *key, size_t key_len, const void *msg, size_t msg_len,
                       unsigned char out[CRYPTO_SHA512_LEN]);

/* crypto_equal - constant-time equality of two buffers of equal length
 * (CRYPTO_memcmp); buffers of different lengths are unequal (the length is
 * not secret). */
bool crypto_equal(const void *a, size_t a_len, const void *b, size_t b_len);

/* crypto_random - n bytes from the OS CSPRNG; 0 on success. */
int crypto_random(void *out, size_t n);

#endif
