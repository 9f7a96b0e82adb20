/* SPDX-License-Identifier: MIT */
/*
 * dev.h - ffx-admin's dev-stack helpers (unchanged behaviour):
 *
 *   ffx-admin user create --email E [--first-name F] [--last-name L] [--admin]
 *   ffx-admin token (--user ID | --email E | --service-role | --anon) [--ttl SECONDS]
 *
 * `user create` inserts the auth.users row on plain PostgreSQL, as Supabase Auth would on
 * sign-up (the handle_new_user trigger makes the profile), and prints the new id. `token` prints
 * a JWT signed with SUPABASE_JWT_SECRET carrying the claims Supabase Auth puts in an access
 * token, so the dev stack can be called exactly as a logged-in frontend would call it. Both
 * connect to DATABASE_URL directly: they are not console actions.
 */
#ifndef FFX_ADMIN_DEV_H
#define FFX_ADMIN_DEV_H

#include "args.h"

int user_create(struct invocation *inv);
int token(struct invocation *inv);

#endif
