/* SPDX-License-Identifier: MIT */
#include "arena.h"
#include "check.h"
#include "ipn.h"
#include "jsonnum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

/* The vectors of docs/NOWPAYMENTS.md, "Test vectors" (checked with Node 20),
 * numbered as there. */

/* 1. A real production IPN, 2025-12, with its secret and signature; the
 * body arrived already canonical. */
static const char real_secret[] = "m+uEkMgkRR3ir3i+bX4ezfTLne5LN4Pq";
static const char real_body[] =
    "{\"actually_paid\":0.00656612,\"actually_paid_at_fiat\":0,\"fee\":{\"currency\":\"btc\","
    "\"depositFee\":0.000002,\"serviceFee\":0.000003,\"withdrawalFee\":0},"
    "\"invoice_id\":null,\"order_description\":null,"
    "\"order_id\":\"deposit_a7936ab3-8970-4d3b-8f79-d17aa8928b03_1765249230\","
    "\"outcome_amount\":0.00022187,\"outcome_currency\":\"btc\",\"parent_payment_id\":null,"
    "\"pay_address\":\"0x05Db991D7930CE6Ac8c21064de9A14EB2a154746\","
    "\"pay_amount\":0.00656612,\"pay_currency\":\"eth\",\"payin_extra_id\":null,"
    "\"payment_extra_ids\":null,\"payment_id\":5800567260,\"payment_status\":\"finished\","
    "\"price_amount\":20,\"price_currency\":\"usd\",\"purchase_id\":\"5172103429\","
    "\"updated_at\":1765249461097}";
static const char real_sig[] = "da9aa86444805aa09917654dec3a524d84d6ce2d5e60fa0dbfef53312e7219a4"
                               "f8f7ee24314ebce597bb28e037e67c03205a9c5094ba88ef8854f9ad36cc6292";

/* The test secret of the other vectors (an arbitrary value). */
static const char test_secret[] = "my_ipn_secret";

/* 2. The docs' example payload as printed (key order, newlines), with
 * the missing comma after "payment_extra_ids":null restored. */
static const char docs_body[] = "{\n"
                                "\"payment_id\":123456789,\n"
                                "\"parent_payment_id\":987654321,\n"
                                "\"invoice_id\":null,\n"
                                "\"payment_status\":\"finished\",\n"
                                "\"pay_address\":\"address\",\n"
                                "\"payin_extra_id\":null,\n"
                                "\"price_amount\":1,\n"
                                "\"price_currency\":\"usd\",\n"
                                "\"pay_amount\":15,\n"
                                "\"actually_paid\":15,\n"
                                "\"actually_paid_at_fiat\":0,\n"
                                "\"pay_currency\":\"trx\",\n"
                                "\"order_id\":null,\n"
                                "\"order_description\":null,\n"
                                "\"purchase_id\":\"123456789\",\n"
                                "\"outcome_amount\":14.8106,\n"
                                "\"outcome_currency\":\"trx\",\n"
                                "\"payment_extra_ids\":null,\n"
                                "\"fee\": {\n"
                                "\"currency\":\"btc\",\n"
                                "\"depositFee\":0.09853637216235617,\n"
                                "\"withdrawalFee\":0,\n"
                                "\"serviceFee\":0\n"
                                "}\n"
                                "}\n";

/* 2 again, keys in another order at both depths, with spaces. */
static const char docs_body_reordered[] =
    "{ \"fee\" : { \"withdrawalFee\" : 0 , \"serviceFee\" : 0 ,"
    " \"depositFee\" : 0.09853637216235617 , \"currency\" : \"btc\" } ,"
    "\n  \"payment_extra_ids\" : null , \"outcome_currency\" : \"trx\" ,"
    " \"outcome_amount\" : 14.8106 ,\n  \"purchase_id\" : \"123456789\" ,"
    " \"order_description\" : null , \"order_id\" : null ,\n  \"pay_currency\" : \"trx\" ,"
    " \"actually_paid_at_fiat\" : 0 , \"actually_paid\" : 15 ,\n  \"pay_amount\" : 15 ,"
    " \"price_currency\" : \"usd\" , \"price_amount\" : 1 ,\n  \"payin_extra_id\" : null ,"
    " \"pay_address\" : \"address\" , \"payment_status\" : \"finished\" ,"
    "\n  \"invoice_id\" : null , \"parent_payment_id\" : 987654321 ,"
    " \"payment_id\" : 123456789 }\n";

static const char docs_canonical[] =
    "{\"actually_paid\":15,\"actually_paid_at_fiat\":0,\"fee\":{\"currency\":\"btc\","
    "\"depositFee\":0.09853637216235617,\"serviceFee\":0,\"withdrawalFee\":0},"
    "\"invoice_id\":null,\"order_description\":null,\"order_id\":null,"
    "\"outcome_amount\":14.8106,\"outcome_currency\":\"trx\",\"parent_payment_id\":987654321,"
    "\"pay_address\":\"address\",\"pay_amount\":15,\"pay_currency\":\"trx\","
    "\"payin_extra_id\":null,\"payment_extra_ids\":null,\"payment_id\":123456789,"
    "\"payment_status\":\"finished\",\"price_amount\":1,\"price_currency\":\"usd\","
    "\"purchase_id\":\"123456789\"}";
static const char docs_hmac[] = "0e6f9ee8d8f3290049ad85a1c1b86033ddaaae8351b3fdf251c3f112f1acc895"
                                "c8a3e12b77a496709c5078328ed30b1ee1379bbccf4320afaa278148d5824dc6";

/* What the old one-liner JSON.stringify(p, Object.keys(p).sort()) signs
 * ("fee":{}): not a form NOWPayments signs, so it must not verify. */
static const char docs_oneliner_hmac[] =
    "c8428d20787c5c347520c5ed55b54235369d80b2c42a249aa9d0780a926e4b2c"
    "4c9074329fb0ba53e185a491f55f3962e5643c065a0ab005ec469710941a1a92";

/* 3. Real 2023-10 IPNs, not key-sorted: the canonical string and HMAC of
 * "finished" were published with it; those of "waiting" were computed
 * with Node 20 and the docs' sortObject. */
static const char d_finished_body[] =
    "{\"payment_id\":5261148849,\"parent_payment_id\":null,\"invoice_id\":6417549628,"
    "\"payment_status\":\"finished\",\"pay_address\":\"TDbqd96NNmXmNQCCbdohbvDnDZHcZy1GGJ\","
    "\"payin_extra_id\":null,\"price_amount\":5,\"price_currency\":\"usd\","
    "\"pay_amount\":69.242455,\"actually_paid\":69.25,\"actually_paid_at_fiat\":0,"
    "\"pay_currency\":\"trx\",\"order_id\":\"1\",\"order_description\":\"Pay for services\","
    "\"purchase_id\":\"5931000544\",\"updated_at\":1698697946468,\"outcome_amount\":4.959058,"
    "\"outcome_currency\":\"usdttrc20\",\"payment_extra_ids\":null}";
