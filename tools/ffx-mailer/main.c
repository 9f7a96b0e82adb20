/* SPDX-License-Identifier: MIT */
/*
 * ffx-mailer - sends the e-mails of public.email_outbox over SMTP (libcurl).
 *
 *   ffx-mailer           run until SIGTERM/SIGINT (finishes the message in hand, exits 0)
 *   ffx-mailer --once    send what is due now, then exit 0 (tests, cron); 1 if the database
 *                        cannot be reached
 *
 * Loop: LISTEN ffx_outbox (outside any transaction: the login role may LISTEN itself); claim a
 * batch with public.outbox_claim in a short transaction that first sets the claims and the role
 * to service_role; for each message render the template ({{name}} -> the variable's value, a
 * number as the database wrote it, HTML-escaped in the HTML body, unknown names empty), build a
 * multipart/alternative UTF-8 message (common/mime.h) whose Message-ID
 * <outbox-ID@flashfundx.local> is stable per row, send it, then
 * outbox_mark_sent or outbox_mark_failed (backoff and the final failure are the database's).
 * Between rounds wait for a notification or FFX_MAIL_POLL_MS. A lost database connection is
 * reopened every second; a sent message whose acknowledgement failed is acknowledged after the
 * reconnect, so a PostgreSQL restart does not make it go out twice. Delivery is at least once:
 * a crash between the send and the acknowledgement resends after the lease, same Message-ID.
 *
 * TLS: smtps:// is TLS from the start. An smtp:// relay is upgraded with STARTTLS, required
 * (CURLUSESSL_ALL: no STARTTLS offered, or a certificate that does not verify, and nothing but
 * EHLO is sent), when SMTP credentials are set, and in production for every relay that is not
 * a loopback literal (localhost, 127.0.0.0/8, ::1). The start-up line says which mode is in
 * force (smtp_tls, smtp_tls_reason). Certificates are always verified (FFX_SMTP_CA_FILE adds a
 * CA bundle).
 *
 * Never logged: the rendered subject or bodies (they hold the trading account's password), the
 * variables, the SMTP password. Exit status: 0 done, 1 failure, 2 bad configuration or usage.
 *
 * Test builds: FFX_FAILPOINT=mailer-after-send makes the process _exit(99) right after the SMTP
 * server accepted a message and before it is marked sent (common/failpoint.h; the crash-resend
 * test).
 */
#include "arena.h"
#include "cfg.h"
#include "daemon.h"
#include "failpoint.h"
#include "jsonlex.h"
#include "log.h"
#include "mime.h"
#include "pgsession.h"
#include "strbuf.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAILER_NAME    "ffx-mailer"
#define OUTBOX_CHANNEL "ffx_outbox"
#define MSG_ID_DOMAIN  "flashfundx.local"
#define MESSAGE_MAX    (4u << 20) /* a rendered message larger than this is a permanent failure */

static const struct cfg_key mailer_keys[] = {
    {"FFX_SMTP_URL", CFG_STR, "smtp://127.0.0.1:54325", 0, 0, NULL, 0,
     "smtp://host:port or smtps://host:port; credentials go in FFX_SMTP_USER/PASSWORD"},
    {"FFX_SMTP_CA_FILE", CFG_STR, NULL, 0, 0, NULL, 0,
     "CA bundle for smtps:// and STARTTLS; unset: the system's"},
    {"FFX_SMTP_USER", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET, "SMTP AUTH user"},
    {"FFX_SMTP_PASSWORD", CFG_STR, NULL, 0, 0, NULL, CFG_SECRET, "SMTP AUTH password"},
    {"FFX_SMTP_TIMEOUT_S", CFG_INT, "30", 1, 600, NULL, 0, "whole SMTP transaction, seconds"},
    {"FFX_MAIL_FROM", CFG_STR, "FlashFundX <no-reply@flashfundx.local>", 0, 0, NULL, 0,
     "From header; the address in <> is the envelope sender"},
    {"FFX_MAIL_MAX_ATTEMPTS", CFG_INT, "8", 1, 100, NULL, 0, "attempts before a message fails"},
    {"FFX_MAIL_POLL_MS", CFG_INT, "5000", 10, 3600000, NULL, 0,
     "longest wait between rounds without a notification"},
    {"FFX_MAIL_BATCH", CFG_INT, "20", 1, 1000, NULL, 0, "messages claimed per round"},
    {"FFX_MAIL_LEASE_S", CFG_INT, "120", 10, 86400, NULL, 0,
     "how long a claim holds a message before another mailer may take it"},
    CFG_END,
};

