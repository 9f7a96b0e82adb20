/* SPDX-License-Identifier: MIT */
/*
 * commands.h - ffx-admin's one static command table: the command line's only knowledge.
 *
 * Each command is `ffx-admin WORDS [POSITIONAL] [--option VALUE | --flag]...`. A command either
 * runs a console action (docs/CONSOLE.md: ffx_internal.console(action, args)) or is one of the
 * tool's own (dev users and tokens, signing in, help). The table says, per command: its words,
 * the action, the positional argument's name, the options with their value's name (NULL: a flag,
 * sent as true), fixed arguments (aliases such as `customers suspend`) and a one-line summary.
 * It says nothing about which values are valid: the SQL checks them and answers FF400 with a
 * sentence naming the argument, so no set of values is written twice.
 *
 * An option --foo-bar is the action's argument foo_bar (but --search
 * sends q); the positional metavariable ORDER_ID is the argument order_id, and one written A|B
 * (USER_ID|EMAIL) is argument a when its value is a UUID, b otherwise, as the SQL finds a row by
 * either. Options marked local stay on this side (--output FILE). A command with both an action
 * and a preparation reads its positional itself (inventory import's FILE) and sends what it made
 * of it.
 */
#ifndef FFX_ADMIN_COMMANDS_H
#define FFX_ADMIN_COMMANDS_H

#include <stdio.h>

#define COMMAND_MAX_OPTIONS 20

struct invocation;

struct option_spec {
    const char *name;  /* "--status" */
    const char *value; /* the value's name in usage ("STATUS"), or NULL for a flag */
    int local;         /* read by ffx-admin itself, never sent to the action */
};

struct command {
    const char *words;      /* "orders refund" */
    const char *action;     /* "orders.refund"; NULL for a command of the tool's own */
    const char *positional; /* "ORDER_ID" (argument order_id), or NULL */
    const char *preset;     /* fixed arguments as a JSON object, or NULL */
    const char *summary;
    /* the tool's own command, or a console action's preparation (inventory import reads its
     * file); returns an exit status. NULL: the action runs with the arguments as given. */
    int (*run)(struct invocation *inv);
    struct option_spec options[COMMAND_MAX_OPTIONS]; /* ends at the first without a name */
};

/* Global options, accepted anywhere on the line (before or after the command's words). */
extern const struct option_spec global_options[];

/* The command whose words start argv[0..n): the longest match (two words, then one), with how
 * many words it took in *used; a bare resource alone ("audit", "checkout --json") is its list or
 * get command, as console() has it; NULL when none matches. */
const struct command *command_find(int argc, char **argv, int *used);

/* The option spec of name for cmd (its own, then the globals), or NULL when unknown. */
const struct option_spec *command_option(const struct command *cmd, const char *name);

/* "order_id" from "ORDER_ID", "foo_bar" from "--foo-bar"; into buf (size n). */
void command_arg_name(const char *word, char *buf, size_t n);

/* The action's argument option o sets: the one derived from its name, but q for --search. */
void command_option_argument(const struct option_spec *o, char *buf, size_t n);

/* The argument the positional value goes to: for A|B, a when value is a UUID, else b. */
void command_positional_argument(const struct command *cmd, const char *value, char *buf, size_t n);

/* The whole usage of one command: the line, its summary, every option and the globals. */
void command_usage(FILE *out, const struct command *cmd);

/* Every command, one line each with its summary. */
void command_list(FILE *out);

/* The table as JSON (help --json): for the tests that compare it with console_actions(). */
void command_table_json(FILE *out);

#endif
