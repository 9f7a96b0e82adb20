/* SPDX-License-Identifier: MIT */
/*
 * jwt.c - JWS compact tokens (HS256, ES256, RS256) and the Supabase claim
 * rules. The key set is malloc'd once at start and owns its EVP_PKEYs until
 * jwt_keys_free; everything a verification produces lives in the caller's
 * arena. Each verification step returns NULL or a static failure reason.
 */
#include "jwt.h"
#include "arena.h"
#include "crypto.h"
#include "json.h"
#include "text.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#define JWK_EC_COORD_LEN 32
#define JWK_RSA_MIN_BITS 2048
#define JWK_FIELD_MAX    2048 /* decoded bytes of one JWK member: a 16384-bit n */
#define ES256_SIG_LEN    (2 * JWK_EC_COORD_LEN)

enum alg { ALG_HS256, ALG_ES256, ALG_RS256 };

static const struct {
    const char *name;
    enum alg alg;
} alg_names[] = {
    {"HS256", ALG_HS256},
    {"ES256", ALG_ES256},
    {"RS256", ALG_RS256},
};

static const struct {
    const char *name;
    enum jwt_role role;
} role_names[] = {
    {"anon", JWT_ROLE_ANON},
    {"authenticated", JWT_ROLE_AUTHENTICATED},
    {"service_role", JWT_ROLE_SERVICE},
};

struct jwk {
    char *kid;
    enum alg alg; /* ES256 for an EC key, RS256 for an RSA key */
    EVP_PKEY *pkey;
};

struct jwt_keys {
    unsigned char *secret; /* HS256 shared secret, NULL when none */
    size_t secret_len;
    struct jwk *jwks;
    size_t njwks;
};

/* The three segments of a token, as text and decoded. */
struct parts {
    const char *seg[3];
    size_t len[3];
    unsigned char *bytes[3];
    size_t n[3];
};

struct header {
    enum alg alg;
    const char *kid; /* NULL when absent */
};

/* ---- key set ---------------------------------------------------------- */

static void
set_err(char *err, size_t err_len, size_t index, const char *kid, const char *why)
{
    if (err == NULL || err_len == 0)
        return;
    if (index == (size_t)-1)
        snprintf(err, err_len, "jwks: %s", why);
    else
        snprintf(err, err_len, "jwks key %zu (kid \"%.40s\"): %s", index, kid ? kid : "", why);
}

/* b64_field - decode the base64url string member `name` of jwk into buf;
 * its length, or -1 when absent, not a string, too long or malformed. */
static long
b64_field(const cJSON *jwk, const char *name, unsigned char buf[JWK_FIELD_MAX])
{
    const char *s = json_string_field(jwk, name);
    size_t n = s ? strlen(s) : 0;

    if (s == NULL || n > (JWK_FIELD_MAX - 1) / 3 * 4)
        return -1;
    return crypto_b64url_decode(s, n, buf);
}

/* pkey_fromdata - a public key of `type` from the parameters in bld, checked
 * with EVP_PKEY_public_check (point on the curve, sane modulus). */
static int
pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY_CTX *check = NULL;
    int rc = -1;

    *out = NULL;
    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
        goto out;
    check = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
    if (check == NULL || EVP_PKEY_public_check(check) != 1)
        goto out;
    rc = 0;
out:
    if (rc != 0) {
        EVP_PKEY_free(*out);
        *out = NULL;
    }
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return rc;
}

static const char *
ec_key(const cJSON *jwk, EVP_PKEY **out)
{
    const char *crv = json_string_field(jwk, "crv");
    unsigned char buf[JWK_FIELD_MAX];
    unsigned char pub[1 + 2 * JWK_EC_COORD_LEN];
    OSSL_PARAM_BLD *bld = NULL;
    const char *why = "x and y must be 32-byte base64url";

    if (crv == NULL || strcmp(crv, "P-256") != 0)
        return "unsupported curve (only P-256)";
    pub[0] = 0x04; /* uncompressed point: 0x04 || x || y */
    if (b64_field(jwk, "x", buf) != JWK_EC_COORD_LEN)
        goto out;
    memcpy(pub + 1, buf, JWK_EC_COORD_LEN);
    if (b64_field(jwk, "y", buf) != JWK_EC_COORD_LEN)
        goto out;
    memcpy(pub + 1 + JWK_EC_COORD_LEN, buf, JWK_EC_COORD_LEN);
    why = "not a valid P-256 public key";
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)) ||
        pkey_fromdata("EC", bld, out) != 0)
        goto out;
    why = NULL;
