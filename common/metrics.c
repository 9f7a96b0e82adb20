/* SPDX-License-Identifier: MIT */
/*
 * metrics.c - the shared counter file (layout, creation, atomic updates,
 * reading) and the Prometheus text it is rendered to.
 */
#include "metrics.h"
#include "arena.h"
#include "log.h"
#include "text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Counters are shared between processes: a lock-based fallback (a lock
 * table private to each process) would silently lose increments. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");

/* One counter of the function's own. */
struct metrics_slot {
    _Atomic unsigned long long count;
    char name[METRICS_NAME_MAX];
    char label[METRICS_LABEL_MAX];
    char value[METRICS_VALUE_MAX];
    char help[METRICS_HELP_MAX];
};

/* The file, version 1. The header fields are written once by the master
 * before the file gets its name; only the atomics change afterwards. */
struct metrics_file {
    char magic[8];
    uint32_t version;
    uint32_t size; /* sizeof(struct metrics_file) */
    uint32_t nbuckets;
    uint32_t ncodes;
    uint32_t max_counters;
    uint32_t ncounters;
    int64_t started_unix;
    int64_t pid;
    char function[METRICS_NAME_MAX];
    uint32_t bucket_us[METRICS_NBUCKETS];
    _Atomic unsigned long long requests[METRICS_NCODES];
    _Atomic unsigned long long buckets[METRICS_NBUCKETS + 1];
    _Atomic unsigned long long sum_us;
    struct metrics_slot counters[METRICS_MAX_COUNTERS];
};

static const uint32_t bucket_bounds_us[METRICS_NBUCKETS] = METRICS_BUCKETS_US;

static struct metrics_file *mapped;
static unsigned mapped_ncounters;
static pid_t owner_pid;
static dev_t owner_dev;
static ino_t owner_ino;
static char mapped_path[PATH_MAX];

/* ---- names ---- */

bool
metrics_valid_name(const char *s)
{
    if (s == NULL ||
        !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' || *s == ':'))
        return false;
    for (s++; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == ':'))
            return false;
    return true;
}

bool
metrics_valid_label(const char *s)
{
    if (s == NULL || strncmp(s, "__", 2) == 0 || strchr(s, ':') != NULL)
        return false;
    return metrics_valid_name(s);
}

/* Names of the families metrics_render_snapshots writes itself. */
static bool
reserved_name(const char *s)
{
    return strncmp(s, "ffx_http_", 9) == 0 || strncmp(s, "ffx_function_", 13) == 0;
}

/* A function name becomes a file name: [a-z0-9-], not empty, fits. */
static bool
valid_function(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= METRICS_NAME_MAX)
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* ---- writing ---- */

static bool
fits(const char *s, size_t cap)
{
    return s == NULL || strlen(s) < cap;
}

static bool
same_series(const struct metrics_counter *a, const struct metrics_counter *b)
{
    return strcmp(a->name, b->name) == 0 && (a->label == NULL) == (b->label == NULL) &&
           (a->label == NULL ||
            (strcmp(a->label, b->label) == 0 && strcmp(a->value, b->value) == 0));
}

static bool
counter_ok(const struct metrics_counter *c, unsigned i)
{
    const struct metrics_counter *k = &c[i];

    if (!metrics_valid_name(k->name) || reserved_name(k->name) ||
        !fits(k->name, METRICS_NAME_MAX) || !fits(k->help, METRICS_HELP_MAX))
        return false;
    if (k->label != NULL && (!metrics_valid_label(k->label) || strcmp(k->label, "function") == 0 ||
                             !fits(k->label, METRICS_LABEL_MAX) || k->value == NULL ||
                             !fits(k->value, METRICS_VALUE_MAX)))
        return false;
    for (unsigned j = 0; j < i; j++)
        if (same_series(&c[j], k))
            return false;
    return true;
}

static int
check_counters(const struct metrics_counter *c, unsigned *n)
{
    for (*n = 0; c != NULL && c[*n].name != NULL; (*n)++) {
        const struct metrics_counter *k = &c[*n];

        if (*n == METRICS_MAX_COUNTERS || !counter_ok(c, *n)) {
            log_event(LOG_ERROR, NULL, "metrics", "counter %u (%s) is not valid", *n,
                      k->name ? k->name : "?");
            return -1;
        }
    }
    return 0;
}

