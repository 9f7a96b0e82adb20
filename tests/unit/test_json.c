/* SPDX-License-Identifier: MIT */
#include "arena.h"
#include "check.h"
#include "json.h"
#include "text.h"

static void
test_deep_nesting_is_rejected(struct arena *a)
{
    enum { DEPTH = 5000 };
    static char deep[2 * DEPTH + 1];

    memset(deep, '[', DEPTH);
    memset(deep + DEPTH, ']', DEPTH);
    CHECK(json_parse(a, deep, 2 * DEPTH) == NULL);
    arena_reset(a);
}

static void
test_fields_and_print(struct arena *a)
{
    cJSON *o = json_parse(a, "{\"s\":\"x\",\"n\":1}", 15);

    CHECK(o != NULL);
    CHECK_STREQ(json_string_field(o, "s"), "x");
    CHECK(json_string_field(o, "n") == NULL);
    CHECK(json_string_field(o, "missing") == NULL);
    CHECK_STREQ(json_print(a, o), "{\"s\":\"x\",\"n\":1}");
    arena_reset(a);
}

static const struct {
    const char *in;
    size_t n;
    const char *want;
} clean_cases[] = {
    {"plain", 5, "plain"},
    {"caf\xc3\xa9", 5, "caf\xc3\xa9"},
    {"a\xff"
     "b",
     3,
     "a\xef\xbf\xbd"
     "b"},
    {"\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong '/' */
    {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
    {"a\0b", 3, "ab"},
    {"\xe2\x82", 2, "\xef\xbf\xbd\xef\xbf\xbd"}, /* truncated */
};

static void
test_utf8_clean(struct arena *a)
{
    for (size_t i = 0; i < sizeof(clean_cases) / sizeof(clean_cases[0]); i++)
        CHECK_STREQ(text_utf8_clean(a, clean_cases[i].in, clean_cases[i].n), clean_cases[i].want);
    arena_reset(a);
}

int
main(void)
{
    struct arena *a = arena_create(4096);

    test_deep_nesting_is_rejected(a);
    test_fields_and_print(a);
    test_utf8_clean(a);
    arena_destroy(a);
    return check_done();
}
