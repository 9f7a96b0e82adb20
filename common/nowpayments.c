/* SPDX-License-Identifier: MIT */
/*
 * nowpayments.c - the NOWPayments API client. The CURL handle is the only
 * process-lifetime object (np_init/np_fini); everything a call produces
 * (URL, bodies, parsed values) lives in the request's arena. Numbers are
 * turned into text from their JSON lexeme, never through a float format.
 */
#include "nowpayments.h"
#include "arena.h"
#include "call.h"
#include "json.h"
#include "jsonlex.h"
#include "jsonnum.h"
#include "log.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Exponents of amounts are applied by moving the decimal point; larger
 * ones are no amount anyone sends. */
#define NP_EXP_MAX 400

const struct cfg_key np_cfg_keys[] = {
    {"NOWPAYMENTS_BASE_URL", CFG_STR, "https://api.nowpayments.io/v1", 0, 0, NULL, 0,
     "NOWPayments API base URL (the dev stack points it at the simulator)"},
    {"NOWPAYMENTS_API_KEY", CFG_STR, NULL, 0, 0, NULL, CFG_REQUIRED | CFG_SECRET,
     "NOWPayments API key, sent in x-api-key"},
    {"FFX_NP_CONNECT_TIMEOUT_MS", CFG_INT, "3000", 100, 60000, NULL, 0,
     "NOWPayments connect timeout"},
    {"FFX_NP_TIMEOUT_MS", CFG_INT, "10000", 100, 120000, NULL, 0,
     "NOWPayments whole-transfer timeout, per attempt"},
    {"FFX_NP_CA_FILE", CFG_STR, NULL, 0, 0, NULL, 0,
     "extra CA bundle for NOWPayments TLS (tests); verification stays on"},
    CFG_END,
};

static CURL *curl;
static bool curl_global_done;

/* ---- configuration and handle ---------------------------------------- */

static int
config_error(const char *key, const char *why)
{
    cfg_report_invalid(key, why);
    return -1;
}

int
np_check_config(void)
{
    const char *base = cfg_str("NOWPAYMENTS_BASE_URL");
    const char *key = cfg_str("NOWPAYMENTS_API_KEY");
    const char *ca = cfg_str("FFX_NP_CA_FILE");

    if (strncasecmp(base, "https://", 8) != 0 && strncasecmp(base, "http://", 7) != 0)
        return config_error("NOWPAYMENTS_BASE_URL", "not an http(s) URL");
    for (const char *p = key; *p != '\0'; p++)
        if ((unsigned char)*p <= 32 || *p == 0x7F)
            return config_error("NOWPAYMENTS_API_KEY", "contains spaces or control characters");
    if (ca != NULL && access(ca, R_OK) != 0)
        return config_error("FFX_NP_CA_FILE", "not readable");
    return 0;
}

int
np_init(void)
{
    if (curl != NULL)
        return 0;
    if (!curl_global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            log_event(LOG_ERROR, NULL, "nowpayments", "curl_global_init failed");
            return -1;
        }
        curl_global_done = true;
    }
    curl = curl_easy_init();
    if (curl == NULL) {
        log_event(LOG_ERROR, NULL, "nowpayments", "curl_easy_init failed");
        return -1;
    }
    return 0;
}

void
np_fini(void)
{
    if (curl != NULL)
        curl_easy_cleanup(curl);
    curl = NULL;
    if (curl_global_done)
        curl_global_cleanup();
    curl_global_done = false;
}

/* ---- parsers ------------------------------------------------------------ */

/* An answer's top-level members, read by the strict lexer (jsonlex.h):
 * ids and amounts come from their lexemes, exactly; strings are decoded. */
struct np_doc {
    struct jsonlex_member *members;
    size_t count;
};

/* read_object - body[0..n) as a JSON object. A UTF-8 byte-order mark
 * before it is skipped: RFC 8259 lets a parser ignore one, and an answer
 * relayed by some proxy may carry it. */
static int
read_object(struct arena *a, const char *body, size_t n, struct np_doc *d)
{
    static const char bom[] = "\xEF\xBB\xBF";
    struct jsonlex_token root;

    memset(d, 0, sizeof(*d));
    if (body != NULL && n >= 3 && memcmp(body, bom, 3) == 0)
        body += 3, n -= 3;
    if (!jsonlex_document(body, n, &root) || root.kind != JSONLEX_OBJECT)
        return -1;
    d->count = jsonlex_members(a, &root, &d->members);
    return 0;
}

