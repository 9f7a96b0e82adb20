/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin's command table (commands.h). One row per command; the actions are
 * console_actions() of sql/definitions/91_console.sql.
 */
#include "commands.h"
#include "args.h"
#include "dev.h"
#include "inventory.h"
#include "login.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <string.h>

#define REASON                                                                                     \
    {                                                                                              \
        "--reason", "TEXT", 0                                                                      \
    }
#define PAGE                                                                                       \
    {"--limit", "N", 0},                                                                           \
    {                                                                                              \
        "--offset", "N", 0                                                                         \
    }
#define PERIOD                                                                                     \
    {"--from", "DATE", 0},                                                                         \
    {                                                                                              \
        "--to", "DATE", 0                                                                          \
    }
#define PRODUCT                                                                                    \
    {"--account-type", "TYPE", 0}, {"--account-size", "SIZE", 0},                                  \
    {                                                                                              \
        "--platform-type", "PLATFORM", 0                                                           \
    }
/* --search TEXT is the listings' q: a part of an e-mail, a name, a login, an order id */
#define SEARCH                                                                                     \
    {                                                                                              \
        "--search", "TEXT", 0                                                                      \
    }

const struct option_spec global_options[] = {
    {"--json", NULL, 1},         {"--direct", NULL, 1}, {"--api", "URL", 1},
    {"--token-file", "FILE", 1}, {"--help", NULL, 1},   {NULL, NULL, 0},
};

