/* SPDX-License-Identifier: MIT */
/*
 * test_metrics - the shared counter file: registration, histogram buckets
 * (cumulative and consistent), exact sums under concurrent increments from
 * forked processes, the layout/version check, and the Prometheus text
 * (escaping, grouping, value format).
 */
#include "arena.h"
#include "check.h"
#include "log.h"
#include "metrics.h"

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/ffx-test-metrics.XXXXXX";

static const struct metrics_counter counters[] = {
    {"ffx_test_events_total", "outcome", "ok", "Test events by outcome."},
    {"ffx_test_events_total", "outcome", "bad \"quoted\"\\", "Test events by outcome."},
    {"ffx_test_plain_total", NULL, NULL, "A counter without a label."},
    METRICS_COUNTER_END,
};

static char *
path_of(const char *function)
{
    static char path[512];

    snprintf(path, sizeof(path), "%s/%s.metrics", dir, function);
    return path;
}

static char *
slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long len;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    rewind(f);
    buf = malloc((size_t)len + 1);
    *n = fread(buf, 1, (size_t)len, f);
    fclose(f);
    return buf;
}

static void
spit(const char *path, const char *buf, size_t n)
{
    FILE *f = fopen(path, "wb");

    fwrite(buf, 1, n, f);
    fclose(f);
}

