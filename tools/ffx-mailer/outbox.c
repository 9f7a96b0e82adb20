/* SPDX-License-Identifier: MIT */
/*
 * outbox.c - the mailer's statements on public.email_outbox (outbox.h).
 */
#include "outbox.h"

#include "cfg.h"
#include "daemon.h"
#include "log.h"
#include "pgsession.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
outbox_init(struct outbox *o, struct pgsession *db, struct arena *msg)
{
    o->db = db;
    o->msg = msg;
    snprintf(o->batch, sizeof(o->batch), "%lld", cfg_int("FFX_MAIL_BATCH"));
    snprintf(o->lease, sizeof(o->lease), "%lld", cfg_int("FFX_MAIL_LEASE_S"));
    snprintf(o->max_attempts, sizeof(o->max_attempts), "%lld", cfg_int("FFX_MAIL_MAX_ATTEMPTS"));
}

static const char *
field(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

PGresult *
outbox_claim(const struct outbox *o, struct arena *round)
{
    return pgsession_tx_exec(
        o->db, round, "outbox_claim failed",
        "SELECT id, to_email, template_name, subject, html_body, text_body,"
        " variables, attempts FROM ffx_internal.outbox_claim($1::int, $2::int)",
        2, (const char *const[]){o->batch, o->lease});
}

struct outbox_msg
outbox_row(const PGresult *claimed, int row)
{
    return (struct outbox_msg){field(claimed, row, 0), field(claimed, row, 1),
                               field(claimed, row, 2), field(claimed, row, 3),
                               field(claimed, row, 4), field(claimed, row, 5),
                               field(claimed, row, 6), field(claimed, row, 7)};
}

static void
log_msg(enum log_level level, const char *text, const struct outbox_msg *msg, const char *error)
{
    struct log_line l;

    log_begin(&l, level, NULL, "mail", text);
    log_str(&l, "outbox_id", msg->id);
    log_str(&l, "template", msg->template_name);
    log_int(&l, "attempt", strtol(msg->attempts, NULL, 10));
    if (error != NULL)
        log_str(&l, "error", error);
    log_end(&l);
}

void
outbox_mark_failed(const struct outbox *o, const struct outbox_msg *msg, const char *why,
                   bool permanent)
{
    /* a permanent failure is recorded as the last allowed attempt */
    const char *max = permanent ? "1" : o->max_attempts;
    PGresult *res =
        pgsession_tx_exec(o->db, o->msg, "outbox_mark_failed failed",
                          "SELECT ffx_internal.outbox_mark_failed($1::bigint, $2, $3::int)", 3,
                          (const char *const[]){msg->id, why, max});
    const char *status = res && PQntuples(res) == 1 ? field(res, 0, 0) : NULL;

    if (status != NULL && strcmp(status, "failed") == 0)
        log_msg(LOG_ERROR, "message failed for good; an admin can requeue it", msg, why);
    else if (status != NULL)
        log_msg(LOG_WARN, "send failed; will retry", msg, why);
    else
        log_msg(LOG_ERROR, "send failed and could not be recorded; retried after the lease", msg,
                why);
}

void
outbox_mark_sent(const struct outbox *o, const struct outbox_msg *msg, double lease_end_ms)
{
    for (;;) {
        if (pgsession_ok(o->db) &&
            pgsession_tx_exec(o->db, o->msg, "outbox_mark_sent failed",
                              "SELECT ffx_internal.outbox_mark_sent($1::bigint)", 1,
                              (const char *const[]){msg->id}) != NULL) {
            log_msg(LOG_INFO, "sent", msg, NULL);
            return;
        }
        if (pgsession_ok(o->db) || daemon_stop_requested() ||
            daemon_now_ms() + 1000 >= lease_end_ms) {
            log_msg(LOG_ERROR, "sent but could not be marked sent; it will be sent again", msg,
                    NULL);
            return;
        }
        daemon_wait(-1, 1000);
        pgsession_connect(o->db);
    }
}
