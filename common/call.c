/* SPDX-License-Identifier: MIT */
/*
 * call.c - a call context's start and its clock.
 */
#include "call.h"

#include <string.h>

void
call_init(struct call *c, struct arena *a, const char *request_id)
{
    memset(c, 0, sizeof(*c));
    c->arena = a;
    c->request_id = request_id;
    clock_gettime(CLOCK_MONOTONIC, &c->started);
}

double
ms_since(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

double
call_elapsed_ms(const struct call *c)
{
    return ms_since(&c->started);
}