static char *
find(char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

static const char *
read_back(const char *path, struct metrics_snapshot *s)
{
    const char *why = NULL;

    if (metrics_read_file(path, s, &why) == 0)
        return "ok";
    return why;
}

static void
test_names(void)
{
    static const struct {
        const char *s;
        bool name, label;
    } cases[] = {
        {"ffx_orders", true, true},   {"ffx:rate", true, false},
        {"_x", true, true},           {"__reserved", true, false},
        {"9lives", false, false},     {"", false, false},
        {"with space", false, false}, {"dash-ed", false, false},
        {"é", false, false},          {"ffx_http_requests_total", true, true},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK(metrics_valid_name(cases[i].s) == cases[i].name);
        CHECK(metrics_valid_label(cases[i].s) == cases[i].label);
    }
    CHECK(!metrics_valid_name(NULL));
}

static void
test_registration_refused(void)
{
    static const struct metrics_counter bad_name[] = {{"9bad", NULL, NULL, NULL},
                                                      METRICS_COUNTER_END};
    static const struct metrics_counter reserved[] = {{"ffx_http_requests_total", NULL, NULL, NULL},
                                                      METRICS_COUNTER_END};
    static const struct metrics_counter twice[] = {
        {"ffx_a_total", "k", "v", NULL}, {"ffx_a_total", "k", "v", NULL}, METRICS_COUNTER_END};
    static const struct metrics_counter function_label[] = {{"ffx_a_total", "function", "x", NULL},
                                                            METRICS_COUNTER_END};
    static const struct metrics_counter no_value[] = {{"ffx_a_total", "k", NULL, NULL},
                                                      METRICS_COUNTER_END};
    struct metrics_counter many[METRICS_MAX_COUNTERS + 2];
    static char values[METRICS_MAX_COUNTERS + 1][8];

    for (int i = 0; i <= METRICS_MAX_COUNTERS; i++) {
        snprintf(values[i], sizeof(values[i]), "v%d", i);
        many[i] = (struct metrics_counter){"ffx_many_total", "k", values[i], NULL};
    }
    many[METRICS_MAX_COUNTERS + 1] = (struct metrics_counter)METRICS_COUNTER_END;

    CHECK_INTEQ(metrics_open(dir, "unit-test", bad_name), -1);
    CHECK_INTEQ(metrics_open(dir, "unit-test", reserved), -1);
    CHECK_INTEQ(metrics_open(dir, "unit-test", twice), -1);
    CHECK_INTEQ(metrics_open(dir, "unit-test", function_label), -1);
    CHECK_INTEQ(metrics_open(dir, "unit-test", no_value), -1);
    CHECK_INTEQ(metrics_open(dir, "unit-test", many), -1);
    CHECK_INTEQ(metrics_open(dir, "../escape", NULL), -1);
    CHECK_INTEQ(metrics_open(dir, "", NULL), -1);
    CHECK_INTEQ(metrics_open("/nonexistent/ffx-metrics", "unit-test", NULL), -1);
    CHECK(!metrics_enabled());
    CHECK(access(path_of("unit-test"), F_OK) != 0);

    /* off: no file, recording is a no-op */
    CHECK_INTEQ(metrics_open(NULL, "unit-test", counters), 0);
    CHECK(!metrics_enabled());
    metrics_observe(200, 5);
    metrics_count(0);
    metrics_close(true);
}

/* Boundaries are inclusive (Prometheus "le"): 1000 us is in le="0.001". */
static void
test_histogram(struct arena *a)
{
    static const struct {
        uint64_t us;
        unsigned bucket;
    } obs[] = {
        {0, 0},        {999, 0},       {1000, 0},      {1001, 1},        {2500, 1},
        {2501, 2},     {99999, 6},     {100000, 6},    {250001, 8},      {1000000, 9},
        {9999999, 12}, {10000000, 12}, {10000001, 13}, {UINT32_MAX, 13},
    };
    uint64_t want[METRICS_NBUCKETS + 1] = {0};
    uint64_t sum = 0;
    struct metrics_snapshot s;
    struct metrics_text t;
    char line[128];
    uint64_t cumulative = 0;

    CHECK_INTEQ(metrics_open(dir, "unit-test", counters), 0);
    CHECK(metrics_enabled());
    for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++) {
        metrics_observe(200, obs[i].us);
        want[obs[i].bucket]++;
        sum += obs[i].us;
    }
    metrics_observe(404, 1);
    metrics_observe(999, 1);
    metrics_observe(42, 1);
    want[0] += 3;
    sum += 3;
    metrics_count(1);
    metrics_count(1);
    metrics_count(2);
    metrics_count(99); /* not registered: ignored */

    CHECK_STREQ(read_back(path_of("unit-test"), &s), "ok");
    CHECK_STREQ(s.function, "unit-test");
    CHECK(s.started_unix > 1700000000);
    for (unsigned i = 0; i <= METRICS_NBUCKETS; i++)
        CHECK_INTEQ(s.buckets[i], want[i]);
    CHECK_INTEQ(s.sum_us, sum);
    CHECK_INTEQ(s.requests[200 - METRICS_CODE_MIN], sizeof(obs) / sizeof(obs[0]));
    CHECK_INTEQ(s.requests[404 - METRICS_CODE_MIN], 1);
    CHECK_INTEQ(s.requests[METRICS_NCODES - 1], 2); /* 999 and 42: "other" */
    CHECK_INTEQ(s.ncounters, 3);
    CHECK_INTEQ(s.counters[0].count, 0);
    CHECK_INTEQ(s.counters[1].count, 2);
    CHECK_INTEQ(s.counters[2].count, 1);
    CHECK_STREQ(s.counters[1].value, "bad \"quoted\"\\");

    metrics_text_init(&t, a);
    metrics_render_snapshots(&t, &s, 1);
    /* cumulative buckets, +Inf equal to _count */
    for (unsigned i = 0; i <= METRICS_NBUCKETS; i++) {
        static const char *const le[] = {"0.001", "0.0025", "0.005", "0.01", "0.025",
                                         "0.05",  "0.1",    "0.25",  "0.5",  "1",
                                         "2.5",   "5",      "10",    "+Inf"};

        cumulative += want[i];
        snprintf(line, sizeof(line),
                 "\nffx_http_request_duration_seconds_bucket{function=\"unit-test\",le=\"%s\"} "
                 "%llu\n",
                 le[i], (unsigned long long)cumulative);
        CHECK(strstr(t.buf, line) != NULL);
    }
    snprintf(line, sizeof(line),
             "\nffx_http_request_duration_seconds_count{function=\"unit-test\"} %llu\n",
             (unsigned long long)cumulative);
    CHECK(strstr(t.buf, line) != NULL);
    CHECK_INTEQ(cumulative, sizeof(obs) / sizeof(obs[0]) + 3);
    snprintf(line, sizeof(line),
             "\nffx_http_request_duration_seconds_sum{function=\"unit-test\"} %.15g\n",
             (double)sum / 1e6);
    CHECK(strstr(t.buf, line) != NULL);
    CHECK(strstr(t.buf, "\nffx_http_requests_total{function=\"unit-test\",code=\"200\"} 14\n"));
    CHECK(strstr(t.buf, "\nffx_http_requests_total{function=\"unit-test\",code=\"404\"} 1\n"));
    CHECK(strstr(t.buf, "\nffx_http_requests_total{function=\"unit-test\",code=\"other\"} 2\n"));
    CHECK(strstr(t.buf, "code=\"500\"") == NULL); /* codes never seen are not listed */
    CHECK(strstr(t.buf, "# TYPE ffx_http_request_duration_seconds histogram\n"));
    CHECK(strstr(t.buf, "\nffx_test_events_total{function=\"unit-test\",outcome=\"ok\"} 0\n"));
    CHECK(strstr(t.buf, "\nffx_test_events_total{function=\"unit-test\",outcome=\"bad "
                        "\\\"quoted\\\"\\\\\"} 2\n"));
    CHECK(strstr(t.buf, "\nffx_test_plain_total{function=\"unit-test\"} 1\n"));
    metrics_close(true);
    CHECK(access(path_of("unit-test"), F_OK) != 0); /* a clean stop removes the file */
    arena_reset(a);
}

