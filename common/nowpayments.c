/* SPDX-License-Identifier: MIT */
/*
 * nowpayments.c - the NOWPayments API client. The CURL handle is the only
 * process-lifetime object (np_init/np_fini); everything a call produces
 * (URL, bodies, parsed values) lives in the request's arena. Numbers are
 * turned into text from their JSON lexeme, never through a float format.
 */
#include "nowpayments.h"
#include "arena.h"
#include "json.h"
#include "log.h"
#include "request.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Ids sent as JSON numbers come from JavaScript: beyond 2^53 they are
 * already corrupted by the sender, so they are refused. */
#define NP_ID_NUMBER_MAX 9007199254740992.0
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
    struct log_line l;

    log_begin(&l, LOG_ERROR, NULL, "cfg", "invalid configuration");
    log_str(&l, "key", key);
    log_str(&l, "problem", why);
    log_end(&l);
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

/* ---- JSON values to text ---------------------------------------------- */

/* The raw text of every top-level member's value, in cJSON's child order,
 * so numbers can be read from their lexeme (cJSON keeps only a double). */
struct np_span {
    const cJSON *item;
    const char *p;
    size_t n;
};

struct np_doc {
    const cJSON *root;
    struct np_span *spans;
    size_t nspans;
};

/* cJSON counts every byte <= 32 as whitespace; so must we. */
static const char *
skip_ws(const char *p, const char *end)
{
    while (p < end && (unsigned char)*p <= 32)
        p++;
    return p;
}

static const char *
skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* skip_value - past one value of text cJSON has already accepted. */
static const char *
skip_value(const char *p, const char *end)
{
    int depth = 0;

    do {
        if (p >= end)
            return NULL;
        if (*p == '"') {
            p = skip_string(p, end);
            if (p == NULL)
                return NULL;
            continue;
        }
        if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            depth--;
        } else if (depth == 0) {
            while (p < end && (unsigned char)*p > 32 && *p != ',' && *p != '}' && *p != ']')
                p++;
            return p;
        }
        p++;
    } while (depth > 0);
    return p;
}

static int
index_members(struct arena *a, const char *body, size_t n, struct np_doc *d)
{
    const char *p = body, *end = body + n;
    size_t i = 0;

    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3; /* cJSON skips a UTF-8 BOM */
    p = skip_ws(p, end);
    if (p >= end || *p != '{')
        return -1;
    p++;
    for (const cJSON *it = d->root->child; it != NULL; it = it->next)
        d->nspans++;
    d->spans = arena_alloc(a, (d->nspans + 1) * sizeof(*d->spans));
    for (const cJSON *it = d->root->child; it != NULL; it = it->next, i++) {
        p = skip_ws(p, end);
        p = p < end && *p == '"' ? skip_string(p, end) : NULL;
        p = p != NULL ? skip_ws(p, end) : NULL;
        if (p == NULL || p >= end || *p != ':')
            return -1;
        p = skip_ws(p + 1, end);
        d->spans[i].item = it;
        d->spans[i].p = p;
        p = skip_value(p, end);
        if (p == NULL)
            return -1;
        d->spans[i].n = (size_t)(p - d->spans[i].p);
        p = skip_ws(p, end);
        if (p < end && *p == ',')
            p++;
    }
    return 0;
}

static int
doc_parse(struct arena *a, const char *body, size_t n, struct np_doc *d)
{
    memset(d, 0, sizeof(*d));
    if (body == NULL || n == 0)
        return -1;
    d->root = json_parse(a, body, n);
    if (d->root == NULL || !cJSON_IsObject(d->root))
        return -1;
    return index_members(a, body, n, d);
}

