/* SPDX-License-Identifier: MIT */
/*
 * test_jsonlex.c - the strict lexer: tokens, whole texts (and that each
 * one it accepts cJSON parses too), objects' members, string decoding.
 */
#include "arena.h"
#include "check.h"
#include "jsonlex.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

/* Strings: where they end (0: refused) and whether they hold escapes. */
static const struct {
    const char *text;
    size_t end;
    bool escaped;
} string_cases[] = {
    {"\"\"", 2, false},
    {"\"abc\" tail", 5, false},
    {"\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", 12, false},
    {"\"\x7f\"", 3, false}, /* DEL is not a control character for JSON */
    {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 18, true},
    {"\"\\u00e9\"", 8, true},
    {"\"\\u00E9\"", 8, true},
    {"\"\\ud83d\\ude00\"", 14, true},
    {"\"\\u0001\"", 8, true},
    {"\"\\u0000\"", 0, false},        /* a C string would end there; jsonb refuses it */
    {"\"\\ud800\"", 0, false},        /* a high surrogate alone */
    {"\"\\udc00\"", 0, false},        /* a low surrogate alone */
    {"\"\\ud800\\u0041\"", 0, false}, /* high, then not a low */
    {"\"\\ud800\\ud800\"", 0, false},
    {"\"\\u00zz\"", 0, false},
    {"\"\\u00e\"", 0, false},
    {"\"\\x41\"", 0, false},
    {"\"\\'\"", 0, false},
    {"\"a\tb\"", 0, false}, /* raw control characters */
    {"\"a\nb\"", 0, false},
    {"\"\x01\"", 0, false},
    {"\"\xc3(\"", 0, false},            /* truncated sequence */
    {"\"\xc0\xaf\"", 0, false},         /* overlong '/' */
    {"\"\xed\xa0\x80\"", 0, false},     /* a surrogate in UTF-8 */
    {"\"\xf4\x90\x80\x80\"", 0, false}, /* beyond U+10FFFF */
    {"\"\x80\"", 0, false},             /* a continuation byte alone */
    {"\"abc", 0, false},                /* unterminated */
    {"\"\\", 0, false},
    {"\"\\u00", 0, false},
    {"\"\\ud83d\\ude0", 0, false},
    {"'a'", 0, false},
};

static void
test_strings(void)
{
    for (size_t i = 0; i < NELEM(string_cases); i++) {
        const char *s = string_cases[i].text;
        bool escaped = !string_cases[i].escaped;
        size_t end = jsonlex_string(s, strlen(s), 0, &escaped);
        int failed = check_failed;

        CHECK_INTEQ(end, string_cases[i].end);
        if (end != 0)
            CHECK_INTEQ(escaped, string_cases[i].escaped);
        if (check_failed != failed)
            fprintf(stderr, "  in string %s\n", s);
    }
    CHECK_INTEQ(jsonlex_string("x\"a\"", 4, 1, NULL), 4);
    CHECK_INTEQ(jsonlex_string("\"a\"", 2, 0, NULL), 0); /* only the first n bytes are read */
}

/* Numbers: where they end (0: not a number there). */
static const struct {
    const char *text;
    size_t end;
} number_cases[] = {
    {"0", 1},
    {"-0", 2},
    {"15", 2},
    {"-15.25", 6},
    {"1e21", 4},
    {"1E+21", 5},
    {"1e-7", 4},
    {"0.30000000000000004", 19},
    {"12345678901234567.89", 20},
    {"1e400", 5},
    {"1,", 1},
    {"1]", 1},
    {"1 ", 1},
    {"0x10", 1}, /* the number 0; the x breaks the text, not the token */
    {"00", 0},
    {"01", 0},
    {"-01", 0},
    {"+1", 0},
    {".5", 0},
    {"1.", 0},
    {"1.e5", 0},
    {"-", 0},
    {"-a", 0},
    {"1e", 0},
    {"1e+", 0},
    {"1.5.3", 0},
    {"1e5e5", 0},
    {"1-2", 0},
    {"NaN", 0},
    {"Infinity", 0},
    {"-Infinity", 0},
    {"", 0},
};

static void
test_numbers(void)
{
    for (size_t i = 0; i < NELEM(number_cases); i++) {
        const char *s = number_cases[i].text;

        CHECK_INTEQ(jsonlex_number(s, strlen(s), 0), number_cases[i].end);
    }
    CHECK_INTEQ(jsonlex_number("15", 1, 0), 1); /* only the first n bytes are read */
}

static void
test_literals(void)
{
    enum jsonlex_kind kind = JSONLEX_OBJECT;

    CHECK_INTEQ(jsonlex_literal("true", 4, 0, &kind), 4);
    CHECK_INTEQ(kind, JSONLEX_TRUE);
    CHECK_INTEQ(jsonlex_literal("[false]", 7, 1, &kind), 6);
    CHECK_INTEQ(kind, JSONLEX_FALSE);
    CHECK_INTEQ(jsonlex_literal("null", 4, 0, &kind), 4);
    CHECK_INTEQ(kind, JSONLEX_NULL);
    CHECK_INTEQ(jsonlex_literal("nul", 3, 0, &kind), 0);
    CHECK_INTEQ(jsonlex_literal("null", 3, 0, &kind), 0);
    CHECK_INTEQ(jsonlex_literal("True", 4, 0, &kind), 0);
    CHECK_INTEQ(jsonlex_literal("NaN", 3, 0, &kind), 0);
    CHECK_INTEQ(jsonlex_space(" \t\r\n x", 6, 0), 5);
    CHECK_INTEQ(jsonlex_space("\f", 1, 0), 0); /* form feed is not JSON whitespace */
}