out:
    OSSL_PARAM_BLD_free(bld);
    return why;
}

static const char *
rsa_key(const cJSON *jwk, EVP_PKEY **out)
{
    unsigned char buf[JWK_FIELD_MAX];
    BIGNUM *n = NULL, *e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    const char *why = "n and e must be base64url";
    long len;

    len = b64_field(jwk, "n", buf);
    if (len > 0)
        n = BN_bin2bn(buf, (int)len, NULL);
    len = b64_field(jwk, "e", buf);
    if (len > 0)
        e = BN_bin2bn(buf, (int)len, NULL);
    if (n == NULL || e == NULL)
        goto out;
    why = "RSA key shorter than 2048 bits";
    if (BN_num_bits(n) < JWK_RSA_MIN_BITS)
        goto out;
    why = "not a valid RSA public key";
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
        pkey_fromdata("RSA", bld, out) != 0)
        goto out;
    why = NULL;
out:
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return why;
}

static const struct jwk *
find_kid(const struct jwt_keys *keys, const char *kid)
{
    for (size_t i = 0; i < keys->njwks; i++)
        if (strcmp(keys->jwks[i].kid, kid) == 0)
            return &keys->jwks[i];
    return NULL;
}

/* jwk_check - why the JWK cannot be used (NULL when it can); *skip when it
 * is one we ignore (symmetric, EdDSA, or not for signatures). */
static const char *
jwk_check(const struct jwt_keys *keys, const cJSON *jwk, struct jwk *k, bool *skip)
{
    const char *kty = json_string_field(jwk, "kty");
    const cJSON *use = cJSON_GetObjectItemCaseSensitive(jwk, "use");
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(jwk, "alg");
    const char *kid = json_string_field(jwk, "kid");

    *skip = false;
    if (!cJSON_IsObject(jwk) || kty == NULL)
        return "not an object with a \"kty\"";
    /* The shared secret comes only from hs256_secret, never from a JWKS. */
    if (strcmp(kty, "oct") == 0 || strcmp(kty, "OKP") == 0 ||
        (use != NULL && !(cJSON_IsString(use) && strcmp(use->valuestring, "sig") == 0))) {
        *skip = true;
        return NULL;
    }
    if (strcmp(kty, "EC") == 0)
        k->alg = ALG_ES256;
    else if (strcmp(kty, "RSA") == 0)
        k->alg = ALG_RS256;
    else
        return "unsupported kty";
    if (alg != NULL &&
        !(cJSON_IsString(alg) && strcmp(alg->valuestring, alg_names[k->alg].name) == 0))
        return k->alg == ALG_ES256 ? "alg must be ES256 for an EC key"
                                   : "alg must be RS256 for an RSA key";
    if (kid == NULL || kid[0] == '\0')
        return "missing kid";
    if (find_kid(keys, kid) != NULL)
        return "duplicate kid";
    return NULL;
}

static int
jwk_load(struct jwt_keys *keys, const cJSON *jwk, size_t index, char *err, size_t err_len)
{
    struct jwk k = {NULL, ALG_ES256, NULL};
    bool skip = false;
    const char *why = jwk_check(keys, jwk, &k, &skip);

    if (why == NULL && skip)
        return 0;
    if (why == NULL)
        why = k.alg == ALG_ES256 ? ec_key(jwk, &k.pkey) : rsa_key(jwk, &k.pkey);
    if (why == NULL) {
        k.kid = strdup(json_string_field(jwk, "kid"));
        why = k.kid ? NULL : "out of memory";
    }
    if (why != NULL) {
        set_err(err, err_len, index, json_string_field(jwk, "kid"), why);
        EVP_PKEY_free(k.pkey);
        return -1;
    }
    keys->jwks[keys->njwks++] = k;
    return 0;
}

