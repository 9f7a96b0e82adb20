/* SPDX-License-Identifier: MIT */
/*
 * outbox.h - the mailer's statements on public.email_outbox (sql/definitions/70_email_outbox.sql):
 * claim a batch under a lease, then mark each message sent or failed. The backoff, the attempt
 * count and the final failure are the database's; every statement runs in a short transaction
 * of its own as service_role (common/pgsession.h). Each outcome is one log line naming the row
 * and its template, never the rendered text or the variables.
 */
#ifndef FFX_MAILER_OUTBOX_H
#define FFX_MAILER_OUTBOX_H

#include <libpq-fe.h>
#include <stdbool.h>

struct arena;
struct pgsession;

/* The channel the database notifies when a message is queued. */
#define OUTBOX_CHANNEL "ffx_outbox"

/* One claimed row; NULL for SQL NULL. The strings belong to the claim's result. */
struct outbox_msg {
    const char *id, *to, *template_name, *subject, *html, *text, *variables, *attempts;
};

struct outbox {
    struct pgsession *db;
    struct arena *msg; /* the marks' results; the caller resets it after each message */
    char batch[24];    /* FFX_MAIL_BATCH, FFX_MAIL_LEASE_S, FFX_MAIL_MAX_ATTEMPTS as parameters */
    char lease[24];
    char max_attempts[24];
};

/* outbox_init - remember the session and the arena, read the FFX_MAIL_* values (after
 * cfg_load); no I/O. */
void outbox_init(struct outbox *o, struct pgsession *db, struct arena *msg);

/* outbox_claim - claim up to FFX_MAIL_BATCH due messages for FFX_MAIL_LEASE_S seconds. The
 * result is cleared at the next reset of round; NULL when the statement failed (logged). */
PGresult *outbox_claim(const struct outbox *o, struct arena *round);

/* outbox_row - row i of a claim's result. */
struct outbox_msg outbox_row(const PGresult *claimed, int row);

/* outbox_mark_failed - record a failed send with why (the server's or the transport's words,
 * never the message); permanent: as the last allowed attempt. Logged either way. */
void outbox_mark_failed(const struct outbox *o, const struct outbox_msg *msg, const char *why,
                        bool permanent);

/* outbox_mark_sent - record the send. If the connection is gone, reconnect every second and
 * record it then, until lease_end_ms (daemon_now_ms) or a stop: otherwise the message would go
 * out again once its lease expires (at least once: then it does, with the same Message-ID). */
void outbox_mark_sent(const struct outbox *o, const struct outbox_msg *msg, double lease_end_ms);

#endif
