/* SPDX-License-Identifier: MIT */
/* The inventory CSV reader shared by ffx-admin and the admin function. */
#include "arena.h"
#include "check.h"
#include "csv.h"
#include "json.h"

#include <string.h>

#define HEADER "size,platform,server,login,password,investor_password"

static const struct {
    const char *name;
    const char *text;
    int nrows;
    int nerrors;
    const char *want; /* rows then errors, as compact JSON, or NULL to skip */
} cases[] = {
    {"plain", HEADER "\n10000,mt4,Srv-1,1001,pw,inv\n", 1, 0,
     "[{\"line\":2,\"size\":\"10000\",\"platform\":\"mt4\",\"server\":\"Srv-1\",\"login\":\"1001\","
     "\"password\":\"pw\",\"investor_password\":\"inv\"}][]"},
    {"bom, CRLF, no final newline",
     "\xEF\xBB\xBF" HEADER "\r\n10000,mt5,S,1,p,i\r\n25000,mt4,S,2,p,i", 2, 0, NULL},
    {"header in any case with spaces",
     " Size , PLATFORM,server,login,password,investor_password\n"
     "10000,mt4,S,1,p,i\n",
     1, 0, NULL},
    {"quotes: comma, doubled quote, line break",
     HEADER "\n10000,mt4,\"Srv, A\",7,\"p\"\"w\",\"in\nv\"\n10000,mt4,S,8,p,i\n", 2, 0,
     "[{\"line\":2,\"size\":\"10000\",\"platform\":\"mt4\",\"server\":\"Srv, A\",\"login\":\"7\","
     "\"password\":\"p\\\"w\",\"investor_password\":\"in\\nv\"},{\"line\":4,\"size\":\"10000\","
     "\"platform\":\"mt4\",\"server\":\"S\",\"login\":\"8\",\"password\":\"p\","
     "\"investor_password\":\"i\"}][]"},
    {"blank lines ignored, line numbers kept", "\n" HEADER "\n\n  \n10000,mt4,S,1,p,i\n", 1, 0,
     "[{\"line\":5,\"size\":\"10000\",\"platform\":\"mt4\",\"server\":\"S\",\"login\":\"1\","
     "\"password\":\"p\",\"investor_password\":\"i\"}][]"},
    {"wrong field counts", HEADER "\n10000,mt4,S,1,p\n10000,mt4,S,1,p,i,extra\n10000,mt4,S,3,p,i\n",
     1, 2, NULL},
    {"stray quote, text after quote, unterminated",
     HEADER "\n10000,mt4,S\"x,1,p,i\n10000,mt4,\"S\"x,2,p,i\n10000,mt4,S,3,p,i\n10000,\"mt4\n", 1,
     3, NULL},
    {"wrong header", "size,platform,server,login,password\n10000,mt4,S,1,p,i\n", 1, 1,
     "[{\"line\":2,\"size\":\"10000\",\"platform\":\"mt4\",\"server\":\"S\",\"login\":\"1\","
     "\"password\":\"p\",\"investor_password\":\"i\"}][{\"line\":1,\"error\":\"the header must be "
     "size,platform,server,login,password,investor_password\"}]"},
    {"empty", "", 0, 1, NULL},
    {"only a BOM and blank lines", "\xEF\xBB\xBF\r\n\n", 0, 1, NULL},
    {"header only", HEADER "\n", 0, 0, "[][]"},
};

static void
test_cases(struct arena *a)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *rows = json_adopt(a, cJSON_CreateArray());
        cJSON *errors = json_adopt(a, cJSON_CreateArray());
        int n = csv_inventory_read(a, cases[i].text, strlen(cases[i].text), rows, errors);

        printf("# %s\n", cases[i].name);
        CHECK_INTEQ(n, cases[i].nerrors);
        CHECK_INTEQ(cJSON_GetArraySize(rows), cases[i].nrows);
        CHECK_INTEQ(cJSON_GetArraySize(errors), cases[i].nerrors);
        if (cases[i].want != NULL)
            CHECK_STREQ(arena_concat(a, json_print(a, rows), json_print(a, errors), (char *)NULL),
                        cases[i].want);
        arena_reset(a);
    }
}

/* The per-line errors name the line each bad record starts on. */
static void
test_error_lines(struct arena *a)
{
    static const char text[] = HEADER "\n10000,mt4,\"two\nlines\",1,p\n10000,mt4,S,\"x\"y,p,i\n";
    cJSON *rows = json_adopt(a, cJSON_CreateArray());
    cJSON *errors = json_adopt(a, cJSON_CreateArray());

    CHECK_INTEQ(csv_inventory_read(a, text, strlen(text), rows, errors), 2);
    CHECK_STREQ(json_print(a, errors), "[{\"line\":2,\"error\":\"expected 6 fields, found 5\"},"
                                       "{\"line\":4,\"error\":\"text after a closing quote\"}]");
    arena_reset(a);
}

int
main(void)
{
    struct arena *a = arena_create(4096);

    test_cases(a);
    test_error_lines(a);
    arena_destroy(a);
    return check_done();
}