/* member - the value of the first member named key, or NULL. */
static const struct jsonlex_token *
member(const struct np_doc *d, const char *key)
{
    const struct jsonlex_member *m = jsonlex_find(d->members, d->count, key);

    return m != NULL ? &m->value : NULL;
}

static size_t
count_digits(const char *s, size_t i, size_t n)
{
    size_t k = i;

    while (k < n && s[k] >= '0' && s[k] <= '9')
        k++;
    return k - i;
}

/* id_number - a positive integral JSON number below 2^53 as decimal text.
 * Ids sent as JSON numbers come from JavaScript: beyond 2^53 they are
 * already corrupted by the sender, so they are refused. */
static char *
id_number(struct arena *a, const struct jsonlex_token *v)
{
    struct jsonnum x;
    long long id = 0;

    if (!jsonnum_read(v->text, v->len, &x) || !jsonnum_integer(&x, &id) || id < 1 ||
        id >= 9007199254740992LL)
        return NULL;
    return arena_sprintf(a, "%lld", id);
}

/* id_string - a string id as sent (its raw text, so no escapes and no
 * \u0000): all digits, leading zeros dropped, within a bigint. */
static char *
id_string(struct arena *a, const struct jsonlex_token *v)
{
    const char *s = v->text + 1;
    size_t n = v->len - 2;

    if (n == 0 || count_digits(s, 0, n) != n)
        return NULL;
    while (n > 1 && *s == '0')
        s++, n--;
    if (*s == '0' || n > 19 || (n == 19 && strncmp(s, "9223372036854775807", 19) > 0))
        return NULL;
    return arena_strndup(a, s, n);
}

/* plain - a JSON number's lexeme s[0..n) as plain decimal text (exact:
 * "649.50" stays, "1e-7" is "0.0000001"); NULL when it is not a number or
 * its exponent is past NP_EXP_MAX. */
static char *
plain(struct arena *a, const char *s, size_t n)
{
    struct jsonnum x;

    return jsonnum_read(s, n, &x) ? jsonnum_plain(a, &x, NP_EXP_MAX) : NULL;
}

enum np_kind {
    NP_ID,     /* id_number or id_string; the field marked required identifies the object */
    NP_AMOUNT, /* number, or a string holding one -> plain */
    NP_TEXT,   /* string */
    NP_TIME,   /* ISO string as is, or epoch ms number as decimal text */
};

struct np_field {
    const char *key;
    size_t off; /* of the const char * in the output struct */
    enum np_kind kind;
    bool required;
};

#define PAY(k) #k, offsetof(struct np_payment, k)
static const struct np_field payment_fields[] = {
    {PAY(payment_id), NP_ID, true},
    {PAY(payment_status), NP_TEXT, false},
    {PAY(pay_address), NP_TEXT, false},
    {PAY(pay_amount), NP_AMOUNT, false},
    {PAY(pay_currency), NP_TEXT, false},
    {PAY(price_amount), NP_AMOUNT, false},
    {PAY(price_currency), NP_TEXT, false},
    {PAY(actually_paid), NP_AMOUNT, false},
    {PAY(outcome_amount), NP_AMOUNT, false},
    {PAY(outcome_currency), NP_TEXT, false},
    {PAY(order_id), NP_TEXT, false},
    {PAY(order_description), NP_TEXT, false},
    {PAY(invoice_id), NP_ID, false},
    {PAY(parent_payment_id), NP_ID, false},
    {PAY(purchase_id), NP_ID, false},
    {PAY(created_at), NP_TIME, false},
    {PAY(updated_at), NP_TIME, false},
    {PAY(expiration_estimate_date), NP_TIME, false},
    {NULL, 0, NP_TEXT, false},
};
#undef PAY

#define INV(k) #k, offsetof(struct np_invoice, k)
static const struct np_field invoice_fields[] = {
    {INV(id), NP_ID, true},
    {INV(invoice_url), NP_TEXT, false},
    {INV(order_id), NP_TEXT, false},
    {INV(price_amount), NP_AMOUNT, false},
    {INV(price_currency), NP_TEXT, false},
    {INV(pay_currency), NP_TEXT, false},
    {INV(created_at), NP_TIME, false},
    {NULL, 0, NP_TEXT, false},
};
#undef INV