static const char d_finished_canonical[] =
    "{\"actually_paid\":69.25,\"actually_paid_at_fiat\":0,\"invoice_id\":6417549628,"
    "\"order_description\":\"Pay for services\",\"order_id\":\"1\","
    "\"outcome_amount\":4.959058,\"outcome_currency\":\"usdttrc20\","
    "\"parent_payment_id\":null,\"pay_address\":\"TDbqd96NNmXmNQCCbdohbvDnDZHcZy1GGJ\","
    "\"pay_amount\":69.242455,\"pay_currency\":\"trx\",\"payin_extra_id\":null,"
    "\"payment_extra_ids\":null,\"payment_id\":5261148849,\"payment_status\":\"finished\","
    "\"price_amount\":5,\"price_currency\":\"usd\",\"purchase_id\":\"5931000544\","
    "\"updated_at\":1698697946468}";
static const char d_finished_hmac[] =
    "c51161232359a4193ae89d67b0f5ddc3e6022d3c951742662d1853864027cbc8"
    "85e093039d4e536eb24d400de0961b459a58c86e220aceb235f2c67f1eeefee1";
static const char d_waiting_body[] =
    "{\"payment_id\":5261148849,\"parent_payment_id\":null,\"invoice_id\":6417549628,"
    "\"payment_status\":\"waiting\",\"pay_address\":\"TDbqd96NNmXmNQCCbdohbvDnDZHcZy1GGJ\","
    "\"payin_extra_id\":null,\"price_amount\":5,\"price_currency\":\"usd\","
    "\"pay_amount\":69.242455,\"actually_paid\":0,\"actually_paid_at_fiat\":0,"
    "\"pay_currency\":\"trx\",\"order_id\":\"1\",\"order_description\":\"Pay for services\","
    "\"purchase_id\":\"5931000544\",\"updated_at\":1698697714802,\"outcome_amount\":4.958355,"
    "\"outcome_currency\":\"usdttrc20\",\"payment_extra_ids\":null}";
static const char d_waiting_canonical[] =
    "{\"actually_paid\":0,\"actually_paid_at_fiat\":0,\"invoice_id\":6417549628,"
    "\"order_description\":\"Pay for services\",\"order_id\":\"1\","
    "\"outcome_amount\":4.958355,\"outcome_currency\":\"usdttrc20\","
    "\"parent_payment_id\":null,\"pay_address\":\"TDbqd96NNmXmNQCCbdohbvDnDZHcZy1GGJ\","
    "\"pay_amount\":69.242455,\"pay_currency\":\"trx\",\"payin_extra_id\":null,"
    "\"payment_extra_ids\":null,\"payment_id\":5261148849,\"payment_status\":\"waiting\","
    "\"price_amount\":5,\"price_currency\":\"usd\",\"purchase_id\":\"5931000544\","
    "\"updated_at\":1698697714802}";
static const char d_waiting_hmac[] =
    "6bc0cfb59c4ad5bae0380d6c330b0f381a760bb059b2d050fc0bcdfde826c644"
    "0248ea56e16def8c2e0435ad2218f08634a32c7a8fdbf661591742e513def396";

/* The array ambiguity vector: sortObjectDeep keeps the array, the docs'
 * sortObject makes it {"0":…,"1":…}. */
static const char array_body[] = "{\"payment_id\":4526424492,\"payment_status\":\"finished\","
                                 "\"payment_extra_ids\":[4526424492,5513339153]}";

/* replace - body with its first occurrence of from replaced by to. */
static const char *
replace(struct arena *a, const char *body, const char *from, const char *to)
{
    const char *at = strstr(body, from);
    size_t head = at != NULL ? (size_t)(at - body) : 0;

    if (at == NULL)
        abort(); /* a broken test table */
    return arena_sprintf(a, "%.*s%s%s", (int)head, body, to, at + strlen(from));
}

/* Expected outputs from Node 20: JSON.stringify(sortObjectDeep(JSON.parse(
 * body))) (the Node SDK's, arrays kept) and JSON.stringify(sortObject(...))
 * (the documentation's, arrays as objects). NULL: not canonicalised. */