/* Workers are processes: their increments must add up exactly. */
static void
test_concurrent_processes(void)
{
    enum { PROCS = 4, EACH = 200000 };
    struct metrics_snapshot s;
    pid_t pids[PROCS];
    int ok = 0;

    CHECK_INTEQ(metrics_open(dir, "unit-concurrent", counters), 0);
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        if (pids[p] == 0) {
            for (int i = 0; i < EACH; i++) {
                metrics_observe(i % 2 ? 200 : 503, 1500 + (uint64_t)p);
                metrics_count(2);
            }
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int status = -1;

        waitpid(pids[p], &status, 0);
        ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    CHECK_INTEQ(ok, PROCS);
    CHECK_STREQ(read_back(path_of("unit-concurrent"), &s), "ok");
    CHECK_INTEQ(s.requests[200 - METRICS_CODE_MIN], PROCS * EACH / 2);
    CHECK_INTEQ(s.requests[503 - METRICS_CODE_MIN], PROCS * EACH / 2);
    CHECK_INTEQ(s.buckets[1], PROCS * EACH); /* 1.5 ms: le="0.0025" */
    CHECK_INTEQ(s.sum_us, (uint64_t)EACH * (1500 * PROCS + 0 + 1 + 2 + 3));
    CHECK_INTEQ(s.counters[2].count, PROCS * EACH);
    metrics_close(true);
}

/* A file of another layout, version or content is refused, not misread. */
static void
test_layout_check(void)
{
    static const struct {
        const char *what;
        size_t offset; /* byte to change, or SIZE_MAX for a size change */
        char value;
        long resize;
    } cases[] = {
        {"magic", 0, 'X', 0},           {"version", 8, 2, 0},       {"size field", 12, 1, 0},
        {"truncated", SIZE_MAX, 0, -8}, {"longer", SIZE_MAX, 0, 8},
    };
    struct metrics_snapshot s;
    char copy[512];
    size_t n = 0;
    char *orig;

    CHECK_INTEQ(metrics_open(dir, "unit-layout", counters), 0);
    metrics_close(false); /* left in place, as after a crash */
    orig = slurp(path_of("unit-layout"), &n);
    CHECK(orig != NULL && n > 4096);
    if (orig == NULL)
        return;
    CHECK_STREQ(read_back(path_of("unit-layout"), &s), "ok");
    snprintf(copy, sizeof(copy), "%s/copy.metrics", dir);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *buf = malloc(n + 16);
        size_t len = n + (size_t)cases[i].resize;

        memcpy(buf, orig, n);
        memset(buf + n, 0, 16);
        if (cases[i].offset != SIZE_MAX)
            buf[cases[i].offset] = cases[i].value;
        spit(copy, buf, len);
        if (strcmp(read_back(copy, &s), "ok") == 0)
            fprintf(stderr, "layout case '%s' was accepted\n", cases[i].what);
        CHECK(strcmp(read_back(copy, &s), "ok") != 0);
        free(buf);
    }
    /* a counter name that is not a metric name */
    {
        char *p = find(orig, n, "ffx_test_plain_total");

        CHECK(p != NULL);
        if (p != NULL) {
            *p = '9';
            spit(copy, orig, n);
            CHECK_STREQ(read_back(copy, &s), "bad counter name");
        }
    }
    CHECK(strcmp(read_back("/nonexistent/x.metrics", &s), "ok") != 0);
    unlink(copy);
    unlink(path_of("unit-layout"));
    free(orig);
}

/* close(true) removes only the file this start created. */
static void
test_close_keeps_a_newer_file(void)
{
    char other[512];

    CHECK_INTEQ(metrics_open(dir, "unit-replaced", NULL), 0);
    snprintf(other, sizeof(other), "%s/newer", dir);
    spit(other, "x", 1);
    CHECK_INTEQ(rename(other, path_of("unit-replaced")), 0);
    metrics_close(true);
    CHECK(access(path_of("unit-replaced"), F_OK) == 0);
    unlink(path_of("unit-replaced"));
}