/* field_text - *out for one member; NULL for null or absent. -1 when the
 * member has a type the field does not take (the body is not the shape we
 * know, and a wrong id or amount must not pass as absent). */
static int
field_text(struct arena *a, const struct np_doc *d, const struct np_field *f, const char **out)
{
    const struct jsonlex_token *v = member(d, f->key);
    bool string = v != NULL && v->kind == JSONLEX_STRING;
    bool number = v != NULL && v->kind == JSONLEX_NUMBER;

    *out = NULL;
    if (v == NULL || v->kind == JSONLEX_NULL)
        return f->required ? -1 : 0;
    if (f->kind == NP_ID && number)
        *out = id_number(a, v);
    else if (f->kind == NP_ID && string)
        *out = id_string(a, v);
    else if (f->kind == NP_AMOUNT && string)
        *out = plain(a, v->text + 1, v->len - 2); /* as sent: an escape is no digit */
    else if (f->kind != NP_ID && string)
        *out = jsonlex_decode(a, v, NULL);
    else if ((f->kind == NP_AMOUNT || f->kind == NP_TIME) && number)
        *out = plain(a, v->text, v->len);
    return *out == NULL ? -1 : 0;
}

static int
parse_fields(struct arena *a, const char *body, size_t n, const struct np_field *fields, void *out)
{
    struct np_doc d;

    if (read_object(a, body, n, &d) != 0)
        return -1;
    for (const struct np_field *f = fields; f->key != NULL; f++) {
        const char **slot = (const char **)(void *)((char *)out + f->off);

        if (field_text(a, &d, f, slot) != 0)
            return -1;
    }
    return 0;
}

int
np_parse_payment(struct arena *a, const char *body, size_t n, struct np_payment *out)
{
    struct np_payment p;

    memset(out, 0, sizeof(*out));
    memset(&p, 0, sizeof(p));
    if (parse_fields(a, body, n, payment_fields, &p) != 0)
        return -1;
    p.raw_json = arena_strndup(a, body, n);
    *out = p;
    return 0;
}

int
np_parse_invoice(struct arena *a, const char *body, size_t n, struct np_invoice *out)
{
    struct np_invoice v;

    memset(out, 0, sizeof(*out));
    memset(&v, 0, sizeof(v));
    if (parse_fields(a, body, n, invoice_fields, &v) != 0)
        return -1;
    v.raw_json = arena_strndup(a, body, n);
    *out = v;
    return 0;
}

/* nonempty_string - the member key when it is a string of at least one
 * character, decoded; else NULL. */
static const char *
nonempty_string(struct arena *a, const struct np_doc *d, const char *key)
{
    const struct jsonlex_token *v = member(d, key);

    return v != NULL && v->kind == JSONLEX_STRING && v->len > 2 ? jsonlex_decode(a, v, NULL) : NULL;
}

/* status_code - statusCode when it is an integral number from 0 to 999,
 * else 0. */
static int
status_code(const struct np_doc *d)
{
    const struct jsonlex_token *v = member(d, "statusCode");
    struct jsonnum x;
    long long code = 0;

    if (v == NULL || v->kind != JSONLEX_NUMBER || !jsonnum_read(v->text, v->len, &x) ||
        !jsonnum_integer(&x, &code) || code < 0 || code > 999)
        return 0;
    return (int)code;
}

int
np_parse_error(struct arena *a, const char *body, size_t n, struct np_api_error *out)
{
    struct np_doc d;

    memset(out, 0, sizeof(*out));
    if (read_object(a, body, n, &d) != 0)
        return -1;
    out->status_code = status_code(&d);
    out->code = nonempty_string(a, &d, "code");
    out->message = nonempty_string(a, &d, "message");
    if (out->code == NULL && out->message == NULL) {
        memset(out, 0, sizeof(*out));
        return -1;
    }
    return 0;
}

/* ---- transport ------------------------------------------------------------ */

struct np_buf {
    char *data; /* malloc: lives for one call */
    size_t len, cap;
    bool too_large;
};

struct np_call {
    const char *method; /* "GET" or "POST" */
    const char *path;   /* below the base URL, e.g. "/payment/123" */
    const char *body;   /* POST only */
    int (*parse)(struct arena *, const char *, size_t, void *);
    void *out;
    const struct np_limits *limits; /* NULL: the configured timeouts and retries */