static const struct {
    const char *body;
    const char *arrays;
    const char *objects;
} canonical_cases[] = {
    /* numbers as JS writes them */
    {"{\"a\":1e-7,\"b\":0.000002,\"c\":2e-06,\"d\":1E21,\"e\":1.0,\"f\":-0,\"g\":100e-2,"
     "\"h\":8.3e-05,\"i\":15.0,\"j\":1.5E-7,\"k\":-0.0000010,\"l\":123456789012345678901234,"
     "\"m\":0.1e1}",
     "{\"a\":1e-7,\"b\":0.000002,\"c\":0.000002,\"d\":1e+21,\"e\":1,\"f\":0,\"g\":1,\"h\":0.000083,"
     "\"i\":15,\"j\":1.5e-7,\"k\":-0.000001,\"l\":1.2345678901234569e+23,\"m\":1}",
     "{\"a\":1e-7,\"b\":0.000002,\"c\":0.000002,\"d\":1e+21,\"e\":1,\"f\":0,\"g\":1,\"h\":0.000083,"
     "\"i\":15,\"j\":1.5e-7,\"k\":-0.000001,\"l\":1.2345678901234569e+23,\"m\":1}"},
    /* out-of-range numbers become null, as JSON.stringify(Infinity) */
    {"{\"big\":1e400,\"small\":-1e400,\"tiny\":1e-400}", "{\"big\":null,\"small\":null,\"tiny\":0}",
     "{\"big\":null,\"small\":null,\"tiny\":0}"},
    /* non-ASCII raw, whether sent raw or escaped */
    {"{\"e\":\"café \\u00e9\",\"zh\":\"中文 \\u4e2d\\u6587\",\"emoji\":\"😀 \\ud83d\\ude00\"}",
     "{\"e\":\"café é\",\"emoji\":\"😀 😀\",\"zh\":\"中文 中文\"}",
     "{\"e\":\"café é\",\"emoji\":\"😀 😀\",\"zh\":\"中文 中文\"}"},
    /* control characters: short escapes, else backslash-u00xx, lower case */
    {"{\"s\":\"\\b\\f\\n\\r\\t\\u0001\\u001F\\u001b\"}",
     "{\"s\":\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u001b\"}",
     "{\"s\":\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u001b\"}"},
    /* quote and backslash escaped; slash, DEL, U+2028 raw */
    {"{\"s\":\"a\\\"b\\\\c\\/d/e\177\\u007f\\u2028\\u2029\"}",
     "{\"s\":\"a\\\"b\\\\c/d/e\177\177\342\200\250\342\200\251\"}",
     "{\"s\":\"a\\\"b\\\\c/d/e\177\177\342\200\250\342\200\251\"}"},
    /* sorted at every depth */
    {"{\"b\":{\"d\":{\"f\":1,\"e\":2},\"c\":[{\"z\":1,\"y\":{\"q\":0,\"p\":[]}}]},\"a\":0}",
     "{\"a\":0,\"b\":{\"c\":[{\"y\":{\"p\":[],\"q\":0},\"z\":1}],\"d\":{\"e\":2,\"f\":1}}}",
     "{\"a\":0,\"b\":{\"c\":{\"0\":{\"y\":{\"p\":{},\"q\":0},\"z\":1}},\"d\":{\"e\":2,\"f\":1}}}"},
    /* integer-like keys first in numeric order */
    {"{\"b\":1,\"10\":2,\"9\":3,\"a\":4,\"01\":5,\"-1\":6,\"4294967294\":7,\"4294967295\":8,"
     "\"1.5\":9,\"0\":10,\"\":11}",
     "{\"0\":10,\"9\":3,\"10\":2,\"4294967294\":7,\"\":11,\"-1\":6,\"01\":5,\"1.5\":9,"
     "\"4294967295\":8,\"a\":4,\"b\":1}",
     "{\"0\":10,\"9\":3,\"10\":2,\"4294967294\":7,\"\":11,\"-1\":6,\"01\":5,\"1.5\":9,"
     "\"4294967295\":8,\"a\":4,\"b\":1}"},
    /* UTF-16 order: U+1F600 (D83D DE00) sorts before U+FF21 */
    {"{\"Ａ\":1,\"😀\":2,\"z\":3,\"é\":4,\"Z\":5,\"_\":6}",
     "{\"Z\":5,\"_\":6,\"z\":3,\"é\":4,\"😀\":2,\"Ａ\":1}",
     "{\"Z\":5,\"_\":6,\"z\":3,\"é\":4,\"😀\":2,\"Ａ\":1}"},
    /* duplicate keys: the last value, once */
    {"{\"a\":1,\"b\":2,\"a\":{\"y\":1,\"x\":2},\"b\":null}", "{\"a\":{\"x\":2,\"y\":1},\"b\":null}",
     "{\"a\":{\"x\":2,\"y\":1},\"b\":null}"},
    /* arrays: kept, or {"0":…} with 10 after 9 */
    {"{\"ids\":[0,1,2,3,4,5,6,7,8,9,10,{\"b\":1,\"a\":2}],\"e\":[],\"n\":[[1,[2]]]}",
     "{\"e\":[],\"ids\":[0,1,2,3,4,5,6,7,8,9,10,{\"a\":2,\"b\":1}],\"n\":[[1,[2]]]}",
     "{\"e\":{},\"ids\":{\"0\":0,\"1\":1,\"2\":2,\"3\":3,\"4\":4,\"5\":5,\"6\":6,\"7\":7,\"8\":8,"
     "\"9\":9,\"10\":10,\"11\":{\"a\":2,\"b\":1}},\"n\":{\"0\":{\"0\":1,\"1\":{\"0\":2}}}}"},
    /* whitespace anywhere JSON allows it */
    {" \r\n\t{ \"b\" : [ 1 , 2 ] ,\n\t\"a\" : { } } \r\n", "{\"a\":{},\"b\":[1,2]}",
     "{\"a\":{},\"b\":{\"0\":1,\"1\":2}}"},
    /* a top-level array */
    {"[{\"b\":1,\"a\":2},3]", "[{\"a\":2,\"b\":1},3]", "{\"0\":{\"a\":2,\"b\":1},\"1\":3}"},
    /* __proto__ is dropped by result[key] = … */
    {"{\"__proto__\":{\"x\":1},\"a\":1}", "{\"a\":1}", "{\"a\":1}"},
    /* own constructor key: sortObjectDeep leaves the object as parsed */
    {"{\"z\":{\"constructor\":1,\"b\":{\"d\":1,\"c\":2},\"a\":[3]},\"y\":0}",
     "{\"y\":0,\"z\":{\"constructor\":1,\"b\":{\"d\":1,\"c\":2},\"a\":[3]}}",
     "{\"y\":0,\"z\":{\"a\":{\"0\":3},\"b\":{\"c\":2,\"d\":1},\"constructor\":1}}"},
    /* literals */
    {"{\"t\":true,\"f\":false,\"n\":null}", "{\"f\":false,\"n\":null,\"t\":true}",
     "{\"f\":false,\"n\":null,\"t\":true}"},
    /* empty body */
    {"", NULL, NULL},
    /* truncated */
    {"{\"a\":1", NULL, NULL},
    /* trailing garbage */
    {"{\"a\":1}x", NULL, NULL},
    /* trailing comma */
    {"{\"a\":1,}", NULL, NULL},
    /* single quotes */
    {"{'a':1}", NULL, NULL},
    /* leading zero */
    {"{\"a\":01}", NULL, NULL},
    /* bare dot */
    {"{\"a\":1.}", NULL, NULL},
    /* no integer part */
    {"{\"a\":-.5}", NULL, NULL},
    /* plus sign */
    {"{\"a\":+1}", NULL, NULL},
    /* NaN */
    {"{\"a\":NaN}", NULL, NULL},
    /* a lone surrogate: JSON.parse keeps it, we cannot (ipn.h) */
    {"{\"a\":\"\\ud800\"}", NULL, NULL},
    /* raw tab in a string */
    {"{\"a\":\"x\ty\"}", NULL, NULL},
    /* bad escape */
    {"{\"a\":\"\\x41\"}", NULL, NULL},
    /* bad hex digits in a backslash-u escape */
    {"{\"a\":\"\\u00zz\"}", NULL, NULL},
    /* form feed as whitespace */
    {"\014{\"a\":1}", NULL, NULL},
    /* byte-order mark */
    {"\357\273\277{\"a\":1}", NULL, NULL},
    /* invalid UTF-8: a JS sender cannot produce it */
    {"{\"a\":\"\303(\"}", NULL, NULL},
    /* an escaped NUL: cJSON strings end there, so we refuse it */
    {"{\"a\":\"x\\u0000y\"}", NULL, NULL},
};

static void
test_canonicalize(struct arena *a)
{
    for (size_t i = 0; i < NELEM(canonical_cases); i++) {
        const char *body = canonical_cases[i].body;

        CHECK_STREQ(ipn_canonicalize(a, body, strlen(body), IPN_ARRAYS_AS_ARRAYS),
                    canonical_cases[i].arrays);
        CHECK_STREQ(ipn_canonicalize(a, body, strlen(body), IPN_ARRAYS_AS_OBJECTS),
                    canonical_cases[i].objects);
    }
    CHECK_STREQ(ipn_canonicalize(a, NULL, 0, IPN_ARRAYS_AS_ARRAYS), NULL);
    /* An embedded NUL byte is not JSON whitespace. */
    CHECK_STREQ(ipn_canonicalize(a, "{\"a\":1}\0", 8, IPN_ARRAYS_AS_ARRAYS), NULL);
    arena_reset(a);
}

/* Bodies in buffers of exactly n bytes, no NUL after them, so that the
 * sanitizer build catches any read past the end. */
static const struct {
    const char *body;
    const char *want;
    const char *strict_want; /* ipn_strict_canonical, arrays as objects */
} exact_cases[] = {
    {"{\"b\":1,\"a\":2}", "{\"a\":2,\"b\":1}", "{\"a\":2,\"b\":1}"},
    {"{\"b\":[1e-7],\"a\":\"\\u00e9\"}", "{\"a\":\"é\",\"b\":[1e-7]}",
     "{\"a\":\"é\",\"b\":{\"0\":1e-7}}"},
    {"[1e-7]", "[1e-7]", NULL},
    {"15", "15", NULL},       /* a scalar is written as itself */
    {"\"x\"", "\"x\"", NULL}, /* (the docs' sortObject would make "{}" of it) */
    {"[1e", NULL, NULL},
    {"-", NULL, NULL},
    {"{\"a\":1", NULL, NULL},
    {"{\"a\":1.5", NULL, NULL},
    {"{\"a\":tru", NULL, NULL},
    {"{\"a\":\"\\u00e9", NULL, NULL},
    {"{\"a\":\"\\ud83d\\ude0", NULL, NULL},
    {"{\"a\":\"\\ud83d\\", NULL, NULL},
    {"{\"a\":\"\\u00", NULL, NULL},
    {"{\"a\":\"\\", NULL, NULL},
    {"\"\303", NULL, NULL},
    {"\"\360\237\230", NULL, NULL},
};

