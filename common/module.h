/* SPDX-License-Identifier: MIT */
/*
 * module.h - a piece of common/ that needs configuration and per-process
 * state (auth's key set, the NOWPayments client's CURL handle), described
 * once so that whoever runs it loads its keys, checks them, initialises it
 * and finalises it: the request frame for a function that lists it in
 * server_app.modules (server.h), or a tool by hand. Below the frame: a
 * module that declares one includes this, never server.h.
 */
#ifndef FFX_MODULE_H
#define FFX_MODULE_H

#include "cfg.h"

/* The server loads every listed module's keys, checks them, and
 * initialises the modules in order after fork (finalising them in reverse),
 * so a function only names the modules it needs. */
struct server_module {
    const char *name;
    const struct cfg_key *cfg_keys; /* CFG_END-terminated, or NULL */
    int (*check_config)(void);      /* after loading; 0 OK, else exit 2 */
    int (*init)(void);              /* per worker after fork; 0 OK */
    void (*fini)(void);             /* per worker before exit */
};

#endif
