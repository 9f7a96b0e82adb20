/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin internals: argument helpers, the operator session (one transaction with the
 * identity's claims and role set, never a superuser bypass) and listing output.
 */
#ifndef FFX_ADMIN_H
#define FFX_ADMIN_H

#include <libpq-fe.h>

struct args {
    int argc;
    char **argv;
};

/* One command's database session: a connection with an open transaction whose
 * request.jwt.claims and role are the operator's (admin user or service_role). */
struct session {
    PGconn *conn;
    int json; /* --json: listings print one JSON array */
};

const char *opt_value(const struct args *a, const char *name);
int opt_flag(const struct args *a, const char *name);
/* The n-th argument that is not an option or an option's value, or NULL. */
const char *positional(const struct args *a, int n);
const char *env_or(const char *name, const char *fallback);
PGconn *connect_db(void);

/* Connect, BEGIN, set the identity: --as-admin EMAIL (or FFX_ADMIN_EMAIL) as that admin user,
 * otherwise service_role with an "operator" claim. 0 on success; prints the error itself. */
int session_open(struct session *s, const struct args *a);
/* COMMIT when ok, else ROLLBACK; closes the connection. Returns 0 if committed (or rolled back
 * on request), 1 if the commit failed. */
int session_close(struct session *s, int ok);
/* A statement returning rows; NULL (error printed) otherwise. */
PGresult *session_query(struct session *s, const char *sql, int n, const char *const *params);
/* A listing: the rows of sql as a table, or with --json as one JSON array of objects. */
int session_list(struct session *s, const char *sql, int n, const char *const *params);
/* One listing, or one call of a function returning JSON (printed), in a session of its own:
 * committed when the statement succeeded. 0 done, 1 failed (for a call also when its JSON says
 * "success": false, e.g. a delivery that found the order unpaid; that is still committed). */
int run_list(const struct args *a, const char *sql, int n, const char *const *params);
int run_call(const struct args *a, const char *sql, int n, const char *const *params);
/* Print a PGresult as an aligned table. */
void print_table(const PGresult *res);

int cmd_inventory_import(const struct args *a);
int cmd_inventory_report(const struct args *a);
int cmd_inventory_list(const struct args *a);
int cmd_inventory_disable(const struct args *a);
int cmd_inventory_enable(const struct args *a);
int cmd_orders_list(const struct args *a);
int cmd_orders_show(const struct args *a);
int cmd_orders_deliver(const struct args *a);
int cmd_orders_accept_payment(const struct args *a);
int cmd_orders_resend_email(const struct args *a);
int cmd_orders_refund(const struct args *a);
int cmd_orders_clear_attention(const struct args *a);
int cmd_events_list(const struct args *a);
int cmd_events_reprocess(const struct args *a);
int cmd_report_revenue(const struct args *a);
int cmd_report_conversion(const struct args *a);
int cmd_report_products(const struct args *a);
int cmd_audit(const struct args *a);

#endif
