/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - request counters, latency histograms and a function's own
 * counters, shared by its prefork workers and readable by another process,
 * plus the Prometheus text exposition format (version 0.0.4) they are
 * served in.
 *
 * With FFX_METRICS_DIR set, the master creates $FFX_METRICS_DIR/<function>.metrics
 * before it forks: a fixed-layout file mapped MAP_SHARED, which the workers
 * inherit. It starts with the 8-byte METRICS_MAGIC, a uint32 version and a
 * uint32 size (of the whole file), then the layout's dimensions, the
 * function's name, start time, bucket bounds and the 64-bit counters. A
 * worker updates it with relaxed atomic adds: no system call, no lock, no
 * allocation on the request path. The file is written under a temporary
 * name and renamed into place, so a reader never sees half a header; each
 * start of the function starts its counters from zero (Prometheus takes
 * that as a counter reset) and a clean stop removes the file (unless a
 * newer start has replaced it). One master per function and directory, as
 * systemd and scripts/stack run them: a second one's file would replace the
 * first's. Unset: no file, and every recording call is one test of a NULL
 * pointer.
 *
 * Readers (functions/metrics) map each file read-only, check its layout and
 * load every counter atomically. Counters are per host: a deployment with
 * several hosts scrapes each.
 */
#ifndef FFX_METRICS_H
#define FFX_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;

#define METRICS_MAGIC        "FFXMETR\0"
#define METRICS_VERSION      1
#define METRICS_NAME_MAX     64 /* function and metric names, with the NUL */
#define METRICS_LABEL_MAX    32
#define METRICS_VALUE_MAX    64
#define METRICS_HELP_MAX     160
#define METRICS_MAX_COUNTERS 16
/* Latency buckets (upper bounds, inclusive, in microseconds) and +Inf. */
#define METRICS_NBUCKETS 13
#define METRICS_BUCKETS_US                                                                         \
    {                                                                                              \
        1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000,  \
            10000000                                                                               \
    }
/* HTTP status codes 100..599 each have a counter; anything else counts as
 * "other" (the frame never answers outside that range). */
#define METRICS_CODE_MIN 100
#define METRICS_CODE_MAX 599
#define METRICS_NCODES   (METRICS_CODE_MAX - METRICS_CODE_MIN + 2)

/* A counter of a function's own, declared in its server_app. The name
 * follows Prometheus (ffx_..._total); label and value name the one label
 * that tells it from its siblings (NULL: none). */
struct metrics_counter {
    const char *name;
    const char *label;
    const char *value;
    const char *help;
};

#define METRICS_COUNTER_END                                                                        \
    {                                                                                              \
        NULL, NULL, NULL, NULL                                                                     \
    }

/* ---- writing (the function's processes) ---- */

/* metrics_open - create and map dir/<function>.metrics with the counters of
 * the NULL-name-terminated table (or none). dir NULL: metrics off, 0. On a
 * failure (dir missing or not writable, a bad counter table) logs why and
 * returns -1. Call once, in the master before forking. */
int metrics_open(const char *dir, const char *function, const struct metrics_counter *counters);

/* metrics_close - unmap; remove the file when this process created it and
 * remove is true (a clean stop of the master). */
void metrics_close(bool remove);

/* metrics_enabled - whether a file is mapped. */
bool metrics_enabled(void);

/* metrics_observe - one answered request: its status and duration. */
void metrics_observe(int status, uint64_t duration_us);

/* metrics_request_done - metrics_observe with the time since `started`
 * (CLOCK_MONOTONIC, read through the vDSO). */
void metrics_request_done(int status, const struct timespec *started);

/* metrics_count - add 1 to the function's counter number `index` (its
 * position in the table given to metrics_open). */
void metrics_count(unsigned index);

/* ---- reading ---- */

struct metrics_counter_value {
    char name[METRICS_NAME_MAX];
    char label[METRICS_LABEL_MAX];
    char value[METRICS_VALUE_MAX];
    char help[METRICS_HELP_MAX];
    uint64_t count;
};

/* One file's counters, loaded at one moment. Bucket counts are per bucket
 * (not cumulative); buckets[METRICS_NBUCKETS] is the +Inf bucket. */
struct metrics_snapshot {
    char function[METRICS_NAME_MAX];
    int64_t started_unix;
    uint32_t bucket_us[METRICS_NBUCKETS];
    uint64_t requests[METRICS_NCODES];
    uint64_t buckets[METRICS_NBUCKETS + 1];
    uint64_t sum_us;
    size_t ncounters;
    struct metrics_counter_value counters[METRICS_MAX_COUNTERS];
};

/* metrics_read_file - load the file at path into *out. Returns 0, or -1 with
 * a reason in *why (not a metrics file, another version or layout, a name
 * that is not a valid metric or label name). */
int metrics_read_file(const char *path, struct metrics_snapshot *out, const char **why);

/* metrics_read_dir - every <name>.metrics file of dir that reads, sorted by
 * function name, in the arena; *n is their number. Files that do not read
 * are logged and skipped. -1 when dir cannot be opened. */
int metrics_read_dir(struct arena *a, const char *dir, struct metrics_snapshot **out, size_t *n);

/* ---- the Prometheus text format ---- */

/* Exposition text growing in an arena. */
struct metrics_text {
    struct arena *arena;
    char *buf;
    size_t len, cap;
};

void metrics_text_init(struct metrics_text *t, struct arena *a);

/* metrics_text_family - the "# HELP" and "# TYPE" lines of a metric family;
 * type is counter, gauge or histogram. Every sample of the family must
 * follow before the next family. */
void metrics_text_family(struct metrics_text *t, const char *name, const char *type,
                         const char *help);

/* metrics_text_sample - one sample line: name{l1="v1",...} value. labels
 * holds name/value pairs and ends with NULL (or is NULL). Values are
 * escaped; integral values print without a fraction. */
void metrics_text_sample(struct metrics_text *t, const char *name, const char *const *labels,
                         double value);

/* metrics_render_snapshots - the families of the per-function counters:
 * ffx_http_requests_total{function,code}, ffx_http_request_duration_seconds
 * {function} (histogram), ffx_function_start_time_seconds{function} and the
 * functions' own counters, grouped by name. */
void metrics_render_snapshots(struct metrics_text *t, const struct metrics_snapshot *s, size_t n);

/* metrics_valid_name / metrics_valid_label - Prometheus metric name
 * [a-zA-Z_:][a-zA-Z0-9_:]* and label name [a-zA-Z_][a-zA-Z0-9_]* (not
 * starting with __, reserved). */
bool metrics_valid_name(const char *s);
bool metrics_valid_label(const char *s);

#endif
