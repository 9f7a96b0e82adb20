/* SPDX-License-Identifier: MIT */
#include "arena.h"
#include "check.h"
#include "crypto.h"

#include <stdlib.h>

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

/* RFC 4231 test cases 1, 2, 6 and 7, plus empty key and message. */
static const struct {
    const char *key; /* NULL: key_len bytes of key_fill */
    unsigned char key_fill;
    size_t key_len;
    const char *msg;
    const char *sha256;
    const char *sha512;
} hmac_cases[] = {
    {NULL, 0x0b, 20, "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
     "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
     "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
    {"Jefe", 0, 4, "what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
     "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
     "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
    {NULL, 0xaa, 131, "Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
     "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
     "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
    {NULL, 0xaa, 131,
     "This is a test using a larger than block-size key and a larger than block-size data. "
     "The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
     "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
     "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
    {"", 0, 0, "", "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad",
     "b936cee86c9f87aa5d3c6f2e84cb5a4239a5fe50480a6ec66b70ab5b1f4ac673"
     "0c6c515421b327ec1d69402e53dfb49ad7381eb067b338fd7b0cb22247225d47"},
};

static void
test_hmac(void)
{
    for (size_t i = 0; i < NELEM(hmac_cases); i++) {
        unsigned char key[256], mac256[CRYPTO_SHA256_LEN], mac512[CRYPTO_SHA512_LEN];
        char hex[2 * CRYPTO_SHA512_LEN + 1];
        size_t key_len = hmac_cases[i].key_len;
        const char *msg = hmac_cases[i].msg;

        if (hmac_cases[i].key != NULL)
            memcpy(key, hmac_cases[i].key, key_len);
        else
            memset(key, hmac_cases[i].key_fill, key_len);
        CHECK_INTEQ(crypto_hmac_sha256(key, key_len, msg, strlen(msg), mac256), 0);
        crypto_hex(mac256, sizeof(mac256), hex);
        CHECK_STREQ(hex, hmac_cases[i].sha256);
        CHECK_INTEQ(crypto_hmac_sha512(key, key_len, msg, strlen(msg), mac512), 0);
        crypto_hex(mac512, sizeof(mac512), hex);
        CHECK_STREQ(hex, hmac_cases[i].sha512);
    }
}

static void
test_hmac_null_key_and_message(void)
{
    unsigned char mac[CRYPTO_SHA256_LEN];
    char hex[2 * CRYPTO_SHA256_LEN + 1];

    CHECK_INTEQ(crypto_hmac_sha256(NULL, 0, NULL, 0, mac), 0);
    crypto_hex(mac, sizeof(mac), hex);
    CHECK_STREQ(hex, hmac_cases[NELEM(hmac_cases) - 1].sha256);
}

/* Round trips: RFC 4648 §10 vectors, and the two characters that differ
 * from standard base64 ('-' for '+', '_' for '/'). */
static const struct {
    const char *raw;
    size_t n;
    const char *b64;
} b64_cases[] = {
    {"", 0, ""},
    {"f", 1, "Zg"},
    {"fo", 2, "Zm8"},
    {"foo", 3, "Zm9v"},
    {"foob", 4, "Zm9vYg"},
    {"fooba", 5, "Zm9vYmE"},
    {"foobar", 6, "Zm9vYmFy"},
    {"\xfb\xff", 2, "-_8"},
    {"\xff\xff\xff", 3, "____"},
    {"\x00\x00", 2, "AAA"},
    {"\x00\x10\x83\x10\x51\x87\x20\x92\x8b\x30\xd3\x8f\x41\x14\x93\x51\x55\x97\x61\x96\x9b\x71"
     "\xd7\x9f\x82\x18\xa3\x92\x59\xa7\xa2\x9a\xab\xb2\xdb\xaf\xc3\x1c\xb3\xd3\x5d\xb7\xe3\x9e"
     "\xbb\xf3\xdf\xbf",
     48, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"},
};

static void
test_b64url_round_trip(struct arena *a)
{
    for (size_t i = 0; i < NELEM(b64_cases); i++) {
        size_t n = strlen(b64_cases[i].b64);
        unsigned char *out = malloc(n * 3 / 4 + 1); /* exactly the documented room */
        long got = crypto_b64url_decode(b64_cases[i].b64, n, out);

        CHECK_INTEQ(got, b64_cases[i].n);
        CHECK(got >= 0 && memcmp(out, b64_cases[i].raw, b64_cases[i].n) == 0);
        CHECK_STREQ(
            crypto_b64url_encode(a, (const unsigned char *)b64_cases[i].raw, b64_cases[i].n),
            b64_cases[i].b64);
        free(out);
    }
    arena_reset(a);
}

static void
test_b64url_round_trip_all_lengths(struct arena *a)
{
    unsigned char raw[64], back[64];

    for (size_t i = 0; i < sizeof(raw); i++)
        raw[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof(raw); n++) {
        char *text = crypto_b64url_encode(a, raw, n);

        CHECK_INTEQ(crypto_b64url_decode(text, strlen(text), back), n);
        CHECK(memcmp(raw, back, n) == 0);
    }
    arena_reset(a);
}

/* Rejections: n is the length to decode (0: strlen). */
static const struct {
    const char *text;
    size_t n;
} b64_bad[] = {
    {"Zg==", 0},       /* padding */
    {"Zm8=", 0},       /* padding */
    {"Zg=", 0},        /* padding */
    {"Zm9v+g", 0},     /* standard base64, not url */
    {"Zm9v/g", 0},     /* standard base64, not url */
    {"Zm9 v", 0},      /* space */
    {"Zm9v\n", 0},     /* newline */
    {"Zm9.", 0},       /* '.' separates JWT segments */
    {"Zm\xc3\xa9", 0}, /* non-ASCII */
    {"Z\0m9", 4},      /* NUL inside */
    {"Z", 0},          /* n % 4 == 1 */
    {"Zm9vY", 0},      /* n % 4 == 1 */
    {"A", 0},          /* n % 4 == 1, even with no bits set */
    {"Zm9vA", 0},      /* n % 4 == 1, even with no bits set */
    {"Zh", 0},         /* trailing bits of 'f' not zero */
    {"Zm9", 0},        /* trailing bits of "fo" not zero */
};

static void
test_b64url_rejects(void)
{
    unsigned char out[16];

    for (size_t i = 0; i < NELEM(b64_bad); i++) {
        size_t n = b64_bad[i].n ? b64_bad[i].n : strlen(b64_bad[i].text);

        CHECK_INTEQ(crypto_b64url_decode(b64_bad[i].text, n, out), -1);
    }
    /* Only n bytes are read: what follows does not matter. */
    CHECK_INTEQ(crypto_b64url_decode("Zm9v==!!", 4, out), 3);
    CHECK_INTEQ(crypto_b64url_decode("", 0, out), 0);
}

static const struct {
    const char *in;
    size_t n;
    const char *hex;
} hex_cases[] = {
    {"", 0, ""},
    {"\x00", 1, "00"},
    {"\x01\xab\xff\x7f", 4, "01abff7f"},
    {"Hi", 2, "4869"},
};

static void
test_hex(void)
{
    for (size_t i = 0; i < NELEM(hex_cases); i++) {
        char out[16];

        memset(out, 'x', sizeof(out));
        crypto_hex((const unsigned char *)hex_cases[i].in, hex_cases[i].n, out);
        CHECK_STREQ(out, hex_cases[i].hex);
    }
}

static const struct {
    const char *a;
    size_t a_len;
    const char *b;
    size_t b_len;
    bool equal;
} equal_cases[] = {
    {"abcdef", 6, "abcdef", 6, true},
    {"abcdef", 6, "abcdeg", 6, false}, /* last byte */
    {"abcdef", 6, "bbcdef", 6, false}, /* first byte */
    {"abcdef", 6, "abcdef", 5, false}, /* equal prefix, different lengths */
    {"abcdef", 5, "abcdef", 6, false},
    {"", 0, "a", 1, false},
    {"", 0, "", 0, true},
    {"a\0b", 3, "a\0c", 3, false}, /* not a string compare */
};

static void
test_equal(void)
{
    for (size_t i = 0; i < NELEM(equal_cases); i++)
        CHECK_INTEQ(crypto_equal(equal_cases[i].a, equal_cases[i].a_len, equal_cases[i].b,
                                 equal_cases[i].b_len),
                    equal_cases[i].equal);
}

static void
test_random(void)
{
    unsigned char a[32], b[32], zero[32] = {0};

    CHECK_INTEQ(crypto_random(a, sizeof(a)), 0);
    CHECK_INTEQ(crypto_random(b, sizeof(b)), 0);
    CHECK(memcmp(a, b, sizeof(a)) != 0);
    CHECK(memcmp(a, zero, sizeof(a)) != 0);
    CHECK_INTEQ(crypto_random(a, 0), 0);
}

int
main(void)
{
    struct arena *a = arena_create(4096);

    test_hmac();
    test_hmac_null_key_and_message();
    test_b64url_round_trip(a);
    test_b64url_round_trip_all_lengths(a);
    test_b64url_rejects();
    test_hex();
    test_equal();
    test_random();
    arena_destroy(a);
    return check_done();
}
