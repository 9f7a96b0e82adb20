/* SPDX-License-Identifier: MIT */
/*
 * server.c - prefork master, worker accept loop and the request frame.
 *
 * Signals: workers block SIGTERM/SIGINT while a request is in flight, so no
 * read or write of the request is interrupted, and take them only while
 * waiting in accept(). A signal that lands between unblocking and accept()
 * would be missed, so the master repeats SIGTERM every second until the
 * worker is gone (SIGKILL after FFX_SHUTDOWN_GRACE_MS).
 */
#include "server.h"
#include "arena.h"
#include "call.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "response.h"

#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SERVER_MAX_WORKERS 256
#define ARENA_BLOCK_SIZE   (64 * 1024)

static volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
    FCGX_ShutdownPending();
}

static void
set_signal_mask(int how)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(how, &set, NULL);
}

/* ---- the request frame ---- */

static bool
method_served(const struct server_app *app, const char *method)
{
    size_t n = strlen(method);

    for (const char *p = app->methods; *p != '\0';) {
        size_t len;

        p += strspn(p, " "); /* "GET, POST": the list is also the Allow header */
        len = strcspn(p, ",");

        if (len == n && n > 0 && strncmp(p, method, n) == 0)
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

static void
ensure_request_id(struct req *r)
{
    static unsigned long counter;
    struct timespec ts;

    if (r->call.request_id != NULL && r->call.request_id[0] != '\0' &&
        strlen(r->call.request_id) <= 64)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    r->call.request_id = arena_sprintf(r->call.arena, "%08lx%08lx%06lx%06lx",
                                       (unsigned long)ts.tv_sec, (unsigned long)ts.tv_nsec,
                                       (unsigned long)getpid() & 0xffffff, ++counter & 0xffffff);
}

static enum err_code
dispatch(const struct server_app *app, struct req *r)
{
    if (app->enabled != NULL && !app->enabled())
        return ERR_SET(&r->call.err, ERR_NOT_FOUND, "Function not found");
    if (req_method_is(r, "OPTIONS"))
        return resp_preflight(r);
    if (!method_served(app, r->method)) {
        resp_add_header(r, arena_sprintf(r->call.arena, "Allow: %s, OPTIONS", app->methods));
        return ERR_SET(&r->call.err, ERR_METHOD_NOT_ALLOWED, "Method not allowed");
    }
    return app->handle(r);
}

static void
log_request_done(const struct req *r)
{
    int status = r->status;
    enum log_level level = status >= 500 ? LOG_ERROR : LOG_INFO;
    struct log_line l;

    log_begin(&l, level, r->call.request_id, "http", "request done");
    log_str(&l, "method", r->method);
    log_str(&l, "path", r->path);
    log_int(&l, "status", status);
    log_double(&l, "dur_ms", call_elapsed_ms(&r->call));
    log_double(&l, "db_ms", r->call.db_ms);
    if (r->call.provider_ms > 0)
        log_double(&l, "provider_ms", r->call.provider_ms);
    if (r->call.err.code != ERR_OK) {
        log_str(&l, "error", err_code_name(r->call.err.code));
        log_str(&l, "error_msg", r->call.err.msg);
        if (r->call.err.detail[0] != '\0')
            log_str(&l, "error_detail", r->call.err.detail);
        log_str(&l, "error_at", r->call.err.file);
        log_int(&l, "error_line", r->call.err.line);
    }
    log_end(&l);
}

void
server_handle_one(const struct server_app *app, struct arena *a, const struct req_source *src,
                  struct resp_sink sink)
{
    struct req r;
    enum err_code rc;
    size_t body_max = (size_t)cfg_int("FFX_BODY_MAX");

    if (app->body_max > 0 && app->body_max < body_max)
        body_max = app->body_max;
    req_init(&r, a, sink);
    rc = req_parse(&r, src, body_max);
    ensure_request_id(&r);
    if (rc == ERR_OK)
        rc = dispatch(app, &r);
    if (rc != ERR_OK && !r.responded)
        resp_error(&r);
    if (!r.responded) {
        ERR_SET(&r.call.err, ERR_INTERNAL, "handler returned without answering");
        resp_error(&r);
    }
    if (app->uses_db)
        db_end();
    log_request_done(&r);
    metrics_request_done(r.status, &r.call.started);
}

/* ---- FastCGI plumbing ---- */

static int
fcgi_read(void *ctx, char *buf, int n)
{
    return FCGX_GetStr(buf, n, ctx);
}

static int
fcgi_write(void *ctx, const char *buf, size_t n)
{
    return FCGX_PutStr(buf, (int)n, ctx) == (int)n ? 0 : -1;
}

static int
open_listener(void)
{
    const char *path = cfg_str("FFX_LISTEN");
    int fd;

    if (path == NULL)
        return 0; /* systemd socket activation or spawn-fcgi: the socket is fd 0 */
    unlink(path); /* a stale socket from a killed run */
    fd = FCGX_OpenSocket(path, 1024);
    if (fd < 0) {
        log_event(LOG_ERROR, NULL, "server", "could not listen on %s", path);
        return -1;
    }
    /* nginx connects as the same user in dev; deployments use systemd's SocketMode. */
    chmod(path, 0660);
    return fd;
}

static int
worker_loop(const struct server_app *app, int listen_fd)
{
    FCGX_Request fr;
    struct arena *arena = arena_create(ARENA_BLOCK_SIZE);

    if (FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
        arena_destroy(arena);
        return 1;
    }
    for (;;) {
        set_signal_mask(SIG_UNBLOCK);
        if (stop_requested || FCGX_Accept_r(&fr) < 0) {
            set_signal_mask(SIG_BLOCK);
            if (stop_requested)
                break;
            continue; /* an aborted connection; keep serving */
        }
        set_signal_mask(SIG_BLOCK);

        struct req_source src = {.envp = fr.envp, .read = fcgi_read, .ctx = fr.in};
        struct resp_sink sink = {.write = fcgi_write, .ctx = fr.out};

        server_handle_one(app, arena, &src, sink);
        FCGX_Finish_r(&fr);
        arena_reset(arena);
    }
    FCGX_Free(&fr, 0);
    arena_destroy(arena);
    return 0;
}

static void
install_stop_handlers(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal; /* no SA_RESTART: accept() must return */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static size_t
module_count(const struct server_app *app)
{
    size_t n = 0;

    while (app->modules != NULL && app->modules[n] != NULL)
        n++;
    return n;
}

/* Initialise the modules in order; on a failure undo the ones done. */
static int
init_modules(const struct server_app *app)
{
    size_t n = module_count(app);

    for (size_t i = 0; i < n; i++) {
        if (app->modules[i]->init == NULL || app->modules[i]->init() == 0)
            continue;
        log_event(LOG_ERROR, NULL, "server", "initialising %s failed", app->modules[i]->name);
        while (i-- > 0)
            if (app->modules[i]->fini != NULL)
                app->modules[i]->fini();
        return -1;
    }
    return 0;
}

static void
fini_modules(const struct server_app *app)
{
    for (size_t i = module_count(app); i-- > 0;)
        if (app->modules[i]->fini != NULL)
            app->modules[i]->fini();
}

static int
run_worker(const struct server_app *app, int listen_fd)
{
    int status = 1;

    install_stop_handlers();
    set_signal_mask(SIG_BLOCK);
    if (app->uses_db) {
        struct db_options opt = {
            .conninfo = cfg_str("DATABASE_URL"),
            .app_name = app->name,
            .connect_timeout_s = (int)cfg_int("FFX_DB_CONNECT_TIMEOUT_S"),
            .statement_timeout_ms = (int)cfg_int("FFX_DB_STATEMENT_TIMEOUT_MS"),
            .prepare = cfg_bool("FFX_DB_PREPARE"),
        };
        db_open(&opt);
    }
    if (init_modules(app) == 0) {
        log_event(LOG_INFO, NULL, "server", "worker ready");
        status = worker_loop(app, listen_fd);
        fini_modules(app);
    }
    if (app->uses_db)
        db_close();
    log_event(LOG_INFO, NULL, "server", "worker exiting");
    return status;
}

/* ---- the prefork master ---- */

struct pool {
    pid_t pids[SERVER_MAX_WORKERS];
    struct timespec started[SERVER_MAX_WORKERS];
    int n;
};

static pid_t
spawn_worker(const struct server_app *app, int listen_fd)
{
    pid_t pid = fork();

    if (pid == 0) {
        sigset_t chld;
        int status;

        /* A worker must not outlive its master (kill -9 of the master). */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_UNBLOCK, &chld, NULL);
        status = run_worker(app, listen_fd);

        cfg_free();
        exit(status);
    }
    if (pid < 0)
        log_event(LOG_ERROR, NULL, "server", "fork failed: %s", strerror(errno));
    return pid;
}

static void
fill_pool(const struct server_app *app, struct pool *p, int listen_fd)
{
    for (int i = 0; i < p->n; i++) {
        if (p->pids[i] > 0)
            continue;
        /* A worker that dies at once would otherwise fork in a tight loop. */
        if (p->started[i].tv_sec != 0 && ms_since(&p->started[i]) < 1000)
            continue;
        clock_gettime(CLOCK_MONOTONIC, &p->started[i]);
        p->pids[i] = spawn_worker(app, listen_fd);
    }
}

static int
reap(struct pool *p, bool stopping)
{
    int alive = 0;
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < p->n; i++) {
            if (p->pids[i] != pid)
                continue;
            p->pids[i] = 0;
            if (!stopping)
                log_event(LOG_WARN, NULL, "server", "worker %d died (status %d), replacing it",
                          (int)pid, status);
        }
    }
    for (int i = 0; i < p->n; i++)
        alive += p->pids[i] > 0;
    return alive;
}

