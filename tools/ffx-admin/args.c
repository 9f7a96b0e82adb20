/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin's command line (args.h).
 */
#include "args.h"
#include "commands.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);

    return v != NULL && v[0] != '\0' ? v : fallback;
}

/* A usage error: the sentence, then the command's usage (or the command list), on stderr. */
__attribute__((format(printf, 2, 3))) static int
usage_error(const struct command *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "ffx-admin: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n\n");
    if (cmd != NULL)
        command_usage(stderr, cmd);
    else
        command_list(stderr);
    return EXIT_USAGE;
}

static int
is_option(const char *arg)
{
    return strncmp(arg, "--", 2) == 0 && arg[2] != '\0';
}

static int
removed_option(const char *arg)
{
    return strcmp(arg, "--as-admin") == 0 || strncmp(arg, "--as-admin=", 11) == 0;
}

/* A global option: sets inv; the value is argv[*i + 1] unless written --opt=value. */
static int
take_global(struct invocation *inv, const struct option_spec *o, const char *value)
{
    if (strcmp(o->name, "--json") == 0)
        inv->json = 1;
    else if (strcmp(o->name, "--direct") == 0)
        inv->direct = 1;
    else if (strcmp(o->name, "--help") == 0)
        inv->help = 1;
    else if (strcmp(o->name, "--api") == 0)
        inv->api_url = value;
    else if (strcmp(o->name, "--token-file") == 0)
        inv->token_file = value;
    return 0;
}

static int
is_global(const struct option_spec *o)
{
    return o >= global_options && o < global_options + 5;
}

/* The value of option o at argv[*i] (inline after '=' or the next argument), or NULL when it
 * has none; advances *i past a separate value. */
static const char *
option_value(int argc, char **argv, int *i)
{
    const char *eq = strchr(argv[*i], '=');

    if (eq != NULL)
        return eq + 1;
    if (*i + 1 >= argc || is_option(argv[*i + 1]))
        return NULL;
    return argv[++*i];
}

static void
set_arg(cJSON *obj, const char *key, cJSON *value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    cJSON_AddItemToObject(obj, key, value);
}

/* One option of the command line at argv[*i]. */
static int
take_option(struct invocation *inv, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    const struct option_spec *o = command_option(inv->cmd, arg);
    const char *value = NULL;
    char key[64];

    if (removed_option(arg))
        return usage_error(inv->cmd,
                           "%s is gone: it made the audit name whoever was typed. Sign in with "
                           "`ffx-admin login --link URL` (your own token), or use --direct on "
                           "the database host to bootstrap the first admin",
                           "--as-admin");
    if (o == NULL)
        return usage_error(inv->cmd, "unknown option %s", arg);
    if (o->value != NULL) {
        value = option_value(argc, argv, i);
        if (value == NULL)
            return usage_error(inv->cmd, "%s needs a value", o->name);
    } else if (strchr(arg, '=') != NULL) {
        return usage_error(inv->cmd, "%s takes no value", o->name);
    }
    if (is_global(o))
        return take_global(inv, o, value);
    command_option_argument(o, key, sizeof(key));
    set_arg(o->local ? inv->local : inv->args, key,
            value ? cJSON_CreateString(value) : cJSON_CreateTrue());
    return 0;
}

/* Take the global options out of argv wherever they are, keeping the rest in order in kept[]
 * (argv[0] first); *n is how many were kept. */
static int
take_globals(struct invocation *inv, int argc, char **argv, char **kept, int *n)
{
    *n = 0;
    kept[(*n)++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const struct option_spec *o = is_option(argv[i]) ? command_option(NULL, argv[i]) : NULL;
        int rc;

        if (removed_option(argv[i]) || o != NULL) {
            rc = take_option(inv, argc, argv, &i);
            if (rc != 0)
                return rc;
        } else {
            kept[(*n)++] = argv[i];
        }
    }
    kept[*n] = NULL;
    return 0;
}

static int
preset(struct invocation *inv)
{
    cJSON *p, *item;

    if (inv->cmd->preset == NULL)
        return 0;
    p = cJSON_Parse(inv->cmd->preset);
    cJSON_ArrayForEach(item, p)
        cJSON_AddItemToObject(inv->args, item->string, cJSON_Duplicate(item, 1));
    cJSON_Delete(p);
    return 0;
}

/* `help`, `help CMD WORDS`: which command, if any. */
static int
help_command(struct invocation *inv, int argc, char **argv, int i)
{
    int used = 0;

    inv->help = 1;
    while (i < argc && is_option(argv[i]))
        i++;
    if (i >= argc)
        return 0;
    inv->cmd = command_find(argc - i, argv + i, &used);
    if (inv->cmd == NULL)
        return usage_error(NULL, "no command %s", argv[i]);
    return 0;
}

/* The command's own words, its positional argument and its options. */
static int
command_rest(struct invocation *inv, int argc, char **argv, int i)
{
    char key[64];
    int positionals = 0, rc;

    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0 || !is_option(argv[i])) {
            if (strcmp(argv[i], "--") == 0 && ++i >= argc)
                break;
            if (inv->cmd->positional == NULL || positionals++ > 0)
                return usage_error(inv->cmd, "unexpected argument %s", argv[i]);
            command_positional_argument(inv->cmd, argv[i], key, sizeof(key));
            cJSON_AddStringToObject(inv->args, key, argv[i]);
            continue;
        }
        rc = take_option(inv, argc, argv, &i);
        if (rc != 0)
            return rc;
    }
    if (inv->cmd->positional != NULL && positionals == 0 && !inv->help)
        return usage_error(inv->cmd, "%s is missing", inv->cmd->positional);
    return 0;
}

static int
parse_command(struct invocation *inv, int argc, char **argv)
{
    int used = 0, rc;

    if (argc < 2) {
        inv->help = 1;
        return inv->json ? 0 : usage_error(NULL, "%s", "which command?");
    }
    if (strcmp(argv[1], "help") == 0)
        return help_command(inv, argc, argv, 2);
    inv->cmd = command_find(argc - 1, argv + 1, &used);
    if (inv->cmd == NULL)
        return usage_error(NULL, "no command %s%s%s", argv[1], argc > 2 ? " " : "",
                           argc > 2 ? argv[2] : "");
    rc = command_rest(inv, argc, argv, 1 + used);
    return rc != 0 ? rc : preset(inv);
}

int
args_parse(struct invocation *inv, int argc, char **argv)
{
    char **kept = calloc((size_t)argc + 1, sizeof(*kept));
    int n = 0, rc;

    if (kept == NULL)
        abort();
    memset(inv, 0, sizeof(*inv));
    inv->args = cJSON_CreateObject();
    inv->local = cJSON_CreateObject();
    inv->direct = strcmp(env_or("FFX_ADMIN_DIRECT", "0"), "1") == 0;
    rc = take_globals(inv, argc, argv, kept, &n);
    if (rc == 0)
        rc = parse_command(inv, n, kept);
    free(kept);
    return rc;
}

void
args_free(struct invocation *inv)
{
    cJSON_Delete(inv->args);
    cJSON_Delete(inv->local);
    inv->args = inv->local = NULL;
}

const char *
args_local(const struct invocation *inv, const char *name)
{
    char key[64];

    command_arg_name(name, key, sizeof(key));
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(inv->local, key));
}

int
args_local_flag(const struct invocation *inv, const char *name)
{
    char key[64];

    command_arg_name(name, key, sizeof(key));
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(inv->local, key));
}