/* Process-lifetime state; the strings live in `life`, per-message data in `msg`. */
struct mailer {
    struct pgsession db; /* one connection, LISTENing on OUTBOX_CHANNEL */
    CURL *curl;
    struct arena *life;
    struct arena *round; /* the claimed batch */
    struct arena *msg;   /* one message */
    const char *smtp_url;
    long use_ssl;           /* CURLOPT_USE_SSL for smtp:// (CURLUSESSL_NONE or _ALL) */
    const char *tls_mode;   /* "implicit", "starttls-required" or "none" */
    const char *tls_reason; /* why that mode, for the start-up line and failures */
    const char *from_addr;
    const char *from_header;
    char max_attempts[24];
    char batch[24];
    char lease[24];
    long long lease_s, poll_ms, timeout_s;
};

/* One claimed row; NULL for SQL NULL. */
struct outbox_msg {
    const char *id, *to, *template_name, *subject, *html, *text, *variables, *attempts;
};

/* ---- templates ---- */

enum escape { ESC_NONE, ESC_HTML };

static bool
valid_name(const char *s, size_t n)
{
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* A message's variables: the members of its jsonb object, read by the
 * strict lexer (common/jsonlex.h), whose rules PostgreSQL's output keeps. */
struct vars {
    struct jsonlex_member *members;
    size_t count;
};

/* The text of variable name[0..n): strings as they are, numbers as the
 * database wrote them (an amount keeps its digits: 649.00, not 649; never
 * through a double), booleans as true/false; anything else is empty. */
static const char *
var_value(struct arena *a, const struct vars *vars, const char *name, size_t n)
{
    char key[64];
    const struct jsonlex_member *v = NULL;

    memcpy(key, name, n);
    key[n] = '\0';
    v = jsonlex_find(vars->members, vars->count, key);
    switch (v != NULL ? v->value.kind : JSONLEX_NULL) {
    case JSONLEX_STRING:
        return jsonlex_decode(a, &v->value, NULL);
    case JSONLEX_NUMBER:
        return arena_strndup(a, v->value.text, v->value.len);
    case JSONLEX_TRUE:
        return "true";
    case JSONLEX_FALSE:
        return "false";
    default:
        return "";
    }
}

static void
add_escaped(struct strbuf *out, const char *s, enum escape esc)
{
    static const struct {
        char c;
        const char *entity;
    } html[] = {{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#39;"}};

    if (esc == ESC_NONE) {
        strbuf_str(out, s);
        return;
    }
    for (; *s != '\0'; s++) {
        size_t i = 0;

        while (i < sizeof(html) / sizeof(html[0]) && html[i].c != *s)
            i++;
        if (i < sizeof(html) / sizeof(html[0]))
            strbuf_str(out, html[i].entity);
        else
            strbuf_add(out, s, 1);
    }
}

/* Replace every {{name}} (spaces inside the braces allowed) by its value.
 * Values are inserted once and never scanned again. Text that is not a
 * placeholder, such as "${{x}}"'s "$" or a lone "{{", is copied as it is. */
static void
render(struct strbuf *out, const char *tmpl, const struct vars *vars, enum escape esc)
{
    const char *p = tmpl;

    while (*p != '\0') {
        const char *open = strstr(p, "{{");
        const char *close, *s, *e;

        if (open == NULL) {
            strbuf_str(out, p);
            return;
        }
        strbuf_add(out, p, (size_t)(open - p));
        close = strstr(open + 2, "}}");
        if (close == NULL) {
            strbuf_str(out, open);
            return;
        }
        s = open + 2;
        while (s < close && *s == ' ')
            s++;
        e = close;
        while (e > s && e[-1] == ' ')
            e--;
        if (!valid_name(s, (size_t)(e - s))) {
            strbuf_add(out, open, 2);
            p = open + 2;
            continue;
        }
        add_escaped(out, var_value(out->a, vars, s, (size_t)(e - s)), esc);
        p = close + 2;
    }
}

/* Render subject, text and HTML and build the message. A failure here is
 * permanent (the same row would fail the same way again): *why is set. The
 * Message-ID and the boundary come from the row's id, so a resent message
 * is the same message. */
static int
compose(const struct mailer *m, const struct outbox_msg *msg, struct strbuf *out, const char **why)
{
    struct arena *a = m->msg;
    struct strbuf sub, txt, html;
    struct jsonlex_token object;
    struct vars vars = {NULL, 0};

    if (msg->subject == NULL || msg->html == NULL) {
        *why = arena_sprintf(a, "template %s is missing or inactive", msg->template_name);
        return -1;
    }
    if (!mime_address_ok(msg->to)) {
        *why = "invalid recipient address";
        return -1;
    }
    if (msg->variables == NULL ||
        !jsonlex_document(msg->variables, strlen(msg->variables), &object) ||
        object.kind != JSONLEX_OBJECT) {
        *why = "variables are not a JSON object";
        return -1;
    }
    vars.count = jsonlex_members(a, &object, &vars.members);
    strbuf_init(&sub, a, 0, MESSAGE_MAX);
    strbuf_init(&txt, a, 0, MESSAGE_MAX);
    strbuf_init(&html, a, 0, MESSAGE_MAX);
    render(&sub, msg->subject, &vars, ESC_NONE);
    if (msg->text != NULL)
        render(&txt, msg->text, &vars, ESC_NONE);
    render(&html, msg->html, &vars, ESC_HTML);
    mime_build(out, &(struct mime_message){
                        .from = m->from_header,
                        .to = msg->to,
                        .subject = strbuf_text(&sub),
                        .message_id = arena_sprintf(a, "<outbox-%s@" MSG_ID_DOMAIN ">", msg->id),
                        .date = time(NULL),
                        /* "=_" never occurs in quoted-printable output */
                        .boundary = arena_sprintf(a, "=_ffx_outbox_%s", msg->id),
                        .text = msg->text != NULL ? strbuf_text(&txt) : NULL,
                        .html = strbuf_text(&html),
                    });
    if (sub.too_big || txt.too_big || html.too_big || out->too_big) {
        *why = "rendered message too large";
        return -1;
    }
    return 0;
}

/* ---- SMTP ---- */

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

static void
smtp_options(struct mailer *m, struct curl_slist *rcpt, struct upload *up, char *errbuf)
{
    CURL *c = m->curl;

    curl_easy_reset(c); /* keeps the open connection for the next message */
    curl_easy_setopt(c, CURLOPT_URL, m->smtp_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, arena_sprintf(m->msg, "<%s>", m->from_addr));
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(c, CURLOPT_READDATA, up);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->len);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(m->timeout_s * 1000));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(m->timeout_s < 10 ? m->timeout_s : 10) * 1000L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cfg_is_set("FFX_SMTP_CA_FILE"))
        curl_easy_setopt(c, CURLOPT_CAINFO, cfg_str("FFX_SMTP_CA_FILE"));
    curl_easy_setopt(c, CURLOPT_USE_SSL, m->use_ssl);
    if (cfg_is_set("FFX_SMTP_USER")) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg_str("FFX_SMTP_USER"));
        curl_easy_setopt(c, CURLOPT_PASSWORD,
                         cfg_is_set("FFX_SMTP_PASSWORD") ? cfg_str("FFX_SMTP_PASSWORD") : "");
    }
}

