/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin reports (the seed's business metrics) and the audit log.
 */
#include "admin.h"

#include <stddef.h>

/* Revenue by the day orders were paid, net of refunds (a refunded order counts as paid on its
 * paid day and is subtracted there). */
int
cmd_report_revenue(const struct args *a)
{
    return run_list(
        a,
        "SELECT paid_at::date AS day, count(*) AS paid_orders,"
        " sum(final_amount) AS gross,"
        " count(*) FILTER (WHERE payment_status = 'refunded') AS refunded_orders,"
        " coalesce(sum(final_amount) FILTER (WHERE payment_status = 'refunded'), 0) AS refunded,"
        " sum(final_amount) - coalesce(sum(final_amount) FILTER (WHERE payment_status = "
        "'refunded'), 0)"
        "   AS net"
        " FROM orders WHERE paid_at IS NOT NULL"
        " AND paid_at >= current_date - (coalesce($1::integer, 30) - 1)"
        " GROUP BY 1 ORDER BY 1",
        1, (const char *const[]){opt_value(a, "--days")});
}

int
cmd_report_conversion(const struct args *a)
{
    return run_list(a,
                    "SELECT count(*) AS orders,"
                    " count(*) FILTER (WHERE paid_at IS NOT NULL) AS paid,"
                    " count(*) FILTER (WHERE delivery_status = 'delivered') AS delivered,"
                    " count(*) FILTER (WHERE order_status = 'failed') AS failed,"
                    " count(*) FILTER (WHERE order_status = 'refunded') AS refunded,"
                    " round(100.0 * count(*) FILTER (WHERE paid_at IS NOT NULL)"
                    "   / nullif(count(*), 0), 2) AS paid_pct"
                    " FROM orders",
                    0, NULL);
}

int
cmd_report_products(const struct args *a)
{
    return run_list(a,
                    "SELECT account_type, account_size AS size, platform_type AS platform,"
                    " count(*) AS orders, count(*) FILTER (WHERE paid_at IS NOT NULL) AS paid,"
                    " coalesce(sum(final_amount) FILTER (WHERE paid_at IS NOT NULL"
                    "   AND payment_status <> 'refunded'), 0) AS revenue"
                    " FROM orders GROUP BY 1, 2, 3 ORDER BY revenue DESC, 1, 2, 3",
                    0, NULL);
}

int
cmd_audit(const struct args *a)
{
    return run_list(a,
                    "SELECT id, created_at, admin_email, action_type, table_name, record_id,"
                    " description FROM admin_audit_log ORDER BY id DESC"
                    " LIMIT coalesce($1::integer, 50)",
                    1, (const char *const[]){opt_value(a, "--limit")});
}
