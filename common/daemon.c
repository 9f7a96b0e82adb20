/* SPDX-License-Identifier: MIT */
/*
 * daemon.c - the long-running tools' skeleton (daemon.h).
 */
#include "daemon.h"

#include "cfg.h"
#include "log.h"
#include "pgsession.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* cfg_common_keys and at most this many tables of the tool's */
#define DAEMON_TABLES_MAX 8

/* The loop's own state; the tool's lives behind app->tool. */
struct daemon {
    const struct daemon_app *app;
    bool once;
};

/* ---- stop signals: a flag plus a self-pipe, so a wait in poll() wakes at once ---- */

static volatile sig_atomic_t stopping;
static int stop_pipe[2] = {-1, -1};

static void
on_stop_signal(int sig)
{
    int saved = errno;

    (void)sig;
    stopping = 1;
    if (write(stop_pipe[1], "x", 1) < 0) {
        /* the pipe is full: a wake-up is already pending */
    }
    errno = saved;
}

static int
install_signals(void)
{
    struct sigaction sa;

    if (pipe(stop_pipe) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(stop_pipe[i], F_SETFL, fcntl(stop_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(stop_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static void
close_stop_pipe(void)
{
    for (int i = 0; i < 2; i++) {
        if (stop_pipe[i] >= 0)
            close(stop_pipe[i]);
        stop_pipe[i] = -1;
    }
}

static void
stop_signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
}

void
daemon_hold_stop(bool hold)
{
    sigset_t set;

    stop_signal_set(&set);
    sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

bool
daemon_stop_requested(void)
{
    sigset_t pending;

    if (stopping)
        return true;
    /* held back by daemon_hold_stop: its handler runs once released */
    sigemptyset(&pending);
    return sigpending(&pending) == 0 &&
           (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1);
}

/* ---- waiting and the clock ---- */

double
daemon_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* What is left until deadline, rounded up so a wait never ends just short of it. */
static int
ms_until(double deadline)
{
    double left = deadline - daemon_now_ms();

    if (left <= 0)
        return 0;
    return left >= 86400e3 ? 86400 * 1000 : (int)left + 1;
}

enum daemon_wake
daemon_wait(int fd, long long timeout_ms)
{
    double deadline = daemon_now_ms() + (double)(timeout_ms > 0 ? timeout_ms : 0);

    for (;;) {
        /* poll() ignores a negative fd: no fd, or no pipe before the signals are installed */
        struct pollfd fds[2] = {{.fd = stop_pipe[0], .events = POLLIN},
                                {.fd = fd, .events = POLLIN}};
        int n;

        if (daemon_stop_requested())
            return DAEMON_WAKE_STOP;
        n = poll(fds, 2, ms_until(deadline));
        if (n == 0)
            return DAEMON_WAKE_TIMEOUT;
        if (n < 0 && errno != EINTR)
            return DAEMON_WAKE_TIMEOUT; /* cannot happen with valid arguments; do not spin */
        if (n > 0 && fds[0].revents != 0)
            return DAEMON_WAKE_STOP;
        if (n > 0 && fds[1].revents != 0)
            return DAEMON_WAKE_READABLE;
        /* EINTR from another signal: wait out the rest */
    }
}

/* ---- configuration ---- */

static int
load_config(const struct daemon *d)
{
    const struct daemon_app *app = d->app;
    const struct cfg_key *tables[DAEMON_TABLES_MAX + 2] = {cfg_common_keys};
    enum log_level level = LOG_INFO;
    size_t n = 1;

    for (size_t i = 0; app->cfg_tables != NULL && app->cfg_tables[i] != NULL; i++) {
        if (n > DAEMON_TABLES_MAX)
            abort(); /* a programming error: raise DAEMON_TABLES_MAX */
        tables[n++] = app->cfg_tables[i];
    }
    log_init(app->name, LOG_INFO);
    if (cfg_load(tables) != 0)
        return -1;
    log_level_parse(cfg_str("FFX_LOG_LEVEL"), &level);
    log_init(app->name, level);
    if (app->configure != NULL && app->configure(app->tool) != 0)
        return -1;
    if (app->db != NULL)
        pgsession_init(app->db, &(struct pgsession_options){
                                    .conninfo = cfg_str("DATABASE_URL"),
                                    .app_name = app->name,
                                    .listen_channel = app->listen_channel,
                                    .connect_timeout_s = cfg_int("FFX_DB_CONNECT_TIMEOUT_S"),
                                    .statement_timeout_ms = cfg_int("FFX_DB_STATEMENT_TIMEOUT_MS"),
                                    .retry_ms = d->once ? 0 : DAEMON_RECONNECT_MS,
                                });
    cfg_log_summary();
    return 0;
}

/* ---- the run loop ---- */

/* Whether the database (if any) is open, reopened now when it was not. */
static bool
database_ready(const struct daemon *d)
{
    struct pgsession *db = d->app->db;

    return db == NULL || pgsession_ok(db) || pgsession_connect(db) == 0;
}

static int
run(const struct daemon *d)
{
    const struct daemon_app *app = d->app;

    while (!daemon_stop_requested()) {
        double started = daemon_now_ms();
        int rc;

        if (!database_ready(d)) {
            if (d->once)
                return 1;
            daemon_wait(-1, DAEMON_RECONNECT_MS);
            continue;
        }
        rc = app->pass(app->tool);
        if (d->once)
            return rc == 0 ? 0 : 1;
        app->wait(app->tool, started);
    }
    return 0;
}

/* ---- start and end ---- */

static void
log_started(const struct daemon *d)
{
    struct log_line l;

    log_begin(&l, LOG_INFO, NULL, d->app->log_area, d->once ? "started (--once)" : "started");
    if (d->app->describe != NULL)
        d->app->describe(d->app->tool, &l);
    log_end(&l);
}

static int
start(const struct daemon *d)
{
    if (install_signals() != 0)
        return -1;
    return d->app->start != NULL ? d->app->start(d->app->tool) : 0;
}

static void
finish(const struct daemon *d)
{
    if (d->app->finish != NULL)
        d->app->finish(d->app->tool);
    if (d->app->db != NULL)
        pgsession_close(d->app->db);
    close_stop_pipe();
    cfg_free();
}

/* nothing, or --once */
static bool
parse_args(struct daemon *d, int argc, char **argv)
{
    d->once = argc == 2 && strcmp(argv[1], "--once") == 0;
    if (argc <= 1 || d->once)
        return true;
    fprintf(stderr, "usage: %s [--once]\n", argv[0]);
    return false;
}

int
daemon_main(const struct daemon_app *app, int argc, char **argv)
{
    struct daemon d = {.app = app};
    int status = 2;

    if (!parse_args(&d, argc, argv) || load_config(&d) != 0)
        goto out;
    status = 1;
    if (start(&d) != 0)
        goto out;
    log_started(&d);
    status = run(&d);
    log_event(status == 0 ? LOG_INFO : LOG_ERROR, NULL, app->log_area, "stopped");
out:
    finish(&d);
    return status;
}
