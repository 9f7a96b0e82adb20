/* SPDX-License-Identifier: MIT */
/*
 * test_jwt.c - keys are generated here with OpenSSL (EC P-256, RSA 2048, a
 * second EC key outside the JWKS, RSA 1024) and tokens are signed here, so
 * every row of the verification table is a real token with one thing wrong.
 */
#include "arena.h"
#include "check.h"
#include "crypto.h"
#include "json.h"
#include "jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

#define NOW        1700000000
#define SECRET     "unit-test-hs256-secret-at-least-32-bytes-long"
#define OCT_SECRET "a-jwks-oct-key-which-must-never-verify-anything"
#define UUID       "6f1e3c2a-9b4d-4e8f-a1c2-3d4e5f6a7b8c"

/* Process-lifetime test material, built in setup_keys(). */
static struct arena *keys_arena;
static EVP_PKEY *ec_key, *ec_other, *rsa_key, *rsa_small;
static const char *rsa_pem;
static unsigned char *rsa_der;
static size_t rsa_der_len;

static const struct {
    const char *name;
    EVP_PKEY **key;
    const char *param;
    int pad; /* fixed width in bytes, 0 for minimal */
} vars[] = {
    {"ECX", &ec_key, OSSL_PKEY_PARAM_EC_PUB_X, 32},
    {"ECY", &ec_key, OSSL_PKEY_PARAM_EC_PUB_Y, 32},
    {"EC2X", &ec_other, OSSL_PKEY_PARAM_EC_PUB_X, 32},
    {"EC2Y", &ec_other, OSSL_PKEY_PARAM_EC_PUB_Y, 32},
    {"RSAN", &rsa_key, OSSL_PKEY_PARAM_RSA_N, 0},
    {"RSAE", &rsa_key, OSSL_PKEY_PARAM_RSA_E, 0},
    {"SMALLN", &rsa_small, OSSL_PKEY_PARAM_RSA_N, 0},
    {"SMALLE", &rsa_small, OSSL_PKEY_PARAM_RSA_E, 0},
};
static const char *var_values[NELEM(vars)];

static const char *
b64_param(EVP_PKEY *key, const char *param, int pad)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    int len;

    if (EVP_PKEY_get_bn_param(key, param, &bn) != 1)
        abort();
    len = pad ? pad : BN_num_bytes(bn);
    if (len > (int)sizeof(buf) || BN_bn2binpad(bn, buf, len) != len)
        abort();
    BN_free(bn);
    return crypto_b64url_encode(keys_arena, buf, (size_t)len);
}

static void
setup_keys(void)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long pem_len;
    unsigned char *der = NULL;
    int der_len;

    keys_arena = arena_create(4096);
    ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ec_other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    rsa_small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    if (!ec_key || !ec_other || !rsa_key || !rsa_small || !bio)
        abort();
    for (size_t i = 0; i < NELEM(vars); i++)
        var_values[i] = b64_param(*vars[i].key, vars[i].param, vars[i].pad);

    /* The RSA public key as PEM and DER text: what an algorithm-confusion
     * attacker would use as an HMAC key. */
    if (PEM_write_bio_PUBKEY(bio, rsa_key) != 1)
        abort();
    pem_len = BIO_get_mem_data(bio, &pem);
    rsa_pem = arena_strndup(keys_arena, pem, (size_t)pem_len);
    BIO_free(bio);
    der_len = i2d_PUBKEY(rsa_key, &der);
    if (der_len <= 0)
        abort();
    rsa_der = arena_alloc(keys_arena, (size_t)der_len);
    memcpy(rsa_der, der, (size_t)der_len);
    rsa_der_len = (size_t)der_len;
    OPENSSL_free(der);
}

static void
free_keys(void)
{
    EVP_PKEY_free(ec_key);
    EVP_PKEY_free(ec_other);
    EVP_PKEY_free(rsa_key);
    EVP_PKEY_free(rsa_small);
    arena_destroy(keys_arena);
}

/* expand - tmpl with every @NAME@ replaced by the base64url key parameter. */
static const char *
expand(struct arena *a, const char *tmpl)
{
    enum { CAP = 16384 };
    char *out = arena_alloc(a, CAP);
    size_t o = 0;

    for (const char *p = tmpl; *p != '\0';) {
        const char *end = *p == '@' ? strchr(p + 1, '@') : NULL;
        const char *value = NULL;

        for (size_t i = 0; end != NULL && i < NELEM(vars); i++)
            if (strlen(vars[i].name) == (size_t)(end - p - 1) &&
                memcmp(vars[i].name, p + 1, (size_t)(end - p - 1)) == 0)
                value = var_values[i];
        if (value != NULL) {
            if (o + strlen(value) >= CAP)
                abort();
            memcpy(out + o, value, strlen(value));
            o += strlen(value);
            p = end + 1;
        } else {
            if (o + 1 >= CAP)
                abort();
            out[o++] = *p++;
        }
    }
    return out;
}

/* ---- signing ---------------------------------------------------------- */

enum signer {
    SIGN_HS,       /* HMAC-SHA256 with SECRET */
    SIGN_HS_WRONG, /* HMAC-SHA256 with another secret */
    SIGN_HS_OCT,   /* HMAC-SHA256 with the JWKS "oct" key */
    SIGN_HS_PEM,   /* HMAC-SHA256 keyed with the RSA public key's PEM text */
    SIGN_HS_DER,   /* ... and with its DER bytes */
    SIGN_ES,       /* ES256 with the JWKS EC key, raw r || s */
    SIGN_ES_DER,   /* ES256 with the JWKS EC key, left in DER */
    SIGN_ES_LONG,  /* ES256 with the JWKS EC key, r || s and one more byte */
    SIGN_ES_OTHER, /* ES256 with the EC key that is not in the JWKS */
    SIGN_RS,       /* RS256 with the JWKS RSA key */
    SIGN_EMPTY,    /* no signature at all */
    SIGN_JUNK,     /* four bytes of nonsense */
};

static size_t
sign_pkey(EVP_PKEY *key, const char *input, unsigned char *sig, size_t cap)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len = cap;

    if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(ctx, sig, &len, (const unsigned char *)input, strlen(input)) != 1)
        abort();
    EVP_MD_CTX_free(ctx);
    return len;
}

/* der_to_raw - the DER ECDSA signature in sig as JWS r || s, in place. */
static size_t
der_to_raw(unsigned char *sig, size_t len)
{
    const unsigned char *p = sig;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    const BIGNUM *r = NULL, *s = NULL;

    if (es == NULL)
        abort();
    ECDSA_SIG_get0(es, &r, &s);
    if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
        abort();
    ECDSA_SIG_free(es);
    return 64;
}