static void
fill_header(struct metrics_file *f, const char *function, const struct metrics_counter *c,
            unsigned n)
{
    memcpy(f->magic, METRICS_MAGIC, sizeof(f->magic));
    f->version = METRICS_VERSION;
    f->size = sizeof(*f);
    f->nbuckets = METRICS_NBUCKETS;
    f->ncodes = METRICS_NCODES;
    f->max_counters = METRICS_MAX_COUNTERS;
    f->ncounters = n;
    f->started_unix = (int64_t)time(NULL);
    f->pid = (int64_t)getpid();
    snprintf(f->function, sizeof(f->function), "%s", function);
    memcpy(f->bucket_us, bucket_bounds_us, sizeof(f->bucket_us));
    for (unsigned i = 0; i < n; i++) {
        snprintf(f->counters[i].name, METRICS_NAME_MAX, "%s", c[i].name);
        snprintf(f->counters[i].label, METRICS_LABEL_MAX, "%s", c[i].label ? c[i].label : "");
        snprintf(f->counters[i].value, METRICS_VALUE_MAX, "%s", c[i].label ? c[i].value : "");
        snprintf(f->counters[i].help, METRICS_HELP_MAX, "%s", c[i].help ? c[i].help : "");
    }
}

/* Create the file under a temporary name, map it, fill it, then rename it
 * into place, so readers only ever see a complete header. */
static int
create_file(const char *dir, const char *function, const struct metrics_counter *c, unsigned n)
{
    char tmp[PATH_MAX];
    struct metrics_file *f;
    struct stat st;
    int fd;

    if (snprintf(mapped_path, sizeof(mapped_path), "%s/%s.metrics", dir, function) >=
            (int)sizeof(mapped_path) ||
        snprintf(tmp, sizeof(tmp), "%s/.%s.metrics.%ld", dir, function, (long)getpid()) >=
            (int)sizeof(tmp))
        return -1;
    fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0)
        return -1;
    f = ftruncate(fd, sizeof(*f)) == 0
            ? mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
            : MAP_FAILED;
    if (f == MAP_FAILED || fstat(fd, &st) != 0) {
        if (f != MAP_FAILED)
            munmap(f, sizeof(*f));
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    fill_header(f, function, c, n);
    if (rename(tmp, mapped_path) != 0) {
        munmap(f, sizeof(*f));
        unlink(tmp);
        return -1;
    }
    mapped = f;
    mapped_ncounters = n;
    owner_pid = getpid();
    owner_dev = st.st_dev;
    owner_ino = st.st_ino;
    return 0;
}

int
metrics_open(const char *dir, const char *function, const struct metrics_counter *counters)
{
    unsigned n = 0;

    if (dir == NULL)
        return 0;
    if (mapped != NULL || !valid_function(function) || check_counters(counters, &n) != 0) {
        log_event(LOG_ERROR, NULL, "metrics", "cannot register the metrics of %s", function);
        return -1;
    }
    if (create_file(dir, function, counters, n) != 0) {
        log_event(LOG_ERROR, NULL, "metrics", "FFX_METRICS_DIR: cannot create %s/%s.metrics: %s",
                  dir, function, strerror(errno));
        return -1;
    }
    return 0;
}

void
metrics_close(bool remove)
{
    struct stat st;

    if (mapped == NULL)
        return;
    munmap(mapped, sizeof(*mapped));
    mapped = NULL;
    /* Only the creator removes it, and only if a newer start has not
     * already put its own file in its place. */
    if (remove && getpid() == owner_pid && stat(mapped_path, &st) == 0 && st.st_dev == owner_dev &&
        st.st_ino == owner_ino)
        unlink(mapped_path);
}

bool
metrics_enabled(void)
{
    return mapped != NULL;
}

static unsigned
bucket_of(uint64_t us)
{
    unsigned i = 0;

    while (i < METRICS_NBUCKETS && us > bucket_bounds_us[i])
        i++;
    return i;
}

