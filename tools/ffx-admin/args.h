/* SPDX-License-Identifier: MIT */
/*
 * args.h - ffx-admin's command line read against the command table (commands.h), strictly:
 * an unknown command, an unknown option, an option without its value, a second positional
 * argument or a missing one is a usage error (exit 2, the message and the command's usage on
 * stderr), never ignored. Global options (--json, --direct, --api URL, --token-file FILE, --help)
 * go anywhere on the line. `--opt=value` is accepted too (for a value that starts with "--").
 * The removed --as-admin is refused with the reason it is gone.
 */
#ifndef FFX_ADMIN_ARGS_H
#define FFX_ADMIN_ARGS_H

#include <cjson/cJSON.h>

enum { EXIT_DONE = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

struct command;

/* One command line, read. */
struct invocation {
    const struct command *cmd; /* NULL for `ffx-admin help [...]` or nothing */
    cJSON *args;               /* the action's arguments: positional, options, preset */
    cJSON *local;              /* the values of local options (--output, --link, dev tools) */
    int json;                  /* --json */
    int direct;                /* --direct or FFX_ADMIN_DIRECT=1 */
    int help;                  /* --help, or `help CMD` */
    const char *api_url;       /* --api */
    const char *token_file;    /* --token-file */
};

/* Read argv into inv. EXIT_DONE when the line is well formed (inv->cmd NULL with help set:
 * print the command list); otherwise EXIT_USAGE with the message and the usage already on
 * stderr. */
int args_parse(struct invocation *inv, int argc, char **argv);

/* Free what args_parse allocated. */
void args_free(struct invocation *inv);

/* A local option's value ("--output" -> its text), or NULL. */
const char *args_local(const struct invocation *inv, const char *name);
/* 1 when the local flag was given. */
int args_local_flag(const struct invocation *inv, const char *name);

/* The environment variable's value when set and not empty, else fallback. */
const char *env_or(const char *name, const char *fallback);

#endif