static size_t
sign(enum signer signer, const char *input, unsigned char *sig, size_t cap)
{
    const void *key = NULL;
    size_t key_len = 0;

    switch (signer) {
    case SIGN_HS:
        key = SECRET, key_len = strlen(SECRET);
        break;
    case SIGN_HS_WRONG:
        key = SECRET "x", key_len = strlen(SECRET) + 1;
        break;
    case SIGN_HS_OCT:
        key = OCT_SECRET, key_len = strlen(OCT_SECRET);
        break;
    case SIGN_HS_PEM:
        key = rsa_pem, key_len = strlen(rsa_pem);
        break;
    case SIGN_HS_DER:
        key = rsa_der, key_len = rsa_der_len;
        break;
    case SIGN_ES:
        return der_to_raw(sig, sign_pkey(ec_key, input, sig, cap));
    case SIGN_ES_DER:
        return sign_pkey(ec_key, input, sig, cap);
    case SIGN_ES_LONG:
        der_to_raw(sig, sign_pkey(ec_key, input, sig, cap));
        sig[64] = 0;
        return 65;
    case SIGN_ES_OTHER:
        return der_to_raw(sig, sign_pkey(ec_other, input, sig, cap));
    case SIGN_RS:
        return sign_pkey(rsa_key, input, sig, cap);
    case SIGN_EMPTY:
        return 0;
    case SIGN_JUNK:
        memcpy(sig, "junk", 4);
        return 4;
    }
    if (crypto_hmac_sha256(key, key_len, input, strlen(input), sig) != 0)
        abort();
    return CRYPTO_SHA256_LEN;
}

static char *
b64s(struct arena *a, const char *s, size_t n)
{
    return crypto_b64url_encode(a, (const unsigned char *)s, n);
}

/* make_token - header and payload text (payload_len 0: strlen), signed. */
static char *
make_token(struct arena *a, const char *header, const char *payload, size_t payload_len,
           enum signer signer)
{
    char *input = arena_sprintf(a, "%s.%s", b64s(a, header, strlen(header)),
                                b64s(a, payload, payload_len ? payload_len : strlen(payload)));
    unsigned char sig[1024];
    size_t sig_len = sign(signer, input, sig, sizeof(sig));

    return arena_sprintf(a, "%s.%s", input, crypto_b64url_encode(a, sig, sig_len));
}

/* ---- key sets --------------------------------------------------------- */

#define JWK_EC  "{\"kty\":\"EC\",\"kid\":\"ec1\",\"crv\":\"P-256\",\"x\":\"@ECX@\",\"y\":\"@ECY@\"}"
#define JWK_RSA "{\"kty\":\"RSA\",\"kid\":\"rsa1\",\"n\":\"@RSAN@\",\"e\":\"@RSAE@\"}"
#define JWK_OCT "{\"kty\":\"oct\",\"kid\":\"oct1\",\"k\":\"YS1qd2tzLW9jdC1rZXk\"}"
#define JWK_OKP                                                                                    \
    "{\"kty\":\"OKP\",\"kid\":\"ed1\",\"crv\":\"Ed25519\","                                        \
    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"
#define JWKS_FULL "{\"keys\":[" JWK_EC "," JWK_RSA "," JWK_OCT "," JWK_OKP "]}"

enum keyset { KS_FULL, KS_JWKS_ONLY, KS_SECRET_ONLY, KS_N };
static struct jwt_keys *keysets[KS_N];

static void
load_keysets(struct arena *a)
{
    char err[128];

    keysets[KS_FULL] = jwt_keys_load(SECRET, expand(a, JWKS_FULL), err, sizeof(err));
    keysets[KS_JWKS_ONLY] = jwt_keys_load(NULL, expand(a, JWKS_FULL), err, sizeof(err));
    keysets[KS_SECRET_ONLY] = jwt_keys_load(SECRET, NULL, err, sizeof(err));
    CHECK(keysets[KS_FULL] != NULL);
    CHECK(keysets[KS_JWKS_ONLY] != NULL);
    CHECK(keysets[KS_SECRET_ONLY] != NULL);
    if (!keysets[KS_FULL] || !keysets[KS_JWKS_ONLY] || !keysets[KS_SECRET_ONLY]) {
        fprintf(stderr, "cannot load key sets: %s\n", err);
        exit(1);
    }
    CHECK_INTEQ(jwt_keys_count(keysets[KS_FULL]), 3); /* secret, EC, RSA; oct and OKP ignored */
    CHECK_INTEQ(jwt_keys_count(keysets[KS_JWKS_ONLY]), 2);
    CHECK_INTEQ(jwt_keys_count(keysets[KS_SECRET_ONLY]), 1);
    arena_reset(a);
}

/* ---- the verification table ------------------------------------------ */

#define H_HS "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define H_ES "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"ec1\"}"
#define H_RS "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"rsa1\"}"

/* exp is an hour after NOW */
#define P_ANON    "{\"iss\":\"test\",\"role\":\"anon\",\"exp\":1700003600}"
#define P_SERVICE "{\"iss\":\"test\",\"role\":\"service_role\",\"exp\":1700003600}"
#define P_USER                                                                                     \
    "{\"aud\":\"authenticated\",\"sub\":\"" UUID "\",\"email\":\"u@example.com\","                 \
    "\"role\":\"authenticated\",\"iat\":1699996400,\"exp\":1700003600}"
#define P_ROLE(r) "{\"role\":" r ",\"exp\":1700003600}"
#define P_USER_WITH(extra)                                                                         \
    "{\"sub\":\"" UUID "\",\"role\":\"authenticated\",\"exp\":1700003600," extra "}"

#define P_NUL "{\"role\":\"anon\",\"exp\":1700003600,\"x\":\"a\0b\"}"

enum edit {
    EDIT_NONE,
    EDIT_SET,     /* segment seg, middle character := ch */
    EDIT_FLIP,    /* segment seg, middle character := another base64url character */
    EDIT_APPEND,  /* segment seg += alt */
    EDIT_REPLACE, /* segment seg := base64url(alt) */
    EDIT_CUT,     /* segment seg := its first ch characters */
};

#define ANY_FAILURE "*"