void
metrics_observe(int status, uint64_t duration_us)
{
    unsigned code;

    if (mapped == NULL)
        return;
    code = status >= METRICS_CODE_MIN && status <= METRICS_CODE_MAX
               ? (unsigned)(status - METRICS_CODE_MIN)
               : METRICS_NCODES - 1;
    atomic_fetch_add_explicit(&mapped->requests[code], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&mapped->buckets[bucket_of(duration_us)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&mapped->sum_us, duration_us, memory_order_relaxed);
}

void
metrics_request_done(int status, const struct timespec *started)
{
    struct timespec now;
    int64_t us;

    if (mapped == NULL)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    us = (int64_t)(now.tv_sec - started->tv_sec) * 1000000 +
         (int64_t)(now.tv_nsec - started->tv_nsec) / 1000;
    metrics_observe(status, us > 0 ? (uint64_t)us : 0);
}

void
metrics_count(unsigned index)
{
    if (mapped == NULL || index >= mapped_ncounters)
        return;
    atomic_fetch_add_explicit(&mapped->counters[index].count, 1, memory_order_relaxed);
}

/* ---- reading ---- */

static bool
terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static const char *
check_layout(const struct metrics_file *f)
{
    if (memcmp(f->magic, METRICS_MAGIC, sizeof(f->magic)) != 0)
        return "not a metrics file";
    if (f->version != METRICS_VERSION || f->size != sizeof(*f) || f->nbuckets != METRICS_NBUCKETS ||
        f->ncodes != METRICS_NCODES || f->max_counters != METRICS_MAX_COUNTERS ||
        f->ncounters > METRICS_MAX_COUNTERS)
        return "another version or layout";
    if (!terminated(f->function, sizeof(f->function)) || !valid_function(f->function))
        return "bad function name";
    for (unsigned i = 1; i < METRICS_NBUCKETS; i++)
        if (f->bucket_us[i] <= f->bucket_us[i - 1])
            return "bucket bounds not increasing";
    for (unsigned i = 0; i < f->ncounters; i++) {
        const struct metrics_slot *s = &f->counters[i];

        if (!terminated(s->name, sizeof(s->name)) || !terminated(s->label, sizeof(s->label)) ||
            !terminated(s->value, sizeof(s->value)) || !terminated(s->help, sizeof(s->help)) ||
            !metrics_valid_name(s->name) || reserved_name(s->name) ||
            (s->label[0] != '\0' &&
             (!metrics_valid_label(s->label) || strcmp(s->label, "function") == 0)))
            return "bad counter name";
    }
    return NULL;
}

static void
load(const struct metrics_file *f, struct metrics_snapshot *out)
{
    memset(out, 0, sizeof(*out));
    memcpy(out->function, f->function, sizeof(out->function));
    out->started_unix = f->started_unix;
    memcpy(out->bucket_us, f->bucket_us, sizeof(out->bucket_us));
    for (unsigned i = 0; i < METRICS_NCODES; i++)
        out->requests[i] = atomic_load_explicit(&f->requests[i], memory_order_relaxed);
    for (unsigned i = 0; i <= METRICS_NBUCKETS; i++)
        out->buckets[i] = atomic_load_explicit(&f->buckets[i], memory_order_relaxed);
    out->sum_us = atomic_load_explicit(&f->sum_us, memory_order_relaxed);
    out->ncounters = f->ncounters;
    for (unsigned i = 0; i < f->ncounters; i++) {
        struct metrics_counter_value *v = &out->counters[i];

        memcpy(v->name, f->counters[i].name, sizeof(v->name));
        memcpy(v->label, f->counters[i].label, sizeof(v->label));
        memcpy(v->value, f->counters[i].value, sizeof(v->value));
        memcpy(v->help, f->counters[i].help, sizeof(v->help));
        v->count = atomic_load_explicit(&f->counters[i].count, memory_order_relaxed);
    }
}

int
metrics_read_file(const char *path, struct metrics_snapshot *out, const char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct metrics_file *f;
    struct stat st;

    *why = NULL;
    if (fd < 0) {
        *why = "cannot open";
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != (off_t)sizeof(*f)) {
        close(fd);
        *why = "not a metrics file of this version (size)";
        return -1;
    }
    f = mmap(NULL, sizeof(*f), PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (f == MAP_FAILED) {
        *why = "cannot map";
        return -1;
    }
    *why = check_layout(f);
    if (*why == NULL)
        load(f, out);
    munmap(f, sizeof(*f));
    return *why == NULL ? 0 : -1;
}

static bool
is_metrics_file(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && n > 8 && strcmp(name + n - 8, ".metrics") == 0;
}

static int
by_function(const void *a, const void *b)
{
    return strcmp(((const struct metrics_snapshot *)a)->function,
                  ((const struct metrics_snapshot *)b)->function);
}

#define METRICS_MAX_FILES 64

/* The names of the <name>.metrics files of d (at most METRICS_MAX_FILES). */
static size_t
list_files(struct arena *a, DIR *d, char **names)
{
    struct dirent *e;
    size_t n = 0;

    while ((e = readdir(d)) != NULL && n < METRICS_MAX_FILES)
        if (is_metrics_file(e->d_name))
            names[n++] = arena_strdup(a, e->d_name);
    return n;
}

int
metrics_read_dir(struct arena *a, const char *dir, struct metrics_snapshot **out, size_t *n)
{
    char *names[METRICS_MAX_FILES];
    DIR *d = opendir(dir);
    size_t found;

    *out = NULL;
    *n = 0;
    if (d == NULL)
        return -1;
    found = list_files(a, d, names);
    closedir(d);
    *out = arena_alloc(a, (found > 0 ? found : 1) * sizeof(**out));
    for (size_t i = 0; i < found; i++) {
        char path[PATH_MAX];
        const char *why = "path too long";

        if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) < (int)sizeof(path) &&
            metrics_read_file(path, &(*out)[*n], &why) == 0)
            (*n)++;
        else
            log_event(LOG_WARN, NULL, "metrics", "skipped %s: %s", names[i], why);
    }
    qsort(*out, *n, sizeof(**out), by_function);
    return 0;
}

