/* SPDX-License-Identifier: MIT */
/*
 * smtp.c - the mailer's SMTP relay (smtp.h).
 */
#include "smtp.h"

#include "arena.h"
#include "log.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct cfg_key smtp_cfg_keys[] = {
    {"FFX_SMTP_URL", CFG_STR, "smtp://127.0.0.1:54325", 0, 0, NULL, 0,
     "smtp://host:port or smtps://host:port; credentials go in FFX_SMTP_USER/PASSWORD"},
    {"FFX_SMTP_CA_FILE", CFG_STR, NULL, 0, 0, NULL, 0,
     "CA bundle for smtps:// and STARTTLS; unset: the system's"},
    {"FFX_SMTP_USER", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET, "SMTP AUTH user"},
    {"FFX_SMTP_PASSWORD", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET, "SMTP AUTH password"},
    {"FFX_SMTP_TIMEOUT_S", CFG_INT, "30", 1, 600, NULL, 0, "whole SMTP transaction, seconds"},
    CFG_END,
};

/* ---- configuration and the TLS mode ---- */

/* Whether the URL's host is a loopback literal: localhost, an IPv4 address in 127.0.0.0/8 or
 * [::1]. Decided on the text alone: a name that resolves to a loopback address today may
 * resolve elsewhere tomorrow, so it gets TLS like any remote relay. */
static bool
relay_is_loopback(const char *url)
{
    const char *host = strstr(url, "://") + 3;
    bool bracketed = *host == '[';
    size_t n = bracketed ? strcspn(host + 1, "]") : strcspn(host, ":/?#");
    char name[64];
    struct in_addr v4;
    struct in6_addr v6;

    if (n == 0 || n >= sizeof(name))
        return false;
    memcpy(name, host + bracketed, n);
    name[n] = '\0';
    if (bracketed)
        return inet_pton(AF_INET6, name, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
    if (strcasecmp(name, "localhost") == 0 || strcasecmp(name, "localhost.") == 0)
        return true;
    return inet_pton(AF_INET, name, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

/* The TLS mode for the configured relay (see smtp.h). */
static void
choose_tls(struct smtp_relay *r)
{
    r->use_ssl = CURLUSESSL_NONE;
    if (strncasecmp(r->url, "smtps://", 8) == 0) {
        r->tls_mode = "implicit";
        r->tls_reason = "smtps:// URL";
        return;
    }
    r->tls_mode = "starttls-required";
    r->use_ssl = CURLUSESSL_ALL;
    if (cfg_is_set("FFX_SMTP_USER"))
        r->tls_reason = "SMTP credentials are never sent in clear";
    else if (cfg_production() && !relay_is_loopback(r->url))
        r->tls_reason = "production, relay not on loopback";
    else {
        r->tls_mode = "none";
        r->use_ssl = CURLUSESSL_NONE;
        r->tls_reason = cfg_production() ? "loopback relay" : "development, no credentials";
    }
}

/* The URL's scheme and the credentials' place; one log line per problem. */
static bool
url_and_credentials_ok(const char *url)
{
    const char *rest = strstr(url, "://");
    bool ok = true;

    if (strncasecmp(url, "smtp://", 7) != 0 && strncasecmp(url, "smtps://", 8) != 0) {
        cfg_report_invalid("FFX_SMTP_URL", "must start with smtp:// or smtps://");
        ok = false;
    } else if (strcspn(rest + 3, "/") > strcspn(rest + 3, "@")) {
        cfg_report_invalid("FFX_SMTP_URL", "no credentials in the URL: use FFX_SMTP_USER");
        ok = false;
    }
    if (cfg_is_set("FFX_SMTP_PASSWORD") && !cfg_is_set("FFX_SMTP_USER")) {
        cfg_report_invalid("FFX_SMTP_USER", "required when FFX_SMTP_PASSWORD is set");
        ok = false;
    }
    return ok;
}

int
smtp_configure(struct smtp_relay *r)
{
    r->url = cfg_str("FFX_SMTP_URL");
    r->timeout_s = cfg_int("FFX_SMTP_TIMEOUT_S");
    if (!url_and_credentials_ok(r->url))
        return -1;
    choose_tls(r);
    return 0;
}

int
smtp_start(struct smtp_relay *r)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    r->curl = curl_easy_init();
    return r->curl != NULL ? 0 : -1;
}

void
smtp_finish(struct smtp_relay *r)
{
    if (r->curl != NULL)
        curl_easy_cleanup(r->curl);
    r->curl = NULL;
    curl_global_cleanup();
}

/* ---- one message ---- */

struct upload {
    const char *data;
    size_t len, pos;
};

static size_t
read_upload(char *dst, size_t size, size_t nmemb, void *userdata)
{
    struct upload *u = userdata;
    size_t n = size * nmemb;

    if (n > u->len - u->pos)
        n = u->len - u->pos;
    memcpy(dst, u->data + u->pos, n);
    u->pos += n;
    return n;
}

/* What one message needs besides the relay's settings. */
struct transfer {
    struct curl_slist *rcpt;
    struct upload up;
    struct arena *a;
    char *errbuf; /* CURL_ERROR_SIZE */
};

static void
smtp_options(const struct smtp_relay *r, struct transfer *t)
{
    CURL *c = r->curl;

    curl_easy_reset(c); /* keeps the open connection for the next message */
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, arena_sprintf(t->a, "<%s>", r->envelope_from));
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, t->rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(c, CURLOPT_READDATA, &t->up);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->up.len);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(r->timeout_s * 1000));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(r->timeout_s < 10 ? r->timeout_s : 10) * 1000L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cfg_is_set("FFX_SMTP_CA_FILE"))
        curl_easy_setopt(c, CURLOPT_CAINFO, cfg_str("FFX_SMTP_CA_FILE"));
    curl_easy_setopt(c, CURLOPT_USE_SSL, r->use_ssl);
    if (cfg_is_set("FFX_SMTP_USER")) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg_str("FFX_SMTP_USER"));
        curl_easy_setopt(c, CURLOPT_PASSWORD,
                         cfg_is_set("FFX_SMTP_PASSWORD") ? cfg_str("FFX_SMTP_PASSWORD") : "");
    }
}

int
smtp_send(struct smtp_relay *r, const char *to, const struct strbuf *data, const char **why)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct transfer t = {
        .rcpt = curl_slist_append(NULL, arena_sprintf(data->a, "<%s>", to)),
        .up = {.data = data->p, .len = data->len},
        .a = data->a,
        .errbuf = errbuf,
    };
    CURLcode rc;
    long code = 0;

    if (t.rcpt == NULL)
        abort();
    smtp_options(r, &t);
    rc = curl_easy_perform(r->curl);
    /* the handle outlives this frame (a cached connection is closed at cleanup) */
    curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(r->curl, CURLOPT_READDATA, NULL);
    curl_easy_setopt(r->curl, CURLOPT_MAIL_RCPT, NULL);
    curl_slist_free_all(t.rcpt);
    if (rc == CURLE_OK)
        return 0;
    if (rc == CURLE_USE_SSL_FAILED) {
        /* libcurl stopped after EHLO: nothing else went out */
        *why = arena_sprintf(t.a, "TLS is required (%s) but the relay offers no STARTTLS",
                             r->tls_reason);
        return -1;
    }
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &code);
    *why = arena_sprintf(t.a, "%s (smtp %ld)%s%s", curl_easy_strerror(rc), code,
                         errbuf[0] ? ": " : "", errbuf);
    return -1;
}