static const struct vcase {
    const char *name;
    const char *header;
    const char *payload;
    size_t payload_len; /* 0: strlen */
    enum signer signer;
    enum keyset keys;
    enum edit edit;
    int seg;
    char ch;
    const char *alt;
    const char *audience;
    const char *reason; /* NULL: verifies */
    enum jwt_role role;
    bool is_admin;
} vcases[] = {
    /* valid */
    {.name = "hs256 anon", .header = H_HS, .payload = P_ANON, .signer = SIGN_HS},
    {.name = "hs256 service_role",
     .header = H_HS,
     .payload = P_SERVICE,
     .signer = SIGN_HS,
     .role = JWT_ROLE_SERVICE},
    {.name = "hs256 authenticated",
     .header = H_HS,
     .payload = P_USER,
     .signer = SIGN_HS,
     .role = JWT_ROLE_AUTHENTICATED},
    {.name = "hs256 with a kid still uses the secret",
     .header = "{\"alg\":\"HS256\",\"kid\":\"whatever\"}",
     .payload = P_ANON,
     .signer = SIGN_HS},
    {.name = "es256 authenticated",
     .header = H_ES,
     .payload = P_USER,
     .signer = SIGN_ES,
     .role = JWT_ROLE_AUTHENTICATED},
    {.name = "es256 without the secret configured",
     .header = H_ES,
     .payload = P_USER,
     .signer = SIGN_ES,
     .keys = KS_JWKS_ONLY,
     .role = JWT_ROLE_AUTHENTICATED},
    {.name = "rs256 service_role",
     .header = H_RS,
     .payload = P_SERVICE,
     .signer = SIGN_RS,
     .role = JWT_ROLE_SERVICE},
    {.name = "authenticated, upper-case uuid",
     .header = H_HS,
     .payload =
         "{\"sub\":\"6F1E3C2A-9B4D-4E8F-A1C2-3D4E5F6A7B8C\",\"role\":\"authenticated\",\"exp\":"
         "1700003600}",
     .signer = SIGN_HS,
     .role = JWT_ROLE_AUTHENTICATED},

    /* time claims, NOW = 1700000000, leeway 30 s */
    {.name = "expired beyond leeway",
     .header = H_HS,
     .payload = "{\"role\":\"anon\",\"exp\":1699999969}",
     .signer = SIGN_HS,
     .reason = "expired"},
    {.name = "expired within leeway",
     .header = H_HS,
     .payload = "{\"role\":\"anon\",\"exp\":1699999970}",
     .signer = SIGN_HS},
    {.name = "long expired",
     .header = H_ES,
     .payload = "{\"role\":\"anon\",\"exp\":1000}",
     .signer = SIGN_ES,
     .reason = "expired"},
    {.name = "exp missing",
     .header = H_HS,
     .payload = "{\"role\":\"anon\"}",
     .signer = SIGN_HS,
     .reason = "missing exp"},
    {.name = "exp a string",
     .header = H_HS,
     .payload = "{\"role\":\"anon\",\"exp\":\"1700003600\"}",
     .signer = SIGN_HS,
     .reason = "missing exp"},
    {.name = "exp huge",
     .header = H_HS,
     .payload = "{\"role\":\"anon\",\"exp\":1e300}",
     .signer = SIGN_HS},
    {.name = "nbf beyond leeway",
     .header = H_HS,
     .payload = "{\"role\":\"anon\",\"exp\":1700003600,\"nbf\":1700000031}",
     .signer = SIGN_HS,
     .reason = "not yet valid"},
    {.name = "nbf within leeway",
     .header = H_HS,
     .payload = "{\"role\":\"anon\",\"exp\":1700003600,\"nbf\":1700000030}",
     .signer = SIGN_HS},
    {.name = "nbf not a number",
     .header = H_HS,
     .payload = "{\"role\":\"anon\",\"exp\":1700003600,\"nbf\":\"soon\"}",
     .signer = SIGN_HS,
     .reason = "bad nbf"},
    {.name = "iat beyond leeway",
     .header = H_HS,
     .payload = "{\"role\":\"anon\",\"exp\":1700003600,\"iat\":1700000031}",
     .signer = SIGN_HS,
     .reason = "issued in the future"},
    {.name = "iat within leeway",
     .header = H_HS,
     .payload = "{\"role\":\"anon\",\"exp\":1700003600,\"iat\":1700000030}",
     .signer = SIGN_HS},
    {.name = "iat not a number",
     .header = H_HS,
     .payload = "{\"role\":\"anon\",\"exp\":1700003600,\"iat\":null}",
     .signer = SIGN_HS,
     .reason = "bad iat"},

    /* algorithms */
    {.name = "alg none, empty signature",
     .header = "{\"alg\":\"none\",\"typ\":\"JWT\"}",
     .payload = P_SERVICE,
     .signer = SIGN_EMPTY,
     .reason = "malformed token"},
    {.name = "alg none, some signature",
     .header = "{\"alg\":\"none\",\"typ\":\"JWT\"}",
     .payload = P_SERVICE,
     .signer = SIGN_JUNK,
     .reason = "alg not allowed"},
    {.name = "alg none, hmac signature",
     .header = "{\"alg\":\"none\"}",
     .payload = P_SERVICE,
     .signer = SIGN_HS,
     .reason = "alg not allowed"},
    {.name = "alg HS512",
     .header = "{\"alg\":\"HS512\"}",
     .payload = P_ANON,
     .signer = SIGN_HS,
     .reason = "alg not allowed"},
    {.name = "alg PS256",
     .header = "{\"alg\":\"PS256\",\"kid\":\"rsa1\"}",
     .payload = P_ANON,
     .signer = SIGN_RS,
     .reason = "alg not allowed"},
    {.name = "alg lower case",
     .header = "{\"alg\":\"hs256\"}",
     .payload = P_ANON,
     .signer = SIGN_HS,
     .reason = "alg not allowed"},
    {.name = "alg missing",
     .header = "{\"typ\":\"JWT\"}",
     .payload = P_ANON,
     .signer = SIGN_HS,
     .reason = "alg not allowed"},
    {.name = "alg not a string",
     .header = "{\"alg\":256}",
     .payload = P_ANON,
     .signer = SIGN_HS,
     .reason = "alg not allowed"},
    {.name = "crit header",
     .header = "{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false}",
     .payload = P_ANON,
     .signer = SIGN_HS,
     .reason = "unsupported crit"},
    {.name = "hs256 with a wrong secret",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS_WRONG,
     .reason = "bad signature"},
    {.name = "hs256 keyed with the jwks oct key",
     .header = "{\"alg\":\"HS256\",\"kid\":\"oct1\"}",
     .payload = P_SERVICE,
     .signer = SIGN_HS_OCT,
     .reason = "bad signature"},
    {.name = "hs256 with no secret configured",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .keys = KS_JWKS_ONLY,
     .reason = "no key for alg"},
    {.name = "confusion: hs256 keyed with the RSA PEM",
     .header = "{\"alg\":\"HS256\",\"kid\":\"rsa1\"}",
     .payload = P_SERVICE,
     .signer = SIGN_HS_PEM,
     .reason = "bad signature"},
    {.name = "confusion: hs256 keyed with the RSA DER",
     .header = "{\"alg\":\"HS256\",\"kid\":\"rsa1\"}",
     .payload = P_SERVICE,
     .signer = SIGN_HS_DER,
     .reason = "bad signature"},
    {.name = "confusion: hs256 keyed with the RSA PEM, no secret",
     .header = "{\"alg\":\"HS256\",\"kid\":\"rsa1\"}",
     .payload = P_SERVICE,
     .signer = SIGN_HS_PEM,
     .keys = KS_JWKS_ONLY,
     .reason = "no key for alg"},
    {.name = "confusion: es256 header with the RSA kid",
     .header = "{\"alg\":\"ES256\",\"kid\":\"rsa1\"}",
     .payload = P_SERVICE,
     .signer = SIGN_RS,
     .reason = "key type mismatch"},
    {.name = "confusion: rs256 header with the EC kid",
     .header = "{\"alg\":\"RS256\",\"kid\":\"ec1\"}",
     .payload = P_SERVICE,
     .signer = SIGN_ES,
     .reason = "key type mismatch"},
    {.name = "es256 unknown kid",
     .header = "{\"alg\":\"ES256\",\"kid\":\"ec2\"}",
     .payload = P_ANON,
     .signer = SIGN_ES_OTHER,
     .reason = "unknown kid"},
    {.name = "es256 known kid, other key",
     .header = H_ES,
     .payload = P_ANON,
     .signer = SIGN_ES_OTHER,
     .reason = "bad signature"},
    {.name = "es256 missing kid",
     .header = "{\"alg\":\"ES256\"}",
     .payload = P_ANON,
     .signer = SIGN_ES,
     .reason = "missing kid"},
    {.name = "es256 kid not a string",
     .header = "{\"alg\":\"ES256\",\"kid\":1}",
     .payload = P_ANON,
     .signer = SIGN_ES,
     .reason = "missing kid"},
    {.name = "es256 with no jwks",
     .header = H_ES,
     .payload = P_ANON,
     .signer = SIGN_ES,
     .keys = KS_SECRET_ONLY,
     .reason = "no key for alg"},
    {.name = "es256 signature in DER",
     .header = H_ES,
     .payload = P_ANON,
     .signer = SIGN_ES_DER,
     .reason = "bad signature"},
    {.name = "es256 signature with a byte too many",
     .header = H_ES,
     .payload = P_ANON,
     .signer = SIGN_ES_LONG,
     .reason = "bad signature"},
    {.name = "rs256 unknown kid",
     .header = "{\"alg\":\"RS256\",\"kid\":\"rsa2\"}",
     .payload = P_ANON,
     .signer = SIGN_RS,
     .reason = "unknown kid"},

    /* tampering */
    {.name = "tampered header",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_REPLACE,
     .seg = 0,
     .alt = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"x\":1}",
     .reason = "bad signature"},
    {.name = "tampered payload (hs256)",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_REPLACE,
     .seg = 1,
     .alt = P_SERVICE,
     .reason = "bad signature"},
    {.name = "tampered payload (es256)",
     .header = H_ES,
     .payload = P_ANON,
     .signer = SIGN_ES,
     .edit = EDIT_REPLACE,
     .seg = 1,
     .alt = P_SERVICE,
     .reason = "bad signature"},
    {.name = "tampered payload (rs256)",
     .header = H_RS,
     .payload = P_ANON,
     .signer = SIGN_RS,
     .edit = EDIT_REPLACE,
     .seg = 1,
     .alt = P_SERVICE,
     .reason = "bad signature"},
    {.name = "one header character flipped",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_FLIP,
     .seg = 0,
     .reason = ANY_FAILURE},
    {.name = "one payload character flipped",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_FLIP,
     .seg = 1,
     .reason = "bad signature"},
    {.name = "one signature character flipped (hs256)",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_FLIP,
     .seg = 2,
     .reason = "bad signature"},
    {.name = "one signature character flipped (es256)",
     .header = H_ES,
     .payload = P_ANON,
     .signer = SIGN_ES,
     .edit = EDIT_FLIP,
     .seg = 2,
     .reason = "bad signature"},
    {.name = "one signature character flipped (rs256)",
     .header = H_RS,
     .payload = P_ANON,
     .signer = SIGN_RS,
     .edit = EDIT_FLIP,
     .seg = 2,
     .reason = "bad signature"},
    {.name = "signature a prefix of the mac (hs256)",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_CUT,
     .seg = 2,
     .ch = 20, /* 15 bytes, no trailing bits */
     .reason = "bad signature"},
    {.name = "signature one byte of the mac (hs256)",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_CUT,
     .seg = 2,
     .ch = 2,
     .reason = ANY_FAILURE},
    {.name = "signature truncated (es256)",
     .header = H_ES,
     .payload = P_ANON,
     .signer = SIGN_ES,
     .edit = EDIT_REPLACE,
     .seg = 2,
     .alt = "short",
     .reason = "bad signature"},
    {.name = "signature truncated (rs256)",
     .header = H_RS,
     .payload = P_ANON,
     .signer = SIGN_RS,
     .edit = EDIT_REPLACE,
     .seg = 2,
     .alt = "short",
     .reason = "bad signature"},

    /* base64url and segments */
    {.name = "header has '!'",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_SET,
     .seg = 0,
     .ch = '!',
     .reason = "bad base64url"},
    {.name = "payload has '+'",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_SET,
     .seg = 1,
     .ch = '+',
     .reason = "bad base64url"},
    {.name = "signature has '/'",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_SET,
     .seg = 2,
     .ch = '/',
     .reason = "bad base64url"},
    {.name = "signature padded with '='",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_APPEND,
     .seg = 2,
     .alt = "=",
     .reason = "bad base64url"},
    {.name = "payload with an impossible length",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_APPEND,
     .seg = 1,
     .alt = "A",
     .reason = "bad base64url"},
    {.name = "four segments",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .edit = EDIT_APPEND,
     .seg = 2,
     .alt = ".e30",
     .reason = "malformed token"},

    /* header and payload JSON */
    {.name = "header not JSON",
     .header = "alg=HS256",
     .payload = P_ANON,
     .signer = SIGN_HS,
     .reason = "header not JSON"},
    {.name = "header an array",
     .header = "[\"HS256\"]",
     .payload = P_ANON,
     .signer = SIGN_HS,
     .reason = "header not JSON"},
    {.name = "header a string",
     .header = "\"HS256\"",
     .payload = P_ANON,
     .signer = SIGN_HS,
     .reason = "header not JSON"},
    {.name = "header with trailing bytes",
     .header = H_HS "x",
     .payload = P_ANON,
     .signer = SIGN_HS,
     .reason = "header not JSON"},
    {.name = "payload not JSON",
     .header = H_HS,
     .payload = "role=service_role",
     .signer = SIGN_HS,
     .reason = "payload not JSON"},
    {.name = "payload an array",
     .header = H_HS,
     .payload = "[" P_ANON "]",
     .signer = SIGN_HS,
     .reason = "payload not JSON"},
    {.name = "payload null",
     .header = H_HS,
     .payload = "null",
     .signer = SIGN_HS,
     .reason = "payload not JSON"},
    {.name = "payload with a NUL byte",
     .header = H_HS,
     .payload = P_NUL,
     .payload_len = sizeof(P_NUL) - 1,
     .signer = SIGN_HS,
     .reason = "payload not JSON"},
    {.name = "payload not UTF-8",
     .header = H_HS,
     .payload = "{\"role\":\"anon\",\"exp\":1700003600,\"x\":\"\xff\"}",
     .signer = SIGN_HS,
     .reason = "payload not JSON"},
    {.name = "duplicate role claim",
     .header = H_HS,
     .payload = "{\"role\":\"anon\",\"exp\":1700003600,\"role\":\"service_role\"}",
     .signer = SIGN_HS,
     .reason = "duplicate claim"},
    {.name = "duplicate app_metadata.role",
     .header = H_HS,
     .payload = P_USER_WITH("\"app_metadata\":{\"role\":\"user\",\"role\":\"admin\"}"),
     .signer = SIGN_HS,
     .reason = "duplicate claim"},

    /* role and sub */
    {.name = "role missing",
     .header = H_HS,
     .payload = "{\"exp\":1700003600}",
     .signer = SIGN_HS,
     .reason = "bad role"},
    {.name = "role postgres",
     .header = H_HS,
     .payload = P_ROLE("\"postgres\""),
     .signer = SIGN_HS,
     .reason = "bad role"},
    {.name = "role supabase_admin",
     .header = H_HS,
     .payload = P_ROLE("\"supabase_admin\""),
     .signer = SIGN_HS,
     .reason = "bad role"},
    {.name = "role Anon",
     .header = H_HS,
     .payload = P_ROLE("\"Anon\""),
     .signer = SIGN_HS,
     .reason = "bad role"},
    {.name = "role not a string",
     .header = H_HS,
     .payload = P_ROLE("[\"anon\"]"),
     .signer = SIGN_HS,
     .reason = "bad role"},
    {.name = "authenticated, sub not a uuid",
     .header = H_HS,
     .payload = "{\"sub\":\"not-a-uuid\",\"role\":\"authenticated\",\"exp\":1700003600}",
     .signer = SIGN_HS,
     .reason = "sub not a uuid"},
    {.name = "authenticated, no sub",
     .header = H_ES,
     .payload = "{\"role\":\"authenticated\",\"exp\":1700003600}",
     .signer = SIGN_ES,
     .reason = "sub not a uuid"},
    {.name = "authenticated, sub a number",
     .header = H_HS,
     .payload = "{\"sub\":12345,\"role\":\"authenticated\",\"exp\":1700003600}",
     .signer = SIGN_HS,
     .reason = "sub not a uuid"},

    /* audience */
    {.name = "aud string matches",
     .header = H_HS,
     .payload = P_USER,
     .signer = SIGN_HS,
     .audience = "authenticated",
     .role = JWT_ROLE_AUTHENTICATED},
    {.name = "aud array contains",
     .header = H_HS,
     .payload = P_USER_WITH("\"aud\":[\"other\",\"authenticated\"]"),
     .signer = SIGN_HS,
     .audience = "authenticated",
     .role = JWT_ROLE_AUTHENTICATED},
    {.name = "aud string differs",
     .header = H_HS,
     .payload = P_USER_WITH("\"aud\":\"other\""),
     .signer = SIGN_HS,
     .audience = "authenticated",
     .reason = "audience mismatch"},
    {.name = "aud array without it",
     .header = H_HS,
     .payload = P_USER_WITH("\"aud\":[\"other\",\"authenticate\"]"),
     .signer = SIGN_HS,
     .audience = "authenticated",
     .reason = "audience mismatch"},
    {.name = "aud missing",
     .header = H_HS,
     .payload = P_ANON,
     .signer = SIGN_HS,
     .audience = "authenticated",
     .reason = "audience mismatch"},
    {.name = "aud a number",
     .header = H_HS,
     .payload = P_USER_WITH("\"aud\":1"),
     .signer = SIGN_HS,
     .audience = "authenticated",
     .reason = "audience mismatch"},
    {.name = "aud ignored when not configured",
     .header = H_HS,
     .payload = P_USER_WITH("\"aud\":\"other\""),
     .signer = SIGN_HS,
     .role = JWT_ROLE_AUTHENTICATED},

    /* admin */
    {.name = "app_metadata.role admin",
     .header = H_ES,
     .payload = P_USER_WITH("\"app_metadata\":{\"provider\":\"email\",\"role\":\"admin\"}"),
     .signer = SIGN_ES,
     .role = JWT_ROLE_AUTHENTICATED,
     .is_admin = true},
    {.name = "app_metadata.role user",
     .header = H_HS,
     .payload = P_USER_WITH("\"app_metadata\":{\"role\":\"user\"}"),
     .signer = SIGN_HS,
     .role = JWT_ROLE_AUTHENTICATED},
    {.name = "app_metadata.role Admin",
     .header = H_HS,
     .payload = P_USER_WITH("\"app_metadata\":{\"role\":\"Admin\"}"),
     .signer = SIGN_HS,
     .role = JWT_ROLE_AUTHENTICATED},
    {.name = "user_metadata.role admin",
     .header = H_HS,
     .payload = P_USER_WITH("\"user_metadata\":{\"role\":\"admin\"}"),
     .signer = SIGN_HS,
     .role = JWT_ROLE_AUTHENTICATED},
    {.name = "app_metadata a string",
     .header = H_HS,
     .payload = P_USER_WITH("\"app_metadata\":\"admin\""),
     .signer = SIGN_HS,
     .role = JWT_ROLE_AUTHENTICATED},
    {.name = "app_metadata an array",
     .header = H_HS,
     .payload = P_USER_WITH("\"app_metadata\":[{\"role\":\"admin\"}]"),
     .signer = SIGN_HS,
     .role = JWT_ROLE_AUTHENTICATED},
    {.name = "app_metadata.role admin on service_role",
     .header = H_HS,
     .payload =
         "{\"role\":\"service_role\",\"exp\":1700003600,\"app_metadata\":{\"role\":\"admin\"}}",
     .signer = SIGN_HS,
     .role = JWT_ROLE_SERVICE,
     .is_admin = true},
};