static void
signal_pool(const struct pool *p, int sig)
{
    for (int i = 0; i < p->n; i++)
        if (p->pids[i] > 0)
            kill(p->pids[i], sig);
}

static int
run_master(const struct server_app *app, int listen_fd, int workers)
{
    struct pool pool = {.n = workers};
    struct timespec stop_at = {0};
    struct timespec tick = {.tv_sec = 1};
    double grace_ms = (double)cfg_int("FFX_SHUTDOWN_GRACE_MS");
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    fill_pool(app, &pool, listen_fd); /* now, not after the first tick: requests are waiting */
    for (;;) {
        int sig = sigtimedwait(&set, NULL, &tick);

        if ((sig == SIGTERM || sig == SIGINT) && !stop_requested) {
            stop_requested = 1;
            clock_gettime(CLOCK_MONOTONIC, &stop_at);
            log_event(LOG_INFO, NULL, "server", "stopping workers");
        }
        if (reap(&pool, stop_requested) == 0 && stop_requested)
            break;
        if (!stop_requested)
            fill_pool(app, &pool, listen_fd);
        else
            signal_pool(&pool, ms_since(&stop_at) > grace_ms ? SIGKILL : SIGTERM);
    }
    log_event(LOG_INFO, NULL, "server", "stopped");
    return 0;
}

