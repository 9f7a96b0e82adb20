/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - the skeleton of a long-running tool (ffx-mailer, ffx-reconcile): the command line,
 * configuration, stop signals, waiting, the run loop and the started/stopped lines. The tool
 * keeps its own policy (what a pass does, how it waits between passes) in the hooks of a
 * struct daemon_app; main() fills one and calls daemon_main().
 *
 *   tool           passes until SIGTERM/SIGINT (the pass in hand finishes), then exit 0
 *   tool --once    one pass, then exit 0; 1 when the database cannot be reached or the pass failed
 *
 * daemon_main, in order:
 *   1. the command line: nothing or --once, else a usage line and exit 2;
 *   2. configuration: cfg_common_keys and the tool's tables loaded and validated (cfg.h), the log
 *      level set from FFX_LOG_LEVEL, then the tool's configure hook (its own checks and the
 *      modules' check_config), the database session prepared, one summary line; a bad value
 *      exits 2 (cfg_load or the hook has logged the key);
 *   3. SIGTERM and SIGINT set a stop flag and write to a self-pipe, so daemon_wait wakes at once;
 *      SIGPIPE is ignored (a peer that went away is an error return, not a death); then the
 *      tool's start hook (libraries, handles); a failure exits 1;
 *   4. one "started" line (the tool may add fields), the run loop, one "stopped" line (error
 *      level when the status is not 0);
 *   5. the tool's finish hook, the database closed, the pipe closed, the configuration freed:
 *      on every path, whatever step failed, so finish must accept a half-started tool.
 *
 * The run loop: until a stop is requested, (re)open the database when the tool has one (a
 * failure waits DAEMON_RECONNECT_MS and tries again; with --once it is status 1), run a pass,
 * then call the wait hook. A pass that returns non-zero only matters with --once (status 1): a
 * long-running tool logs and carries on. Signals are process-wide, so there is one daemon per
 * process; the stop is final (nothing clears it).
 */
#ifndef FFX_DAEMON_H
#define FFX_DAEMON_H

#include "cfg.h"
#include "log.h"

#include <stdbool.h>

struct pgsession;

/* How long the loop waits before it tries an unreachable database again. */
#define DAEMON_RECONNECT_MS 1000

struct daemon_app {
    const char *name;     /* the program's name: the log's svc and application_name */
    const char *log_area; /* the started/stopped lines' mod, e.g. "mail" */
    /* the tool's key tables besides cfg_common_keys (its own, its modules'), NULL-terminated */
    const struct cfg_key *const *cfg_tables;
    /* the tool's session, or NULL without a database: daemon_main prepares it from
     * DATABASE_URL and the FFX_DB_* keys, LISTENs on listen_channel (NULL: none) after every
     * connect, reopens it before each pass and closes it at the end */
    struct pgsession *db;
    const char *listen_channel;
    void *tool; /* handed to every hook */
    /* after the configuration loaded: the tool's checks and settings; 0 OK, else exit 2 */
    int (*configure)(void *tool);
    /* after the signals are installed: libraries and handles; 0 OK, else exit 1 */
    int (*start)(void *tool);
    /* fields for the "started" line (NULL: none) */
    void (*describe)(void *tool, struct log_line *started);
    /* one pass; 0 when it did all it should (only --once looks) */
    int (*pass)(void *tool);
    /* between passes, after a pass started at pass_started_ms (daemon_now_ms): return when the
     * next pass is due or daemon_wait says DAEMON_WAKE_STOP */
    void (*wait)(void *tool, double pass_started_ms);
    /* release what configure and start made; also called when they failed or never ran */
    void (*finish)(void *tool);
};

/* daemon_main - run the tool (the steps above); returns the process exit status: 0 done,
 * 1 failure, 2 bad usage or configuration. */
int daemon_main(const struct daemon_app *app, int argc, char **argv);

/* daemon_stop_requested - whether SIGTERM or SIGINT arrived, including one held back by
 * daemon_hold_stop. */
bool daemon_stop_requested(void);

/* daemon_hold_stop - while held, a stop signal waits (the work in hand is finished first);
 * daemon_stop_requested already says true. Releasing delivers it. */
void daemon_hold_stop(bool hold);

enum daemon_wake {
    DAEMON_WAKE_TIMEOUT,  /* timeout_ms passed */
    DAEMON_WAKE_READABLE, /* fd is readable, at end of file or in error: read it to know */
    DAEMON_WAKE_STOP,     /* a stop is requested (at once when it already was) */
};

/* daemon_wait - wait up to timeout_ms (<= 0: only look) for fd to become readable (fd < 0: no
 * fd) or a stop signal. Other signals do not end the wait early. While the stop is held, a stop
 * signal does not wake it: look at daemon_stop_requested before waiting. */
enum daemon_wake daemon_wait(int fd, long long timeout_ms);

/* daemon_now_ms - the monotonic clock in milliseconds, for deadlines and durations. */
double daemon_now_ms(void);

#endif