static int
jwks_load(struct jwt_keys *keys, const char *json, char *err, size_t err_len)
{
    cJSON *root = cJSON_ParseWithOpts(json, NULL, true);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "keys");
    const cJSON *jwk;
    size_t index = 0;
    int rc = -1;

    if (!cJSON_IsObject(root) || !cJSON_IsArray(list)) {
        set_err(err, err_len, (size_t)-1, NULL, "not a JSON object with a \"keys\" array");
        goto out;
    }
    keys->jwks = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*keys->jwks));
    if (keys->jwks == NULL) {
        set_err(err, err_len, (size_t)-1, NULL, "out of memory");
        goto out;
    }
    cJSON_ArrayForEach(jwk, list)
    {
        if (jwk_load(keys, jwk, index++, err, err_len) != 0)
            goto out;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

struct jwt_keys *
jwt_keys_load(const char *hs256_secret, const char *jwks_json, char *err, size_t err_len)
{
    struct jwt_keys *keys = calloc(1, sizeof(*keys));

    if (err != NULL && err_len > 0)
        err[0] = '\0';
    if (keys == NULL) {
        set_err(err, err_len, (size_t)-1, NULL, "out of memory");
        return NULL;
    }
    if (hs256_secret != NULL && hs256_secret[0] != '\0') {
        keys->secret_len = strlen(hs256_secret);
        keys->secret = malloc(keys->secret_len);
        if (keys->secret == NULL) {
            set_err(err, err_len, (size_t)-1, NULL, "out of memory");
            goto fail;
        }
        memcpy(keys->secret, hs256_secret, keys->secret_len);
    }
    if (jwks_json != NULL && jwks_load(keys, jwks_json, err, err_len) != 0)
        goto fail;
    return keys;
fail:
    jwt_keys_free(keys);
    ERR_clear_error();
    return NULL;
}

void
jwt_keys_free(struct jwt_keys *keys)
{
    if (keys == NULL)
        return;
    for (size_t i = 0; i < keys->njwks; i++) {
        free(keys->jwks[i].kid);
        EVP_PKEY_free(keys->jwks[i].pkey);
    }
    free(keys->jwks);
    if (keys->secret != NULL)
        OPENSSL_cleanse(keys->secret, keys->secret_len);
    free(keys->secret);
    free(keys);
}

size_t
jwt_keys_count(const struct jwt_keys *keys)
{
    if (keys == NULL)
        return 0;
    return (keys->secret != NULL ? 1 : 0) + keys->njwks;
}

/* ---- verification steps ---------------------------------------------- */

static const char *
split_token(const char *token, size_t len, struct parts *p)
{
    const char *s = token, *end = token + len;

    for (int i = 0; i < 3; i++) {
        const char *dot = i < 2 ? memchr(s, '.', (size_t)(end - s)) : end;

        if (dot == NULL || dot == s)
            return "malformed token"; /* too few segments, or an empty one */
        p->seg[i] = s;
        p->len[i] = (size_t)(dot - s);
        s = dot + (i < 2);
    }
    if (memchr(p->seg[2], '.', p->len[2]) != NULL)
        return "malformed token";
    return NULL;
}

static const char *
decode_parts(struct arena *a, struct parts *p)
{
    for (int i = 0; i < 3; i++) {
        /* arena_alloc zeroes, so the decoded text is NUL-terminated too. */
        long n;

        p->bytes[i] = arena_alloc(a, p->len[i] / 4 * 3 + 3);
        n = crypto_b64url_decode(p->seg[i], p->len[i], p->bytes[i]);
        if (n < 0)
            return "bad base64url";
        p->n[i] = (size_t)n;
    }
    return NULL;
}

/* parse_object - bytes as exactly one JSON object with no NUL byte, or NULL. */
static cJSON *
parse_object(struct arena *a, const unsigned char *bytes, size_t n)
{
    cJSON *tree;

    if (n == 0 || memchr(bytes, '\0', n) != NULL)
        return NULL;
    tree = json_parse(a, (const char *)bytes, n);
    return cJSON_IsObject(tree) ? tree : NULL;
}

static const char *
parse_header(struct arena *a, const struct parts *p, struct header *h)
{
    const cJSON *tree = parse_object(a, p->bytes[0], p->n[0]);
    const char *alg = json_string_field(tree, "alg");
    size_t i;

    if (tree == NULL)
        return "header not JSON";
    for (i = 0; alg != NULL && i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
        if (strcmp(alg, alg_names[i].name) == 0)
            break;
    if (alg == NULL || i == sizeof(alg_names) / sizeof(alg_names[0]))
        return "alg not allowed";
    /* RFC 7515 §4.1.11: extensions we do not understand must be refused. */
    if (cJSON_GetObjectItemCaseSensitive(tree, "crit") != NULL)
        return "unsupported crit";
    h->alg = alg_names[i].alg;
    h->kid = json_string_field(tree, "kid");
    return NULL;
}

static bool
digest_verify(EVP_PKEY *pkey, const unsigned char *sig, size_t sig_len, const char *msg,
              size_t msg_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
              EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)msg, msg_len) == 1;

    EVP_MD_CTX_free(ctx);
    return ok;
}