/* apply_edit - the token with one segment changed as the row says. */
static char *
apply_edit(struct arena *a, const char *token, const struct vcase *c)
{
    const char *d1 = strchr(token, '.'), *d2 = strchr(d1 + 1, '.');
    char *seg[3] = {arena_strndup(a, token, (size_t)(d1 - token)),
                    arena_strndup(a, d1 + 1, (size_t)(d2 - d1 - 1)), arena_strdup(a, d2 + 1)};
    char *s = seg[c->seg];
    size_t mid = strlen(s) / 2;

    switch (c->edit) {
    case EDIT_NONE:
        break;
    case EDIT_SET:
        s[mid] = c->ch;
        break;
    case EDIT_FLIP:
        s[mid] = s[mid] == 'A' ? 'B' : 'A';
        break;
    case EDIT_APPEND:
        seg[c->seg] = arena_sprintf(a, "%s%s", s, c->alt);
        break;
    case EDIT_REPLACE:
        seg[c->seg] = b64s(a, c->alt, strlen(c->alt));
        break;
    case EDIT_CUT:
        s[(size_t)c->ch < strlen(s) ? (size_t)c->ch : strlen(s)] = '\0';
        break;
    }
    return arena_sprintf(a, "%s.%s.%s", seg[0], seg[1], seg[2]);
}