/* Whole texts: accepted or not, and the kind of the value. */
static const struct {
    const char *text;
    bool ok;
    enum jsonlex_kind kind;
} document_cases[] = {
    {"{}", true, JSONLEX_OBJECT},
    {"[]", true, JSONLEX_ARRAY},
    {" \r\n\t{ \"a\" : [ 1 , 2 , { \"b\" : null } ] , \"c\" : \"d\" } \r\n", true, JSONLEX_OBJECT},
    {"{\"a\":1,\"a\":2}", true, JSONLEX_OBJECT}, /* duplicates are the caller's business */
    {"[[[]],{},\"\",0,-0.5e-3,true,false,null]", true, JSONLEX_ARRAY},
    {"15", true, JSONLEX_NUMBER},
    {"\"x\"", true, JSONLEX_STRING},
    {"true", true, JSONLEX_TRUE},
    {"null", true, JSONLEX_NULL},
    {"", false, JSONLEX_NULL},
    {" ", false, JSONLEX_NULL},
    {"{", false, JSONLEX_NULL},
    {"}", false, JSONLEX_NULL},
    {"[1,]", false, JSONLEX_NULL},
    {"[,1]", false, JSONLEX_NULL},
    {"[1 2]", false, JSONLEX_NULL},
    {"{\"a\":1,}", false, JSONLEX_NULL},
    {"{\"a\" 1}", false, JSONLEX_NULL},
    {"{\"a\":}", false, JSONLEX_NULL},
    {"{a:1}", false, JSONLEX_NULL},
    {"{'a':1}", false, JSONLEX_NULL},
    {"{1:1}", false, JSONLEX_NULL},
    {"{\"a\":1}x", false, JSONLEX_NULL},
    {"{\"a\":1}{}", false, JSONLEX_NULL},
    {"{\"a\":01}", false, JSONLEX_NULL},
    {"{\"a\":0x10}", false, JSONLEX_NULL},
    {"{\"a\":.5}", false, JSONLEX_NULL},
    {"{\"a\":+1}", false, JSONLEX_NULL},
    {"[NaN]", false, JSONLEX_NULL},
    {"[Infinity]", false, JSONLEX_NULL},
    {"[-Infinity]", false, JSONLEX_NULL},
    {"[tru]", false, JSONLEX_NULL},
    {"[truex]", false, JSONLEX_NULL},
    {"{\"a\":1 /* c */}", false, JSONLEX_NULL},
    {"{\"a\":\"x\x01y\"}", false, JSONLEX_NULL},
    {"{\"a\":\"\\u0000\"}", false, JSONLEX_NULL},
    {"{\"\\ud800\":1}", false, JSONLEX_NULL}, /* keys follow the string rules too */
    {"\xef\xbb\xbf{}", false, JSONLEX_NULL},  /* a byte-order mark is the caller's to skip */
    {"\f{}", false, JSONLEX_NULL},
    {"{}\v", false, JSONLEX_NULL},
};

static void
test_documents(void)
{
    for (size_t i = 0; i < NELEM(document_cases); i++) {
        const char *s = document_cases[i].text;
        struct jsonlex_token v;
        int failed = check_failed;

        CHECK_INTEQ(jsonlex_document(s, strlen(s), &v), document_cases[i].ok);
        if (document_cases[i].ok) {
            cJSON *tree = cJSON_ParseWithLength(s, strlen(s));

            CHECK_INTEQ(v.kind, document_cases[i].kind);
            CHECK(v.text == s + strspn(s, " \r\n\t"));
            CHECK(tree != NULL); /* what the lexer accepts, cJSON parses */
            cJSON_Delete(tree);
        }
        if (check_failed != failed)
            fprintf(stderr, "  in text %s\n", s);
    }
    CHECK(!jsonlex_document("{\"a\":1}\0", 8, &(struct jsonlex_token){0}));
    CHECK(!jsonlex_document(NULL, 0, &(struct jsonlex_token){0}));
    CHECK(jsonlex_document("[1]]", 3, &(struct jsonlex_token){0})); /* the first n bytes */
}

/* JSONLEX_DEPTH_MAX, exactly, as cJSON's limit: arrays alone, and arrays
 * around one object (which counts as one level too). */