/* check_es256 - JWS carries r || s (32 bytes each); OpenSSL wants DER. */
static const char *
check_es256(EVP_PKEY *pkey, const struct parts *p, size_t signed_len)
{
    unsigned char der[ES256_SIG_LEN + 16];
    unsigned char *q = der;
    ECDSA_SIG *sig = NULL;
    BIGNUM *r = NULL, *s = NULL;
    const char *why = "bad signature";
    int der_len;

    if (p->n[2] != ES256_SIG_LEN)
        return why;
    sig = ECDSA_SIG_new();
    r = BN_bin2bn(p->bytes[2], JWK_EC_COORD_LEN, NULL);
    s = BN_bin2bn(p->bytes[2] + JWK_EC_COORD_LEN, JWK_EC_COORD_LEN, NULL);
    if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1)
        goto out;
    r = s = NULL; /* owned by sig now */
    der_len = i2d_ECDSA_SIG(sig, NULL);
    if (der_len <= 0 || (size_t)der_len > sizeof(der) || i2d_ECDSA_SIG(sig, &q) != der_len)
        goto out;
    if (digest_verify(pkey, der, (size_t)der_len, p->seg[0], signed_len))
        why = NULL;
out:
    ECDSA_SIG_free(sig);
    BN_free(r);
    BN_free(s);
    return why;
}

static const char *
check_hs256(const struct jwt_keys *keys, const struct parts *p, size_t signed_len)
{
    unsigned char mac[CRYPTO_SHA256_LEN];

    if (keys == NULL || keys->secret == NULL)
        return "no key for alg";
    if (crypto_hmac_sha256(keys->secret, keys->secret_len, p->seg[0], signed_len, mac) != 0)
        return "hmac failed";
    if (!crypto_equal(mac, sizeof(mac), p->bytes[2], p->n[2]))
        return "bad signature";
    return NULL;
}

static const char *
check_signature(const struct jwt_keys *keys, const struct parts *p, const struct header *h)
{
    size_t signed_len = p->len[0] + 1 + p->len[1];
    const struct jwk *k;
    bool have_alg = false;

    /* HS256 is checked against the shared secret and nothing else. */
    if (h->alg == ALG_HS256)
        return check_hs256(keys, p, signed_len);
    for (size_t i = 0; keys != NULL && i < keys->njwks; i++)
        have_alg = have_alg || keys->jwks[i].alg == h->alg;
    if (!have_alg)
        return "no key for alg";
    if (h->kid == NULL)
        return "missing kid";
    k = find_kid(keys, h->kid);
    if (k == NULL)
        return "unknown kid";
    if (k->alg != h->alg)
        return "key type mismatch";
    if (h->alg == ALG_ES256)
        return check_es256(k->pkey, p, signed_len);
    if (!digest_verify(k->pkey, p->bytes[2], p->n[2], p->seg[0], signed_len))
        return "bad signature";
    return NULL;
}

static bool
utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t step = utf8_seq_len(s + i, n - i);

        if (step == 0)
            return false;
        i += step;
    }
    return true;
}

/* has_duplicate_names - PostgreSQL's jsonb keeps the last of duplicate
 * names and cJSON finds the first, so the claims we check and the claims
 * RLS sees could differ. */
static bool
has_duplicate_names(const cJSON *node)
{
    for (const cJSON *c = node->child; c != NULL; c = c->next) {
        if (cJSON_IsObject(node))
            for (const cJSON *d = c->next; d != NULL; d = d->next)
                if (strcmp(c->string, d->string) == 0)
                    return true;
        if (has_duplicate_names(c))
            return true;
    }
    return false;
}

static const char *
parse_payload(struct arena *a, const struct parts *p, cJSON **out)
{
    if (!utf8_valid(p->bytes[1], p->n[1]))
        return "payload not JSON";
    *out = parse_object(a, p->bytes[1], p->n[1]);
    if (*out == NULL)
        return "payload not JSON";
    if (has_duplicate_names(*out))
        return "duplicate claim";
    return NULL;
}

static long long
clamp_ll(double v)
{
    if (v >= 9.2e18)
        return LLONG_MAX;
    if (v <= -9.2e18)
        return LLONG_MIN;
    return (long long)v;
}

static const char *
check_times(const cJSON *payload, time_t now, long long *exp_out)
{
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(payload, "exp");
    const cJSON *nbf = cJSON_GetObjectItemCaseSensitive(payload, "nbf");
    const cJSON *iat = cJSON_GetObjectItemCaseSensitive(payload, "iat");
    double t = (double)now;

    if (!cJSON_IsNumber(exp))
        return "missing exp";
    if (t > exp->valuedouble + JWT_LEEWAY_S)
        return "expired";
    if (nbf != NULL && !cJSON_IsNumber(nbf))
        return "bad nbf";
    if (nbf != NULL && t + JWT_LEEWAY_S < nbf->valuedouble)
        return "not yet valid";
    if (iat != NULL && !cJSON_IsNumber(iat))
        return "bad iat";
    if (iat != NULL && iat->valuedouble > t + JWT_LEEWAY_S)
        return "issued in the future";
    *exp_out = clamp_ll(exp->valuedouble);
    return NULL;
}