static void
test_read_dir(struct arena *a)
{
    static const struct metrics_counter b_counters[] = {
        {"ffx_test_events_total", "outcome", "ok", "Test events by outcome."}, METRICS_COUNTER_END};
    struct metrics_snapshot *s = NULL;
    struct metrics_text t;
    char junk[512];
    size_t n = 0;
    const char *p;
    int families = 0;

    CHECK_INTEQ(metrics_open(dir, "zeta", counters), 0);
    metrics_observe(201, 10);
    metrics_count(0);
    metrics_close(false);
    CHECK_INTEQ(metrics_open(dir, "alpha", b_counters), 0);
    metrics_count(0);
    metrics_count(0);
    snprintf(junk, sizeof(junk), "%s/junk.metrics", dir);
    spit(junk, "not metrics", 11);
    snprintf(junk, sizeof(junk), "%s/.beta.metrics.123", dir);
    spit(junk, "half written", 12);

    CHECK_INTEQ(metrics_read_dir(a, dir, &s, &n), 0);
    CHECK_INTEQ(n, 2);
    if (n == 2) {
        CHECK_STREQ(s[0].function, "alpha");
        CHECK_STREQ(s[1].function, "zeta");
    }
    metrics_text_init(&t, a);
    metrics_render_snapshots(&t, s, n);
    /* one family for a counter name two functions share, both samples under it */
    for (p = t.buf; (p = strstr(p, "# TYPE ffx_test_events_total counter\n")) != NULL; p++)
        families++;
    CHECK_INTEQ(families, 1);
    CHECK(strstr(t.buf, "ffx_test_events_total{function=\"alpha\",outcome=\"ok\"} 2\n"));
    CHECK(strstr(t.buf, "ffx_test_events_total{function=\"zeta\",outcome=\"ok\"} 1\n"));
    CHECK(strstr(t.buf, "ffx_http_requests_total{function=\"zeta\",code=\"201\"} 1\n"));
    CHECK(strstr(t.buf, "ffx_function_start_time_seconds{function=\"alpha\"} "));
    CHECK_INTEQ(metrics_read_dir(a, "/nonexistent/ffx-metrics", &s, &n), -1);
    metrics_close(true);
    unlink(path_of("zeta"));
    unlink(junk);
    snprintf(junk, sizeof(junk), "%s/junk.metrics", dir);
    unlink(junk);
    arena_reset(a);
}

static void
test_text(struct arena *a)
{
    struct metrics_text t;

    metrics_text_init(&t, a);
    metrics_text_family(&t, "ffx_x", "gauge", "Line one\nback\\slash \"kept\"");
    metrics_text_sample(&t, "ffx_x", (const char *[]){"a", "q\"b\\s\nn", "b", "\xff", NULL}, 3);
    metrics_text_sample(&t, "ffx_x", NULL, 0.25);
    metrics_text_sample(&t, "ffx_x", (const char *[]){NULL}, NAN);
    metrics_text_sample(&t, "ffx_x", NULL, INFINITY);
    metrics_text_sample(&t, "ffx_x", NULL, -INFINITY);
    metrics_text_sample(&t, "ffx_x", NULL, 1e20);
    metrics_text_sample(&t, "ffx_x", (const char *[]){"bad-label", "v", NULL}, 1);
    CHECK_STREQ(t.buf, "# HELP ffx_x Line one\\nback\\\\slash \"kept\"\n"
                       "# TYPE ffx_x gauge\n"
                       "ffx_x{a=\"q\\\"b\\\\s\\nn\",b=\"\xef\xbf\xbd\"} 3\n"
                       "ffx_x 0.25\n"
                       "ffx_x NaN\n"
                       "ffx_x +Inf\n"
                       "ffx_x -Inf\n"
                       "ffx_x 1e+20\n");
    arena_reset(a);

    /* growth past the first block keeps everything */
    metrics_text_init(&t, a);
    for (int i = 0; i < 5000; i++)
        metrics_text_sample(&t, "ffx_many", NULL, i);
    CHECK(strstr(t.buf, "ffx_many 0\nffx_many 1\n") == t.buf);
    CHECK(strstr(t.buf, "\nffx_many 4999\n") != NULL);
    CHECK_INTEQ(strlen(t.buf), t.len);
    arena_reset(a);
}

int
main(void)
{
    struct arena *a = arena_create(64 * 1024);
    int devnull = open("/dev/null", O_WRONLY);

    log_set_fd(devnull); /* the refusals log on purpose */
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_names();
    test_registration_refused();
    test_histogram(a);
    test_concurrent_processes();
    test_layout_check();
    test_close_keeps_a_newer_file();
    test_read_dir(a);
    test_text(a);
    rmdir(dir);
    arena_destroy(a);
    close(devnull);
    return check_done();
}
