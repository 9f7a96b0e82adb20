/* SPDX-License-Identifier: MIT */
/*
 * log.c - JSON-lines logger. A line is built in a fixed buffer; fields that
 * do not fit are dropped and the line is marked "truncated":true instead of
 * being cut in the middle of a value.
 */
#include "log.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_svc = "ffx";
static enum log_level log_min = LOG_INFO;
static int log_fd = 2;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

/* room kept free for the closing of a line: ,"truncated":true}\n */
#define LOG_TAIL 24

void
log_init(const char *svc, enum log_level min_level)
{
    log_svc = svc;
    log_min = min_level;
}

void
log_set_fd(int fd)
{
    log_fd = fd;
}

int
log_level_parse(const char *s, enum log_level *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

bool
log_enabled(enum log_level level)
{
    return level >= log_min;
}

size_t
json_escape_into(char *buf, size_t len, size_t cap, const char *s, size_t n, bool *complete)
{
    const unsigned char *p = (const unsigned char *)s;

    *complete = false;
    for (size_t i = 0; i < n;) {
        char esc[8];
        size_t elen = 0;
        size_t step = 1;

        if (p[i] == '"' || p[i] == '\\') {
            esc[0] = '\\', esc[1] = (char)p[i], elen = 2;
        } else if (p[i] == '\n') {
            memcpy(esc, "\\n", 2), elen = 2;
        } else if (p[i] < 0x20 || p[i] == 0x7F) {
            elen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
        } else if (p[i] >= 0x80) {
            step = utf8_seq_len(p + i, n - i);
            if (step == 0) {
                memcpy(esc, "\\ufffd", 6), elen = 6, step = 1;
            }
        }
        if (elen == 0) {
            if (len + step >= cap)
                return len;
            memcpy(buf + len, p + i, step);
            len += step;
        } else {
            if (len + elen >= cap)
                return len;
            memcpy(buf + len, esc, elen);
            len += elen;
        }
        i += step;
    }
    *complete = true;
    return len;
}

/* Append raw text if it fits below the tail reserve; else mark truncated. */
static void
append(struct log_line *l, const char *s, size_t n)
{
    if (l->len + n > LOG_LINE_MAX - LOG_TAIL) {
        l->truncated = true;
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void
append_key(struct log_line *l, const char *key)
{
    append(l, ",\"", 2);
    append(l, key, strlen(key));
    append(l, "\":", 2);
}

/* A key and an unquoted value, both or neither. */
static void
log_raw(struct log_line *l, const char *key, const char *value, size_t n)
{
    size_t mark = l->len;
    bool was_truncated = l->truncated;

    l->truncated = false;
    append_key(l, key);
    append(l, value, n);
    if (l->truncated)
        l->len = mark;
    l->truncated = l->truncated || was_truncated;
}

void
log_strn(struct log_line *l, const char *key, const char *value, size_t n)
{
    size_t mark = l->len;
    bool was_truncated = l->truncated;
    bool complete = true;

    if (!l->on)
        return;
    l->truncated = false;
    append_key(l, key);
    if (value == NULL) {
        append(l, "null", 4);
    } else {
        append(l, "\"", 1);
        if (!l->truncated)
            l->len =
                json_escape_into(l->buf, l->len, LOG_LINE_MAX - LOG_TAIL - 1, value, n, &complete);
        append(l, "\"", 1);
    }
    if (l->truncated || !complete) {
        l->len = mark; /* drop the whole field rather than half of it */
        l->truncated = true;
    }
    l->truncated = l->truncated || was_truncated;
}

void
log_str(struct log_line *l, const char *key, const char *value)
{
    log_strn(l, key, value, value ? strlen(value) : 0);
}

void
log_int(struct log_line *l, const char *key, long long value)
{
    char num[24];

    if (!l->on)
        return;
    log_raw(l, key, num, (size_t)snprintf(num, sizeof(num), "%lld", value));
}

void
log_double(struct log_line *l, const char *key, double value)
{
    char num[32];

    if (!l->on)
        return;
    log_raw(l, key, num, (size_t)snprintf(num, sizeof(num), "%.3f", value));
}

static void
format_ts(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

void
log_begin(struct log_line *l, enum log_level level, const char *req_id, const char *mod,
          const char *msg)
{
    char ts[64];

    l->len = 0;
    l->truncated = false;
    l->on = log_enabled(level);
    if (!l->on)
        return;
    format_ts(ts, sizeof(ts));
    append(l, "{\"ts\":\"", 7);
    append(l, ts, strlen(ts));
    append(l, "\"", 1);
    log_str(l, "level", level_names[level]);
    log_str(l, "svc", log_svc);
    log_int(l, "pid", (long long)getpid());
    if (req_id != NULL)
        log_str(l, "req_id", req_id);
    log_str(l, "mod", mod);
    log_str(l, "msg", msg);
}

void
log_end(struct log_line *l)
{
    static const char trunc[] = ",\"truncated\":true";

    if (!l->on)
        return;
    if (l->truncated) {
        memcpy(l->buf + l->len, trunc, sizeof(trunc) - 1);
        l->len += sizeof(trunc) - 1;
    }
    l->buf[l->len++] = '}';
    l->buf[l->len++] = '\n';
    /* One write: a short or failed write to stderr has nowhere to be reported. */
    if (write(log_fd, l->buf, l->len) < 0)
        l->on = false;
}

void
log_event(enum log_level level, const char *req_id, const char *mod, const char *fmt, ...)
{
    struct log_line l;
    char msg[1024];
    va_list ap;

    if (!log_enabled(level))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_begin(&l, level, req_id, mod, msg);
    log_end(&l);
}