static int
load_config(const struct server_app *app)
{
    const struct cfg_key *tables[16] = {cfg_common_keys};
    size_t n = 1;
    enum log_level level = LOG_INFO;

    if (module_count(app) > 13)
        abort(); /* programming error: raise the table size */
    for (size_t i = 0; i < module_count(app); i++)
        if (app->modules[i]->cfg_keys != NULL)
            tables[n++] = app->modules[i]->cfg_keys;
    if (app->cfg_keys != NULL)
        tables[n++] = app->cfg_keys;
    log_init(app->name, LOG_INFO);
    if (cfg_load(tables) != 0)
        return -1;
    log_level_parse(cfg_str("FFX_LOG_LEVEL"), &level);
    log_init(app->name, level);
    for (size_t i = 0; i < module_count(app); i++)
        if (app->modules[i]->check_config != NULL && app->modules[i]->check_config() != 0)
            return -1;
    if (app->check_config != NULL && app->check_config() != 0)
        return -1;
    cfg_log_summary();
    return 0;
}

int
server_main(const struct server_app *app)
{
    int listen_fd;
    int workers;
    int status;

    if (load_config(app) != 0)
        return 2;
    if (FCGX_Init() != 0)
        return 1;
    /* Before forking: the workers inherit the shared mapping. */
    if (metrics_open(cfg_str("FFX_METRICS_DIR"), app->name, app->counters) != 0)
        return 2;
    listen_fd = open_listener();
    if (listen_fd < 0) {
        metrics_close(true);
        return 1;
    }
    workers = (int)cfg_int("FFX_WORKERS");
    log_event(LOG_INFO, NULL, "server", "started with %d workers", workers);
    if (workers == 0)
        status = run_worker(app, listen_fd); /* one process: valgrind, debugging */
    else
        status = run_master(app, listen_fd, workers);
    if (cfg_str("FFX_LISTEN") != NULL)
        unlink(cfg_str("FFX_LISTEN"));
    metrics_close(true);
    cfg_free();
    return status;
}