/* Send data[0..len) to `to`. On failure *why says what the server or the
 * transport said (never the message itself). */
static int
smtp_send(struct mailer *m, const char *to, const struct strbuf *data, const char **why)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct upload up = {.data = data->p, .len = data->len};
    struct curl_slist *rcpt = curl_slist_append(NULL, arena_sprintf(m->msg, "<%s>", to));
    CURLcode rc;
    long code = 0;

    if (rcpt == NULL)
        abort();
    smtp_options(m, rcpt, &up, errbuf);
    rc = curl_easy_perform(m->curl);
    /* the handle outlives this frame (a cached connection is closed at cleanup) */
    curl_easy_setopt(m->curl, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(m->curl, CURLOPT_READDATA, NULL);
    curl_easy_setopt(m->curl, CURLOPT_MAIL_RCPT, NULL);
    curl_slist_free_all(rcpt);
    if (rc == CURLE_OK)
        return 0;
    if (rc == CURLE_USE_SSL_FAILED) {
        /* libcurl stopped after EHLO: nothing else went out */
        *why = arena_sprintf(m->msg, "TLS is required (%s) but the relay offers no STARTTLS",
                             m->tls_reason);
        return -1;
    }
    curl_easy_getinfo(m->curl, CURLINFO_RESPONSE_CODE, &code);
    *why = arena_sprintf(m->msg, "%s (smtp %ld)%s%s", curl_easy_strerror(rc), code,
                         errbuf[0] ? ": " : "", errbuf);
    return -1;
}

