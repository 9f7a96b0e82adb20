/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin - the operator's command line: every console action (docs/CONSOLE.md) as
 * `ffx-admin <resource> <verb> [ARG] [--option VALUE]...`, plus the dev stack's users and tokens.
 *
 *   ffx-admin help [COMMAND]          every command, or one command's whole usage (stdout, 0)
 *   ffx-admin login --link URL        sign in with a one-time link; later commands use the token
 *   ffx-admin orders list --status waiting
 *   ffx-admin orders refund FFX123456789 --amount 20 --reason "…"
 *   ffx-admin --direct login-link --email E     (bootstrap, on the database host)
 *
 * The command table (commands.h) is the only knowledge of the command line; the SQL checks the
 * values. The action runs through the admin API with the operator's token, or with --direct
 * straight in the database as service_role (console.h). Exit status: 0 done, 1 failed, 2 usage
 * or bad input (an unknown option, a missing value, a value the action refuses with FF400).
 */
#include "args.h"
#include "commands.h"
#include "console.h"
#include "output.h"

#include <curl/curl.h>
#include <stdio.h>

static int
help(const struct invocation *inv)
{
    if (inv->json)
        command_table_json(stdout);
    else if (inv->cmd != NULL)
        command_usage(stdout, inv->cmd);
    else
        command_list(stdout);
    return EXIT_DONE;
}

static int
dispatch(struct invocation *inv)
{
    if (inv->help)
        return help(inv);
    if (inv->cmd->run != NULL)
        return inv->cmd->run(inv);
    return console_run(inv);
}

int
main(int argc, char **argv)
{
    struct invocation inv;
    int status;

    output_use_utf8();
    status = args_parse(&inv, argc, argv);
    if (status == EXIT_DONE) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        status = dispatch(&inv);
        curl_global_cleanup();
    }
    args_free(&inv);
    fflush(stdout);
    return status;
}