/* ---- the text format ---- */

void
metrics_text_init(struct metrics_text *t, struct arena *a)
{
    t->arena = a;
    t->cap = 16384;
    t->buf = arena_alloc(a, t->cap);
    t->len = 0;
}

static void
reserve(struct metrics_text *t, size_t more)
{
    char *bigger;

    if (t->len + more + 1 <= t->cap)
        return;
    while (t->len + more + 1 > t->cap)
        t->cap *= 2;
    bigger = arena_alloc(t->arena, t->cap);
    memcpy(bigger, t->buf, t->len + 1);
    t->buf = bigger;
}

static void
put(struct metrics_text *t, const char *s, size_t n)
{
    reserve(t, n);
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void put_fmt(struct metrics_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put_fmt(struct metrics_text *t, const char *fmt, ...)
{
    va_list ap, again;
    int n;

    va_start(ap, fmt);
    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        reserve(t, (size_t)n);
        vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, again);
        t->len += (size_t)n;
    }
    va_end(again);
}

/* Escape s for a label value (in_help false: \ " and newline) or a HELP
 * text (\ and newline); invalid UTF-8 becomes U+FFFD. */
static void
put_escaped(struct metrics_text *t, const char *s, bool in_help)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);

    for (size_t i = 0; i < n;) {
        size_t step = p[i] < 0x80 ? 1 : utf8_seq_len(p + i, n - i);

        if (p[i] == '\\') {
            put(t, "\\\\", 2);
        } else if (p[i] == '\n') {
            put(t, "\\n", 2);
        } else if (p[i] == '"' && !in_help) {
            put(t, "\\\"", 2);
        } else if (step == 0) {
            put(t, "\xef\xbf\xbd", 3); /* U+FFFD for an invalid byte */
            step = 1;
        } else {
            put(t, s + i, step);
        }
        i += step;
    }
}

void
metrics_text_family(struct metrics_text *t, const char *name, const char *type, const char *help)
{
    put_fmt(t, "# HELP %s ", name);
    put_escaped(t, help ? help : "", true);
    put_fmt(t, "\n# TYPE %s %s\n", name, type);
}

static void
put_value(struct metrics_text *t, double v)
{
    if (isnan(v))
        put(t, "NaN", 3);
    else if (isinf(v))
        put_fmt(t, "%s", v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 1e15)
        put_fmt(t, "%.0f", v);
    else
        put_fmt(t, "%.15g", v);
}

void
metrics_text_sample(struct metrics_text *t, const char *name, const char *const *labels,
                    double value)
{
    for (size_t i = 0; labels != NULL && labels[i] != NULL; i += 2) {
        if (!metrics_valid_label(labels[i]) || labels[i + 1] == NULL) {
            log_event(LOG_ERROR, NULL, "metrics", "sample %s: bad label, dropped", name);
            return;
        }
    }
    put(t, name, strlen(name));
    for (size_t i = 0; labels != NULL && labels[i] != NULL; i += 2) {
        put_fmt(t, "%c%s=\"", i == 0 ? '{' : ',', labels[i]);
        put_escaped(t, labels[i + 1], false);
        put(t, "\"", 1);
    }
    if (labels != NULL && labels[0] != NULL)
        put(t, "}", 1);
    put(t, " ", 1);
    put_value(t, value);
    put(t, "\n", 1);
}

