/* SPDX-License-Identifier: MIT */
/*
 * call.h - the context of one unit of work below the HTTP frame: a request
 * a function serves, one payment the reconciler polls, one ffx-admin
 * command. The modules that know nothing of HTTP (db, nowpayments, the
 * JSON helpers) take a struct call, never a struct req, so a tool calls
 * them without building anything that looks like a request.
 *
 * What it holds: the arena everything of the call lives in (and dies with
 * at the owner's arena_reset()), the error of the failing step (err.h),
 * the id the log lines carry, and the time spent so far in the database
 * and at the payment provider, which the request frame logs in its
 * "request done" line. The struct is the caller's (on its stack, or
 * embedded in struct req); nothing here allocates.
 */
#ifndef FFX_CALL_H
#define FFX_CALL_H

#include "err.h"

#include <time.h>

struct arena;

struct call {
    struct arena *arena;
    struct err err;
    const char *request_id;  /* for log lines; NULL when there is none */
    struct timespec started; /* CLOCK_MONOTONIC, at call_init */
    double db_ms;            /* spent in PostgreSQL round trips (db.h) */
    double provider_ms;      /* spent waiting for NOWPayments (nowpayments.h) */
};

/* call_init - a fresh call in arena a, no error, timings at zero, started
 * now. request_id may be NULL and must outlive the call. */
void call_init(struct call *c, struct arena *a, const char *request_id);

/* call_elapsed_ms - milliseconds since call_init. */
double call_elapsed_ms(const struct call *c);

/* ms_since - milliseconds from t0 (CLOCK_MONOTONIC) to now: the one clock
 * the modules time their steps with. */
double ms_since(const struct timespec *t0);

#endif