static void
test_exact_length(struct arena *a)
{
    for (size_t i = 0; i < NELEM(exact_cases); i++) {
        size_t n = strlen(exact_cases[i].body);
        char *body = malloc(n);

        if (body == NULL)
            abort();
        memcpy(body, exact_cases[i].body, n);
        CHECK_STREQ(ipn_canonicalize(a, body, n, IPN_ARRAYS_AS_ARRAYS), exact_cases[i].want);
        CHECK_STREQ(ipn_strict_canonical(a, body, n, IPN_ARRAYS_AS_OBJECTS),
                    exact_cases[i].strict_want);
        CHECK(jsonnum_js_canonical(body, n) == (strcmp(exact_cases[i].body, "15") == 0));
        free(body);
    }
    arena_reset(a);
}

/* nest - depth levels of open, a 0, then depth levels of close. */
static char *
nest(struct arena *a, size_t depth, const char *open, const char *close)
{
    size_t lo = strlen(open), lc = strlen(close);
    char *s = arena_alloc(a, depth * (lo + lc) + 2);
    char *p = s;

    for (size_t i = 0; i < depth; i++, p += lo)
        memcpy(p, open, lo);
    *p++ = '0';
    for (size_t i = 0; i < depth; i++, p += lc)
        memcpy(p, close, lc);
    *p = '\0';
    return s;
}

static void
test_nesting(struct arena *a)
{
    const char *const secrets[] = {test_secret, NULL};
    char *ok = nest(a, 1000, "[", "]"), *deep = nest(a, 1001, "[", "]");
    char *objs = nest(a, 1000, "{\"a\":", "}"), *deep_objs = nest(a, 1001, "{\"a\":", "}");
    char sig[129];

    /* cJSON's CJSON_NESTING_LIMIT (1000) is the limit. */
    CHECK_STREQ(ipn_canonicalize(a, ok, strlen(ok), IPN_ARRAYS_AS_ARRAYS), ok);
    CHECK(ipn_canonicalize(a, ok, strlen(ok), IPN_ARRAYS_AS_OBJECTS) != NULL);
    CHECK_STREQ(ipn_canonicalize(a, objs, strlen(objs), IPN_ARRAYS_AS_OBJECTS), objs);
    CHECK_STREQ(ipn_canonicalize(a, deep, strlen(deep), IPN_ARRAYS_AS_ARRAYS), NULL);
    CHECK_STREQ(ipn_canonicalize(a, deep_objs, strlen(deep_objs), IPN_ARRAYS_AS_OBJECTS), NULL);
    ipn_sign(test_secret, "[]", 2, sig);
    /* A well-formed header: the strict rules refuse the body before any canonical work. */
    CHECK_INTEQ(ipn_verify(a, secrets, sig, deep, strlen(deep), NULL), IPN_INVALID);
    arena_reset(a);
}

/* ---- the strict rules ------------------------------------------------- */

/* nested_keys - an object of `top` members whose last value is an object
 * of `inner` members: {"k0":0,...,"n":{"i0":0,...}} */
static char *
nested_keys(struct arena *a, int top, int inner)
{
    char *s = arena_strdup(a, "{");

    for (int i = 0; i < top - 1; i++)
        s = arena_sprintf(a, "%s\"k%d\":%d,", s, i, i);
    s = arena_sprintf(a, "%s\"n\":{", s);
    for (int i = 0; i < inner; i++)
        s = arena_sprintf(a, "%s%s\"i%d\":%d", s, i > 0 ? "," : "", i, i);
    return arena_sprintf(a, "%s}}", s);
}

/* elements - {"a":[0,1,...]} with n elements. */
static char *
elements(struct arena *a, int n)
{
    char *s = arena_strdup(a, "{\"a\":[");

    for (int i = 0; i < n; i++)
        s = arena_sprintf(a, "%s%s%d", s, i > 0 ? "," : "", i);
    return arena_sprintf(a, "%s]}", s);
}

/* Bodies and the rule they break (NULL: strict). */
static const struct {
    const char *body;
    const char *broken;
} strict_cases[] = {
    {"{}", NULL},
    {" \r\n\t{ \"a\" : [ ] , \"b\" : { } } \n", NULL},
    {"{\"a\":{\"b\":[1,null,\"c\"]},\"d\":[{\"e\":1}]}", NULL}, /* 3 deep */
    {"{\"a\":[[1],[2,3],[]]}", NULL},
    {"{\"s\":\"\\ud83d\\ude00 \\u00e9 \\\" \\\\ \\/ \\b\\f\\n\\r\\t "
     "\\u001f\",\"t\":true,\"f\":false}",
     NULL},
    {"{\"proto\":1,\"__proto\":2,\"constructors\":3,\"Constructor\":4}", NULL},
    {"{\"a\":1,\"A\":2,\"a \":3}", NULL},
    {"{\"a\":1,\"b\":{\"a\":1},\"c\":[{\"a\":1},{\"a\":2}]}", NULL}, /* same key, other objects */
    /* duplicate keys at any depth, however they are spelt */
    {"{\"a\":1,\"a\":1}", "duplicate key"},
    {"{\"a\":1,\"b\":2,\"a\":3}", "duplicate key"},
    {"{\"fee\":{\"currency\":\"btc\",\"currency\":\"usd\"}}", "duplicate key"},
    {"{\"a\":[{\"x\":1,\"x\":2}]}", "duplicate key"},
    {"{\"a\":1,\"\\u0061\":2}", "duplicate key"},
    {"{\"\\u00e9\":1,\"é\":2}", "duplicate key"},
    /* keys that mean something to JavaScript objects */
    {"{\"__proto__\":{}}", "forbidden key"},
    {"{\"a\":{\"__proto__\":null}}", "forbidden key"},
    {"{\"\\u005f_proto__\":1}", "forbidden key"},
    {"{\"constructor\":1}", "forbidden key"},
    {"{\"fee\":{\"constructor\":\"x\"}}", "forbidden key"},
    {"{\"a\":[{\"constructor\":{}}]}", "forbidden key"},
    {"{\"\\u0063onstructor\":1}", "forbidden key"},
    /* numbers that a double does not give back unchanged */
    {"{\"payment_id\":5784971961.0000001}", "number not as JavaScript writes it"},
    {"{\"a\":15.0}", "number not as JavaScript writes it"},
    {"{\"a\":{\"b\":[1.50]}}", "number not as JavaScript writes it"},
    {"{\"a\":1E5}", "number not as JavaScript writes it"},
    {"{\"a\":-0}", "number not as JavaScript writes it"},
    {"{\"a\":1e400}", "number not as JavaScript writes it"},
    /* shapes */
    {"{\"a\":{\"b\":{\"c\":{}}}}", "nested deeper than 3"},
    {"{\"a\":[[[1]]]}", "nested deeper than 3"},
    {"{\"a\":[{\"b\":[]}]}", "nested deeper than 3"},
    {"[]", "not an object"},
    {"[{\"a\":1}]", "not an object"},
    {"15", "not an object"},
    {"\"x\"", "not an object"},
    {"null", "not an object"},
    /* not JSON as JSON.parse reads it, or not representable */
    {"", "not JSON"},
    {"{", "not JSON"},
    {"{\"a\":1,}", "not JSON"},
    {"{\"a\":1}x", "not JSON"},
    {"{\"a\":1}{}", "not JSON"},
    {"{'a':1}", "not JSON"},
    {"{\"a\":01}", "not JSON"},
    {"{\"a\":1.}", "not JSON"},
    {"{\"a\":+1}", "not JSON"},
    {"{\"a\":NaN}", "not JSON"},
    {"{\"a\":tru}", "not JSON"},
    {"{\"a\" 1}", "not JSON"},
    {"{a:1}", "not JSON"},
    {"{\"a\":\"\\ud800\"}", "not JSON"},
    {"{\"a\":\"\\udc00\"}", "not JSON"},
    {"{\"a\":\"\\ud800\\u0041\"}", "not JSON"},
    {"{\"a\":\"x\\u0000y\"}", "not JSON"},
    {"{\"a\":\"\\u00zz\"}", "not JSON"},
    {"{\"a\":\"\\x41\"}", "not JSON"},
    {"{\"a\":\"x\ty\"}", "not JSON"},
    {"{\"a\":\"\303(\"}", "not JSON"},
    {"{\"a\":\"\355\240\200\"}", "not JSON"}, /* a surrogate in UTF-8 */
    {"\357\273\277{\"a\":1}", "not JSON"},    /* byte-order mark */
    {"\014{\"a\":1}", "not JSON"},            /* form feed */
};

