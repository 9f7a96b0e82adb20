/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin reports (the seed's business metrics) and the audit log.
 */
#include "admin.h"

#include <stddef.h>

/* The reports are SQL functions (sql/definitions/90_admin.sql) so that pgTAP checks the same
 * numbers the operator reads: revenue per UTC day of payment net of refunds, conversion, and
 * revenue per product. */
int
cmd_report_revenue(const struct args *a)
{
    return run_list(a, "SELECT * FROM ffx_internal.admin_report_revenue($1::integer)", 1,
                    (const char *const[]){opt_value(a, "--days")});
}

int
cmd_report_conversion(const struct args *a)
{
    return run_list(a, "SELECT * FROM ffx_internal.admin_report_conversion()", 0, NULL);
}

int
cmd_report_products(const struct args *a)
{
    return run_list(a, "SELECT * FROM ffx_internal.admin_report_products()", 0, NULL);
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
