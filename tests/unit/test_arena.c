/* SPDX-License-Identifier: MIT */
#include "arena.h"
#include "check.h"

#include <stdint.h>
#include <stdalign.h>
#include <stddef.h>

static int deferred_order[4];
static int ndeferred;

static void
record(void *arg)
{
    deferred_order[ndeferred++] = *(int *)arg;
}

static void
test_alloc_is_zeroed_and_aligned(void)
{
    struct arena *a = arena_create(1024);

    for (size_t n = 1; n < 300; n += 7) {
        unsigned char *p = arena_alloc(a, n);
        int zero = 1;

        for (size_t i = 0; i < n; i++)
            zero &= p[i] == 0;
        CHECK(zero);
        CHECK((uintptr_t)p % alignof(max_align_t) == 0);
        memset(p, 0xAB, n);
    }
    arena_destroy(a);
}

static void
test_large_allocation_gets_own_block(void)
{
    struct arena *a = arena_create(1024);
    char *big = arena_alloc(a, 100000);

    memset(big, 'x', 100000);
    CHECK(arena_used(a) >= 100000);
    arena_reset(a);
    CHECK_INTEQ(arena_used(a), 0);
    arena_destroy(a);
}

static void
test_strings(void)
{
    struct arena *a = arena_create(1024);

    CHECK_STREQ(arena_strndup(a, "abcdef", 3), "abc");
    CHECK_STREQ(arena_strdup(a, "hello"), "hello");
    CHECK(arena_strdup(a, NULL) == NULL);
    CHECK_STREQ(arena_sprintf(a, "%s-%d", "x", 42), "x-42");
    arena_destroy(a);
}

static void
test_deferred_run_lifo_at_reset(void)
{
    struct arena *a = arena_create(1024);
    int one = 1, two = 2, three = 3;

    arena_defer(a, record, &one);
    arena_defer(a, record, &two);
    arena_defer(a, record, &three);
    CHECK_INTEQ(ndeferred, 0);
    arena_reset(a);
    CHECK_INTEQ(ndeferred, 3);
    CHECK_INTEQ(deferred_order[0], 3);
    CHECK_INTEQ(deferred_order[2], 1);
    arena_reset(a); /* nothing runs twice */
    CHECK_INTEQ(ndeferred, 3);
    arena_destroy(a);
}

int
main(void)
{
    test_alloc_is_zeroed_and_aligned();
    test_large_allocation_gets_own_block();
    test_strings();
    test_deferred_run_lifo_at_reset();
    arena_destroy(NULL);
    return check_done();
}