static const char *
check_audience(const cJSON *payload, const char *audience)
{
    const cJSON *aud = cJSON_GetObjectItemCaseSensitive(payload, "aud");
    const cJSON *item;

    if (audience == NULL)
        return NULL;
    if (cJSON_IsString(aud) && strcmp(aud->valuestring, audience) == 0)
        return NULL;
    if (cJSON_IsArray(aud))
        cJSON_ArrayForEach(item, aud)
        {
            if (cJSON_IsString(item) && strcmp(item->valuestring, audience) == 0)
                return NULL;
        }
    return "audience mismatch";
}

static const char *
read_identity(const cJSON *payload, struct jwt_claims *out)
{
    const char *role = json_string_field(payload, "role");
    const cJSON *app = cJSON_GetObjectItemCaseSensitive(payload, "app_metadata");
    const char *app_role = cJSON_IsObject(app) ? json_string_field(app, "role") : NULL;
    size_t i;

    for (i = 0; role != NULL && i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (strcmp(role, role_names[i].name) == 0)
            break;
    if (role == NULL || i == sizeof(role_names) / sizeof(role_names[0]))
        return "bad role";
    out->role = role_names[i].role;
    out->sub = json_string_field(payload, "sub");
    if (out->role == JWT_ROLE_AUTHENTICATED && !jwt_is_uuid(out->sub))
        return "sub not a uuid";
    out->email = json_string_field(payload, "email");
    out->is_admin = app_role != NULL && strcmp(app_role, "admin") == 0;
    return NULL;
}

static const char *
verify(const struct jwt_keys *keys, struct arena *a, const char *token, size_t len, time_t now,
       const char *audience, struct jwt_claims *out)
{
    struct parts p;
    struct header h = {ALG_HS256, NULL};
    cJSON *payload = NULL;
    const char *why;

    if (len > JWT_MAX_LEN)
        return "token too long";
    if (token == NULL)
        return "malformed token";
    why = split_token(token, len, &p);
    if (why == NULL)
        why = decode_parts(a, &p);
    if (why == NULL)
        why = parse_header(a, &p, &h);
    if (why == NULL)
        why = check_signature(keys, &p, &h);
    /* Nothing below runs on a payload whose signature did not verify. */
    if (why == NULL)
        why = parse_payload(a, &p, &payload);
    if (why == NULL)
        why = check_times(payload, now, &out->exp);
    if (why == NULL)
        why = check_audience(payload, audience);
    if (why == NULL)
        why = read_identity(payload, out);
    if (why != NULL)
        return why;
    out->payload = payload;
    out->payload_json = arena_strndup(a, (const char *)p.bytes[1], p.n[1]);
    return NULL;
}

int
jwt_verify(const struct jwt_keys *keys, struct arena *a, const char *token, size_t len, time_t now,
           const char *audience, struct jwt_claims *out, const char **reason)
{
    const char *why;

    memset(out, 0, sizeof(*out));
    why = verify(keys, a, token, len, now, audience, out);
    if (reason != NULL)
        *reason = why;
    if (why == NULL)
        return 0;
    memset(out, 0, sizeof(*out));
    ERR_clear_error();
    return -1;
}

char *
jwt_sign_hs256(struct arena *a, const char *secret, const cJSON *payload)
{
    static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    unsigned char mac[CRYPTO_SHA256_LEN];
    const char *body;
    char *input;

    if (secret == NULL || secret[0] == '\0' || payload == NULL)
        return NULL;
    body = json_print(a, payload);
    input = arena_sprintf(
        a, "%s.%s", crypto_b64url_encode(a, (const unsigned char *)header, sizeof(header) - 1),
        crypto_b64url_encode(a, (const unsigned char *)body, strlen(body)));
    if (crypto_hmac_sha256(secret, strlen(secret), input, strlen(input), mac) != 0)
        return NULL;
    return arena_sprintf(a, "%s.%s", input, crypto_b64url_encode(a, mac, sizeof(mac)));
}

static bool
is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool
jwt_is_uuid(const char *s)
{
    if (s == NULL)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? s[i] != '-' : !is_hex(s[i]))
            return false;
    }
    return s[36] == '\0';
}
