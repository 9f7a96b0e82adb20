/* SPDX-License-Identifier: MIT */
/*
 * smtp.h - the mailer's SMTP relay over libcurl: its configuration keys (FFX_SMTP_*), the TLS
 * mode, and sending one message.
 *
 * TLS: smtps:// is TLS from the start. An smtp:// relay is upgraded with STARTTLS, required
 * (CURLUSESSL_ALL: no STARTTLS offered, or a certificate that does not verify, and nothing but
 * EHLO is sent), when SMTP credentials are set, and in production for every relay that is not
 * a loopback literal (localhost, 127.0.0.0/8, ::1). tls_mode and tls_reason say which mode is in
 * force and why, for the start-up line. Certificates are always verified (FFX_SMTP_CA_FILE adds
 * a CA bundle). One CURL handle for the process keeps the connection between messages.
 *
 * Never logged: the message, the SMTP password.
 */
#ifndef FFX_MAILER_SMTP_H
#define FFX_MAILER_SMTP_H

#include "cfg.h"
#include "strbuf.h"

#include <curl/curl.h>

/* FFX_SMTP_URL, FFX_SMTP_CA_FILE, FFX_SMTP_USER, FFX_SMTP_PASSWORD, FFX_SMTP_TIMEOUT_S */
extern const struct cfg_key smtp_cfg_keys[];

struct smtp_relay {
    CURL *curl; /* NULL until smtp_start */
    const char *url;
    long use_ssl;              /* CURLOPT_USE_SSL for smtp:// (CURLUSESSL_NONE or _ALL) */
    const char *tls_mode;      /* "implicit", "starttls-required" or "none" */
    const char *tls_reason;    /* why that mode, for the start-up line and failures */
    const char *envelope_from; /* the sender's address, set by the caller; kept, not copied */
    long long timeout_s;       /* the whole SMTP transaction */
};

/* smtp_configure - check the FFX_SMTP_* keys (after cfg_load; one log line per bad key) and
 * choose the TLS mode. 0 on success, -1 when a key is bad (exit 2). */
int smtp_configure(struct smtp_relay *r);

/* smtp_start - libcurl and the relay's handle. 0 on success, -1 otherwise. */
int smtp_start(struct smtp_relay *r);

/* smtp_send - send data to `to` (an address checked by the caller). 0 when the relay accepted
 * it; -1 with *why (in data's arena) saying what the server or the transport said, never the
 * message itself. */
int smtp_send(struct smtp_relay *r, const char *to, const struct strbuf *data, const char **why);

/* smtp_finish - close the handle and libcurl; also after a failed or missing start. */
void smtp_finish(struct smtp_relay *r);

#endif
