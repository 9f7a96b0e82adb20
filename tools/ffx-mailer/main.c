/* SPDX-License-Identifier: MIT */
/*
 * ffx-mailer - sends the e-mails of public.email_outbox over SMTP (libcurl).
 *
 *   ffx-mailer           run until SIGTERM/SIGINT (finishes the message in hand, exits 0)
 *   ffx-mailer --once    send what is due now, then exit 0 (tests, cron); 1 if the database
 *                        cannot be reached
 *
 * Loop (the skeleton is common/daemon.h): LISTEN ffx_outbox (outside any transaction: the login
 * role may LISTEN itself); claim a batch with ffx_internal.outbox_claim (outbox.h); for each
 * message render its templates and build the message (template.h), send it (smtp.h), then
 * outbox_mark_sent or outbox_mark_failed (backoff and the final failure are the database's).
 * Between rounds wait for a notification or FFX_MAIL_POLL_MS. A lost database connection is
 * reopened every second; a sent message whose acknowledgement failed is acknowledged after the
 * reconnect, so a PostgreSQL restart does not make it go out twice. Delivery is at least once:
 * a crash between the send and the acknowledgement resends after the lease, same Message-ID.
 *
 * TLS: see smtp.h; the start-up line says which mode is in force (smtp_tls, smtp_tls_reason).
 *
 * Never logged: the rendered subject or bodies (they hold the trading account's password), the
 * variables, the SMTP password. Exit status: 0 done, 1 failure, 2 bad configuration or usage.
 *
 * Test builds: FFX_FAILPOINT=mailer-after-send makes the process _exit(99) right after the SMTP
 * server accepted a message and before it is marked sent (common/failpoint.h; the crash-resend
 * test).
 */
#include "arena.h"
#include "cfg.h"
#include "daemon.h"
#include "failpoint.h"
#include "log.h"
#include "mime.h"
#include "outbox.h"
#include "pgsession.h"
#include "smtp.h"
#include "strbuf.h"
#include "template.h"

#include <libpq-fe.h>

#define MAILER_NAME "ffx-mailer"

static const struct cfg_key mailer_keys[] = {
    {"FFX_MAIL_FROM", CFG_STR, "FlashFundX <no-reply@flashfundx.local>", 0, 0, NULL, 0,
     "From header; the address in <> is the envelope sender"},
    {"FFX_MAIL_MAX_ATTEMPTS", CFG_INT, "8", 1, 100, NULL, 0, "attempts before a message fails"},
    {"FFX_MAIL_POLL_MS", CFG_INT, "5000", 10, 3600000, NULL, 0,
     "longest wait between rounds without a notification"},
    {"FFX_MAIL_BATCH", CFG_INT, "20", 1, 1000, NULL, 0, "messages claimed per round"},
    {"FFX_MAIL_LEASE_S", CFG_INT, "120", 10, 86400, NULL, 0,
     "how long a claim holds a message before another mailer may take it"},
    CFG_END,
};

/* Process-lifetime state; the strings live in `life`, per-message data in `msg`. */
struct mailer {
    struct pgsession db; /* one connection, LISTENing on OUTBOX_CHANNEL */
    struct smtp_relay relay;
    struct outbox outbox;
    struct arena *life;
    struct arena *round; /* the claimed batch */
    struct arena *msg;   /* one message */
    const char *from_header;
    long long lease_s, poll_ms;
};

/* ---- one message ---- */

static void
process_one(struct mailer *m, const struct outbox_msg *msg, double lease_end_ms)
{
    struct strbuf data;
    const char *why = NULL;

    strbuf_init(&data, m->msg, 0, TEMPLATE_MESSAGE_MAX);
    if (template_compose(msg, m->from_header, &data, &why) != 0) {
        outbox_mark_failed(&m->outbox, msg, why, true);
        return;
    }
    if (smtp_send(&m->relay, msg->to, &data, &why) != 0) {
        outbox_mark_failed(&m->outbox, msg, why, false);
        return;
    }
    failpoint("mailer-after-send"); /* test builds: die between the send and its acknowledgement */
    outbox_mark_sent(&m->outbox, msg, lease_end_ms);
}

/* ---- rounds ---- */

/* Whether the claimed messages not yet sent must wait for a later round: stopping, the database
 * gone (nothing sent now could be recorded), or too little lease left for a whole SMTP
 * transaction. They go back to the pool when their lease expires. */
static bool
leave_the_rest(const struct mailer *m, double claimed_at)
{
    double lease_ms = (double)m->lease_s * 1000;
    double smtp_ms = (double)(m->relay.timeout_s + 5) * 1000;

    return daemon_stop_requested() || !pgsession_ok(&m->db) ||
           daemon_now_ms() - claimed_at + smtp_ms >= lease_ms;
}