static void
run_vcase(struct arena *a, const struct vcase *c)
{
    const char *payload = c->payload;
    size_t payload_len = c->payload_len ? c->payload_len : strlen(payload);
    char *token = apply_edit(a, make_token(a, c->header, payload, payload_len, c->signer), c);
    struct jwt_claims claims;
    const char *reason = "unset";
    int rc =
        jwt_verify(keysets[c->keys], a, token, strlen(token), NOW, c->audience, &claims, &reason);

    if (c->reason == NULL) {
        CHECK_INTEQ(rc, 0);
        CHECK_STREQ(reason, NULL);
        CHECK_INTEQ(claims.role, c->role);
        CHECK_INTEQ(claims.is_admin, c->is_admin);
        CHECK(cJSON_IsObject(claims.payload));
        CHECK(claims.payload_json != NULL && strlen(claims.payload_json) == payload_len &&
              memcmp(claims.payload_json, payload, payload_len) == 0);
    } else if (strcmp(c->reason, ANY_FAILURE) == 0) {
        CHECK_INTEQ(rc, -1);
        CHECK(reason != NULL);
    } else {
        CHECK_INTEQ(rc, -1);
        CHECK_STREQ(reason, c->reason);
    }
    if (rc != 0)
        CHECK(claims.payload == NULL && claims.payload_json == NULL && claims.sub == NULL);
}