    struct np_buf buf;
    CURLcode cc;
    long status;
    int attempts;
    bool too_large; /* the last attempt's body went past NP_RESPONSE_MAX */
    char errbuf[CURL_ERROR_SIZE];
    const char *resp; /* arena copy of the last response body, NUL-terminated */
    size_t resp_len;
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct np_buf *b = ud;
    size_t n = size * nmemb;

    if (n > NP_RESPONSE_MAX - b->len) {
        b->too_large = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;

        while (cap < b->len + n)
            cap *= 2;
        b->data = realloc(b->data, cap);
        if (b->data == NULL)
            abort();
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    return n;
}

static struct curl_slist *
add_header(struct curl_slist *list, const char *h)
{
    struct curl_slist *l = curl_slist_append(list, h);

    if (l == NULL)
        abort();
    return l;
}

static struct curl_slist *
make_headers(struct arena *a, bool post)
{
    struct curl_slist *h = NULL;

    h = add_header(h, arena_sprintf(a, "x-api-key: %s", cfg_str("NOWPAYMENTS_API_KEY")));
    h = add_header(h, "Accept: application/json");
    if (post) {
        h = add_header(h, "Content-Type: application/json");
        h = add_header(h, "Expect:"); /* no 100-continue round trip */
    }
    return h;
}

/* The whole call's timeout: FFX_NP_TIMEOUT_MS, or the caller's shorter
 * budget. */
static long
call_timeout_ms(const struct np_call *c)
{
    long configured = (long)cfg_int("FFX_NP_TIMEOUT_MS");

    if (c->limits == NULL || c->limits->timeout_ms <= 0 || c->limits->timeout_ms > configured)
        return configured;
    return c->limits->timeout_ms;
}

static bool
set_options(struct np_call *c, const char *url, struct curl_slist *headers)
{
    const char *ca = cfg_str("FFX_NP_CA_FILE");
    long timeout = call_timeout_ms(c);
    long connect = (long)cfg_int("FFX_NP_CONNECT_TIMEOUT_MS");
    bool bad = false;

    bad |= curl_easy_setopt(curl, CURLOPT_URL, url) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                            connect < timeout ? connect : timeout) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, c->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    if (ca != NULL)
        bad |= curl_easy_setopt(curl, CURLOPT_CAINFO, ca) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_USERAGENT, "flashfundx-backend") != CURLE_OK;
    bad |=
        curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)NP_RESPONSE_MAX) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK;
    bad |= curl_easy_setopt(curl, CURLOPT_WRITEDATA, &c->buf) != CURLE_OK;
    if (c->body != NULL) {
        bad |= curl_easy_setopt(curl, CURLOPT_POSTFIELDS, c->body) != CURLE_OK;
        bad |= curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(c->body)) !=
               CURLE_OK;
        /* libcurl silently resends a request whose reused connection died
         * before an answer; for a POST that may create a second invoice. A
         * fresh connection that is not kept makes every POST exactly one try. */
        bad |= curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L) != CURLE_OK;
        bad |= curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK;
    }
    return !bad;
}

static void
perform_once(struct np_call *c, const char *url, struct curl_slist *headers)
{
    c->buf.len = 0;
    c->buf.too_large = false;
    c->errbuf[0] = '\0';
    c->status = 0;
    c->attempts++;
    curl_easy_reset(curl); /* keeps the connection cache */
    if (!set_options(c, url, headers)) {
        c->cc = CURLE_FAILED_INIT;
        return;
    }
    c->cc = curl_easy_perform(curl);
    if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &c->status) != CURLE_OK)
        c->status = 0;
}

static bool
retryable(const struct np_call *c)
{
    switch (c->cc) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return true;
    case CURLE_OK:
        return c->status >= 500 || c->status == 429;
    default:
        return false;
    }
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static const char *
base_url(struct arena *a)
{
    const char *base = cfg_str("NOWPAYMENTS_BASE_URL");
    size_t n = strlen(base);

    while (n > 0 && base[n - 1] == '/')
        n--;
    return arena_strndup(a, base, n);
}

/* GETs are retried (200 ms, then 600 ms) unless the caller asked for a
 * single attempt; a POST may have created something upstream, so it gets
 * exactly one attempt. */