static void
test_strict_rules(struct arena *a)
{
    for (size_t i = 0; i < NELEM(strict_cases); i++) {
        const char *body = strict_cases[i].body;
        int failed = check_failed;

        CHECK_STREQ(ipn_strict_check(a, body, strlen(body)), strict_cases[i].broken);
        if (check_failed != failed)
            fprintf(stderr, "  in body %s\n", body);
    }
    /* The bounds, exactly. */
    CHECK_STREQ(ipn_strict_check(a, real_body, strlen(real_body)), NULL);
    CHECK_STREQ(ipn_strict_check(a, docs_body, strlen(docs_body)), NULL);
    CHECK_STREQ(ipn_strict_check(a, d_finished_body, strlen(d_finished_body)), NULL);
    CHECK_STREQ(ipn_strict_check(a, array_body, strlen(array_body)), NULL);
    for (int top = 1; top <= IPN_MAX_KEYS; top += 7) {
        const char *ok = nested_keys(a, top, IPN_MAX_KEYS - top);
        const char *over = nested_keys(a, top, IPN_MAX_KEYS - top + 1);

        CHECK_STREQ(ipn_strict_check(a, ok, strlen(ok)), NULL);
        CHECK_STREQ(ipn_strict_check(a, over, strlen(over)), "more than 64 keys");
    }
    CHECK_STREQ(ipn_strict_check(a, elements(a, IPN_MAX_ELEMENTS - 1), strlen(elements(a, 31))),
                NULL); /* 31 elements plus the member "a" */
    CHECK_STREQ(ipn_strict_check(a, elements(a, IPN_MAX_ELEMENTS), strlen(elements(a, 32))), NULL);
    CHECK_STREQ(ipn_strict_check(a, elements(a, IPN_MAX_ELEMENTS + 1), strlen(elements(a, 33))),
                "more than 32 array elements");
    /* Numbers whose check needs their double's exact value: at most 16. */
    for (int i = 0; i < 2; i++) {
        const char *number = i == 0 ? "0.30000000000000004" : "5e-324";
        char *sixteen = arena_strdup(a, "{\"a\":[");
        const char *body = NULL;

        for (int j = 0; j < IPN_MAX_LONG_NUMBERS; j++)
            sixteen = arena_sprintf(a, "%s%s%s", sixteen, j > 0 ? "," : "", number);
        body = arena_sprintf(a, "%s],\"b\":0.123456789012345}", sixteen); /* 15 digits: short */
        CHECK_STREQ(ipn_strict_check(a, body, strlen(body)), NULL);
        body = arena_sprintf(a, "%s],\"b\":0.1234567890123456}", sixteen); /* 16 digits */
        CHECK_STREQ(ipn_strict_check(a, body, strlen(body)), "more than 16 long numbers");
        body = arena_sprintf(a, "%s,%s]}", sixteen, number);
        CHECK_STREQ(ipn_strict_check(a, body, strlen(body)), "more than 16 long numbers");
    }
    /* An embedded NUL byte is not JSON whitespace; a NULL body is nothing. */
    CHECK_STREQ(ipn_strict_check(a, "{\"a\":1}\0", 8), "not JSON");
    CHECK_STREQ(ipn_strict_check(a, NULL, 0), "not JSON");
    arena_reset(a);
}

static const char *
strict_canonical(struct arena *a, const char *body)
{
    return ipn_strict_canonical(a, body, strlen(body), IPN_ARRAYS_AS_ARRAYS);
}

/* The fast canonical form of a strict body is what the reference
 * ipn_canonicalize (and so Node) writes, in both array styles. */
static void
test_strict_canonical(struct arena *a)
{
    static const char *const bodies[] = {
        real_body,
        docs_body,
        docs_body_reordered,
        d_finished_body,
        d_waiting_body,
        array_body,
        "{\"s\":\"\\ud83d\\ude00 \\u00e9 \\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u001F\\u0001 \\u2028\","
        "\"t\":true,\"n\":null}",
        "{\"b\":1,\"10\":2,\"9\":3,\"a\":4,\"01\":5,\"-1\":6,\"4294967294\":7,\"4294967295\":8,"
        "\"1.5\":9,\"0\":10,\"\":11}",
        "{\"Ａ\":1,\"😀\":2,\"z\":3,\"é\":4,\"Z\":5,\"_\":6,\"\\uff20\":7}",
        "{\"ids\":[0,1,2,3,4,5,6,7,8,9,10,{\"b\":1,\"a\":\"\"}],\"e\":[],\"n\":[[1,2]],\"o\":{}}",
        "{\"z\":{\"y\":[0.1,1e-7],\"x\":\"\",\"w\":{\"b\":0.1,\"a\":-1e-7}}}",
    };

    for (size_t i = 0; i < NELEM(bodies); i++) {
        const char *body = bodies[i];
        int failed = check_failed;

        CHECK_STREQ(ipn_strict_canonical(a, body, strlen(body), IPN_ARRAYS_AS_ARRAYS),
                    ipn_canonicalize(a, body, strlen(body), IPN_ARRAYS_AS_ARRAYS));
        CHECK_STREQ(ipn_strict_canonical(a, body, strlen(body), IPN_ARRAYS_AS_OBJECTS),
                    ipn_canonicalize(a, body, strlen(body), IPN_ARRAYS_AS_OBJECTS));
        if (check_failed != failed)
            fprintf(stderr, "  in body %s\n", body);
    }
    CHECK_STREQ(
        ipn_strict_canonical(a, d_finished_body, strlen(d_finished_body), IPN_ARRAYS_AS_ARRAYS),
        d_finished_canonical);
    CHECK_STREQ(strict_canonical(a, "{\"s\":\"\\u00e9\\/\\u001F\\b\",\"b\":1}"),
                "{\"b\":1,\"s\":\"é/\\u001f\\b\"}");
    /* not strict: no canonical form */
    CHECK_STREQ(strict_canonical(a, "{\"a\":1.0}"), NULL);
    CHECK_STREQ(strict_canonical(a, "{\"a\":1,\"a\":1}"), NULL);
    arena_reset(a);
}