static const struct command commands[] = {
    /* the caller */
    {"me", "me.get", NULL, NULL, "who you are and what your role may do", NULL, {{0}}},
    /* dashboard and reports */
    {"dashboard",
     "dashboard.get",
     NULL,
     NULL,
     "revenue net of refunds, conversion over a period, stock, attention queue",
     NULL,
     {PERIOD}},
    {"export finance",
     "export.finance",
     NULL,
     NULL,
     "payments, refunds and revenue of a period as CSV (--output FILE writes it there)",
     NULL,
     {PERIOD, {"--kind", "KIND", 0}, {"--output", "FILE", 1}}},
    /* orders and payments */
    {"orders list",
     "orders.list",
     NULL,
     NULL,
     "orders by id, e-mail, name, status and date",
     NULL,
     {SEARCH,
      {"--order-id", "ORDER_ID", 0},
      {"--email", "EMAIL", 0},
      {"--name", "NAME", 0},
      {"--status", "STATUS", 0},
      {"--payment-status", "STATUS", 0},
      PERIOD,
      PAGE}},
    {"orders get",
     "orders.get",
     "ORDER_ID",
     NULL,
     "one order with payments, IPN events, delivery, e-mails and audit trail",
     NULL,
     {{0}}},
    {"orders show", "orders.get", "ORDER_ID", NULL, "the same as orders get", NULL, {{0}}},
    {"orders refund",
     "orders.refund",
     "ORDER_ID",
     NULL,
     "refund an order, fully or partly (--amount), with a reason",
     NULL,
     {{"--amount", "AMOUNT", 0}, REASON}},
    {"orders accept-payment",
     "orders.accept_payment",
     "ORDER_ID",
     NULL,
     "accept a payment held for review and deliver",
     NULL,
     {REASON}},
    {"orders record-payment",
     "orders.record_payment",
     "ORDER_ID",
     NULL,
     "record a payment received outside NOWPayments and deliver",
     NULL,
     {{"--amount", "AMOUNT", 0},
      {"--currency", "CURRENCY", 0},
      {"--amount-usd", "AMOUNT", 0},
      {"--reference", "TEXT", 0},
      {"--method", "METHOD", 0},
      REASON}},
    {"orders resend-email",
     "orders.resend_email",
     "ORDER_ID",
     NULL,
     "send the delivery e-mail again (refused for refunded or suspended accounts)",
     NULL,
     {REASON}},
    {"orders deliver",
     "orders.deliver",
     "ORDER_ID",
     NULL,
     "deliver a paid order now (--force: an unpaid one, audited)",
     NULL,
     {{"--force", NULL, 0}, REASON}},
    {"orders cancel", "orders.cancel", "ORDER_ID", NULL, "cancel an unpaid order", NULL, {REASON}},
    {"orders clear-attention",
     "orders.clear_attention",
     "ORDER_ID",
     NULL,
     "clear an order's needs_attention flag",
     NULL,
     {REASON}},
    {"refunds list",
     "refunds.list",
     NULL,
     NULL,
     "refunds waiting for a second admin, and decided ones",
     NULL,
     {{"--status", "STATUS", 0}, {"--order-id", "ORDER_ID", 0}, PAGE}},
    {"refunds approve",
     "refunds.approve",
     "ID",
     NULL,
     "approve and carry out another admin's large refund",
     NULL,
     {REASON}},
    {"refunds reject",
     "refunds.reject",
     "ID",
     NULL,
     "reject a refund waiting for approval",
     NULL,
     {REASON}},
    /* customers */
    {"customers list",
     "customers.list",
     NULL,
     NULL,
     "customers by e-mail, name or status",
     NULL,
     {SEARCH, {"--status", "STATUS", 0}, PAGE}},
    {"customers get",
     "customers.get",
     "USER_ID|EMAIL",
     NULL,
     "one customer (e-mail or id) with orders, deliveries and total spent net",
     NULL,
     {{0}}},
    {"customers set-status",
     "customers.set_status",
     "USER_ID|EMAIL",
     NULL,
     "suspend, ban or reinstate a customer",
     NULL,
     {{"--status", "STATUS", 0}, REASON}},
    {"customers suspend",
     "customers.set_status",
     "USER_ID|EMAIL",
     "{\"status\":\"suspended\"}",
     "customers set-status --status suspended",
     NULL,
     {REASON}},
    {"customers ban",
     "customers.set_status",
     "USER_ID|EMAIL",
     "{\"status\":\"banned\"}",
     "customers set-status --status banned",
     NULL,
     {REASON}},
    {"customers reinstate",
     "customers.set_status",
     "USER_ID|EMAIL",
     "{\"status\":\"active\"}",
     "customers set-status --status active",
     NULL,
     {REASON}},
    {"customers set-email",
     "customers.set_email",
     "USER_ID|EMAIL",
     NULL,
     "correct the e-mail deliveries go to",
     NULL,
     {{"--new-email", "EMAIL", 0}, REASON}},
    /* inventory and delivered accounts */
    {"inventory list",
     "inventory.list",
     NULL,
     NULL,
     "trading accounts in stock, by status, size, platform, login",
     NULL,
     {{"--status", "STATUS", 0},
      {"--account-size", "SIZE", 0},
      {"--platform-type", "PLATFORM", 0},
      {"--login", "LOGIN", 0},
      {"--server", "SERVER", 0},
      PAGE}},
    {"inventory stock",
     "inventory.stock",
     NULL,
     NULL,
     "stock per product with the low-stock warning",
     NULL,
     {{0}}},
    {"inventory import",
     "inventory.import",
     "FILE",
     NULL,
     "import accounts from a CSV file (size,platform,server,login,password,investor_password)",
     inventory_import,
     {{"--dry-run", NULL, 0}, REASON}},
    {"inventory update",
     "inventory.update",
     "ID|LOGIN",
     NULL,
     "correct an account's server or passwords (--server: the one its login is on, if several)",
     NULL,
     {{"--server", "SERVER", 0},
      {"--new-server", "SERVER", 0},
      {"--password", "PASSWORD", 0},
      {"--investor-password", "PASSWORD", 0},
      REASON}},
    {"inventory set-status",
     "inventory.set_status",
     "ID|LOGIN",
     NULL,
     "disable or re-enable an account by login or id",
     NULL,
     {{"--status", "STATUS", 0}, {"--server", "SERVER", 0}, REASON}},
    {"inventory disable",
     "inventory.set_status",
     "ID|LOGIN",
     "{\"status\":\"disabled\"}",
     "inventory set-status --status disabled",
     NULL,
     {{"--server", "SERVER", 0}, REASON}},
    {"inventory enable",
     "inventory.set_status",
     "ID|LOGIN",
     "{\"status\":\"available\"}",
     "inventory set-status --status available",
     NULL,
     {{"--server", "SERVER", 0}, REASON}},
    {"deliveries list",
     "deliveries.list",
     NULL,
     NULL,
     "who got which account",
     NULL,
     {SEARCH,
      {"--user-id", "USER_ID", 0},
      {"--order-id", "ORDER_ID", 0},
      {"--account-status", "STATUS", 0},
      PAGE}},
    {"deliveries set-status",
     "deliveries.set_status",
     "ID|ORDER_ID",
     NULL,
     "challenge phase, pass or fail, breach, suspension",
     NULL,
     {{"--current-phase", "PHASE", 0},
      {"--challenge-status", "STATUS", 0},
      {"--phase-1-status", "STATUS", 0},
      {"--phase-2-status", "STATUS", 0},
      {"--live-status", "STATUS", 0},
      {"--account-status", "STATUS", 0},
      REASON}},
    {"credentials reveal",
     "credentials.reveal",
     NULL,
     NULL,
     "show one account's passwords (a delivery's or a stock account's), audited with a reason",
     NULL,
     {{"--delivery-id", "ID", 0}, {"--inventory-id", "ID", 0}, REASON}},
    /* catalogue */
    {"pricing list",
     "pricing.list",
     NULL,
     NULL,
     "prices per product",
     NULL,
     {{"--account-type", "TYPE", 0},
      {"--platform-type", "PLATFORM", 0},
      {"--active", "BOOL", 0},
      PAGE}},
    {"pricing set",
     "pricing.set",
     NULL,
     NULL,
     "set a product's price or take it off sale",
     NULL,
     {PRODUCT, {"--price-usd", "AMOUNT", 0}, {"--active", "BOOL", 0}, REASON}},
    {"discounts list",
     "discounts.list",
     NULL,
     NULL,
     "discount codes with their uses",
     NULL,
     {SEARCH, {"--active", "BOOL", 0}, PAGE}},
    {"discounts uses", "discounts.uses", "CODE", NULL, "who used a discount code", NULL, {PAGE}},
    {"discounts create",
     "discounts.create",
     "CODE",
     NULL,
     "create a discount code",
     NULL,
     {{"--percent-off", "PERCENT", 0},
      {"--amount-off", "AMOUNT", 0},
      {"--max-uses", "N", 0},
      {"--max-uses-per-user", "N", 0},
      {"--valid-from", "TIME", 0},
      {"--valid-until", "TIME", 0},
      REASON}},
    {"discounts update",
     "discounts.update",
     "CODE",
     NULL,
     "change a code's limits, dates or active flag",
     NULL,
     {{"--max-uses", "N", 0},
      {"--max-uses-per-user", "N", 0},
      {"--valid-until", "TIME", 0},
      {"--active", "BOOL", 0},
      REASON}},
    {"rules list",
     "rules.list",
     NULL,
     NULL,
     "trading rules per product",
     NULL,
     {{"--account-type", "TYPE", 0}, PAGE}},
    {"rules set",
     "rules.set",
     NULL,
     NULL,
     "set a product's trading rules (percentages, days; none clears one)",
     NULL,
     {{"--account-type", "TYPE", 0},
      {"--account-size", "SIZE", 0},
      {"--challenge-profit-target", "PERCENT", 0},
      {"--challenge-max-daily-loss", "PERCENT", 0},
      {"--challenge-max-total-loss", "PERCENT", 0},
      {"--challenge-min-trading-days", "DAYS", 0},
      {"--phase-1-profit-target", "PERCENT", 0},
      {"--phase-1-max-daily-loss", "PERCENT", 0},
      {"--phase-1-max-total-loss", "PERCENT", 0},
      {"--phase-1-min-trading-days", "DAYS", 0},
      {"--phase-2-profit-target", "PERCENT", 0},
      {"--phase-2-max-daily-loss", "PERCENT", 0},
      {"--phase-2-max-total-loss", "PERCENT", 0},
      {"--phase-2-min-trading-days", "DAYS", 0},
      {"--live-max-daily-loss", "PERCENT", 0},
      {"--live-max-total-loss", "PERCENT", 0},
      {"--profit-share-percentage", "PERCENT", 0},
      REASON}},
    {"templates list", "templates.list", NULL, NULL, "e-mail templates", NULL, {PAGE}},
    {"templates preview",
     "templates.preview",
     "TEMPLATE_NAME",
     NULL,
     "a template rendered with sample or given variables",
     NULL,
     {{"--variables", "JSON", 0}}},
    {"templates set",
     "templates.set",
     "TEMPLATE_NAME",
     NULL,
     "change an e-mail template",
     NULL,
     {{"--subject", "TEXT", 0},
      {"--html-body", "TEXT", 0},
      {"--text-body", "TEXT", 0},
      {"--is-active", "BOOL", 0},
      REASON}},
    {"coins list",
     "coins.list",
     NULL,
     NULL,
     "the coins customers may pay with",
     NULL,
     {{"--active", "BOOL", 0}}},
    {"coins set",
     "coins.set",
     "CODE",
     NULL,
     "add, change or disable a coin",
     NULL,
     {{"--provider-code", "CODE", 0}, {"--active", "BOOL", 0}, REASON}},
    /* IPN events */
    {"events list",
     "events.list",
     NULL,
     NULL,
     "IPN events by state, unmatched ones included",
     NULL,
     {{"--state", "STATE", 0},
      {"--unmatched", NULL, 0},
      {"--dismissed", NULL, 0},
      {"--payment-id", "PAYMENT_ID", 0},
      {"--order-id", "ORDER_ID", 0},
      PAGE}},
    {"events get", "events.get", "ID", NULL, "one IPN event with its payload", NULL, {{0}}},
    {"events reprocess",
     "events.reprocess",
     "ID",
     NULL,
     "process an IPN event again",
     NULL,
     {REASON}},
    {"events dismiss",
     "events.dismiss",
     "ID",
     NULL,
     "dismiss an IPN event with a reason",
     NULL,
     {REASON}},
    {"events link",
     "events.link",
     "ID",
     NULL,
     "link an unmatched IPN event to its order",
     NULL,
     {{"--order-id", "ORDER_ID", 0}, REASON}},
    /* the audit log */
    {"audit list",
     "audit.list",
     NULL,
     NULL,
     "the audit log by admin, order, action and date",
     NULL,
     {{"--admin", "EMAIL", 0},
      {"--order-id", "ORDER_ID", 0},
      {"--action", "ACTION", 0},
      PERIOD,
      PAGE}},
    /* the shop's switches and staff */
    {"checkout get",
     "checkout.get",
     NULL,
     NULL,
     "whether new crypto payments are paused",
     NULL,
     {{0}}},
    {"checkout pause",
     "checkout.pause",
     NULL,
     NULL,
     "pause new crypto payments; create-crypto-payment answers 503 with the message",
     NULL,
     {{"--message", "TEXT", 0}, REASON}},
    {"checkout resume",
     "checkout.resume",
     NULL,
     NULL,
     "take new crypto payments again",
     NULL,
     {REASON}},
    {"settings get", "settings.get", NULL, NULL, "the console's thresholds", NULL, {{0}}},
    {"settings set",
     "settings.set",
     NULL,
     NULL,
     "refund approval threshold, low-stock level",
     NULL,
     {{"--refund-approval-threshold", "AMOUNT", 0}, {"--low-stock-threshold", "N", 0}, REASON}},
    {"staff list", "staff.list", NULL, NULL, "staff members and their roles", NULL, {PAGE}},
    {"staff set-role",
     "staff.set_role",
     NULL,
     NULL,
     "make someone admin, finance or support (--role none removes it)",
     NULL,
     {{"--email", "EMAIL", 0}, {"--role", "ROLE", 0}, REASON}},
    {"login-link",
     "login_links.create",
     NULL,
     NULL,
     "print a one-time panel sign-in link for a staff member",
     login_link,
     {{"--email", "EMAIL", 0}, {"--ttl-minutes", "N", 0}}},
    /* the tool's own */
    {"login",
     NULL,
     NULL,
     NULL,
     "exchange a sign-in link for a console token, saved for the next commands",
     login,
     {{"--link", "URL", 1}}},
    {"logout", NULL, NULL, NULL, "forget the saved console token", logout, {{0}}},
    {"user create",
     NULL,
     NULL,
     NULL,
     "dev stack: insert an auth.users row as Supabase Auth would, print its id",
     user_create,
     {{"--email", "EMAIL", 1},
      {"--first-name", "NAME", 1},
      {"--last-name", "NAME", 1},
      {"--admin", NULL, 1}}},
    {"token",
     NULL,
     NULL,
     NULL,
     "dev stack: print a JWT signed with SUPABASE_JWT_SECRET",
     token,
     {{"--user", "ID", 1},
      {"--email", "EMAIL", 1},
      {"--service-role", NULL, 1},
      {"--anon", NULL, 1},
      {"--ttl", "SECONDS", 1}}},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int
words_match(const char *words, int argc, char **argv, int n)
{
    size_t len;

    for (int i = 0; i < n; i++) {
        if (i >= argc)
            return 0;
        len = strlen(argv[i]);
        if (strncmp(words, argv[i], len) != 0 || (words[len] != ' ' && words[len] != '\0'))
            return 0;
        words += len;
        if (*words == ' ')
            words++;
    }
    return *words == '\0';
}

/* A bare resource ("audit", "checkout") is its list, or its get, as console() has it. */
static const struct command *
resource_default(int argc, char **argv)
{
    static char list[] = "list", get[] = "get";
    char *const verbs[] = {list, get};
    char *words[2];

    if (argc > 1 && strncmp(argv[1], "--", 2) != 0)
        return NULL;
    words[0] = argv[0];
    for (size_t v = 0; v < 2; v++) {
        words[1] = verbs[v];
        for (size_t i = 0; i < N_COMMANDS; i++)
            if (commands[i].action != NULL && words_match(commands[i].words, 2, words, 2))
                return &commands[i];
    }
    return NULL;
}

const struct command *
command_find(int argc, char **argv, int *used)
{
    const struct command *cmd;

    for (int n = 2; n >= 1; n--)
        for (size_t i = 0; i < N_COMMANDS; i++)
            if (words_match(commands[i].words, argc, argv, n)) {
                *used = n;
                return &commands[i];
            }
    *used = 1;
    cmd = argc > 0 ? resource_default(argc, argv) : NULL;
    return cmd;
}

static const struct option_spec *
find_in(const struct option_spec *specs, const char *name, size_t len)
{
    for (int i = 0; specs[i].name != NULL && i < COMMAND_MAX_OPTIONS; i++)
        if (strlen(specs[i].name) == len && strncmp(specs[i].name, name, len) == 0)
            return &specs[i];
    return NULL;
}

const struct option_spec *
command_option(const struct command *cmd, const char *name)
{
    size_t len = strcspn(name, "=");
    const struct option_spec *o = cmd != NULL ? find_in(cmd->options, name, len) : NULL;

    return o != NULL ? o : find_in(global_options, name, len);
}

void
command_arg_name(const char *word, char *buf, size_t n)
{
    size_t i = 0;

    while (*word == '-')
        word++;
    for (; *word != '\0' && i + 1 < n; word++)
        buf[i++] = *word == '-' ? '_' : (char)tolower((unsigned char)*word);
    buf[i] = '\0';
}

/* --search reads better than --q, the listings' search argument. */
void
command_option_argument(const struct option_spec *o, char *buf, size_t n)
{
    if (strcmp(o->name, "--search") == 0)
        snprintf(buf, n, "%s", "q");
    else
        command_arg_name(o->name, buf, n);
}

static int
is_uuid(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

    for (size_t i = 0; i < sizeof(shape) - 1; i++)
        if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return 0;
    return s[sizeof(shape) - 1] == '\0';
}

void
command_positional_argument(const struct command *cmd, const char *value, char *buf, size_t n)
{
    char both[64], *bar;

    command_arg_name(cmd->positional, both, sizeof(both));
    bar = strchr(both, '|');
    if (bar != NULL) {
        *bar = '\0';
        snprintf(buf, n, "%s", is_uuid(value) ? both : bar + 1);
    } else {
        snprintf(buf, n, "%s", both);
    }
}

static void
usage_line(FILE *out, const struct command *cmd)
{
    fprintf(out, "usage: ffx-admin %s", cmd->words);
    if (cmd->positional != NULL)
        fprintf(out, " %s", cmd->positional);
    for (int i = 0; i < COMMAND_MAX_OPTIONS && cmd->options[i].name != NULL; i++)
        fprintf(out, cmd->options[i].value ? " [%s %s]" : " [%s]", cmd->options[i].name,
                cmd->options[i].value ? cmd->options[i].value : "");
    fprintf(out, "\n");
}

void
command_usage(FILE *out, const struct command *cmd)
{
    char arg[64];

    usage_line(out, cmd);
    fprintf(out, "\n  %s\n", cmd->summary);
    if (cmd->action != NULL)
        fprintf(out, "  action: %s%s%s\n", cmd->action, cmd->preset ? " with " : "",
                cmd->preset ? cmd->preset : "");
    fprintf(out, "\noptions:\n");
    if (cmd->positional != NULL) {
        command_arg_name(cmd->positional, arg, sizeof(arg));
        fprintf(out, "  %-32s %s %s%s\n", cmd->positional,
                cmd->run != NULL ? "read by ffx-admin, not the" : "argument", arg,
                strchr(arg, '|') != NULL ? " (the first for a UUID)" : "");
    }
    for (int i = 0; i < COMMAND_MAX_OPTIONS && cmd->options[i].name != NULL; i++) {
        char left[64];

        snprintf(left, sizeof(left), "%s%s%s", cmd->options[i].name,
                 cmd->options[i].value ? " " : "",
                 cmd->options[i].value ? cmd->options[i].value : "");
        command_option_argument(&cmd->options[i], arg, sizeof(arg));
        fprintf(out, "  %-32s %s%s\n", left,
                cmd->options[i].local ? "read by ffx-admin" : "argument ",
                cmd->options[i].local ? "" : arg);
    }
    fprintf(out, "\nglobal options (anywhere on the line):\n"
                 "  --json                           print the action's JSON\n"
                 "  --direct                         connect to DATABASE_URL as service_role "
                 "(bootstrap; also FFX_ADMIN_DIRECT=1)\n"
                 "  --api URL                        the admin API (default $FFX_API_URL or "
                 "http://127.0.0.1:54321)\n"
                 "  --token-file FILE                the console token (default "
                 "$FFX_ADMIN_TOKEN, or the one `ffx-admin login` saved)\n"
                 "  --help                           this text\n");
}

void
command_list(FILE *out)
{
    fprintf(out, "usage: ffx-admin COMMAND [ARGUMENT] [--option VALUE]... [--json] [--direct] "
                 "[--api URL] [--token-file FILE]\n"
                 "       ffx-admin help COMMAND    the whole usage of one command\n\n"
                 "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        char left[64];

        snprintf(left, sizeof(left), "%s%s%s", commands[i].words, commands[i].positional ? " " : "",
                 commands[i].positional ? commands[i].positional : "");
        fprintf(out, "  %-34s %s\n", left, commands[i].summary);
    }
}

void
command_table_json(FILE *out)
{
    cJSON *all = cJSON_CreateArray();
    char arg[64], *text;

    for (size_t i = 0; i < N_COMMANDS; i++) {
        cJSON *c = cJSON_CreateObject(), *opts = cJSON_CreateArray();

        cJSON_AddStringToObject(c, "command", commands[i].words);
        cJSON_AddItemToObject(c, "action",
                              commands[i].action ? cJSON_CreateString(commands[i].action)
                                                 : cJSON_CreateNull());
        if (commands[i].positional != NULL) {
            command_arg_name(commands[i].positional, arg, sizeof(arg));
            cJSON_AddStringToObject(c, "positional", arg);
            /* a preparation (inventory import) reads the positional and sends what it made */
            cJSON_AddBoolToObject(c, "positional_local", commands[i].run != NULL);
        }
        for (int k = 0; k < COMMAND_MAX_OPTIONS && commands[i].options[k].name != NULL; k++) {
            cJSON *o = cJSON_CreateObject();

            command_option_argument(&commands[i].options[k], arg, sizeof(arg));
            cJSON_AddStringToObject(o, "option", commands[i].options[k].name);
            cJSON_AddStringToObject(o, "argument", arg);
            cJSON_AddBoolToObject(o, "value", commands[i].options[k].value != NULL);
            cJSON_AddBoolToObject(o, "local", commands[i].options[k].local);
            cJSON_AddItemToArray(opts, o);
        }
        cJSON_AddItemToObject(c, "options", opts);
        cJSON_AddItemToArray(all, c);
    }
    text = cJSON_PrintUnformatted(all);
    fprintf(out, "%s\n", text);
    cJSON_free(text);
    cJSON_Delete(all);
}