static void
perform(struct call *call, struct np_call *c)
{
    static const long backoff_ms[] = {200, 600};
    const char *url = arena_sprintf(call->arena, "%s%s", base_url(call->arena), c->path);
    bool post = c->body != NULL;
    bool once = post || (c->limits != NULL && c->limits->single_attempt);
    struct curl_slist *headers;

    if (curl == NULL && np_init() != 0) {
        c->cc = CURLE_FAILED_INIT;
        return;
    }
    headers = make_headers(call->arena, post);
    for (size_t i = 0;; i++) {
        perform_once(c, url, headers);
        if (once || i == sizeof(backoff_ms) / sizeof(backoff_ms[0]) || !retryable(c))
            break;
        sleep_ms(backoff_ms[i]);
    }
    curl_slist_free_all(headers);
    c->resp = arena_strndup(call->arena, c->buf.data ? c->buf.data : "", c->buf.len);
    c->resp_len = c->buf.len;
    c->too_large = c->buf.too_large;
    free(c->buf.data);
    memset(&c->buf, 0, sizeof(c->buf));
}

/* failure_reason - the short text after "NowPayments error: " for a call
 * that did not get a 2xx; the provider's own message when it sent one. */
static const char *
failure_reason(struct call *call, const struct np_call *c, struct np_api_error *pe)
{
    if (c->cc == CURLE_OPERATION_TIMEDOUT)
        return "timeout";
    if (c->too_large || c->cc == CURLE_FILESIZE_EXCEEDED)
        return "response too large";
    if (c->cc != CURLE_OK)
        return "connection failed";
    if (np_parse_error(call->arena, c->resp, c->resp_len, pe) == 0)
        return pe->message != NULL ? pe->message : pe->code;
    if (c->status == 429)
        return "rate limited";
    if (c->status >= 500)
        return "service unavailable";
    return arena_sprintf(call->arena, "unexpected status %ld", c->status);
}

static const char *
curl_text(const struct np_call *c)
{
    if (c->cc == CURLE_OK)
        return NULL;
    return c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(c->cc);
}

static void
log_call(const struct call *call, const struct np_call *c, double ms, const char *reason,
         const char *code)
{
    struct log_line l;

    log_begin(&l, reason ? LOG_WARN : LOG_INFO, call->request_id, "nowpayments",
              reason ? "upstream call failed" : "upstream call");
    log_str(&l, "method", c->method);
    log_strn(&l, "path", c->path, strcspn(c->path, "?"));
    log_int(&l, "status", c->status);
    log_int(&l, "attempts", c->attempts);
    log_double(&l, "dur_ms", ms);
    log_str(&l, "outcome", reason ? reason : "ok");
    if (code != NULL)
        log_str(&l, "code", code);
    if (curl_text(c) != NULL)
        log_str(&l, "curl", curl_text(c));
    log_end(&l);
}

/* np_call - perform, parse a 2xx body into c->out, log one line, add the
 * time to the call's provider_ms, and set ERR_UPSTREAM on any failure. */
static enum err_code
np_call(struct call *call, struct np_call *c)
{
    struct np_api_error pe = {0, NULL, NULL};
    const char *reason = NULL;
    struct timespec t0;
    double ms;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    perform(call, c);
    ms = ms_since(&t0);
    call->provider_ms += ms;
    if (c->cc == CURLE_OK && c->status >= 200 && c->status < 300) {
        if (c->parse(call->arena, c->resp, c->resp_len, c->out) != 0)
            reason = "invalid response";
    } else {
        reason = failure_reason(call, c, &pe);
    }
    log_call(call, c, ms, reason, pe.code);
    if (reason == NULL)
        return ERR_OK;
    ERR_SET(&call->err, ERR_UPSTREAM, "NowPayments error: %s", reason);
    err_detail(&call->err, "%s %s: status %ld, code %s, attempts %d, %.0f ms, curl: %s", c->method,
               c->path, c->status, pe.code ? pe.code : "-", c->attempts, ms,
               curl_text(c) ? curl_text(c) : "-");
    return ERR_UPSTREAM;
}