static void
test_depth(struct arena *a)
{
    const size_t max = JSONLEX_DEPTH_MAX;
    char *s = arena_alloc(a, 2 * max + 3);
    struct jsonlex_token v;

    for (size_t depth = max - 1; depth <= max + 1; depth++) {
        for (int object = 0; object < 2; object++) {
            size_t arrays = object ? depth - 1 : depth, n = 2 * depth;
            cJSON *tree = NULL;

            memset(s, '[', arrays);
            memcpy(s + arrays, object ? "{}" : "", object ? 2 : 0);
            memset(s + arrays + (object ? 2 : 0), ']', arrays);
            s[n] = '\0';
            CHECK_INTEQ(jsonlex_document(s, n, &v), depth <= max);
            tree = cJSON_ParseWithLength(s, n);
            CHECK((tree != NULL) == (depth <= max));
            cJSON_Delete(tree);
        }
    }
    arena_reset(a);
}

static void
test_members(struct arena *a)
{
    static const char text[] =
        " { \"b\" : 1 , \"a\":[1,{\"x\":2}], \"a\" : \"dup\",\"\\u0063\":\"c\","
        "\"s\":\"x\\\"y\",\"n\":null,\"e\":{}} ";
    struct jsonlex_token root, inner;
    struct jsonlex_member *m = NULL;
    const struct jsonlex_member *found = NULL;
    size_t count = 0;

    CHECK(jsonlex_document(text, strlen(text), &root));
    count = jsonlex_members(a, &root, &m);
    CHECK_INTEQ(count, 7);
    CHECK(count == 7 && m[0].key.len == 3 && memcmp(m[0].key.text, "\"b\"", 3) == 0);
    CHECK(count == 7 && m[0].value.kind == JSONLEX_NUMBER && m[0].value.len == 1);
    CHECK(count == 7 && m[1].value.kind == JSONLEX_ARRAY &&
          m[1].value.len == strlen("[1,{\"x\":2}]"));
    found = jsonlex_find(m, count, "a");
    CHECK(found == &m[1]); /* the first of two */
    found = jsonlex_find(m, count, "c");
    CHECK(found != NULL && found->key.escaped && found->value.len == 3);
    found = jsonlex_find(m, count, "s");
    CHECK_STREQ(found != NULL ? jsonlex_decode(a, &found->value, NULL) : NULL, "x\"y");
    found = jsonlex_find(m, count, "n");
    CHECK(found != NULL && found->value.kind == JSONLEX_NULL);
    CHECK(jsonlex_find(m, count, "z") == NULL);
    CHECK(jsonlex_find(m, count, "") == NULL);
    CHECK(jsonlex_find(m, count, "a ") == NULL);
    /* an object inside: its members too */
    found = jsonlex_find(m, count, "e");
    CHECK(found != NULL && jsonlex_members(a, &found->value, &m) == 0);
    CHECK(jsonlex_document("{\"k\":{\"x\":[],\"y\":0}}", 20, &root));
    count = jsonlex_members(a, &root, &m);
    CHECK(count == 1);
    inner = m[0].value;
    CHECK_INTEQ(jsonlex_members(a, &inner, &m), 2);
    arena_reset(a);
}

static const struct {
    const char *lexeme;
    const char *text;
    size_t len;
} decode_cases[] = {
    {"\"\"", "", 0},
    {"\"plain\"", "plain", 5},
    {"\"caf\\u00e9 \\u00E9\"", "caf\xc3\xa9 \xc3\xa9", 8},
    {"\"\\ud83d\\ude00!\"", "\xf0\x9f\x98\x80!", 5},
    {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8},
    {"\"\\u0001\\u001f\\u007f\"", "\x01\x1f\x7f", 3},
    {"\"\\u4e2d\\u6587\"", "\xe4\xb8\xad\xe6\x96\x87", 6},
    {"\"\\uffff\"", "\xef\xbf\xbf", 3},
    {"\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 4},
};

static void
test_decode(struct arena *a)
{
    for (size_t i = 0; i < NELEM(decode_cases); i++) {
        const char *lexeme = decode_cases[i].lexeme;
        struct jsonlex_token t = {JSONLEX_STRING, lexeme, strlen(lexeme), false};
        size_t len = 99;

        CHECK_INTEQ(jsonlex_string(lexeme, t.len, 0, &t.escaped), t.len);
        CHECK_STREQ(jsonlex_decode(a, &t, &len), decode_cases[i].text);
        CHECK_INTEQ(len, decode_cases[i].len);
        CHECK(jsonlex_string_is(&t, decode_cases[i].text));
        CHECK(!jsonlex_string_is(&t, "plainer"));
        CHECK(len == 0 || !jsonlex_string_is(&t, ""));
    }
    {
        uint32_t c = 0;

        CHECK_INTEQ(jsonlex_escape("\\n", &c), 2);
        CHECK_INTEQ(c, '\n');
        CHECK_INTEQ(jsonlex_escape("\\u00e9", &c), 6);
        CHECK_INTEQ(c, 0xE9);
        CHECK_INTEQ(jsonlex_escape("\\ud83d\\ude00", &c), 12);
        CHECK_INTEQ(c, 0x1F600);
    }
    arena_reset(a);
}

int
main(void)
{
    struct arena *a = arena_create(4096);

    test_strings();
    test_numbers();
    test_literals();
    test_documents();
    test_depth(a);
    test_members(a);
    test_decode(a);
    arena_destroy(a);
    return check_done();
}
