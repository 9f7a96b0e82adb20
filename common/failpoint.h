/* SPDX-License-Identifier: MIT */
/*
 * failpoint.h - named crash points for the fault-injection tests
 * (docs/RELIABILITY.md, "Failpoints": kill the process at named points,
 * restart it, check that the system converges).
 *
 *     failpoint("webhook-after-inbox");
 *
 * If the environment variable FFX_FAILPOINT equals the name (read once, at
 * the first call, and cached), the process logs one line and _exit(99)s on
 * the spot: no atexit handlers, no COMMIT, no buffered output, exactly like
 * a crash. If it equals the name followed by ":stop", the process logs one
 * line and stops itself (SIGSTOP) instead, like a worker that stalls (a VM
 * pause, swapping) and goes on where it was once the test sends SIGCONT.
 * Otherwise nothing happens.
 *
 * Compiled in only when the build defines FFX_FAILPOINTS (CMake option
 * FFX_FAILPOINTS: ON by default except for CMAKE_BUILD_TYPE=Release, which is
 * how production packages are built); elsewhere failpoint() is an empty
 * inline function and FFX_FAILPOINT is ignored.
 *
 * The named points: webhook-after-inbox, delivery-before-commit,
 * webhook-after-commit (payment-webhook), mailer-after-send (ffx-mailer),
 * payment-before-record (create-crypto-payment: NOWPayments has answered,
 * nothing is recorded yet).
 */
#ifndef FFX_FAILPOINT_H
#define FFX_FAILPOINT_H

#ifdef FFX_FAILPOINTS
void failpoint(const char *name);
#else
static inline void
failpoint(const char *name)
{
    (void)name;
}
#endif

#endif
