/* SPDX-License-Identifier: MIT */
/*
 * output.h - what ffx-admin prints of an action's outcome.
 *
 * A failure: "ffx-admin: <sentence>" on stderr, and its exit status. An answer whose JSON says
 * "success": false (an action that ran but did not do what was asked, e.g. a reprocessed event
 * that still fails) is a failure too (EXIT_FAILED), its JSON still printed. With --json the
 * action's JSON as it came; a CSV (an export) as it came, or into --output FILE. Otherwise the
 * object as text: its scalar members as aligned "name  value" lines, each object member as a
 * "== name" block of the same, each array of objects as a table. Columns align on any UTF-8
 * text: a cell's width is its display width (mbrtowc + wcwidth under a UTF-8 LC_CTYPE, which
 * main() sets), so "Zoë", "李小龍" and emoji line up; control characters print as spaces.
 */
#ifndef FFX_ADMIN_OUTPUT_H
#define FFX_ADMIN_OUTPUT_H

#include "console.h"

#include <stddef.h>

/* Print out's answer or sentence for inv; the exit status. */
int output_outcome(const struct invocation *inv, const struct outcome *out);

/* The columns s takes on a terminal (invalid UTF-8: one per byte). */
size_t output_display_width(const char *s);

/* Make LC_CTYPE a UTF-8 one (the environment's if it is, else C.UTF-8). */
void output_use_utf8(void);

#endif
