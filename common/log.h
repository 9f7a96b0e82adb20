/* SPDX-License-Identifier: MIT */
/*
 * log.h - one JSON object per line on stderr, written with a single write(2)
 * so lines from many worker processes never interleave (a pipe write of up
 * to PIPE_BUF bytes is atomic). The emit path never allocates.
 *
 *     {"ts":"2026-01-30T12:00:00.123Z","level":"info","svc":"webhook-debug",
 *      "pid":42,"req_id":"9f1c...","mod":"http","msg":"request done","status":200}
 *
 * Never pass a secret, a token, a password or a whole request body.
 */
#ifndef FFX_LOG_H
#define FFX_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

#define LOG_LINE_MAX 4096

struct log_line {
    char buf[LOG_LINE_MAX];
    size_t len;
    bool on; /* false when the level is filtered out: the calls do nothing */
    bool truncated;
};

/* log_init - name of the service and the lowest level written. */
void log_init(const char *svc, enum log_level min_level);

/* log_set_fd - where lines go (default 2); tests point it at a pipe. */
void log_set_fd(int fd);

/* log_level_parse - "debug"|"info"|"warn"|"error"; 0 on success. */
int log_level_parse(const char *s, enum log_level *out);

bool log_enabled(enum log_level level);

/* log_begin ... log_end build one line field by field. req_id may be NULL. */
void log_begin(struct log_line *l, enum log_level level, const char *req_id, const char *mod,
               const char *msg);
void log_str(struct log_line *l, const char *key, const char *value);
void log_strn(struct log_line *l, const char *key, const char *value, size_t n);
void log_int(struct log_line *l, const char *key, long long value);
void log_double(struct log_line *l, const char *key, double value);
void log_end(struct log_line *l);

/* log_event - a line with a formatted msg and nothing else. */
void log_event(enum log_level level, const char *req_id, const char *mod, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* json_escape_into - append s[0..n) as a JSON string body (no quotes) to
 * buf at offset len, never past cap-1; returns the new length and sets
 * *complete to whether all of s fitted. Invalid UTF-8 bytes become U+FFFD
 * and control characters are escaped, so the output is always valid JSON. */
size_t json_escape_into(char *buf, size_t len, size_t cap, const char *s, size_t n, bool *complete);

#endif