static void
test_verify_table(struct arena *a)
{
    for (size_t i = 0; i < NELEM(vcases); i++) {
        int failed = check_failed;

        run_vcase(a, &vcases[i]);
        if (check_failed != failed)
            fprintf(stderr, "  in row \"%s\"\n", vcases[i].name);
        arena_reset(a);
    }
}

/* Literal tokens that never get as far as a signature. */
static const struct {
    const char *token;
    const char *reason;
} literal_cases[] = {
    {"", "malformed token"},
    {"abc", "malformed token"},
    {"eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9", "malformed token"}, /* two segments */
    {"eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.", "malformed token"},
    {".eyJyb2xlIjoiYW5vbiJ9.c2ln", "malformed token"},
    {"eyJhbGciOiJIUzI1NiJ9..c2ln", "malformed token"},
    {"..", "malformed token"},
    {"a.b.c.d", "malformed token"},
    {"a.b.c.", "malformed token"},
    {"e30.e30.e30", "alg not allowed"},
    {"eyJhbGciOiJub25lIn0.eyJyb2xlIjoic2VydmljZV9yb2xlIiwiZXhwIjoxOTgzODEyOTk2fQ.",
     "malformed token"}, /* alg none, role service_role, no signature */
    {"eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2ln", "bad signature"},
};

static void
test_literal_tokens(struct arena *a)
{
    for (size_t i = 0; i < NELEM(literal_cases); i++) {
        struct jwt_claims claims;
        const char *reason = NULL;
        const char *t = literal_cases[i].token;

        CHECK_INTEQ(jwt_verify(keysets[KS_FULL], a, t, strlen(t), NOW, NULL, &claims, &reason), -1);
        CHECK_STREQ(reason, literal_cases[i].reason);
        arena_reset(a);
    }
}

static void
test_claim_fields(struct arena *a)
{
    char *token = make_token(a, H_RS, P_USER, 0, SIGN_RS);
    struct jwt_claims claims;
    const char *reason = NULL;

    CHECK_INTEQ(jwt_verify(keysets[KS_FULL], a, token, strlen(token), NOW, "authenticated", &claims,
                           &reason),
                0);
    CHECK_STREQ(claims.sub, UUID);
    CHECK_STREQ(claims.email, "u@example.com");
    CHECK_INTEQ(claims.exp, 1700003600);
    CHECK_STREQ(claims.payload_json, P_USER);
    CHECK_STREQ(json_string_field(claims.payload, "aud"), "authenticated");

    token = make_token(a, H_HS, P_ANON, 0, SIGN_HS);
    CHECK_INTEQ(jwt_verify(keysets[KS_FULL], a, token, strlen(token), NOW, NULL, &claims, &reason),
                0);
    CHECK(claims.sub == NULL && claims.email == NULL && !claims.is_admin);

    /* Only len bytes count: what follows the token is not read. */
    token = arena_sprintf(a, "%sXYZ.", make_token(a, H_HS, P_ANON, 0, SIGN_HS));
    CHECK_INTEQ(
        jwt_verify(keysets[KS_FULL], a, token, strlen(token) - 4, NOW, NULL, &claims, &reason), 0);

    /* No key set at all, no token, no reason pointer. */
    CHECK_INTEQ(jwt_verify(NULL, a, token, strlen(token) - 4, NOW, NULL, &claims, &reason), -1);
    CHECK_STREQ(reason, "no key for alg");
    CHECK_INTEQ(jwt_verify(keysets[KS_FULL], a, NULL, 0, NOW, NULL, &claims, &reason), -1);
    CHECK_STREQ(reason, "malformed token");
    CHECK_INTEQ(jwt_verify(keysets[KS_FULL], a, "a.b", 3, NOW, NULL, &claims, NULL), -1);
    arena_reset(a);
}

