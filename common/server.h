/* SPDX-License-Identifier: MIT */
/*
 * server.h - the FastCGI process: configuration, listening socket, prefork
 * workers, the accept loop and the per-request frame around a handler.
 *
 * A function's main() fills a struct server_app and calls server_main().
 * The master process loads and validates configuration (exit 2 on a bad
 * value), opens the socket (FFX_LISTEN=<path>, else the socket passed on fd
 * 0 by systemd or spawn-fcgi), forks FFX_WORKERS workers and replaces any
 * that die. On SIGTERM or SIGINT each worker finishes the request in flight,
 * frees everything and exits 0; the master waits for them and exits 0.
 *
 * Around every request the frame parses it (413 and 400 before the handler
 * runs), answers OPTIONS preflights with 204, answers methods the function
 * does not serve with 405, sends the error response if the handler returned
 * an error without answering, rolls back any open transaction, logs one
 * "request done" line and counts the request in the shared metrics
 * (FFX_METRICS_DIR, common/metrics.h).
 */
#ifndef FFX_SERVER_H
#define FFX_SERVER_H

#include "cfg.h"
#include "err.h"
#include "metrics.h"
#include "module.h"
#include "request.h"

#include <stdbool.h>

struct server_app {
    const char *name;    /* the function's name, for logs and application_name */
    const char *methods; /* served methods, e.g. "POST" or "GET, POST"; OPTIONS is implicit */
    const struct server_module *const *modules; /* NULL-terminated, or NULL */
    const struct cfg_key *cfg_keys;             /* the function's own keys, or NULL */
    bool uses_db;                               /* open a PostgreSQL connection per worker */
    int (*check_config)(void);                  /* extra validation after loading; 0 OK */
    bool (*enabled)(void);                      /* NULL or true: serve; false: 404 for everything */
    const struct metrics_counter *counters;     /* the function's own counters, or NULL */
    enum err_code (*handle)(struct req *r); /* answer r, or return an error for the frame to send */
    /* The function's own body cap (0: none); FFX_BODY_MAX applies when smaller. */
    size_t body_max;
};

/* server_main - run the function; returns the process exit status. */
int server_main(const struct server_app *app);

/* server_handle_one - the per-request frame, exposed for tests and fuzzing:
 * parse src, dispatch to app->handle, answer through sink. */
void server_handle_one(const struct server_app *app, struct arena *a, const struct req_source *src,
                       struct resp_sink sink);

#endif