/* ---- one message ---- */

static const char *
field(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static void
log_msg(enum log_level level, const char *text, const struct outbox_msg *msg, const char *error)
{
    struct log_line l;

    log_begin(&l, level, NULL, "mail", text);
    log_str(&l, "outbox_id", msg->id);
    log_str(&l, "template", msg->template_name);
    log_int(&l, "attempt", strtol(msg->attempts, NULL, 10));
    if (error != NULL)
        log_str(&l, "error", error);
    log_end(&l);
}

static void
mark_failed(struct mailer *m, const struct outbox_msg *msg, const char *why, bool permanent)
{
    /* a permanent failure is recorded as the last allowed attempt */
    const char *max = permanent ? "1" : m->max_attempts;
    PGresult *res = pgsession_tx_exec(&m->db, m->msg, "outbox_mark_failed failed",
                                      "SELECT public.outbox_mark_failed($1::bigint, $2, $3::int)",
                                      3, (const char *const[]){msg->id, why, max});
    const char *status = res && PQntuples(res) == 1 ? field(res, 0, 0) : NULL;

    if (status != NULL && strcmp(status, "failed") == 0)
        log_msg(LOG_ERROR, "message failed for good; an admin can requeue it", msg, why);
    else if (status != NULL)
        log_msg(LOG_WARN, "send failed; will retry", msg, why);
    else
        log_msg(LOG_ERROR, "send failed and could not be recorded; retried after the lease", msg,
                why);
}

/* Record the send. If the connection is gone, reconnect (every second) and
 * record it then, for as long as the lease holds: otherwise the message
 * would go out again once the lease expires. */
static void
mark_sent(struct mailer *m, const struct outbox_msg *msg, double lease_end_ms)
{
    for (;;) {
        if (pgsession_ok(&m->db) && pgsession_tx_exec(&m->db, m->msg, "outbox_mark_sent failed",
                                                      "SELECT public.outbox_mark_sent($1::bigint)",
                                                      1, (const char *const[]){msg->id}) != NULL) {
            log_msg(LOG_INFO, "sent", msg, NULL);
            return;
        }
        if (pgsession_ok(&m->db) || daemon_stop_requested() ||
            daemon_now_ms() + 1000 >= lease_end_ms) {
            log_msg(LOG_ERROR, "sent but could not be marked sent; it will be sent again", msg,
                    NULL);
            return;
        }
        daemon_wait(-1, 1000);
        pgsession_connect(&m->db);
    }
}

static void
process_one(struct mailer *m, const struct outbox_msg *msg, double lease_end_ms)
{
    struct strbuf data;
    const char *why = NULL;

    strbuf_init(&data, m->msg, 0, MESSAGE_MAX);
    if (compose(m, msg, &data, &why) != 0) {
        mark_failed(m, msg, why, true);
        return;
    }
    if (smtp_send(m, msg->to, &data, &why) != 0) {
        mark_failed(m, msg, why, false);
        return;
    }
    failpoint("mailer-after-send"); /* test builds: die between the send and its acknowledgement */
    mark_sent(m, msg, lease_end_ms);
}

/* ---- rounds ---- */

/* Claim one batch and work it. Returns the number claimed, -1 on error. */
static int
claim_round(struct mailer *m)
{
    double claimed_at = daemon_now_ms();
    PGresult *res =
        pgsession_tx_exec(&m->db, m->round, "outbox_claim failed",
                          "SELECT id, to_email, template_name, subject, html_body, text_body,"
                          " variables, attempts FROM public.outbox_claim($1::int, $2::int)",
                          2, (const char *const[]){m->batch, m->lease});
    int n = res ? PQntuples(res) : -1;

    for (int i = 0; i < n; i++) {
        struct outbox_msg msg = {field(res, i, 0), field(res, i, 1), field(res, i, 2),
                                 field(res, i, 3), field(res, i, 4), field(res, i, 5),
                                 field(res, i, 6), field(res, i, 7)};

        /* stopping, the database gone (nothing sent now could be recorded), or too little
         * lease left for a whole SMTP transaction: the rest go back to the pool when their
         * lease expires */
        if (daemon_stop_requested() || !pgsession_ok(&m->db) ||
            daemon_now_ms() - claimed_at + (double)(m->timeout_s + 5) * 1000 >=
                (double)m->lease_s * 1000) {
            log_event(LOG_WARN, NULL, "mail", "left %d claimed messages for a later round", n - i);
            break;
        }
        daemon_hold_stop(true);
        process_one(m, &msg, claimed_at + (double)m->lease_s * 1000);
        arena_reset(m->msg);
        daemon_hold_stop(false);
    }
    arena_reset(m->round);
    return n;
}

/* Claim and send until less than a full batch was due. */
static int
drain(struct mailer *m)
{
    int n;

    do {
        n = claim_round(m);
    } while (!daemon_stop_requested() && n == (int)cfg_int("FFX_MAIL_BATCH"));
    return n < 0 ? -1 : 0;
}

static int
take_notifications(struct mailer *m)
{
    PGnotify *note;
    int n = 0;

    while ((note = PQnotifies(m->db.conn)) != NULL) {
        PQfreemem(note);
        n++;
    }
    return n;
}

/* One pass: what is due now. */
static int
send_due(void *tool)
{
    struct mailer *m = tool;

    arena_reset(m->msg);
    return drain(m);
}

/* Until a notification, a lost connection, a stop signal or FFX_MAIL_POLL_MS; at once when the
 * connection is already gone (the loop reopens it). */
static void
wait_for_work(void *tool, double pass_started_ms)
{
    struct mailer *m = tool;
    double until = daemon_now_ms() + (double)m->poll_ms;

    (void)pass_started_ms; /* the poll interval counts from the end of the pass */
    if (!pgsession_ok(&m->db) || take_notifications(m) > 0)
        return;
    while (daemon_now_ms() < until) {
        enum daemon_wake wake =
            daemon_wait(PQsocket(m->db.conn), (long long)(until - daemon_now_ms()));

        if (wake == DAEMON_WAKE_STOP)
            return;
        if (wake == DAEMON_WAKE_TIMEOUT)
            continue;
        if (!PQconsumeInput(m->db.conn)) {
            log_event(LOG_WARN, NULL, "db", "database connection lost");
            return;
        }
        if (take_notifications(m) > 0 || !pgsession_ok(&m->db))
            return;
    }
}

/* ---- start-up ---- */

/* One log line naming the key (never its value, which may be a secret); 1. */
static int
config_error(const char *key, const char *problem)
{
    struct log_line l;

    log_begin(&l, LOG_ERROR, NULL, "cfg", "invalid configuration");
    log_str(&l, "key", key);
    log_str(&l, "problem", problem);
    log_end(&l);
    return 1;
}

/* FFX_MAIL_FROM: "Name <addr>" or "addr" (mime_mailbox). */
static int
parse_from(struct mailer *m, const char *from)
{
    return mime_mailbox(m->life, from, &m->from_addr, &m->from_header);
}

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

/* The TLS mode for the configured relay (see the top of this file). */
static void
choose_tls(struct mailer *m)
{
    m->use_ssl = CURLUSESSL_NONE;
    if (strncasecmp(m->smtp_url, "smtps://", 8) == 0) {
        m->tls_mode = "implicit";
        m->tls_reason = "smtps:// URL";
        return;
    }
    m->tls_mode = "starttls-required";
    m->use_ssl = CURLUSESSL_ALL;
    if (cfg_is_set("FFX_SMTP_USER"))
        m->tls_reason = "SMTP credentials are never sent in clear";
    else if (cfg_production() && !relay_is_loopback(m->smtp_url))
        m->tls_reason = "production, relay not on loopback";
    else {
        m->tls_mode = "none";
        m->use_ssl = CURLUSESSL_NONE;
        m->tls_reason = cfg_production() ? "loopback relay" : "development, no credentials";
    }
}

static int
check_config(struct mailer *m)
{
    const char *url = cfg_str("FFX_SMTP_URL");
    const char *rest = strstr(url, "://");
    int bad = 0;

    if (strncasecmp(url, "smtp://", 7) != 0 && strncasecmp(url, "smtps://", 8) != 0)
        bad |= config_error("FFX_SMTP_URL", "must start with smtp:// or smtps://");
    else if (strcspn(rest + 3, "/") > strcspn(rest + 3, "@"))
        bad |= config_error("FFX_SMTP_URL", "no credentials in the URL: use FFX_SMTP_USER");
    if (parse_from(m, cfg_str("FFX_MAIL_FROM")) != 0)
        bad |= config_error("FFX_MAIL_FROM", "expected \"Name <user@domain>\" or user@domain");
    if (cfg_int("FFX_MAIL_LEASE_S") < cfg_int("FFX_SMTP_TIMEOUT_S") + 10)
        bad |= config_error("FFX_MAIL_LEASE_S", "must be at least FFX_SMTP_TIMEOUT_S + 10");
    if (cfg_is_set("FFX_SMTP_PASSWORD") && !cfg_is_set("FFX_SMTP_USER"))
        bad |= config_error("FFX_SMTP_USER", "required when FFX_SMTP_PASSWORD is set");
    m->smtp_url = url;
    if (!bad)
        choose_tls(m);
    return bad ? -1 : 0;
}

static int
configure(void *tool)
{
    struct mailer *m = tool;

    if (check_config(m) != 0)
        return -1;
    snprintf(m->max_attempts, sizeof(m->max_attempts), "%lld", cfg_int("FFX_MAIL_MAX_ATTEMPTS"));
    snprintf(m->batch, sizeof(m->batch), "%lld", cfg_int("FFX_MAIL_BATCH"));
    snprintf(m->lease, sizeof(m->lease), "%lld", cfg_int("FFX_MAIL_LEASE_S"));
    m->lease_s = cfg_int("FFX_MAIL_LEASE_S");
    m->poll_ms = cfg_int("FFX_MAIL_POLL_MS");
    m->timeout_s = cfg_int("FFX_SMTP_TIMEOUT_S");
    return 0;
}

static int
start(void *tool)
{
    struct mailer *m = tool;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    m->curl = curl_easy_init();
    return m->curl != NULL ? 0 : -1;
}

/* The started line says the TLS mode in force and why. */
static void
describe(void *tool, struct log_line *started)
{
    const struct mailer *m = tool;

    log_str(started, "smtp_tls", m->tls_mode);
    log_str(started, "smtp_tls_reason", m->tls_reason);
}

static void
finish(void *tool)
{
    struct mailer *m = tool;

    if (m->curl != NULL)
        curl_easy_cleanup(m->curl);
    curl_global_cleanup();
    arena_destroy(m->msg);
    arena_destroy(m->round);
    arena_destroy(m->life);
}

int
main(int argc, char **argv)
{
    struct mailer m = {
        .life = arena_create(4096), .round = arena_create(16384), .msg = arena_create(65536)};

    return daemon_main(
        &(struct daemon_app){
            .name = MAILER_NAME,
            .log_area = "mail",
            .cfg_tables = (const struct cfg_key *const[]){mailer_keys, NULL},
            .db = &m.db,
            .listen_channel = OUTBOX_CHANNEL,
            .tool = &m,
            .configure = configure,
            .start = start,
            .describe = describe,
            .pass = send_due,
            .wait = wait_for_work,
            .finish = finish,
        },
        argc, argv);
}