/* A request refused before any call (bad id or amount from our side). */
static enum err_code
refuse(struct call *call, const char *method, const char *path, const char *reason)
{
    struct log_line l;

    log_begin(&l, LOG_WARN, call->request_id, "nowpayments", "upstream call refused");
    log_str(&l, "method", method);
    log_str(&l, "path", path);
    log_str(&l, "outcome", reason);
    log_end(&l);
    return ERR_SET(&call->err, ERR_UPSTREAM, "NowPayments error: %s", reason);
}

/* ---- endpoints ---------------------------------------------------------- */

static int
parse_invoice_cb(struct arena *a, const char *body, size_t n, void *out)
{
    return np_parse_invoice(a, body, n, out);
}

static int
parse_payment_cb(struct arena *a, const char *body, size_t n, void *out)
{
    return np_parse_payment(a, body, n, out);
}

static bool
all_digits(const char *s, size_t max)
{
    size_t n = s != NULL ? strlen(s) : 0;

    return n > 0 && n <= max && count_digits(s, 0, n) == n;
}

static bool
is_json_number(const char *s)
{
    struct jsonnum x;

    return s != NULL && jsonnum_read(s, strlen(s), &x);
}

static void
add_string(cJSON *obj, const char *key, const char *value)
{
    if (value != NULL && cJSON_AddStringToObject(obj, key, value) == NULL)
        abort();
}

/* add_raw - a number whose text the caller checked is a JSON number, so it
 * goes on the wire exactly as given ("649.00", never 649 or 648.99999). */
static void
add_raw(cJSON *obj, const char *key, const char *number)
{
    if (cJSON_AddRawToObject(obj, key, number) == NULL)
        abort();
}

enum err_code
np_create_invoice(struct call *call, const struct np_invoice_request *q, struct np_invoice *out)
{
    struct np_call c = {.method = "POST", .path = "/invoice", .parse = parse_invoice_cb};
    cJSON *body;

    memset(out, 0, sizeof(*out));
    if (!is_json_number(q->price_amount))
        return refuse(call, c.method, c.path, "invalid price amount");
    body = json_object(call->arena);
    add_raw(body, "price_amount", q->price_amount);
    add_string(body, "price_currency", q->price_currency);
    add_string(body, "pay_currency", q->pay_currency);
    add_string(body, "order_id", q->order_id);
    add_string(body, "order_description", q->order_description);
    add_string(body, "ipn_callback_url", q->ipn_callback_url);
    add_string(body, "success_url", q->success_url);
    add_string(body, "cancel_url", q->cancel_url);
    if (cJSON_AddBoolToObject(body, "is_fixed_rate", q->is_fixed_rate != 0) == NULL)
        abort();
    c.body = json_print(call->arena, body);
    c.out = out;
    return np_call(call, &c);
}

enum err_code
np_create_invoice_payment(struct call *call, const char *invoice_id, const char *pay_currency,
                          const char *order_id, const char *order_description,
                          struct np_payment *out)
{
    struct np_call c = {.method = "POST", .path = "/invoice-payment", .parse = parse_payment_cb};
    cJSON *body;

    memset(out, 0, sizeof(*out));
    if (!all_digits(invoice_id, 19) || (invoice_id[0] == '0' && invoice_id[1] != '\0'))
        return refuse(call, c.method, c.path, "invalid invoice id");
    body = json_object(call->arena);
    add_raw(body, "iid", invoice_id);
    add_string(body, "pay_currency", pay_currency);
    add_string(body, "order_id", order_id);
    add_string(body, "order_description", order_description);
    c.body = json_print(call->arena, body);
    c.out = out;
    return np_call(call, &c);
}

enum err_code
np_get_payment(struct call *call, const char *payment_id, struct np_payment *out)
{
    return np_get_payment_limited(call, payment_id, NULL, out);
}

enum err_code
np_get_payment_limited(struct call *call, const char *payment_id, const struct np_limits *lim,
                       struct np_payment *out)
{
    struct np_call c = {.method = "GET", .parse = parse_payment_cb, .out = out, .limits = lim};

    memset(out, 0, sizeof(*out));
    if (!all_digits(payment_id, 19))
        return refuse(call, c.method, "/payment/{id}", "invalid payment id");
    c.path = arena_sprintf(call->arena, "/payment/%s", payment_id);
    return np_call(call, &c);
}

const struct server_module np_module = {
    .name = "nowpayments",
    .cfg_keys = np_cfg_keys,
    .check_config = np_check_config,
    .init = np_init,
    .fini = np_fini,
};