static const struct np_span *
doc_span(const struct np_doc *d, const cJSON *item)
{
    for (size_t i = 0; i < d->nspans; i++)
        if (d->spans[i].item == item)
            return &d->spans[i];
    return NULL;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t
count_digits(const char *s, size_t i, size_t n)
{
    size_t k = i;

    while (k < n && is_digit(s[k]))
        k++;
    return k - i;
}

/* The parts of a strict JSON number lexeme: -? int (. frac)? (e exp)?. */
struct np_number {
    bool neg;
    const char *intp, *frac;
    size_t nint, nfrac;
    bool has_exp;
    long exp;
};

static int
lex_number(const char *s, size_t n, struct np_number *x)
{
    size_t i = 0;

    memset(x, 0, sizeof(*x));
    x->neg = n > 0 && s[0] == '-';
    i += x->neg;
    x->intp = s + i;
    x->nint = count_digits(s, i, n);
    if (x->nint == 0 || (x->nint > 1 && s[i] == '0'))
        return -1;
    i += x->nint;
    if (i < n && s[i] == '.') {
        x->frac = s + ++i;
        x->nfrac = count_digits(s, i, n);
        if (x->nfrac == 0)
            return -1;
        i += x->nfrac;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        bool eneg = ++i < n && s[i] == '-';
        size_t ne;

        i += i < n && (s[i] == '-' || s[i] == '+');
        ne = count_digits(s, i, n);
        if (ne == 0)
            return -1;
        x->has_exp = true;
        for (; ne > 0; ne--, i++)
            if (x->exp <= NP_EXP_MAX)
                x->exp = x->exp * 10 + (s[i] - '0');
        if (x->exp > NP_EXP_MAX)
            return -1;
        x->exp = eneg ? -x->exp : x->exp;
    }
    return i == n ? 0 : -1;
}

/* Apply the exponent by moving the point over the digits (exact). */
static char *
expand_exponent(struct arena *a, const struct np_number *x)
{
    size_t nd = x->nint + x->nfrac;
    char *digits = arena_alloc(a, nd + 1);
    char *out = arena_alloc(a, 2 * nd + NP_EXP_MAX + 8);
    const char *d = digits;
    long point = (long)x->nint + x->exp;
    size_t k = 0;

    memcpy(digits, x->intp, x->nint);
    if (x->nfrac > 0)
        memcpy(digits + x->nint, x->frac, x->nfrac);
    while (nd > 1 && *d == '0')
        d++, nd--, point--;
    if (nd == 1 && *d == '0')
        return arena_strdup(a, "0");
    if (x->neg)
        out[k++] = '-';
    if (point <= 0) {
        out[k++] = '0', out[k++] = '.';
        for (long z = point; z < 0; z++)
            out[k++] = '0';
        memcpy(out + k, d, nd), k += nd;
    } else if ((size_t)point >= nd) {
        memcpy(out + k, d, nd), k += nd;
        for (size_t z = nd; z < (size_t)point; z++)
            out[k++] = '0';
        return out;
    } else {
        memcpy(out + k, d, (size_t)point), k += (size_t)point;
        out[k++] = '.';
        memcpy(out + k, d + point, nd - (size_t)point), k += nd - (size_t)point;
    }
    while (out[k - 1] == '0')
        out[--k] = '\0';
    if (out[k - 1] == '.')
        out[--k] = '\0';
    return out;
}

/* plain_decimal - a JSON number lexeme as plain decimal text: unchanged
 * when it has no exponent ("649.50" stays), else the exponent applied
 * exactly ("1e-7" -> "0.0000001"). NULL when not a strict JSON number. */
static char *
plain_decimal(struct arena *a, const char *s, size_t n)
{
    struct np_number x;

    if (lex_number(s, n, &x) != 0)
        return NULL;
    return x.has_exp ? expand_exponent(a, &x) : arena_strndup(a, s, n);
}

/* id_text - a positive integer id as decimal text, without leading zeros.
 * A number must be integral and below 2^53; a string must be, as sent (its
 * raw lexeme, so no escapes and no \u0000), all digits within a bigint.
 * NULL otherwise. */
static char *
id_text(struct arena *a, const cJSON *item, const struct np_span *raw)
{
    if (cJSON_IsNumber(item)) {
        double v = item->valuedouble;

        if (!(v >= 1 && v < NP_ID_NUMBER_MAX) || (double)(int64_t)v != v)
            return NULL;
        return arena_sprintf(a, "%.0f", v);
    }
    if (cJSON_IsString(item)) {
        const char *s = raw->p + 1;
        size_t n = raw->n - 2;

        if (n == 0 || count_digits(s, 0, n) != n)
            return NULL;
        while (n > 1 && *s == '0')
            s++, n--;
        if (*s == '0' || n > 19 || (n == 19 && strncmp(s, "9223372036854775807", 19) > 0))
            return NULL;
        return arena_strndup(a, s, n);
    }
    return NULL;
}

/* ---- parsers ------------------------------------------------------------ */

enum np_kind {
    NP_ID,     /* id_text; the field marked required identifies the object */
    NP_AMOUNT, /* number or numeric string -> plain_decimal */
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
 * know, and a wrong id or amount must not pass as absent). Ids and amounts
 * are read from the raw lexeme; text is cJSON's decoded string. */
static int
field_text(struct arena *a, const struct np_doc *d, const struct np_field *f, const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(d->root, f->key);
    const struct np_span *raw = item != NULL ? doc_span(d, item) : NULL;

    *out = NULL;
    if (item == NULL || cJSON_IsNull(item))
        return f->required ? -1 : 0;
    if (raw == NULL || raw->n == 0)
        return -1; /* cannot happen: every member was indexed */
    if (f->kind == NP_ID)
        *out = id_text(a, item, raw);
    else if (cJSON_IsString(item) && f->kind == NP_AMOUNT)
        *out = plain_decimal(a, raw->p + 1, raw->n - 2);
    else if (cJSON_IsString(item))
        *out = arena_strdup(a, item->valuestring);
    else if (cJSON_IsNumber(item) && (f->kind == NP_AMOUNT || f->kind == NP_TIME))
        *out = plain_decimal(a, raw->p, raw->n);
    return *out == NULL ? -1 : 0;
}

static int
parse_fields(struct arena *a, const char *body, size_t n, const struct np_field *fields, void *out)
{
    struct np_doc d;

    if (doc_parse(a, body, n, &d) != 0)
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

static const char *
nonempty_string(struct arena *a, const cJSON *obj, const char *key)
{
    const char *s = json_string_field(obj, key);

    return s != NULL && s[0] != '\0' ? arena_strdup(a, s) : NULL;
}

int
np_parse_error(struct arena *a, const char *body, size_t n, struct np_api_error *out)
{
    const cJSON *root = body != NULL && n > 0 ? json_parse(a, body, n) : NULL;
    const cJSON *sc;

    memset(out, 0, sizeof(*out));
    if (root == NULL || !cJSON_IsObject(root))
        return -1;
    sc = cJSON_GetObjectItemCaseSensitive(root, "statusCode");
    if (cJSON_IsNumber(sc) && sc->valuedouble >= 0 && sc->valuedouble < 1000)
        out->status_code = (int)sc->valuedouble;
    out->code = nonempty_string(a, root, "code");
    out->message = nonempty_string(a, root, "message");
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
perform(struct req *r, struct np_call *c)
{
    static const long backoff_ms[] = {200, 600};
    const char *url = arena_sprintf(r->arena, "%s%s", base_url(r->arena), c->path);
    bool post = c->body != NULL;
    bool once = post || (c->limits != NULL && c->limits->single_attempt);
    struct curl_slist *headers;

    if (curl == NULL && np_init() != 0) {
        c->cc = CURLE_FAILED_INIT;
        return;
    }
    headers = make_headers(r->arena, post);
    for (size_t i = 0;; i++) {
        perform_once(c, url, headers);
        if (once || i == sizeof(backoff_ms) / sizeof(backoff_ms[0]) || !retryable(c))
            break;
        sleep_ms(backoff_ms[i]);
    }
    curl_slist_free_all(headers);
    c->resp = arena_strndup(r->arena, c->buf.data ? c->buf.data : "", c->buf.len);
    c->resp_len = c->buf.len;
    c->too_large = c->buf.too_large;
    free(c->buf.data);
    memset(&c->buf, 0, sizeof(c->buf));
}

/* failure_reason - the short text after "NowPayments error: " for a call
 * that did not get a 2xx; the provider's own message when it sent one. */
static const char *
failure_reason(struct req *r, const struct np_call *c, struct np_api_error *pe)
{
    if (c->cc == CURLE_OPERATION_TIMEDOUT)
        return "timeout";
    if (c->too_large || c->cc == CURLE_FILESIZE_EXCEEDED)
        return "response too large";
    if (c->cc != CURLE_OK)
        return "connection failed";
    if (np_parse_error(r->arena, c->resp, c->resp_len, pe) == 0)
        return pe->message != NULL ? pe->message : pe->code;
    if (c->status == 429)
        return "rate limited";
    if (c->status >= 500)
        return "service unavailable";
    return arena_sprintf(r->arena, "unexpected status %ld", c->status);
}

static const char *
curl_text(const struct np_call *c)
{
    if (c->cc == CURLE_OK)
        return NULL;
    return c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(c->cc);
}

static void
log_call(const struct req *r, const struct np_call *c, double ms, const char *reason,
         const char *code)
{
    struct log_line l;

    log_begin(&l, reason ? LOG_WARN : LOG_INFO, r->request_id, "nowpayments",
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

static double
ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* np_call - perform, parse a 2xx body into c->out, log one line, and set
 * ERR_UPSTREAM on any failure. */
static enum err_code
np_call(struct req *r, struct np_call *c)
{
    struct np_api_error pe = {0, NULL, NULL};
    const char *reason = NULL;
    struct timespec t0;
    double ms;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    perform(r, c);
    ms = ms_since(&t0);
    if (c->cc == CURLE_OK && c->status >= 200 && c->status < 300) {
        if (c->parse(r->arena, c->resp, c->resp_len, c->out) != 0)
            reason = "invalid response";
    } else {
        reason = failure_reason(r, c, &pe);
    }
    log_call(r, c, ms, reason, pe.code);
    if (reason == NULL)
        return ERR_OK;
    ERR_SET(&r->err, ERR_UPSTREAM, "NowPayments error: %s", reason);
    err_detail(&r->err, "%s %s: status %ld, code %s, attempts %d, %.0f ms, curl: %s", c->method,
               c->path, c->status, pe.code ? pe.code : "-", c->attempts, ms,
               curl_text(c) ? curl_text(c) : "-");
    return ERR_UPSTREAM;
}

/* A request refused before any call (bad id or amount from our side). */
static enum err_code
refuse(struct req *r, const char *method, const char *path, const char *reason)
{
    struct log_line l;

    log_begin(&l, LOG_WARN, r->request_id, "nowpayments", "upstream call refused");
    log_str(&l, "method", method);
    log_str(&l, "path", path);
    log_str(&l, "outcome", reason);
    log_end(&l);
    return ERR_SET(&r->err, ERR_UPSTREAM, "NowPayments error: %s", reason);
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
    struct np_number x;

    return s != NULL && lex_number(s, strlen(s), &x) == 0;
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
np_create_invoice(struct req *r, const struct np_invoice_request *q, struct np_invoice *out)
{
    struct np_call c = {.method = "POST", .path = "/invoice", .parse = parse_invoice_cb};
    cJSON *body;

    memset(out, 0, sizeof(*out));
    if (!is_json_number(q->price_amount))
        return refuse(r, c.method, c.path, "invalid price amount");
    body = json_object(r->arena);
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
    c.body = json_print(r->arena, body);
    c.out = out;
    return np_call(r, &c);
}

enum err_code
np_create_invoice_payment(struct req *r, const char *invoice_id, const char *pay_currency,
                          const char *order_id, const char *order_description,
                          struct np_payment *out)
{
    struct np_call c = {.method = "POST", .path = "/invoice-payment", .parse = parse_payment_cb};
    cJSON *body;

    memset(out, 0, sizeof(*out));
    if (!all_digits(invoice_id, 19) || (invoice_id[0] == '0' && invoice_id[1] != '\0'))
        return refuse(r, c.method, c.path, "invalid invoice id");
    body = json_object(r->arena);
    add_raw(body, "iid", invoice_id);
    add_string(body, "pay_currency", pay_currency);
    add_string(body, "order_id", order_id);
    add_string(body, "order_description", order_description);
    c.body = json_print(r->arena, body);
    c.out = out;
    return np_call(r, &c);
}

enum err_code
np_get_payment(struct req *r, const char *payment_id, struct np_payment *out)
{
    return np_get_payment_limited(r, payment_id, NULL, out);
}

enum err_code
np_get_payment_limited(struct req *r, const char *payment_id, const struct np_limits *lim,
                       struct np_payment *out)
{
    struct np_call c = {.method = "GET", .parse = parse_payment_cb, .out = out, .limits = lim};

    memset(out, 0, sizeof(*out));
    if (!all_digits(payment_id, 19))
        return refuse(r, c.method, "/payment/{id}", "invalid payment id");
    c.path = arena_sprintf(r->arena, "/payment/%s", payment_id);
    return np_call(r, &c);
}

const struct server_module np_module = {
    .name = "nowpayments",
    .cfg_keys = np_cfg_keys,
    .check_config = np_check_config,
    .init = np_init,
    .fini = np_fini,
};
