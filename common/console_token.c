/* SPDX-License-Identifier: MIT */
/*
 * console_token.c - derive the console key, mint and verify console tokens.
 */
#include "console_token.h"
#include "cfg.h"
#include "crypto.h"
#include "json.h"
#include "log.h"

#include <openssl/crypto.h>
#include <string.h>

static const struct cfg_key console_token_cfg_keys[] = {
    {"FFX_CONSOLE_TOKEN_SECRET", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET,
     "secret the console tokens' key is derived from (default: SUPABASE_JWT_SECRET); "
     "needed for sign-in links with JWKS only"},
    CFG_END,
};

static struct jwt_keys *keys;
static char key_hex[65];

int
console_token_key_hex(const char *secret, char out[65])
{
    unsigned char mac[CRYPTO_SHA256_LEN];

    if (secret == NULL || secret[0] == '\0')
        return -1;
    if (crypto_hmac_sha256(secret, strlen(secret), CONSOLE_TOKEN_LABEL, strlen(CONSOLE_TOKEN_LABEL),
                           mac) != 0)
        return -1;
    crypto_hex(mac, sizeof(mac), out);
    OPENSSL_cleanse(mac, sizeof(mac));
    return 0;
}

static const char *
configured_secret(void)
{
    const char *own = cfg_str("FFX_CONSOLE_TOKEN_SECRET");

    return own != NULL && own[0] != '\0' ? own : cfg_str("SUPABASE_JWT_SECRET");
}

static int
console_token_check_config(void)
{
    const char *own = cfg_str("FFX_CONSOLE_TOKEN_SECRET");

    if (own != NULL && own[0] != '\0' && strlen(own) < 32) {
        log_event(LOG_ERROR, NULL, "config", "FFX_CONSOLE_TOKEN_SECRET: at least 32 characters");
        return -1;
    }
    return 0;
}

static int
console_token_init(void)
{
    char why[128] = "";

    if (console_token_key_hex(configured_secret(), key_hex) != 0) {
        log_event(LOG_WARN, NULL, "console_token",
                  "no secret for console tokens: sign-in links are refused");
        return 0;
    }
    keys = jwt_keys_load(key_hex, NULL, why, sizeof(why));
    if (keys == NULL) {
        log_event(LOG_ERROR, NULL, "console_token", "unusable console key: %s", why);
        return -1;
    }
    return 0;
}

static void
console_token_fini(void)
{
    jwt_keys_free(keys);
    keys = NULL;
    OPENSSL_cleanse(key_hex, sizeof(key_hex));
}

const struct server_module console_token_module = {
    .name = "console_token",
    .cfg_keys = console_token_cfg_keys,
    .check_config = console_token_check_config,
    .init = console_token_init,
    .fini = console_token_fini,
};

bool
console_token_ready(void)
{
    return keys != NULL;
}

char *
console_token_mint(struct arena *a, const char *user_id, const char *email, const char *staff_role,
                   time_t now)
{
    cJSON *payload = json_object(a);
    cJSON *app = cJSON_AddObjectToObject(payload, "app_metadata");

    if (keys == NULL)
        return NULL;
    cJSON_AddStringToObject(payload, "sub", user_id);
    cJSON_AddStringToObject(payload, "email", email);
    cJSON_AddStringToObject(payload, "role", "authenticated");
    cJSON_AddStringToObject(payload, "aud", CONSOLE_TOKEN_AUD);
    cJSON_AddNumberToObject(payload, "iat", (double)now);
    cJSON_AddNumberToObject(payload, "exp", (double)(now + CONSOLE_TOKEN_TTL_S));
    cJSON_AddStringToObject(app, "role", staff_role);
    cJSON_AddObjectToObject(payload, "user_metadata");
    return jwt_sign_hs256(a, key_hex, payload);
}

int
console_token_verify(struct arena *a, const char *token, time_t now, struct jwt_claims *out,
                     const char **reason)
{
    if (keys == NULL) {
        *reason = "no console key";
        return -1;
    }
    return jwt_verify(keys, a, token, strlen(token), now, CONSOLE_TOKEN_AUD, out, reason);
}