static void
test_length_limit(struct arena *a)
{
    static char pad[JWT_MAX_LEN + 2];
    struct jwt_claims claims;
    const char *reason = NULL;
    size_t longest_ok = 0;

    /* Grow a padding claim until the token crosses JWT_MAX_LEN. */
    for (size_t n = 5900; n < 6200; n++) {
        char *token;
        size_t len;

        memset(pad, 'p', n);
        pad[n] = '\0';
        token = make_token(
            a, H_HS, arena_sprintf(a, "{\"role\":\"anon\",\"exp\":1700003600,\"pad\":\"%s\"}", pad),
            0, SIGN_HS);
        len = strlen(token);
        if (len <= JWT_MAX_LEN) {
            CHECK_INTEQ(jwt_verify(keysets[KS_FULL], a, token, len, NOW, NULL, &claims, &reason),
                        0);
            longest_ok = len;
        } else {
            CHECK_INTEQ(jwt_verify(keysets[KS_FULL], a, token, len, NOW, NULL, &claims, &reason),
                        -1);
            CHECK_STREQ(reason, "token too long");
        }
        arena_reset(a);
    }
    CHECK(longest_ok >= JWT_MAX_LEN - 3);

    /* Rejected before decoding: junk over the limit is "too long", not "malformed". */
    memset(pad, '.', JWT_MAX_LEN + 1);
    CHECK_INTEQ(jwt_verify(keysets[KS_FULL], a, pad, JWT_MAX_LEN + 1, NOW, NULL, &claims, &reason),
                -1);
    CHECK_STREQ(reason, "token too long");
    arena_reset(a);
}

/* The well-known `supabase start` keys, signed with its default secret. */
static void
test_supabase_demo_keys(struct arena *a)
{
    static const struct {
        const char *token;
        enum jwt_role role;
    } demo[] = {
        {"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24i"
         "LCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0",
         JWT_ROLE_ANON},
        {"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZp"
         "Y2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU",
         JWT_ROLE_SERVICE},
    };
    char err[128];
    struct jwt_keys *keys = jwt_keys_load("super-secret-jwt-token-with-at-least-32-characters-long",
                                          NULL, err, sizeof(err));

    CHECK(keys != NULL);
    for (size_t i = 0; keys != NULL && i < NELEM(demo); i++) {
        struct jwt_claims claims;
        const char *reason = NULL;

        CHECK_INTEQ(jwt_verify(keys, a, demo[i].token, strlen(demo[i].token), time(NULL), NULL,
                               &claims, &reason),
                    0);
        CHECK_STREQ(reason, NULL);
        CHECK_INTEQ(claims.role, demo[i].role);
        CHECK_INTEQ(claims.exp, 1983812996);
        CHECK(claims.sub == NULL && !claims.is_admin);
        /* ... and not with another secret. */
        CHECK_INTEQ(jwt_verify(keysets[KS_FULL], a, demo[i].token, strlen(demo[i].token),
                               time(NULL), NULL, &claims, &reason),
                    -1);
        CHECK_STREQ(reason, "bad signature");
    }
    jwt_keys_free(keys);
    arena_reset(a);
}

static void
test_sign_round_trip(struct arena *a)
{
    cJSON *payload = json_object(a);
    cJSON *app = cJSON_AddObjectToObject(payload, "app_metadata");
    struct jwt_claims claims;
    const char *reason = NULL;
    char *token;

    cJSON_AddStringToObject(payload, "sub", UUID);
    cJSON_AddStringToObject(payload, "role", "authenticated");
    cJSON_AddNumberToObject(payload, "exp", NOW + 60);
    cJSON_AddStringToObject(app, "role", "admin");
    token = jwt_sign_hs256(a, SECRET, payload);
    CHECK(token != NULL);
    CHECK(token != NULL && strncmp(token, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37) == 0);
    CHECK_INTEQ(jwt_verify(keysets[KS_FULL], a, token, strlen(token), NOW, NULL, &claims, &reason),
                0);
    CHECK_INTEQ(claims.role, JWT_ROLE_AUTHENTICATED);
    CHECK(claims.is_admin);
    CHECK_STREQ(claims.sub, UUID);
    CHECK_STREQ(claims.payload_json, json_print(a, payload));
    CHECK(jwt_sign_hs256(a, NULL, payload) == NULL);
    CHECK(jwt_sign_hs256(a, "", payload) == NULL);
    CHECK(jwt_sign_hs256(a, SECRET, NULL) == NULL);
    arena_reset(a);
}

/* ---- jwt_keys_load ------------------------------------------------------ */

#define EC_WITH(extra)                                                                             \
    "{\"kty\":\"EC\",\"kid\":\"ec1\",\"crv\":\"P-256\",\"x\":\"@ECX@\",\"y\":\"@ECY@\"" extra "}"
#define RSA_WITH(extra)                                                                            \
    "{\"kty\":\"RSA\",\"kid\":\"rsa1\",\"n\":\"@RSAN@\",\"e\":\"@RSAE@\"" extra "}"
#define KEYS(list) "{\"keys\":[" list "]}"

