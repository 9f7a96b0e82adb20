/* SPDX-License-Identifier: MIT */
/*
 * test_strbuf.c - the growing text: appends across growths, the cap,
 * writing into reserved room.
 */
#include "arena.h"
#include "check.h"
#include "strbuf.h"

#include <string.h>

static void
test_grows(struct arena *a)
{
    struct strbuf b;
    char want[5001];

    strbuf_init(&b, a, 0, 0);
    CHECK_STREQ(strbuf_text(&b), "");
    CHECK(b.p == NULL);
    for (int i = 0; i < 5000; i++) {
        char c = (char)('a' + i % 26);

        strbuf_add(&b, &c, 1);
        want[i] = c;
    }
    want[5000] = '\0';
    CHECK_STREQ(strbuf_text(&b), want);
    CHECK_INTEQ(b.len, 5000);
    CHECK(!b.too_big);
    strbuf_str(&b, "");
    CHECK_INTEQ(b.len, 5000);
    arena_reset(a);
}

static void
test_cap(struct arena *a)
{
    struct strbuf b;

    strbuf_init(&b, a, 4, 10);
    strbuf_str(&b, "0123456789");
    CHECK(!b.too_big);
    CHECK_STREQ(strbuf_text(&b), "0123456789");
    strbuf_str(&b, "x");
    CHECK(b.too_big);
    CHECK_STREQ(strbuf_text(&b), "0123456789"); /* nothing past the cap */
    strbuf_init(&b, a, 0, 10);
    strbuf_str(&b, "0123456789A"); /* all or nothing */
    CHECK(b.too_big);
    CHECK_STREQ(strbuf_text(&b), "");
    strbuf_str(&b, "x"); /* and nothing more once too big */
    CHECK_STREQ(strbuf_text(&b), "");
    CHECK(strbuf_room(&b, 1) == NULL);
    arena_reset(a);
}

static void
test_room(struct arena *a)
{
    struct strbuf b;
    char *w = NULL;

    strbuf_init(&b, a, 2, 0);
    strbuf_str(&b, "ab");
    w = strbuf_room(&b, 100);
    CHECK(w == b.p + 2);
    memset(w, 'x', 100);
    b.len += 100;
    b.p[b.len] = '\0';
    CHECK_INTEQ(strlen(strbuf_text(&b)), 102);
    CHECK(strncmp(strbuf_text(&b), "abxxx", 5) == 0);
    arena_reset(a);
}

int
main(void)
{
    struct arena *a = arena_create(4096);

    test_grows(a);
    test_cap(a);
    test_room(a);
    arena_destroy(a);
    return check_done();
}
