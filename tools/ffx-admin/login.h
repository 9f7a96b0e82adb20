/* SPDX-License-Identifier: MIT */
/*
 * login.h - signing ffx-admin in to the admin API.
 *
 * `ffx-admin login-link --email E [--ttl-minutes N]` runs login_links.create and prints
 * <public url>/admin/#link=<link id>.<secret> (FFX_PUBLIC_URL, or http://127.0.0.1:54321).
 * `ffx-admin login --link URL` exchanges such a link (POST /functions/v1/admin/login, on the
 * link's own origin unless --api says otherwise) for a console token and saves it, with the API's
 * address, in $XDG_CONFIG_HOME/ffx-admin/ (~/.config/ffx-admin/): the directory 0700, the files
 * 0600. Later commands use it (console.h) until it expires or `ffx-admin logout` removes it.
 */
#ifndef FFX_ADMIN_LOGIN_H
#define FFX_ADMIN_LOGIN_H

#include "args.h"

int login_link(struct invocation *inv);
int login(struct invocation *inv);
int logout(struct invocation *inv);

/* The token in path (white space trimmed), or NULL with the reason on stderr; malloc'd. */
char *token_read(const char *path);
/* The saved token, or NULL when there is none; malloc'd. */
char *token_read_saved(void);
/* The API address saved with it, or NULL; malloc'd. */
char *token_saved_api(void);

#endif
