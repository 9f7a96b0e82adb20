/* SPDX-License-Identifier: MIT */
/*
 * test_daemon.c - the long-running tools' skeleton without a database: the exit statuses
 * (usage, configuration, --once), the started/stopped lines, daemon_wait on a readable fd and
 * on a timeout, and a SIGTERM from another process that wakes a long wait at once and ends the
 * loop with status 0. The stop is final, so that case runs last.
 */
#include "check.h"
#include "daemon.h"
#include "log.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What the hooks saw. */
struct probe {
    int configure_rc; /* what configure returns */
    int pass_rc;      /* what pass returns */
    int configured, passes, waits, finished;
    void (*during_pass)(struct probe *p); /* NULL: nothing */
    enum daemon_wake wake;                /* the wait hook's last wake */
    double waited_ms;                     /* and how long it took */
    pid_t signaller;                      /* a child that sends SIGTERM, or 0 */
};

static int
probe_configure(void *tool)
{
    struct probe *p = tool;

    p->configured++;
    return p->configure_rc;
}

static int
probe_pass(void *tool)
{
    struct probe *p = tool;

    p->passes++;
    if (p->during_pass != NULL)
        p->during_pass(p);
    return p->pass_rc;
}

/* A wait far longer than the test: only a stop can end it in time. */
static void
probe_wait(void *tool, double pass_started_ms)
{
    struct probe *p = tool;
    double t0 = daemon_now_ms();

    (void)pass_started_ms;
    p->waits++;
    p->wake = daemon_wait(-1, 60000);
    p->waited_ms = daemon_now_ms() - t0;
}

static void
probe_finish(void *tool)
{
    struct probe *p = tool;

    p->finished++;
}

static int
run_probe(struct probe *p, const char *arg)
{
    char *argv[] = {(char *)"test-daemon", (char *)arg, NULL};

    return daemon_main(
        &(struct daemon_app){
            .name = "test-daemon",
            .log_area = "test",
            .tool = p,
            .configure = probe_configure,
            .pass = probe_pass,
            .wait = probe_wait,
            .finish = probe_finish,
        },
        arg != NULL ? 2 : 1, argv);
}

static void
test_usage_and_configuration(int logs)
{
    struct probe usage = {0}, bad = {.configure_rc = -1};

    CHECK_INTEQ(run_probe(&usage, "--bogus"), 2);
    CHECK_INTEQ(usage.configured + usage.passes, 0);
    CHECK_INTEQ(usage.finished, 1);
    CHECK_INTEQ(run_probe(&bad, NULL), 2);
    CHECK_INTEQ(bad.passes, 0);
    CHECK_INTEQ(bad.finished, 1);
    CHECK(strstr(check_drain(logs), "\"started") == NULL);
}

static void
test_once(int logs)
{
    struct probe ok = {0}, failed = {.pass_rc = -1};
    const char *out;

    CHECK_INTEQ(run_probe(&ok, "--once"), 0);
    CHECK_INTEQ(ok.passes, 1);
    CHECK_INTEQ(ok.waits, 0);
    CHECK_INTEQ(ok.finished, 1);
    out = check_drain(logs);
    CHECK(strstr(out, "\"mod\":\"test\",\"msg\":\"started (--once)\"") != NULL);
    CHECK(strstr(out, "\"level\":\"info\"") != NULL && strstr(out, "\"msg\":\"stopped\"") != NULL);
    CHECK_INTEQ(run_probe(&failed, "--once"), 1);
    CHECK_INTEQ(failed.passes, 1);
    CHECK(strstr(check_drain(logs), "\"level\":\"error\"") != NULL); /* stopped, status 1 */
}

/* Inside a pass, where the signals are installed like in a tool. */
static void
check_waits(struct probe *p)
{
    int fds[2];
    double t0;

    (void)p;
    if (pipe(fds) != 0)
        return;
    t0 = daemon_now_ms();
    CHECK_INTEQ(daemon_wait(fds[0], 150), DAEMON_WAKE_TIMEOUT);
    CHECK(daemon_now_ms() - t0 >= 150);
    CHECK(!daemon_stop_requested());
    CHECK_INTEQ(write(fds[1], "x", 1), 1);
    t0 = daemon_now_ms();
    CHECK_INTEQ(daemon_wait(fds[0], 60000), DAEMON_WAKE_READABLE);
    CHECK(daemon_now_ms() - t0 < 1000);
    CHECK_INTEQ(daemon_wait(-1, 0), DAEMON_WAKE_TIMEOUT); /* only looks */
    close(fds[0]);
    close(fds[1]);
}

static void
test_waits(int logs)
{
    struct probe p = {.during_pass = check_waits};

    CHECK_INTEQ(run_probe(&p, "--once"), 0);
    CHECK_INTEQ(p.passes, 1);
    check_drain(logs);
}

/* A child that sends SIGTERM to this process once it is (very likely) inside the long wait. */
static void
signal_later(struct probe *p)
{
    pid_t parent = getpid();

    p->signaller = fork();
    if (p->signaller == 0) {
        nanosleep(&(struct timespec){.tv_nsec = 200 * 1000 * 1000}, NULL);
        kill(parent, SIGTERM);
        _exit(0);
    }
}

static void
test_stop_signal(int logs)
{
    struct probe p = {.during_pass = signal_later};

    CHECK_INTEQ(run_probe(&p, NULL), 0);
    CHECK(p.signaller > 0);
    if (p.signaller > 0)
        waitpid(p.signaller, NULL, 0);
    CHECK_INTEQ(p.passes, 1); /* the stop ended the loop instead of another pass */
    CHECK_INTEQ(p.waits, 1);
    CHECK_INTEQ(p.wake, DAEMON_WAKE_STOP);
    printf("a SIGTERM 200 ms into the pass ended a 60 s wait after %.0f ms\n", p.waited_ms);
    CHECK(p.waited_ms < 2000);
    CHECK(daemon_stop_requested());
    CHECK(strstr(check_drain(logs), "\"msg\":\"stopped\"") != NULL);
}

int
main(void)
{
    int logs[2];

    if (pipe(logs) != 0)
        return 1;
    fcntl(logs[0], F_SETFL, O_NONBLOCK);
    log_set_fd(logs[1]);
    test_usage_and_configuration(logs[0]);
    test_once(logs[0]);
    test_waits(logs[0]);
    test_stop_signal(logs[0]); /* last: the stop is final */
    return check_done();
}
