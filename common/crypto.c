/* SPDX-License-Identifier: MIT */
/*
 * crypto.c - base64url, hex, HMAC and constant-time comparison over
 * OpenSSL 3. Only crypto_b64url_encode allocates (from the caller's arena).
 */
#include "crypto.h"
#include "arena.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* b64url_value - the 6-bit value of c, or -1 outside the alphabet. */
static int
b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

long
crypto_b64url_decode(const char *s, size_t n, unsigned char *out)
{
    unsigned long acc = 0;
    unsigned bits = 0;
    size_t o = 0;

    if (n % 4 == 1 || n > (size_t)LONG_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v = b64url_value((unsigned char)s[i]);

        if (v < 0)
            return -1;
        acc = ((acc << 6) | (unsigned long)v) & 0xFFFFFFu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    /* The 2 or 4 bits left over must be zero: otherwise two different
     * texts would decode to the same bytes. */
    if ((acc & ((1u << bits) - 1)) != 0)
        return -1;
    return (long)o;
}

char *
crypto_b64url_encode(struct arena *a, const unsigned char *in, size_t n)
{
    char *out = arena_alloc(a, n / 3 * 4 + 4);
    size_t o = 0, i = 0;

    for (; i + 2 < n; i += 3) {
        unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];

        out[o++] = b64url_alphabet[v >> 18 & 63];
        out[o++] = b64url_alphabet[v >> 12 & 63];
        out[o++] = b64url_alphabet[v >> 6 & 63];
        out[o++] = b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        out[o++] = b64url_alphabet[in[i] >> 2];
        out[o++] = b64url_alphabet[(in[i] & 3) << 4];
    } else if (n - i == 2) {
        unsigned long v = (unsigned long)in[i] << 8 | in[i + 1];

        out[o++] = b64url_alphabet[v >> 10 & 63];
        out[o++] = b64url_alphabet[v >> 4 & 63];
        out[o++] = b64url_alphabet[(v & 15) << 2];
    }
    out[o] = '\0';
    return out;
}

void
crypto_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int
hmac(const char *digest, const void *key, size_t key_len, const void *msg, size_t msg_len,
     unsigned char *out, size_t out_len)
{
    static const unsigned char empty[1];
    size_t got = 0;

    /* OpenSSL refuses a NULL key even when its length is zero. */
    if (key == NULL || key_len == 0)
        key = empty, key_len = 0;
    if (msg == NULL)
        msg = empty, msg_len = 0;
    if (EVP_Q_mac(NULL, "HMAC", NULL, digest, NULL, key, key_len, msg, msg_len, out, out_len,
                  &got) == NULL ||
        got != out_len) {
        ERR_clear_error();
        return -1;
    }
    return 0;
}

int
crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                   unsigned char out[CRYPTO_SHA256_LEN])
{
    return hmac("SHA256", key, key_len, msg, msg_len, out, CRYPTO_SHA256_LEN);
}

int
crypto_hmac_sha512(const void *key, size_t key_len, const void *msg, size_t msg_len,
                   unsigned char out[CRYPTO_SHA512_LEN])
{
    return hmac("SHA512", key, key_len, msg, msg_len, out, CRYPTO_SHA512_LEN);
}

bool
crypto_equal(const void *a, size_t a_len, const void *b, size_t b_len)
{
    if (a_len != b_len)
        return false;
    if (a_len == 0)
        return true;
    return CRYPTO_memcmp(a, b, a_len) == 0;
}

int
crypto_random(void *out, size_t n)
{
    unsigned char *p = out;

    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;

        if (RAND_bytes(p, chunk) != 1) {
            ERR_clear_error();
            return -1;
        }
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}
