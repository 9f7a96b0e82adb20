/* SPDX-License-Identifier: MIT */
/*
 * failpoint.c - see failpoint.h. Only built into test builds (FFX_FAILPOINTS).
 */
#include "failpoint.h"

#ifdef FFX_FAILPOINTS

#include "log.h"

#include <signal.h>
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
    size_t n = name != NULL ? strlen(name) : 0;

    if (!loaded) {
        armed = getenv("FFX_FAILPOINT");
        loaded = true;
    }
    if (armed == NULL || name == NULL || strncmp(armed, name, n) != 0)
        return;
    if (strcmp(armed + n, ":stop") == 0) {
        log_event(LOG_WARN, NULL, "failpoint", "failpoint %s reached: stopping until SIGCONT",
                  name);
        raise(SIGSTOP);
        log_event(LOG_WARN, NULL, "failpoint", "failpoint %s: continued", name);
        return;
    }
    if (armed[n] != '\0')
        return;
    log_event(LOG_ERROR, NULL, "failpoint", "failpoint %s reached: exiting with status %d", name,
              FAILPOINT_EXIT_STATUS);
    _exit(FAILPOINT_EXIT_STATUS);
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int failpoint_disabled;

#endif