/* The vectors through ipn_canonicalize and ipn_sign. */
static const struct {
    const char *name;
    const char *secret;
    const char *body;
    const char *canonical; /* both array styles: these bodies hold no array */
    const char *hmac;
    enum ipn_match via; /* what ipn_verify reports */
} vector_cases[] = {
    {"real 2025 (1)", real_secret, real_body, real_body, real_sig, IPN_MATCH_RAW},
    {"docs example (2)", test_secret, docs_body, docs_canonical, docs_hmac, IPN_MATCH_CANONICAL},
    {"docs example (2) reordered", test_secret, docs_body_reordered, docs_canonical, docs_hmac,
     IPN_MATCH_CANONICAL},
    {"docs example (2) canonical", test_secret, docs_canonical, docs_canonical, docs_hmac,
     IPN_MATCH_RAW},
    {"2023 finished (3)", test_secret, d_finished_body, d_finished_canonical, d_finished_hmac,
     IPN_MATCH_CANONICAL},
    {"2023 waiting (3)", test_secret, d_waiting_body, d_waiting_canonical, d_waiting_hmac,
     IPN_MATCH_CANONICAL},
};

static void
test_vectors(struct arena *a)
{
    for (size_t i = 0; i < NELEM(vector_cases); i++) {
        const char *body = vector_cases[i].body;
        const char *const secrets[] = {vector_cases[i].secret, NULL};
        char sig[129];
        struct ipn_verified v = {.used_previous = true};
        int failed = check_failed;

        CHECK_STREQ(ipn_canonicalize(a, body, strlen(body), IPN_ARRAYS_AS_ARRAYS),
                    vector_cases[i].canonical);
        CHECK_STREQ(ipn_canonicalize(a, body, strlen(body), IPN_ARRAYS_AS_OBJECTS),
                    vector_cases[i].canonical);
        ipn_sign(vector_cases[i].secret, vector_cases[i].canonical,
                 strlen(vector_cases[i].canonical), sig);
        CHECK_STREQ(sig, vector_cases[i].hmac);
        CHECK_INTEQ(ipn_verify(a, secrets, vector_cases[i].hmac, body, strlen(body), &v),
                    vector_cases[i].via);
        CHECK(!v.used_previous);
        /* What is stored and applied is the text that was signed. */
        CHECK_STREQ(v.text, vector_cases[i].canonical);
        CHECK_INTEQ(v.len, strlen(vector_cases[i].canonical));
        CHECK(vector_cases[i].via != IPN_MATCH_RAW || v.text == body);
        if (check_failed != failed)
            fprintf(stderr, "  in vector \"%s\"\n", vector_cases[i].name);
        arena_reset(a);
    }
}

/* The array ambiguity vector: each HMAC verifies through its own style
 * and only that one. */
static const struct {
    enum ipn_array_style style;
    const char *canonical;
    const char *hmac;
} array_cases[] = {
    {IPN_ARRAYS_AS_ARRAYS,
     "{\"payment_extra_ids\":[4526424492,5513339153],\"payment_id\":4526424492,"
     "\"payment_status\":\"finished\"}",
     "01c4cd6951f0b298528d9ef4bafc53d8691af471093ffff4e9a472402bd71787"
     "90b9c48bbbe51085758d3ecf9498caf0b55fe68125403db9474a8f651d49c4b3"},
    {IPN_ARRAYS_AS_OBJECTS,
     "{\"payment_extra_ids\":{\"0\":4526424492,\"1\":5513339153},\"payment_id\":4526424492,"
     "\"payment_status\":\"finished\"}",
     "c0d99e9851f759f46c672baa058ae23d2d371094bd671b288b50a1f3e9ebc713"
     "4a46af4ee5c3e1498178d0c32242cc973268e7890714f2528be855b34ddef1cf"},
};

static void
test_array_vectors(struct arena *a)
{
    const char *const secrets[] = {test_secret, NULL};

    for (size_t i = 0; i < NELEM(array_cases); i++) {
        const char *mine =
            ipn_canonicalize(a, array_body, strlen(array_body), array_cases[i].style);
        const char *other =
            ipn_canonicalize(a, array_body, strlen(array_body),
                             array_cases[i].style == IPN_ARRAYS_AS_ARRAYS ? IPN_ARRAYS_AS_OBJECTS
                                                                          : IPN_ARRAYS_AS_ARRAYS);
        char sig[129];

        CHECK_STREQ(mine, array_cases[i].canonical);
        ipn_sign(test_secret, mine, strlen(mine), sig);
        CHECK_STREQ(sig, array_cases[i].hmac);
        ipn_sign(test_secret, other, strlen(other), sig);
        CHECK(strcmp(sig, array_cases[i].hmac) != 0);
        CHECK_INTEQ(
            ipn_verify(a, secrets, array_cases[i].hmac, array_body, strlen(array_body), NULL),
            IPN_MATCH_CANONICAL);
    }
    arena_reset(a);
}

/* How a test row presents the signature in the header. */
enum header {
    HDR_AS_IS,
    HDR_UPPER,       /* upper-case hex */
    HDR_SPACES,      /* " \t<sig>\r\n" */
    HDR_MISSING,     /* NULL */
    HDR_EMPTY,       /* "" */
    HDR_BLANK,       /* "   " */
    HDR_SHORT,       /* 127 digits */
    HDR_LONG,        /* 129 digits */
    HDR_NON_HEX,     /* one digit replaced by 'g' */
    HDR_INNER_SPACE, /* a space in the middle */
    HDR_HALF,        /* the first 64 digits only */
};

static const char *
header_of(struct arena *a, const char *sig, enum header h)
{
    char *s = arena_strdup(a, sig);

    switch (h) {
    case HDR_AS_IS:
        return s;
    case HDR_UPPER:
        for (char *p = s; *p != '\0'; p++)
            if (*p >= 'a' && *p <= 'f')
                *p = (char)(*p - 'a' + 'A');
        return s;
    case HDR_SPACES:
        return arena_sprintf(a, " \t%s\r\n", sig);
    case HDR_MISSING:
        return NULL;
    case HDR_EMPTY:
        return "";
    case HDR_BLANK:
        return "   ";
    case HDR_SHORT:
        s[127] = '\0';
        return s;
    case HDR_LONG:
        return arena_sprintf(a, "%s0", sig);
    case HDR_NON_HEX:
        s[5] = 'g';
        return s;
    case HDR_INNER_SPACE:
        return arena_sprintf(a, "%.64s %s", sig, sig + 64);
    case HDR_HALF:
        s[64] = '\0';
        return s;
    }
    return s;
}

/* Which body a verification row sends. */
enum body {
    BODY_REAL,           /* 1 as received */
    BODY_REAL_PYTHON,    /* 1 with 2e-06 and 3e-06, as Python writes them */
    BODY_TAMPERED_ID,    /* 1 with payment_id 5800567260 -> 5800567261 */
    BODY_TAMPERED_FEE,   /* 1 with serviceFee 0.000003 -> 0.000004 */
    BODY_TAMPERED_PRICE, /* 1 with price_amount 20 -> 21 */
    BODY_TRUNCATED,      /* 1 without its closing brace: not JSON */
    BODY_DOCS,           /* 2 as printed: canonical form needed */
    BODY_DOCS_TAMPERED,  /* 2 with outcome_amount 14.8106 -> 14.8107 */
};

