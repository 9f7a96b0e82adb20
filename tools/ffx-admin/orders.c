/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin orders and events: listings, one order in full (never credentials), manual delivery
 * of a paid order (admin_order_deliver; --force for an unpaid one), accepting a held payment
 * (admin_order_accept_payment), the delivery e-mail again
 * (admin_resend_email), a refund made outside the backend (admin_order_refund: the order
 * refunded, its account suspended), an order's needs_attention cleared once dealt with
 * (admin_order_clear_attention), unmatched IPN events and their reprocessing (ipn_reprocess).
 */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cmd_orders_list(const struct args *a)
{
    return run_list(
        a,
        "SELECT o.order_id, p.email, o.account_type, o.account_size AS size,"
        " o.platform_type AS platform, o.final_amount, o.order_status, o.payment_status,"
        " o.delivery_status, o.needs_attention, o.paid_at, o.created_at"
        " FROM orders o LEFT JOIN user_profiles p ON p.id = o.user_id"
        " WHERE ($1::text IS NULL OR o.order_status = $1 OR o.payment_status = $1"
        "        OR o.delivery_status = $1 OR ($1 = 'waiting' AND o.order_status = 'processing'"
        "        AND o.payment_status = 'paid' AND o.delivery_status = 'pending' AND o.paid_at IS "
        "NOT NULL))"
        " AND ($2::text IS NULL OR o.user_id::text = $2 OR lower(p.email) = lower($2))"
        " ORDER BY o.created_at DESC, o.order_id DESC LIMIT coalesce($3::integer, 50)",
        3,
        (const char *const[]){opt_value(a, "--status"), opt_value(a, "--user"),
                              opt_value(a, "--limit")});
}

static const struct {
    const char *name;
    int single;
    const char *sql;
} show_parts[] = {
    {"order", 1,
     "SELECT o.order_id, o.user_id, p.email, o.account_type, o.account_size, o.platform_type,"
     " o.amount, o.discount_code, o.final_amount, o.order_status, o.payment_status,"
     " o.delivery_status, o.needs_attention, o.attention_detail, o.invoice_id, o.paid_at,"
     " o.delivered_at, o.created_at"
     " FROM orders o LEFT JOIN user_profiles p ON p.id = o.user_id WHERE o.order_id = $1"},
    {"payments", 0,
     "SELECT payment_id, parent_payment_id AS parent, payment_status, pay_currency, pay_amount,"
     " actually_paid, price_amount, counted, needs_review, created_at FROM payments"
     " WHERE order_id = $1 ORDER BY created_at, payment_id"},
    {"account", 1,
     "SELECT id, server_name, login_id, platform_type, account_size, current_phase,"
     " account_status, email_sent, delivered_at FROM delivered_accounts WHERE order_id = $1"},
    {"outbox", 0,
     "SELECT id, template_name, to_email, status, attempts, last_error, sent_at, updated_at"
     " FROM email_outbox WHERE order_id = $1 ORDER BY id"},
    {"audit", 0,
     "SELECT id, created_at, admin_email, action_type, description, new_values"
     " FROM admin_audit_log WHERE record_id = $1 OR new_values->>'order_id' = $1 ORDER BY id"},
};

