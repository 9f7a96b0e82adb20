/* SPDX-License-Identifier: MIT */
/*
 * failpoint.c - see failpoint.h. Only built into test builds (FFX_FAILPOINTS).
 */
#include "failpoint.h"

#ifdef FFX_FAILPOINTS

#include "log.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAILPOINT_EXIT_STATUS 99

void
failpoint(const char *name)
{
    static const char *armed;
    static bool loaded;

    if (!loaded) {
        armed = getenv("FFX_FAILPOINT");
        loaded = true;
    }
    if (armed == NULL || name == NULL || strcmp(armed, name) != 0)
        return;
    log_event(LOG_ERROR, NULL, "failpoint", "failpoint %s reached: exiting with status %d", name,
              FAILPOINT_EXIT_STATUS);
    _exit(FAILPOINT_EXIT_STATUS);
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int failpoint_disabled;

#endif