static const char *
body_of(struct arena *a, enum body b)
{
    switch (b) {
    case BODY_REAL:
        return real_body;
    case BODY_REAL_PYTHON:
        return replace(a, real_body, "\"depositFee\":0.000002,\"serviceFee\":0.000003",
                       "\"depositFee\":2e-06,\"serviceFee\":3e-06");
    case BODY_TAMPERED_ID:
        return replace(a, real_body, "5800567260", "5800567261");
    case BODY_TAMPERED_FEE:
        return replace(a, real_body, "\"serviceFee\":0.000003", "\"serviceFee\":0.000004");
    case BODY_TAMPERED_PRICE:
        return replace(a, real_body, "\"price_amount\":20", "\"price_amount\":21");
    case BODY_TRUNCATED:
        return arena_strndup(a, real_body, strlen(real_body) - 1);
    case BODY_DOCS:
        return docs_body;
    case BODY_DOCS_TAMPERED:
        return replace(a, docs_body, "14.8106", "14.8107");
    }
    return NULL;
}

static const struct {
    const char *name;
    const char *secrets[4]; /* NULL-terminated */
    enum body body;
    const char *sig; /* signature the header carries */
    enum header header;
    enum ipn_match want;
    bool want_previous;
} verify_cases[] = {
    {"real IPN", {real_secret}, BODY_REAL, real_sig, HDR_AS_IS, IPN_MATCH_RAW, false},
    {"upper-case header", {real_secret}, BODY_REAL, real_sig, HDR_UPPER, IPN_MATCH_RAW, false},
    {"header with spaces around",
     {real_secret},
     BODY_REAL,
     real_sig,
     HDR_SPACES,
     IPN_MATCH_RAW,
     false},
    {"secret with trailing newline",
     {"m+uEkMgkRR3ir3i+bX4ezfTLne5LN4Pq\n"},
     BODY_REAL,
     real_sig,
     HDR_AS_IS,
     IPN_MATCH_RAW,
     false},
    {"secret with spaces and CRLF",
     {" \tm+uEkMgkRR3ir3i+bX4ezfTLne5LN4Pq \r\n"},
     BODY_REAL,
     real_sig,
     HDR_AS_IS,
     IPN_MATCH_RAW,
     false},
    {"previous secret",
     {"the-new-secret", real_secret},
     BODY_REAL,
     real_sig,
     HDR_AS_IS,
     IPN_MATCH_RAW,
     true},
    {"current secret, previous configured",
     {real_secret, "the-old-secret"},
     BODY_REAL,
     real_sig,
     HDR_AS_IS,
     IPN_MATCH_RAW,
     false},
    {"empty current skipped",
     {"", real_secret},
     BODY_REAL,
     real_sig,
     HDR_AS_IS,
     IPN_MATCH_RAW,
     true},
    {"previous secret, canonical form",
     {"the-new-secret", test_secret},
     BODY_DOCS,
     docs_hmac,
     HDR_AS_IS,
     IPN_MATCH_CANONICAL,
     true},
    /* 2e-06 is not how JavaScript writes 0.000002: a strict rule */
    {"python-style numbers",
     {real_secret},
     BODY_REAL_PYTHON,
     real_sig,
     HDR_AS_IS,
     IPN_INVALID,
     false},
    {"docs example", {test_secret}, BODY_DOCS, docs_hmac, HDR_UPPER, IPN_MATCH_CANONICAL, false},
    {"wrong secret", {test_secret}, BODY_REAL, real_sig, HDR_AS_IS, IPN_NO_MATCH, false},
    {"wrong secrets, both",
     {test_secret, "other"},
     BODY_REAL,
     real_sig,
     HDR_AS_IS,
     IPN_NO_MATCH,
     false},
    {"only blank secrets", {"", " \r\n"}, BODY_REAL, real_sig, HDR_AS_IS, IPN_NO_MATCH, false},
    {"no secrets", {NULL}, BODY_REAL, real_sig, HDR_AS_IS, IPN_NO_MATCH, false},
    {"tampered payment id",
     {real_secret},
     BODY_TAMPERED_ID,
     real_sig,
     HDR_AS_IS,
     IPN_NO_MATCH,
     false},
    {"tampered fee", {real_secret}, BODY_TAMPERED_FEE, real_sig, HDR_AS_IS, IPN_NO_MATCH, false},
    {"tampered price",
     {real_secret},
     BODY_TAMPERED_PRICE,
     real_sig,
     HDR_AS_IS,
     IPN_NO_MATCH,
     false},
    {"tampered docs body",
     {test_secret},
     BODY_DOCS_TAMPERED,
     docs_hmac,
     HDR_AS_IS,
     IPN_NO_MATCH,
     false},
    {"invalid JSON", {real_secret}, BODY_TRUNCATED, real_sig, HDR_AS_IS, IPN_INVALID, false},
    {"invalid JSON, no header",
     {real_secret},
     BODY_TRUNCATED,
     real_sig,
     HDR_MISSING,
     IPN_NO_MATCH,
     false},
    {"invalid JSON, malformed header",
     {real_secret},
     BODY_TRUNCATED,
     real_sig,
     HDR_SHORT,
     IPN_NO_MATCH,
     false},
    {"the old one-liner's signature",
     {test_secret},
     BODY_DOCS,
     docs_oneliner_hmac,
     HDR_AS_IS,
     IPN_NO_MATCH,
     false},
    {"missing header", {real_secret}, BODY_REAL, real_sig, HDR_MISSING, IPN_NO_MATCH, false},
    {"empty header", {real_secret}, BODY_REAL, real_sig, HDR_EMPTY, IPN_NO_MATCH, false},
    {"blank header", {real_secret}, BODY_REAL, real_sig, HDR_BLANK, IPN_NO_MATCH, false},
    {"short header", {real_secret}, BODY_REAL, real_sig, HDR_SHORT, IPN_NO_MATCH, false},
    {"long header", {real_secret}, BODY_REAL, real_sig, HDR_LONG, IPN_NO_MATCH, false},
    {"half a header", {real_secret}, BODY_REAL, real_sig, HDR_HALF, IPN_NO_MATCH, false},
    {"non-hex header", {real_secret}, BODY_REAL, real_sig, HDR_NON_HEX, IPN_NO_MATCH, false},
    {"space inside header",
     {real_secret},
     BODY_REAL,
     real_sig,
     HDR_INNER_SPACE,
     IPN_NO_MATCH,
     false},
};

static void
test_verify(struct arena *a)
{
    for (size_t i = 0; i < NELEM(verify_cases); i++) {
        const char *body = body_of(a, verify_cases[i].body);
        const char *header = header_of(a, verify_cases[i].sig, verify_cases[i].header);
        struct ipn_verified v = {.used_previous = !verify_cases[i].want_previous};
        int failed = check_failed;

        CHECK_INTEQ(ipn_verify(a, verify_cases[i].secrets, header, body, strlen(body), &v),
                    verify_cases[i].want);
        if (verify_cases[i].want == IPN_MATCH_RAW || verify_cases[i].want == IPN_MATCH_CANONICAL)
            CHECK_INTEQ(v.used_previous, verify_cases[i].want_previous);
        else
            CHECK(v.text == NULL);
        CHECK((v.invalid != NULL) == (verify_cases[i].want == IPN_INVALID));
        if (check_failed != failed)
            fprintf(stderr, "  in case \"%s\"\n", verify_cases[i].name);
        arena_reset(a);
    }
}