int
cmd_orders_show(const struct args *a)
{
    const char *id = positional(a, 0);
    const char *const params[] = {id};
    struct session s;
    int rc = 0;

    if (id == NULL) {
        fprintf(stderr, "usage: ffx-admin orders show ID [--json]\n");
        return 2;
    }
    if (session_open(&s, a) != 0)
        return 1;
    if (s.json)
        printf("{");
    for (size_t i = 0; i < sizeof(show_parts) / sizeof(show_parts[0]) && rc == 0; i++) {
        char sql[1024];
        PGresult *res;

        if (s.json) {
            snprintf(sql, sizeof(sql),
                     show_parts[i].single
                         ? "SELECT coalesce((SELECT row_to_json(t) FROM (%s) t LIMIT 1), 'null')"
                         : "SELECT coalesce(json_agg(t), '[]'::json) FROM (%s) t",
                     show_parts[i].sql);
            res = session_query(&s, sql, 1, params);
            if (res == NULL) {
                rc = 1;
                break;
            }
            if (i == 0 && strcmp(PQgetvalue(res, 0, 0), "null") == 0) {
                fprintf(stderr, "ffx-admin: Order not found\n");
                rc = 1;
            } else {
                printf("%s\"%s\":%s", i ? "," : "", show_parts[i].name, PQgetvalue(res, 0, 0));
            }
        } else {
            res = session_query(&s, show_parts[i].sql, 1, params);
            if (res == NULL) {
                rc = 1;
                break;
            }
            if (i == 0 && PQntuples(res) == 0) {
                fprintf(stderr, "ffx-admin: Order not found\n");
                rc = 1;
            } else {
                printf("%s== %s\n", i ? "\n" : "", show_parts[i].name);
                print_table(res);
            }
        }
        PQclear(res);
    }
    if (s.json && rc == 0)
        printf("}\n");
    session_close(&s, 0); /* read only */
    return rc;
}

/* `orders VERB ID --reason R`: one audited SQL function of (order id, reason). */
static int
order_call(const struct args *a, const char *verb, const char *sql)
{
    const char *id = positional(a, 0), *reason = opt_value(a, "--reason");

    if (id == NULL || reason == NULL) {
        fprintf(stderr, "usage: ffx-admin orders %s ID --reason R\n", verb);
        return 2;
    }
    return run_call(a, sql, 2, (const char *const[]){id, reason});
}

/* `orders deliver ID --reason R [--force]`: a paid order only, unless --force, which the
 * database audits as the operator standing in for the payment. */
int
cmd_orders_deliver(const struct args *a)
{
    const char *id = positional(a, 0), *reason = opt_value(a, "--reason");

    if (id == NULL || reason == NULL) {
        fprintf(stderr, "usage: ffx-admin orders deliver ID --reason R [--force]\n");
        return 2;
    }
    return run_call(a, "SELECT ffx_internal.admin_order_deliver($1, $2, $3::boolean)", 3,
                    (const char *const[]){id, reason, opt_flag(a, "--force") ? "true" : "false"});
}

int
cmd_orders_accept_payment(const struct args *a)
{
    return order_call(a, "accept-payment",
                      "SELECT ffx_internal.admin_order_accept_payment($1, $2)");
}

int
cmd_orders_resend_email(const struct args *a)
{
    return order_call(a, "resend-email", "SELECT ffx_internal.admin_resend_email($1, $2)");
}

int
cmd_orders_refund(const struct args *a)
{
    return order_call(a, "refund", "SELECT ffx_internal.admin_order_refund($1, $2)");
}

int
cmd_orders_clear_attention(const struct args *a)
{
    return order_call(a, "clear-attention",
                      "SELECT ffx_internal.admin_order_clear_attention($1, $2)");
}

int
cmd_events_list(const struct args *a)
{
    if (opt_flag(a, "--unmatched"))
        return run_list(
            a,
            "SELECT id, received_at, date_trunc('second', age)::text AS age, payment_id,"
            " payment_status, order_id, parent_payment_id, invoice_id, attempts,"
            " last_attempt_at FROM ipn_unmatched_events ORDER BY received_at, id",
            0, NULL);
    return run_list(a,
                    "SELECT id, received_at, payment_id, payment_status, order_id, state,"
                    " matched_order_id, attempts, last_error FROM ipn_events"
                    " WHERE ($1::text IS NULL OR state = $1)"
                    " ORDER BY id DESC LIMIT coalesce($2::integer, 50)",
                    2, (const char *const[]){opt_value(a, "--state"), opt_value(a, "--limit")});
}

int
cmd_events_reprocess(const struct args *a)
{
    const char *id = positional(a, 0);

    if (id == NULL) {
        fprintf(stderr, "usage: ffx-admin events reprocess ID [--reason R]\n");
        return 2;
    }
    return run_call(a, "SELECT ffx_internal.admin_ipn_reprocess($1::bigint, $2)", 2,
                    (const char *const[]){id, opt_value(a, "--reason")});
}
