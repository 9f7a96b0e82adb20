/* SPDX-License-Identifier: MIT */
#include "arena.h"
#include "check.h"
#include "json.h"
#include "request.h"
#include "text.h"

static const struct {
    const char *body;
    int ok; /* parses as one JSON object */
} body_cases[] = {
    {"{\"a\":1}", 1},
    {"  {\"a\":[1,2,{\"b\":null}]}\n", 1},
    {"", 0},
    {"{", 0},
    {"{\"a\":1", 0},
    {"{\"a\":1} trailing", 0},
    {"{\"a\":1}{\"b\":2}", 0},
    {"[1,2]", 0},
    {"\"just a string\"", 0},
    {"null", 0},
    {"{\"a\":NaN}", 0},
    {"{'a':1}", 0},
    {"{\"a\":\"\\ud800\"}", 0},     /* a lone surrogate escape is not text */
    {"{\"a\":\"x\\u0000y\"}", 0},   /* an escaped NUL would cut the value short */
    {"{\"a\":\"x\\\\u0000y\"}", 1}, /* an escaped backslash, then plain text */
};

static void
test_parse_body(struct arena *a)
{
    for (size_t i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
        struct req r;
        cJSON *root = NULL;

        memset(&r, 0, sizeof(r));
        r.arena = a;
        r.body = (char *)body_cases[i].body;
        r.body_len = strlen(body_cases[i].body);
        if (body_cases[i].ok) {
            CHECK_INTEQ(json_parse_body(&r, &root), ERR_OK);
            CHECK(cJSON_IsObject(root));
        } else {
            CHECK_INTEQ(json_parse_body(&r, &root), ERR_BAD_REQUEST);
            CHECK_STREQ(r.err.msg, "Invalid JSON");
            CHECK(root == NULL);
        }
        arena_reset(a);
    }
}

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

    test_parse_body(a);
    test_deep_nesting_is_rejected(a);
    test_fields_and_print(a);
    test_utf8_clean(a);
    arena_destroy(a);
    return check_done();
}