static void
test_verify_edges(struct arena *a)
{
    const char *const secrets[] = {real_secret, NULL};
    const char *const empty_secret[] = {"", NULL};
    char sig[129];

    /* No secret list at all; used_previous may be NULL. */
    CHECK_INTEQ(ipn_verify(a, NULL, real_sig, real_body, strlen(real_body), NULL), IPN_NO_MATCH);
    CHECK_INTEQ(ipn_verify(a, secrets, real_sig, real_body, strlen(real_body), NULL),
                IPN_MATCH_RAW);
    /* Only the first n bytes are read: without its closing brace it is not JSON. */
    CHECK_INTEQ(ipn_verify(a, secrets, real_sig, real_body, strlen(real_body) - 1, NULL),
                IPN_INVALID);
    /* An empty secret is never used as a key, even for a matching MAC. */
    ipn_sign("", real_body, strlen(real_body), sig);
    CHECK_INTEQ(ipn_verify(a, empty_secret, sig, real_body, strlen(real_body), NULL), IPN_NO_MATCH);
    /* ipn_sign trims the secret as ipn_verify does. */
    ipn_sign("  my_ipn_secret\r\n", docs_canonical, strlen(docs_canonical), sig);
    CHECK_STREQ(sig, docs_hmac);
    ipn_sign(real_secret, real_body, strlen(real_body), sig);
    CHECK_STREQ(sig, real_sig);
    CHECK_INTEQ(strlen(sig), 128);
    arena_reset(a);
}

/* A captured signature on a body that JSON.parse reads as the signed
 * object but that says something else to PostgreSQL: refused, never
 * returned for storage. */
static void
test_verify_replays(struct arena *a)
{
    const char *const secrets[] = {real_secret, NULL};
    static const struct {
        const char *from, *to;
    } edits[] = {
        {"\"payment_id\":5800567260", "\"payment_id\":5800567260.0000001"},
        {"\"payment_id\":5800567260", "\"payment_id\":5.80056726E9"},
        {"\"price_amount\":20", "\"price_amount\":20.0"},
        {"\"actually_paid\":0.00656612", "\"actually_paid\":0.006566120"},
        {"{\"actually_paid\"", "{\"order_id\":\"FFX000000001\",\"actually_paid\""},
        {"\"fee\":{", "\"fee\":{\"currency\":\"usd\","},
        {"{\"actually_paid\"", "{\"__proto__\":{\"payment_id\":1},\"actually_paid\""},
    };

    for (size_t i = 0; i < NELEM(edits); i++) {
        const char *body = replace(a, real_body, edits[i].from, edits[i].to);
        struct ipn_verified v;

        /* The reference canonical form still matches the signature... */
        CHECK_STREQ(ipn_canonicalize(a, body, strlen(body), IPN_ARRAYS_AS_ARRAYS), real_body);
        /* ...but the body breaks a strict rule. */
        CHECK_INTEQ(ipn_verify(a, secrets, real_sig, body, strlen(body), &v), IPN_INVALID);
        CHECK(v.text == NULL);
        CHECK(v.invalid != NULL);
    }
    arena_reset(a);
}

/* Whatever matched, the text returned for storage is the one signed: the
 * body for a raw match, else the canonical form of the style that matched. */
static void
test_verify_returns_signed_text(struct arena *a)
{
    const char *const secrets[] = {"the-new-secret", test_secret, NULL};
    const char *reordered = docs_body_reordered;
    struct ipn_verified v;

    CHECK_INTEQ(ipn_verify(a, secrets, docs_hmac, reordered, strlen(reordered), &v),
                IPN_MATCH_CANONICAL);
    CHECK_STREQ(v.text, docs_canonical);
    CHECK_INTEQ(v.len, strlen(docs_canonical));
    CHECK_INTEQ(v.style, IPN_ARRAYS_AS_ARRAYS);
    CHECK(v.used_previous);
    for (size_t i = 0; i < NELEM(array_cases); i++) {
        CHECK_INTEQ(ipn_verify(a, secrets, array_cases[i].hmac, array_body, strlen(array_body), &v),
                    IPN_MATCH_CANONICAL);
        CHECK_STREQ(v.text, array_cases[i].canonical);
        CHECK_INTEQ(v.style, array_cases[i].style);
    }
    CHECK_INTEQ(ipn_verify(a, secrets, docs_hmac, docs_canonical, strlen(docs_canonical), &v),
                IPN_MATCH_RAW);
    CHECK(v.text == docs_canonical);
    /* A forged body that breaks a strict rule: 400 before any canonical work. */
    CHECK_INTEQ(ipn_verify(a, secrets, docs_hmac, "{\"a\":1,\"a\":2}", 13, &v), IPN_INVALID);
    CHECK_STREQ(v.invalid, "duplicate key");
    /* One that keeps them: 401. */
    CHECK_INTEQ(ipn_verify(a, secrets, docs_hmac, "{\"a\":1}", 7, &v), IPN_NO_MATCH);
    CHECK(v.text == NULL && v.invalid == NULL);
    arena_reset(a);
}

/* padded - body with spaces before it up to exactly n bytes (JSON allows them). */
static const char *
padded(struct arena *a, const char *body, size_t n)
{
    return arena_sprintf(a, "%*s%s", (int)(n - strlen(body)), "", body);
}

/* The canonical forms are tried only up to IPN_CANONICAL_MAX bytes; a
 * larger body must match as sent. */
static void
test_canonical_size_bound(struct arena *a)
{
    const char *const secrets[] = {test_secret, NULL};
    const char *at_max = padded(a, docs_body_reordered, IPN_CANONICAL_MAX);
    const char *over = padded(a, docs_body_reordered, IPN_CANONICAL_MAX + 1);
    const char *big_canonical = arena_sprintf(a, "{\"a\":\"%*s\",\"payment_id\":1}", 5000, "");
    struct ipn_verified v;
    char sig[129];

    CHECK_INTEQ(ipn_verify(a, secrets, docs_hmac, at_max, strlen(at_max), &v), IPN_MATCH_CANONICAL);
    CHECK_STREQ(v.text, docs_canonical);
    CHECK_INTEQ(ipn_verify(a, secrets, docs_hmac, over, strlen(over), &v), IPN_NO_MATCH);
    CHECK(v.text == NULL);
    /* still checked against the strict rules first */
    CHECK_INTEQ(ipn_verify(a, secrets, docs_hmac, padded(a, "{\"a\":1.0}", 5000), 5000, &v),
                IPN_INVALID);
    /* and a large body signed as sent is fine */
    ipn_sign(test_secret, big_canonical, strlen(big_canonical), sig);
    CHECK_INTEQ(ipn_verify(a, secrets, sig, big_canonical, strlen(big_canonical), &v),
                IPN_MATCH_RAW);
    arena_reset(a);
}

int
main(void)
{
    struct arena *a = arena_create(64 * 1024);

    test_strict_rules(a);
    test_strict_canonical(a);
    test_canonicalize(a);
    test_exact_length(a);
    test_nesting(a);
    test_vectors(a);
    test_array_vectors(a);
    test_verify(a);
    test_verify_edges(a);
    test_verify_replays(a);
    test_verify_returns_signed_text(a);
    test_canonical_size_bound(a);
    arena_destroy(a);
    return check_done();
}