/* ---- the per-function families ---- */

static void
render_requests(struct metrics_text *t, const struct metrics_snapshot *s, size_t n)
{
    metrics_text_family(t, "ffx_http_requests_total", "counter",
                        "Requests answered by a function, by HTTP status code.");
    for (size_t f = 0; f < n; f++) {
        for (unsigned i = 0; i < METRICS_NCODES; i++) {
            char code[16];

            if (s[f].requests[i] == 0)
                continue;
            if (i == METRICS_NCODES - 1)
                snprintf(code, sizeof(code), "other");
            else
                snprintf(code, sizeof(code), "%u", i + METRICS_CODE_MIN);
            metrics_text_sample(t, "ffx_http_requests_total",
                                (const char *[]){"function", s[f].function, "code", code, NULL},
                                (double)s[f].requests[i]);
        }
    }
}

static void
render_histograms(struct metrics_text *t, const struct metrics_snapshot *s, size_t n)
{
    metrics_text_family(t, "ffx_http_request_duration_seconds", "histogram",
                        "Time from reading a request to its answer being written, per function.");
    for (size_t f = 0; f < n; f++) {
        uint64_t cumulative = 0;
        char le[32];

        for (unsigned i = 0; i <= METRICS_NBUCKETS; i++) {
            cumulative += s[f].buckets[i];
            if (i < METRICS_NBUCKETS)
                snprintf(le, sizeof(le), "%g", s[f].bucket_us[i] / 1e6);
            else
                snprintf(le, sizeof(le), "+Inf");
            metrics_text_sample(t, "ffx_http_request_duration_seconds_bucket",
                                (const char *[]){"function", s[f].function, "le", le, NULL},
                                (double)cumulative);
        }
        metrics_text_sample(t, "ffx_http_request_duration_seconds_sum",
                            (const char *[]){"function", s[f].function, NULL},
                            (double)s[f].sum_us / 1e6);
        /* _count is the +Inf bucket as read, so the two always agree. */
        metrics_text_sample(t, "ffx_http_request_duration_seconds_count",
                            (const char *[]){"function", s[f].function, NULL}, (double)cumulative);
    }
}

static void
render_start_times(struct metrics_text *t, const struct metrics_snapshot *s, size_t n)
{
    metrics_text_family(t, "ffx_function_start_time_seconds", "gauge",
                        "When the function's master process started (Unix time); its counters "
                        "count from then.");
    for (size_t f = 0; f < n; f++)
        metrics_text_sample(t, "ffx_function_start_time_seconds",
                            (const char *[]){"function", s[f].function, NULL},
                            (double)s[f].started_unix);
}

static bool
name_seen_before(const struct metrics_snapshot *s, size_t f, size_t c)
{
    const char *name = s[f].counters[c].name;

    for (size_t g = 0; g <= f; g++)
        for (size_t d = 0; d < (g == f ? c : s[g].ncounters); d++)
            if (strcmp(s[g].counters[d].name, name) == 0)
                return true;
    return false;
}

/* All samples of one name, from every function, under one HELP/TYPE. */
static void
render_counter_family(struct metrics_text *t, const struct metrics_snapshot *s, size_t n,
                      const struct metrics_counter_value *first)
{
    metrics_text_family(t, first->name, "counter", first->help);
    for (size_t g = 0; g < n; g++) {
        for (size_t d = 0; d < s[g].ncounters; d++) {
            const struct metrics_counter_value *v = &s[g].counters[d];

            if (strcmp(v->name, first->name) != 0)
                continue;
            metrics_text_sample(t, v->name,
                                (const char *[]){"function", s[g].function,
                                                 v->label[0] ? v->label : NULL, v->value, NULL},
                                (double)v->count);
        }
    }
}

void
metrics_render_snapshots(struct metrics_text *t, const struct metrics_snapshot *s, size_t n)
{
    render_requests(t, s, n);
    render_histograms(t, s, n);
    render_start_times(t, s, n);
    for (size_t f = 0; f < n; f++)
        for (size_t c = 0; c < s[f].ncounters; c++)
            if (!name_seen_before(s, f, c))
                render_counter_family(t, s, n, &s[f].counters[c]);
}