static const struct {
    const char *secret;
    const char *jwks; /* template, NULL for none */
    long count;       /* -1: load fails */
    const char *err;  /* substring of the reason, when it fails */
} load_cases[] = {
    {NULL, NULL, 0, NULL},
    {"", NULL, 0, NULL},
    {SECRET, NULL, 1, NULL},
    {NULL, KEYS(""), 0, NULL},
    {SECRET, JWKS_FULL, 3, NULL},
    {NULL, KEYS(EC_WITH(",\"alg\":\"ES256\",\"use\":\"sig\"")), 1, NULL},
    {NULL, KEYS(RSA_WITH(",\"alg\":\"RS256\"")), 1, NULL},
    {NULL, KEYS(EC_WITH(",\"d\":\"private-part-is-ignored\"")), 1, NULL},
    {NULL, KEYS(EC_WITH(",\"use\":\"enc\"")), 0, NULL}, /* not a signing key: skipped */
    {NULL, KEYS(JWK_OCT "," JWK_OKP), 0, NULL},
    {NULL, "{", -1, "not a JSON object"},
    {NULL, "", -1, "not a JSON object"},
    {NULL, "[]", -1, "not a JSON object"},
    {NULL, "{}", -1, "\"keys\" array"},
    {NULL, "{\"keys\":{}}", -1, "\"keys\" array"},
    {NULL, KEYS("") " trailing", -1, "not a JSON object"},
    {NULL, KEYS("1"), -1, "kty"},
    {NULL, KEYS("{}"), -1, "kty"},
    {NULL, KEYS("{\"kty\":\"PQC\",\"kid\":\"x\"}"), -1, "unsupported kty"},
    {NULL, KEYS("{\"kty\":\"RSA\",\"kid\":\"small\",\"n\":\"@SMALLN@\",\"e\":\"@SMALLE@\"}"), -1,
     "2048"},
    {NULL, KEYS("{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"@RSAN@\"}"), -1, "n and e"},
    {NULL, KEYS("{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"@RSAN@\",\"e\":\"AQ\"}"), -1,
     "not a valid RSA"},
    {NULL, KEYS("{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"@RSAN@=\",\"e\":\"AQAB\"}"), -1, "n and e"},
    {NULL, KEYS("{\"kty\":\"EC\",\"kid\":\"e\",\"crv\":\"P-384\",\"x\":\"@ECX@\",\"y\":\"@ECY@\"}"),
     -1, "curve"},
    {NULL,
     KEYS("{\"kty\":\"EC\",\"kid\":\"e\",\"crv\":\"secp256k1\",\"x\":\"@ECX@\",\"y\":\"@ECY@\"}"),
     -1, "curve"},
    {NULL, KEYS("{\"kty\":\"EC\",\"kid\":\"e\",\"x\":\"@ECX@\",\"y\":\"@ECY@\"}"), -1, "curve"},
    {NULL, KEYS("{\"kty\":\"EC\",\"kid\":\"e\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"@ECY@\"}"),
     -1, "32-byte"},
    {NULL, KEYS("{\"kty\":\"EC\",\"kid\":\"e\",\"crv\":\"P-256\",\"x\":\"@ECX@\"}"), -1, "32-byte"},
    {NULL,
     KEYS("{\"kty\":\"EC\",\"kid\":\"e\",\"crv\":\"P-256\",\"x\":\"@ECX@\",\"y\":\"@EC2Y@\"}"), -1,
     "not a valid P-256"}, /* not on the curve */
    {NULL, KEYS(EC_WITH("") "," EC_WITH("")), -1, "duplicate kid"},
    {NULL, KEYS(EC_WITH("") ",{\"kty\":\"RSA\",\"kid\":\"ec1\",\"n\":\"@RSAN@\",\"e\":\"@RSAE@\"}"),
     -1, "duplicate kid"},
    {NULL, KEYS(EC_WITH(",\"alg\":\"RS256\"")), -1, "alg must be ES256"},
    {NULL, KEYS(EC_WITH(",\"alg\":\"HS256\"")), -1, "alg must be ES256"},
    {NULL, KEYS(EC_WITH(",\"alg\":\"ES384\"")), -1, "alg must be ES256"},
    {NULL, KEYS(EC_WITH(",\"alg\":null")), -1, "alg must be ES256"},
    {NULL, KEYS(RSA_WITH(",\"alg\":\"ES256\"")), -1, "alg must be RS256"},
    {NULL, KEYS(RSA_WITH(",\"alg\":\"PS256\"")), -1, "alg must be RS256"},
    {NULL, KEYS("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"@ECX@\",\"y\":\"@ECY@\"}"), -1,
     "missing kid"},
    {NULL, KEYS("{\"kty\":\"EC\",\"kid\":\"\",\"crv\":\"P-256\",\"x\":\"@ECX@\",\"y\":\"@ECY@\"}"),
     -1, "missing kid"},
    {SECRET, KEYS(EC_WITH(",\"alg\":\"RS256\"")), -1, "alg must be ES256"}, /* no partial set */
};

static void
test_keys_load(struct arena *a)
{
    for (size_t i = 0; i < NELEM(load_cases); i++) {
        const char *jwks = load_cases[i].jwks ? expand(a, load_cases[i].jwks) : NULL;
        char err[128] = "unset";
        struct jwt_keys *keys = jwt_keys_load(load_cases[i].secret, jwks, err, sizeof(err));
        int failed = check_failed;

        if (load_cases[i].count < 0) {
            CHECK(keys == NULL);
            CHECK(strstr(err, load_cases[i].err) != NULL);
        } else {
            CHECK(keys != NULL);
            CHECK_INTEQ(jwt_keys_count(keys), load_cases[i].count);
        }
        if (check_failed != failed)
            fprintf(stderr, "  in load_cases[%zu], err \"%s\"\n", i, err);
        jwt_keys_free(keys);
        arena_reset(a);
    }
    jwt_keys_free(NULL);
    CHECK_INTEQ(jwt_keys_count(NULL), 0);
}

static const struct {
    const char *s;
    bool ok;
} uuid_cases[] = {
    {UUID, true},
    {"6F1E3C2A-9B4D-4E8F-A1C2-3D4E5F6A7B8C", true},
    {"00000000-0000-0000-0000-000000000000", true},
    {"6f1e3c2a9b4d4e8fa1c23d4e5f6a7b8c", false},
    {"6f1e3c2a-9b4d-4e8f-a1c2-3d4e5f6a7b8", false},
    {"6f1e3c2a-9b4d-4e8f-a1c2-3d4e5f6a7b8c0", false},
    {"6f1e3c2a-9b4d-4e8f-a1c2-3d4e5f6a7b8g", false},
    {"6f1e3c2a_9b4d-4e8f-a1c2-3d4e5f6a7b8c", false},
    {"{6f1e3c2a-9b4d-4e8f-a1c2-3d4e5f6a7b8c}", false},
    {" 6f1e3c2a-9b4d-4e8f-a1c2-3d4e5f6a7b8c", false},
    {"6f1e3c2a-9b4d-4e8f-a1c2-3d4e5f6a7b8c ", false},
    {"", false},
    {NULL, false},
};

static void
test_is_uuid(void)
{
    for (size_t i = 0; i < NELEM(uuid_cases); i++)
        CHECK_INTEQ(jwt_is_uuid(uuid_cases[i].s), uuid_cases[i].ok);
}

int
main(void)
{
    struct arena *a = arena_create(4096);

    setup_keys();
    load_keysets(a);
    test_verify_table(a);
    test_literal_tokens(a);
    test_claim_fields(a);
    test_length_limit(a);
    test_supabase_demo_keys(a);
    test_sign_round_trip(a);
    test_keys_load(a);
    test_is_uuid();
    for (int i = 0; i < KS_N; i++)
        jwt_keys_free(keysets[i]);
    free_keys();
    arena_destroy(a);
    return check_done();
}