/* Claim one batch and work it. Returns the number claimed, -1 on error. */
static int
claim_round(struct mailer *m)
{
    double claimed_at = daemon_now_ms();
    PGresult *res = outbox_claim(&m->outbox, m->round);
    int n = res ? PQntuples(res) : -1;

    for (int i = 0; i < n; i++) {
        struct outbox_msg msg = outbox_row(res, i);

        if (leave_the_rest(m, claimed_at)) {
            log_event(LOG_WARN, NULL, "mail", "left %d claimed messages for a later round", n - i);
            break;
        }
        daemon_hold_stop(true);
        process_one(m, &msg, claimed_at + (double)m->lease_s * 1000);
        arena_reset(m->msg);
        daemon_hold_stop(false);
    }
    arena_reset(m->round);
    return n;
}

/* One pass: claim and send until less than a full batch was due. */
static int
send_due(void *tool)
{
    struct mailer *m = tool;
    int n;

    arena_reset(m->msg);
    do {
        n = claim_round(m);
    } while (!daemon_stop_requested() && n == (int)cfg_int("FFX_MAIL_BATCH"));
    return n < 0 ? -1 : 0;
}

static int
take_notifications(struct mailer *m)
{
    PGnotify *note;
    int n = 0;

    while ((note = PQnotifies(m->db.conn)) != NULL) {
        PQfreemem(note);
        n++;
    }
    return n;
}

/* Until a notification, a lost connection, a stop signal or FFX_MAIL_POLL_MS; at once when the
 * connection is already gone (the loop reopens it). */
static void
wait_for_work(void *tool, double pass_started_ms)
{
    struct mailer *m = tool;
    double until = daemon_now_ms() + (double)m->poll_ms;

    (void)pass_started_ms; /* the poll interval counts from the end of the pass */
    if (!pgsession_ok(&m->db) || take_notifications(m) > 0)
        return;
    while (daemon_now_ms() < until) {
        enum daemon_wake wake =
            daemon_wait(PQsocket(m->db.conn), (long long)(until - daemon_now_ms()));

        if (wake == DAEMON_WAKE_STOP)
            return;
        if (wake == DAEMON_WAKE_TIMEOUT)
            continue;
        if (!PQconsumeInput(m->db.conn)) {
            log_event(LOG_WARN, NULL, "db", "database connection lost");
            return;
        }
        if (take_notifications(m) > 0 || !pgsession_ok(&m->db))
            return;
    }
}

/* ---- start-up ---- */

/* FFX_MAIL_FROM ("Name <addr>" or "addr", mime_mailbox) and the lease against the SMTP timeout;
 * one log line per problem. */
static bool
mail_keys_ok(struct mailer *m)
{
    bool ok = true;

    if (mime_mailbox(m->life, cfg_str("FFX_MAIL_FROM"), &m->relay.envelope_from, &m->from_header) !=
        0) {
        cfg_report_invalid("FFX_MAIL_FROM", "expected \"Name <user@domain>\" or user@domain");
        ok = false;
    }
    if (cfg_int("FFX_MAIL_LEASE_S") < cfg_int("FFX_SMTP_TIMEOUT_S") + 10) {
        cfg_report_invalid("FFX_MAIL_LEASE_S", "must be at least FFX_SMTP_TIMEOUT_S + 10");
        ok = false;
    }
    return ok;
}

static int
configure(void *tool)
{
    struct mailer *m = tool;
    bool mail_ok = mail_keys_ok(m);

    if (smtp_configure(&m->relay) != 0 || !mail_ok)
        return -1;
    outbox_init(&m->outbox, &m->db, m->msg);
    m->lease_s = cfg_int("FFX_MAIL_LEASE_S");
    m->poll_ms = cfg_int("FFX_MAIL_POLL_MS");
    return 0;
}

static int
start(void *tool)
{
    struct mailer *m = tool;

    return smtp_start(&m->relay);
}

/* The started line says the TLS mode in force and why. */
static void
describe(void *tool, struct log_line *started)
{
    const struct mailer *m = tool;

    log_str(started, "smtp_tls", m->relay.tls_mode);
    log_str(started, "smtp_tls_reason", m->relay.tls_reason);
}

static void
finish(void *tool)
{
    struct mailer *m = tool;

    smtp_finish(&m->relay);
    arena_destroy(m->msg);
    arena_destroy(m->round);
    arena_destroy(m->life);
}

int
main(int argc, char **argv)
{
    struct mailer m = {
        .life = arena_create(4096), .round = arena_create(16384), .msg = arena_create(65536)};

    return daemon_main(
        &(struct daemon_app){
            .name = MAILER_NAME,
            .log_area = "mail",
            .cfg_tables = (const struct cfg_key *const[]){smtp_cfg_keys, mailer_keys, NULL},
            .db = &m.db,
            .listen_channel = OUTBOX_CHANNEL,
            .tool = &m,
            .configure = configure,
            .start = start,
            .describe = describe,
            .pass = send_due,
            .wait = wait_for_work,
            .finish = finish,
        },
        argc, argv);
}
