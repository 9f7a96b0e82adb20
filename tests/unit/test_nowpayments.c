/* SPDX-License-Identifier: MIT */
/*
 * test_nowpayments.c - the parsers over every recorded NOWPayments body we
 * have (verbatim, including the malformed doc examples) and
 * hostile variants; the transport against a scripted HTTP server run in a
 * forked child on 127.0.0.1.
 */
#include "arena.h"
#include "cfg.h"
#include "check.h"
#include "err.h"
#include "log.h"
#include "nowpayments.h"
#include "call.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- recorded bodies (docs/NOWPAYMENTS.md, "What we call"), verbatim ------ */

/* CREATE_DOC */
static const char CREATE_DOC[] = "{\n"
                                 "    \"payment_id\": \"5745459419\",\n"
                                 "    \"payment_status\": \"waiting\",\n"
                                 "    \"pay_address\": \"3EZ2uTdVDAMFXTfc6uLDDKR6o8qKBZXVkj\",\n"
                                 "    \"price_amount\": 3999.5,\n"
                                 "    \"price_currency\": \"usd\",\n"
                                 "    \"pay_amount\": 0.17070286,\n"
                                 "    \"pay_currency\": \"btc\",\n"
                                 "    \"order_id\": \"RGDBP-21314\",\n"
                                 "    \"order_description\": \"Apple Macbook Pro 2019 x 1\",\n"
                                 "    \"ipn_callback_url\": \"https://nowpayments.io\",\n"
                                 "    \"created_at\": \"2020-12-22T15:00:22.742Z\",\n"
                                 "    \"updated_at\": \"2020-12-22T15:00:22.742Z\",\n"
                                 "    \"purchase_id\": \"5837122679\",\n"
                                 "    \"amount_received\": null,\n"
                                 "    \"payin_extra_id\": null,\n"
                                 "    \"smart_contract\": \"\",\n"
                                 "    \"network\": \"btc\",\n"
                                 "    \"network_precision\": 8,\n"
                                 "    \"time_limit\": null,\n"
                                 "    \"burning_percent\": null,\n"
                                 "    \"expiration_estimate_date\": \"2020-12-23T15:00:22.742Z\"\n"
                                 "}";

/* CREATE_2025_08 */
static const char CREATE_2025_08[] =
    "{\"payment_id\":\"5977953151\",\"payment_status\":\"waiting\",\"pay_address\":"
    "\"0x24070CE7202c541381F3dF0aeb58d253006b9262\",\"price_amount\":13,\"price_currency\":\"usd\","
    "\"pay_amount\":13.25552622,\"amount_received\":12.96277893,\"pay_currency\":\"usdtbsc\","
    "\"order_id\":null,\"order_description\":null,\"payin_extra_id\":null,\"ipn_callback_url\":"
    "\"https://"
    "nowpayments.io\",\"customer_email\":null,\"created_at\":\"2025-08-27T16:56:58.628Z\","
    "\"updated_at\":\"2025-08-27T16:56:58.628Z\",\"purchase_id\":\"4740818607\",\"smart_contract\":"
    "null,\"network\":\"bsc\",\"network_precision\":null,\"time_limit\":null,\"burning_percent\":"
    "null,\"expiration_estimate_date\":\"2025-08-27T17:16:58.628Z\",\"is_fixed_rate\":true,\"is_"
    "fee_paid_by_user\":false,\"valid_until\":\"2025-09-03T16:56:58.628Z\",\"type\":"
    "\"crypto2crypto\",\"product\":\"api\",\"origin_ip\":\"157.48.244.247\"}";

/* CREATE_2025_02 */
static const char CREATE_2025_02[] =
    "{\"payment_id\":\"5184672575\",\"payment_status\":\"waiting\",\"pay_address\":"
    "\"3MFfJhfC2jGut3oExpVt6XLcR32jGVXRa7\",\"price_amount\":50,\"price_currency\":\"usd\",\"pay_"
    "amount\":0.00050976,\"amount_received\":48.302741,\"pay_currency\":\"btc\",\"order_id\":null,"
    "\"order_description\":\"Wallet funding of USD50 from 0 using "
    "btc\",\"payin_extra_id\":null,\"ipn_callback_url\":null,\"customer_email\":null,\"created_"
    "at\":\"2025-02-12T23:16:19.948Z\",\"updated_at\":\"2025-02-12T23:16:19.948Z\",\"purchase_id\":"
    "\"5611424752\",\"smart_contract\":null,\"network\":\"btc\",\"network_precision\":null,\"time_"
    "limit\":null,\"burning_percent\":null,\"expiration_estimate_date\":\"2025-02-12T23:36:19."
    "948Z\",\"is_fixed_rate\":false,\"is_fee_paid_by_user\":false,\"valid_until\":\"2025-02-19T23:"
    "16:19.948Z\",\"type\":\"crypto2crypto\",\"product\":\"api\",\"origin_ip\":\"105.112.113."
    "149\"}";

/* GET_DOC_VERBATIM */
static const char GET_DOC_VERBATIM[] = "    \"payment_id\": 6249365965,\n"
                                       "    \"invoice_id\": null,\n"
                                       "    \"payment_status\": \"finished\",\n"
                                       "    \"pay_address\": \"address\",\n"
                                       "    \"payin_extra_id\": null,\n"
                                       "    \"price_amount\": 1,\n"
                                       "    \"price_currency\": \"usd\",\n"
                                       "    \"pay_amount\": 11.8,\n"
                                       "    \"actually_paid\": 12,\n"
                                       "    \"pay_currency\": \"trx\",\n"
                                       "    \"order_id\": null,\n"
                                       "    \"order_description\": null,\n"
                                       "    \"purchase_id\": 5312822613,\n"
                                       "    \"outcome_amount\": 11.8405,\n"
                                       "    \"outcome_currency\": \"trx\",\n"
                                       "    \"payout_hash\": \"hash\",\n"
                                       "    \"payin_hash\": \"hash\",\n"
                                       "    \"created_at\": \"2023-07-28T15:06:09.932Z\",\n"
                                       "    \"updated_at\": \"2023-07-28T15:09:40.535Z\",\n"
                                       "    \"burning_percent\": \"null\",\n"
                                       "    \"type\": \"crypto2crypto\",\n"
                                       "    \"payment_extra_ids\": [\n"
                                       "        5513339153\n"
                                       "    ]";

/* GET_2025_08 */
static const char GET_2025_08[] =
    "{\"payment_id\":5093564248,\"invoice_id\":null,\"payment_status\":\"waiting\",\"pay_address\":"
    "\"0x44568B551126DE713C8EA19ec9eeB6081829d400\",\"payin_extra_id\":null,\"price_amount\":12,"
    "\"price_currency\":\"usd\",\"pay_amount\":13.488185,\"actually_paid\":0,\"pay_currency\":"
    "\"usdterc20\",\"order_id\":null,\"order_description\":null,\"purchase_id\":4628350473,"
    "\"outcome_amount\":null,\"outcome_currency\":\"usdtbsc\",\"payout_hash\":null,\"payin_hash\":"
    "null,\"created_at\":\"2025-08-26T16:31:32.669Z\",\"updated_at\":\"2025-08-26T16:31:32.669Z\","
    "\"burning_percent\":\"null\",\"type\":\"crypto2crypto\"}";

/* LIST_CHILD */
static const char LIST_CHILD[] =
    "{ \"payment_id\": 4526424492, \"invoice_id\": 6200264890, \"payment_status\": \"finished\", "
    "\"pay_address\": \"address\", \"payin_extra_id\": null, \"price_amount\": 1, "
    "\"price_currency\": \"usd\", \"pay_amount\": 12.5, \"actually_paid\": 12.5, \"pay_currency\": "
    "\"trx\", \"order_id\": null, \"order_description\": null, \"purchase_id\": 5392971146, "
    "\"outcome_amount\": 12.338, \"outcome_currency\": \"trx\", \"payout_hash\": \"hash\", "
    "\"payin_hash\": \"hash\", \"created_at\": \"2023-07-19T15:22:15.754Z\", \"updated_at\": "
    "\"2023-07-19T15:25:56.280Z\", \"type\": \"crypto2crypto\",\n"
    "    \"parent_payment_id\": 5592161154,\n"
    "    \"origin_type\": \"REPEATED\" }";

/* IPN_DOC_VERBATIM */
static const char IPN_DOC_VERBATIM[] = "{\n"
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
                                       "\"payment_extra_ids\":null\n"
                                       "\"fee\": {\n"
                                       "\"currency\":\"btc\",\n"
                                       "\"depositFee\":0.09853637216235617,\n"
                                       "\"withdrawalFee\":0,\n"
                                       "\"serviceFee\":0\n"
                                       "}\n"
                                       "}";

/* IPN_2021 */
static const char IPN_2021[] =
    "{\"payment_id\":5077125051,\"payment_status\":\"waiting\",\"pay_address\":"
    "\"0xd1cDE08A07cD25adEbEd35c3867a59228C09B606\",\"price_amount\":170,\"price_currency\":"
    "\"usd\",\"pay_amount\":155.38559757,\"actually_paid\":0,\"pay_currency\":\"mana\",\"order_"
    "id\":\"2\",\"order_description\":\"Apple Macbook Pro 2019 x "
    "1\",\"purchase_id\":\"6084744717\",\"created_at\":\"2021-04-12T14:22:54.942Z\",\"updated_at\":"
    "\"2021-04-12T14:23:06.244Z\",\"outcome_amount\":1131.7812095,\"outcome_currency\":\"trx\"}";

/* IPN_2025 */
static const char IPN_2025[] =
    "{\"actually_paid\":0.00656612,\"actually_paid_at_fiat\":0,\"fee\":{\"currency\":\"btc\","
    "\"depositFee\":0.000002,\"serviceFee\":0.000003,\"withdrawalFee\":0},\"invoice_id\":null,"
    "\"order_description\":null,\"order_id\":\"deposit_a7936ab3-8970-4d3b-8f79-d17aa8928b03_"
    "1765249230\",\"outcome_amount\":0.00022187,\"outcome_currency\":\"btc\",\"parent_payment_id\":"
    "null,\"pay_address\":\"0x05Db991D7930CE6Ac8c21064de9A14EB2a154746\",\"pay_amount\":0.00656612,"
    "\"pay_currency\":\"eth\",\"payin_extra_id\":null,\"payment_extra_ids\":null,\"payment_id\":"
    "5800567260,\"payment_status\":\"finished\",\"price_amount\":20,\"price_currency\":\"usd\","
    "\"purchase_id\":\"5172103429\",\"updated_at\":1765249461097}";

/* IPN_2023_WAITING */
static const char IPN_2023_WAITING[] =
    "{\"payment_id\":5261148849,\"parent_payment_id\":null,\"invoice_id\":6417549628,\"payment_"
    "status\":\"waiting\",\"pay_address\":\"TDbqd96NNmXmNQCCbdohbvDnDZHcZy1GGJ\",\"payin_extra_"
    "id\":null,\"price_amount\":5,\"price_currency\":\"usd\",\"pay_amount\":69.242455,\"actually_"
    "paid\":0,\"actually_paid_at_fiat\":0,\"pay_currency\":\"trx\",\"order_id\":\"1\",\"order_"
    "description\":\"Pay for "
    "services\",\"purchase_id\":\"5931000544\",\"updated_at\":1698697714802,\"outcome_amount\":4."
    "958355,\"outcome_currency\":\"usdttrc20\",\"payment_extra_ids\":null}";

/* IPN_2023_FINISHED */
static const char IPN_2023_FINISHED[] =
    "{\"payment_id\":5261148849,\"parent_payment_id\":null,\"invoice_id\":6417549628,\"payment_"
    "status\":\"finished\",\"pay_address\":\"TDbqd96NNmXmNQCCbdohbvDnDZHcZy1GGJ\",\"payin_extra_"
    "id\":null,\"price_amount\":5,\"price_currency\":\"usd\",\"pay_amount\":69.242455,\"actually_"
    "paid\":69.25,\"actually_paid_at_fiat\":0,\"pay_currency\":\"trx\",\"order_id\":\"1\",\"order_"
    "description\":\"Pay for "
    "services\",\"purchase_id\":\"5931000544\",\"updated_at\":1698697946468,\"outcome_amount\":4."
    "959058,\"outcome_currency\":\"usdttrc20\",\"payment_extra_ids\":null}";

/* IPN_PAYOUT */
static const char IPN_PAYOUT[] = "{\n"
                                 "\"id\":\"123456789\",\n"
                                 "\"batch_withdrawal_id\":\"987654321\",\n"
                                 "\"status\":\"CREATING\",\n"
                                 "\"error\":null,\n"
                                 "\"currency\":\"usdttrc20\",\n"
                                 "\"amount\":\"50\",\n"
                                 "\"address\":\"address\",\n"
                                 "\"fee\":null,\n"
                                 "\"extra_id\":null,\n"
                                 "\"hash\":null,\n"
                                 "\"ipn_callback_url\":\"callback_url\",\n"
                                 "\"created_at\":\"2023-07-27T15:29:40.803Z\",\n"
                                 "\"requested_at\":null,\n"
                                 "\"updated_at\":null\n"
                                 "}";

/* IPN_CUSTODY */
static const char IPN_CUSTODY[] = "{\n"
                                  "\"id\":\"1234567890\",\n"
                                  "\"status\":\"FINISHED\",\n"
                                  "\"currency\":\"trx\",\n"
                                  "\"amount\":\"12.171365564140688\",\n"
                                  "\"ipn_callback_url\":\"callback_url\",\n"
                                  "\"created_at\":\"2023-07-26T14:20:11.531Z\",\n"
                                  "\"updated_at\":\"2023-07-26T14:20:21.079Z\"\n"
                                  "}";

/* INVOICE_DOC */
static const char INVOICE_DOC[] =
    "{\n"
    "    \"id\": \"4522625843\",\n"
    "    \"order_id\": \"RGDBP-21314\",\n"
    "    \"order_description\": \"Apple Macbook Pro 2019 x 1\",\n"
    "    \"price_amount\": \"1000\",\n"
    "    \"price_currency\": \"usd\",\n"
    "    \"pay_currency\": null,\n"
    "    \"ipn_callback_url\": \"https://nowpayments.io\",\n"
    "    \"invoice_url\": \"https://nowpayments.io/payment/?iid=4522625843\",\n"
    "    \"success_url\": \"https://nowpayments.io\",\n"
    "    \"cancel_url\": \"https://nowpayments.io\",\n"
    "    \"created_at\": \"2020-12-22T15:05:58.290Z\",\n"
    "    \"updated_at\": \"2020-12-22T15:05:58.290Z\"\n"
    "}";

/* INVOICE_2026 */
static const char INVOICE_2026[] =
    "{\"id\":\"6095133277\",\"token_id\":\"6392173195\",\"order_id\":\"deposit-7-1787358890674\","
    "\"order_description\":\"Foodplug "
    "deposit\",\"price_amount\":\"1\",\"price_currency\":\"USD\",\"pay_currency\":null,\"ipn_"
    "callback_url\":\"http://…/api/webhooks/nowpayments\",\"invoice_url\":\"https://nowpayments.io/"
    "payment/?iid=6095133277\",\"success_url\":\"http://…/deposit\",\"cancel_url\":\"http://…/"
    "deposit\",\"customer_email\":null,\"partially_paid_url\":null,\"payout_currency\":null,"
    "\"created_at\":\"2026-08-22T00:34:50.876Z\",\"updated_at\":\"2026-08-22T00:34:50.876Z\",\"is_"
    "fixed_rate\":false,\"is_fee_paid_by_user\":false,\"source\":null,\"collect_user_data\":false,"
    "\"url\":\"https://nowpayments.io/payment/?iid=6095133277\"}";

/* ESTIMATE_UPDATE */
static const char ESTIMATE_UPDATE[] =
    "{\n"
    "    \"id\": \"4455667788\",\n"
    "    \"token_id\": \"5566778899\",\n"
    "    \"pay_amount\": 0.04671013,\n"
    "    \"expiration_estimate_date\": \"2022-08-12T13:14:28.536Z\"\n"
    "}";

/* Error bodies (docs/NOWPAYMENTS.md, "Errors"): the two VCR recordings
 * verbatim, the others in the same shape with the recorded code and message. */
static const char ERR_INVALID_API_KEY[] =
    "{\"status\":false,\"statusCode\":403,\"code\":\"INVALID_API_KEY\",\"message\":\"Invalid api "
    "key\"}";
static const char ERR_AUTH_REQUIRED[] =
    "{\"status\":false,\"statusCode\":401,\"code\":\"AUTH_REQUIRED\",\"message\":\"Authorization "
    "header is empty (Bearer JWTtoken is required)\"}";
static const char ERR_HTML_429[] = "<html><head><title>429 Too Many Requests</title></head><body>"
                                   "<center><h1>429 Too Many Requests</h1></center><hr>"
                                   "<center>nginx</center></body></html>";

/* ---- parsers ---------------------------------------------------------------- */

struct pay_want {
    const char *name;
    const char *body;
    const char *payment_id, *payment_status, *pay_amount, *price_amount, *actually_paid;
    const char *outcome_amount, *invoice_id, *parent_payment_id, *purchase_id, *order_id;
    const char *updated_at;
};

static void
check_payment(struct arena *a, const struct pay_want *w)
{
    struct np_payment p;

    fprintf(stderr, "# payment %s\n", w->name);
    CHECK_INTEQ(np_parse_payment(a, w->body, strlen(w->body), &p), 0);
    CHECK_STREQ(p.payment_id, w->payment_id);
    CHECK_STREQ(p.payment_status, w->payment_status);
    CHECK_STREQ(p.pay_amount, w->pay_amount);
    CHECK_STREQ(p.price_amount, w->price_amount);
    CHECK_STREQ(p.actually_paid, w->actually_paid);
    CHECK_STREQ(p.outcome_amount, w->outcome_amount);
    CHECK_STREQ(p.invoice_id, w->invoice_id);
    CHECK_STREQ(p.parent_payment_id, w->parent_payment_id);
    CHECK_STREQ(p.purchase_id, w->purchase_id);
    CHECK_STREQ(p.order_id, w->order_id);
    CHECK_STREQ(p.updated_at, w->updated_at);
    CHECK_STREQ(p.raw_json, w->body);
}

/* s with the first `from` replaced by `to`, in the arena. */
static char *
replace(struct arena *a, const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);

    if (at == NULL)
        return arena_strdup(a, s);
    return arena_sprintf(a, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

static void
test_recorded_payments(struct arena *a)
{
    const char *get_doc = arena_sprintf(a, "{%s}", GET_DOC_VERBATIM);
    const char *ipn_doc = replace(a, IPN_DOC_VERBATIM, "\"payment_extra_ids\":null\n",
                                  "\"payment_extra_ids\":null,\n");
    const struct pay_want wants[] = {
        {"create (doc)", CREATE_DOC, "5745459419", "waiting", "0.17070286", "3999.5", NULL, NULL,
         NULL, NULL, "5837122679", "RGDBP-21314", "2020-12-22T15:00:22.742Z"},
        {"create 2025-08", CREATE_2025_08, "5977953151", "waiting", "13.25552622", "13", NULL, NULL,
         NULL, NULL, "4740818607", NULL, "2025-08-27T16:56:58.628Z"},
        {"create 2025-02", CREATE_2025_02, "5184672575", "waiting", "0.00050976", "50", NULL, NULL,
         NULL, NULL, "5611424752", NULL, "2025-02-12T23:16:19.948Z"},
        {"get (doc, braces added)", get_doc, "6249365965", "finished", "11.8", "1", "12", "11.8405",
         NULL, NULL, "5312822613", NULL, "2023-07-28T15:09:40.535Z"},
        {"get 2025-08", GET_2025_08, "5093564248", "waiting", "13.488185", "12", "0", NULL, NULL,
         NULL, "4628350473", NULL, "2025-08-26T16:31:32.669Z"},
        {"list child", LIST_CHILD, "4526424492", "finished", "12.5", "1", "12.5", "12.338",
         "6200264890", "5592161154", "5392971146", NULL, "2023-07-19T15:25:56.280Z"},
        {"ipn (doc, comma added)", ipn_doc, "123456789", "finished", "15", "1", "15", "14.8106",
         NULL, "987654321", "123456789", NULL, NULL},
        {"ipn 2021", IPN_2021, "5077125051", "waiting", "155.38559757", "170", "0", "1131.7812095",
         NULL, NULL, "6084744717", "2", "2021-04-12T14:23:06.244Z"},
        {"ipn 2025", IPN_2025, "5800567260", "finished", "0.00656612", "20", "0.00656612",
         "0.00022187", NULL, NULL, "5172103429",
         "deposit_a7936ab3-8970-4d3b-8f79-d17aa8928b03_1765249230", "1765249461097"},
        {"ipn 2023 waiting", IPN_2023_WAITING, "5261148849", "waiting", "69.242455", "5", "0",
         "4.958355", "6417549628", NULL, "5931000544", "1", "1698697714802"},
        {"ipn 2023 finished", IPN_2023_FINISHED, "5261148849", "finished", "69.242455", "5",
         "69.25", "4.959058", "6417549628", NULL, "5931000544", "1", "1698697946468"},
    };
    struct np_payment p;

    for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++)
        check_payment(a, &wants[i]);

    /* Fields beyond the table, from the richest bodies. */
    CHECK_INTEQ(np_parse_payment(a, CREATE_DOC, strlen(CREATE_DOC), &p), 0);
    CHECK_STREQ(p.pay_address, "3EZ2uTdVDAMFXTfc6uLDDKR6o8qKBZXVkj");
    CHECK_STREQ(p.pay_currency, "btc");
    CHECK_STREQ(p.price_currency, "usd");
    CHECK_STREQ(p.order_description, "Apple Macbook Pro 2019 x 1");
    CHECK_STREQ(p.created_at, "2020-12-22T15:00:22.742Z");
    CHECK_STREQ(p.expiration_estimate_date, "2020-12-23T15:00:22.742Z");
    CHECK_STREQ(p.outcome_currency, NULL);
    CHECK_INTEQ(np_parse_payment(a, IPN_2025, strlen(IPN_2025), &p), 0);
    CHECK_STREQ(p.created_at, NULL); /* IPNs have none */
    CHECK_STREQ(p.outcome_currency, "btc");
    CHECK_STREQ(p.order_description, NULL);
    CHECK_STREQ(p.expiration_estimate_date, NULL);

    /* The doc examples as published are not JSON (a missing brace, a missing comma). */
    CHECK_INTEQ(np_parse_payment(a, GET_DOC_VERBATIM, strlen(GET_DOC_VERBATIM), &p), -1);
    CHECK_INTEQ(np_parse_payment(a, IPN_DOC_VERBATIM, strlen(IPN_DOC_VERBATIM), &p), -1);
    CHECK_STREQ(p.payment_id, NULL);
    CHECK_STREQ(p.raw_json, NULL);
    /* Payout and custody IPNs are not payments. */
    CHECK_INTEQ(np_parse_payment(a, IPN_PAYOUT, strlen(IPN_PAYOUT), &p), -1);
    CHECK_INTEQ(np_parse_payment(a, IPN_CUSTODY, strlen(IPN_CUSTODY), &p), -1);
    CHECK_INTEQ(np_parse_payment(a, INVOICE_2026, strlen(INVOICE_2026), &p), -1);
    arena_reset(a);
}

static void
test_recorded_invoices(struct arena *a)
{
    struct np_invoice v;
    const char *numeric = "{\"id\":6095133277,\"price_amount\":649.5,\"price_currency\":\"usd\","
                          "\"pay_currency\":\"btc\",\"order_id\":\"FFX000000001\"}";

    CHECK_INTEQ(np_parse_invoice(a, INVOICE_DOC, strlen(INVOICE_DOC), &v), 0);
    CHECK_STREQ(v.id, "4522625843");
    CHECK_STREQ(v.invoice_url, "https://nowpayments.io/payment/?iid=4522625843");
    CHECK_STREQ(v.order_id, "RGDBP-21314");
    CHECK_STREQ(v.price_amount, "1000");
    CHECK_STREQ(v.price_currency, "usd");
    CHECK_STREQ(v.pay_currency, NULL);
    CHECK_STREQ(v.created_at, "2020-12-22T15:05:58.290Z");
    CHECK_STREQ(v.raw_json, INVOICE_DOC);

    CHECK_INTEQ(np_parse_invoice(a, INVOICE_2026, strlen(INVOICE_2026), &v), 0);
    CHECK_STREQ(v.id, "6095133277");
    CHECK_STREQ(v.invoice_url, "https://nowpayments.io/payment/?iid=6095133277");
    CHECK_STREQ(v.order_id, "deposit-7-1787358890674");
    CHECK_STREQ(v.price_amount, "1");
    CHECK_STREQ(v.price_currency, "USD");
    CHECK_STREQ(v.pay_currency, NULL);
    CHECK_STREQ(v.created_at, "2026-08-22T00:34:50.876Z");

    CHECK_INTEQ(np_parse_invoice(a, numeric, strlen(numeric), &v), 0);
    CHECK_STREQ(v.id, "6095133277");
    CHECK_STREQ(v.price_amount, "649.5");
    CHECK_STREQ(v.pay_currency, "btc");
    CHECK_STREQ(v.invoice_url, NULL);

    /* update-merchant-estimate also has an "id": the shape is an invoice's. */
    CHECK_INTEQ(np_parse_invoice(a, ESTIMATE_UPDATE, strlen(ESTIMATE_UPDATE), &v), 0);
    CHECK_INTEQ(np_parse_invoice(a, CREATE_2025_08, strlen(CREATE_2025_08), &v), -1);
    CHECK_INTEQ(np_parse_invoice(a, "{\"id\":\"\"}", 9, &v), -1);
    CHECK_INTEQ(np_parse_invoice(a, "{\"id\":\"1\",\"price_amount\":\"1,5\"}", 31, &v), -1);
    CHECK_STREQ(v.id, NULL);
    arena_reset(a);
}

static void
test_errors(struct arena *a)
{
    static const struct {
        const char *body;
        int rc, status;
        const char *code, *message;
    } cases[] = {
        {ERR_INVALID_API_KEY, 0, 403, "INVALID_API_KEY", "Invalid api key"},
        {ERR_AUTH_REQUIRED, 0, 401, "AUTH_REQUIRED",
         "Authorization header is empty (Bearer JWTtoken is required)"},
        {"{\"status\":false,\"statusCode\":400,\"code\":\"INVALID_REQUEST_PARAMS\",\"message\":"
         "\"success_url must be a valid uri\"}",
         0, 400, "INVALID_REQUEST_PARAMS", "success_url must be a valid uri"},
        {"{\"status\":false,\"statusCode\":400,\"code\":\"AMOUNT_MINIMAL_ERROR\",\"message\":"
         "\"Crypto amount 10.485047 is less than minimal\"}",
         0, 400, "AMOUNT_MINIMAL_ERROR", "Crypto amount 10.485047 is less than minimal"},
        {"{\"status\":false,\"statusCode\":403,\"code\":\"ENDPOINT_NOT_ALLOWED\",\"message\":"
         "\"Access denied | Invalid IP - 2a05:…\"}",
         0, 403, "ENDPOINT_NOT_ALLOWED", "Access denied | Invalid IP - 2a05:…"},
        {"{\"statusCode\":400,\"code\":\"INVALID_REQUEST_PARAMS\"}", 0, 400,
         "INVALID_REQUEST_PARAMS", NULL},
        {"{\"message\":\"OK\"}", 0, 0, NULL, "OK"},
        {"{\"code\":\"X\",\"message\":\"\"}", 0, 0, "X", NULL},
        {"{\"statusCode\":\"403\",\"code\":5,\"message\":\"m\"}", 0, 0, NULL, "m"},
        {ERR_HTML_429, -1, 0, NULL, NULL},
        {"{\"status\":false}", -1, 0, NULL, NULL},
        {"[]", -1, 0, NULL, NULL},
        {"", -1, 0, NULL, NULL},
        {"null", -1, 0, NULL, NULL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct np_api_error e;

        CHECK_INTEQ(np_parse_error(a, cases[i].body, strlen(cases[i].body), &e), cases[i].rc);
        CHECK_INTEQ(e.status_code, cases[i].status);
        CHECK_STREQ(e.code, cases[i].code);
        CHECK_STREQ(e.message, cases[i].message);
    }
    arena_reset(a);
}

/* The value text of {"payment_id":<id>,"pay_amount":<amount>}; NULL for -1. */
static const char *
field_of(struct arena *a, const char *id, const char *amount, bool want_id)
{
    const char *body = arena_sprintf(a, "{\"payment_id\":%s,\"pay_amount\":%s}", id, amount);
    struct np_payment p;

    if (np_parse_payment(a, body, strlen(body), &p) != 0)
        return NULL;
    return want_id ? p.payment_id : p.pay_amount;
}

static void
test_ids(struct arena *a)
{
    static const struct {
        const char *json;
        const char *want; /* NULL: the body is refused */
    } cases[] = {
        {"5093564248", "5093564248"},
        {"\"5977953151\"", "5977953151"},
        {"5.093564248e9", "5093564248"},
        {"9007199254740991", "9007199254740991"},
        {"\"0005\"", "5"},
        {"\"9223372036854775807\"", "9223372036854775807"},
        {"9007199254740992", NULL}, /* 2^53: no longer exact in a double */
        {"5093564248.0", "5093564248"},
        {"5093564248.00000000001", NULL}, /* not an integer, whatever a double says */
        {"9007199254740991.5", NULL},
        {"123456789012345678901234567890", NULL},
        {"1e300", NULL},
        {"-5", NULL},
        {"5.5", NULL},
        {"0", NULL},
        {"-0", NULL},
        {"\"0\"", NULL},
        {"\"\"", NULL},
        {"\"12a\"", NULL},
        {"\"-5\"", NULL},
        {"\" 5\"", NULL},
        {"\"5.0\"", NULL},
        {"\"\\u0035\"", NULL}, /* ids are taken as sent: no escapes */
        {"\"9223372036854775808\"", NULL},
        {"\"99999999999999999999\"", NULL},
        {"{\"a\":1}", NULL},
        {"[1]", NULL},
        {"true", NULL},
        {"false", NULL},
        {"null", NULL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fprintf(stderr, "# id %s\n", cases[i].json);
        CHECK_STREQ(field_of(a, cases[i].json, "1", true), cases[i].want);
    }
    arena_reset(a);
}

static void
test_amounts(struct arena *a)
{
    static const struct {
        const char *json;
        const char *want; /* NULL: the body is refused */
    } cases[] = {
        {"0.02456789", "0.02456789"},
        {"649.5", "649.5"},
        {"649.00", "649.00"}, /* the lexeme as sent, never through a double */
        {"0.000002", "0.000002"},
        {"0.000083", "0.000083"},
        {"0", "0"},
        {"-0.5", "-0.5"},
        {"12345678901234567890.123456789", "12345678901234567890.123456789"},
        {"12345678901234567.89", "12345678901234567.89"}, /* a double: ...568 */
        {"0.30000000000000004", "0.30000000000000004"},
        {"0.000000000000000000000000000000000000000000000000000000000000001",
         "0.000000000000000000000000000000000000000000000000000000000000001"}, /* 65 bytes */
        {"\"12345678901234567.89\"", "12345678901234567.89"},
        {"1e-7", "0.0000001"},
        {"1E-7", "0.0000001"},
        {"2.5e-6", "0.0000025"},
        {"1.5E+3", "1500"},
        {"1.25e1", "12.5"},
        {"2.50e-1", "0.25"},
        {"123e-1", "12.3"},
        {"0.0012e3", "1.2"},
        {"-1.2e-2", "-0.012"},
        {"0e5", "0"},
        {"123e0", "123"},
        {"\"12.36\"", "12.36"},
        {"\"1000\"", "1000"},
        {"\"1e-7\"", "0.0000001"},
        {"null", NULL},
        {"01", NULL},
        {"1.", NULL},
        {"1e401", NULL},
        {"1e-99999999999999999999", NULL},
        {"\"abc\"", NULL},
        {"\"\"", NULL},
        {"\" 1\"", NULL},
        {"\"1,5\"", NULL},
        {"\"1\\u002e5\"", NULL},
        {"\"1\\u0000\"", NULL},
        {"true", NULL},
        {"{}", NULL},
        {"[1]", NULL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *body = arena_sprintf(a, "{\"payment_id\":1,\"pay_amount\":%s}", cases[i].json);
        struct np_payment p;
        int rc = np_parse_payment(a, body, strlen(body), &p);

        fprintf(stderr, "# amount %s\n", cases[i].json);
        if (strcmp(cases[i].json, "null") == 0) {
            CHECK_INTEQ(rc, 0);
            CHECK_STREQ(p.pay_amount, NULL);
        } else {
            CHECK_INTEQ(rc, cases[i].want ? 0 : -1);
            CHECK_STREQ(p.pay_amount, cases[i].want);
        }
    }
    /* 1e400 is the largest exponent applied: a 1 and 400 zeros. */
    {
        const char *s = field_of(a, "1", "1e400", false);

        CHECK(s != NULL && strlen(s) == 401 && s[0] == '1' && strspn(s + 1, "0") == 400);
        s = field_of(a, "1", "1e-400", false);
        CHECK(s != NULL && strlen(s) == 402 && strncmp(s, "0.", 2) == 0 && s[401] == '1');
    }
    arena_reset(a);
}

static void
test_malformed(struct arena *a)
{
    static const char *const bodies[] = {
        "",
        "not json",
        "[1,2]",
        "[{\"payment_id\":1}]",
        "null",
        "\"payment_id\"",
        "5093564248",
        "{",
        "{\"payment_id\":1",
        "{\"payment_id\":1} trailing",
        "{\"payment_id\":1}{\"payment_id\":2}",
        "{}",
        "{\"payment_status\":\"waiting\"}",
        "{\"payment_id\":null}",
        "{\"payment_id\":1,\"payment_status\":5}",
        "{\"payment_id\":1,\"order_id\":{}}",
        "{\"payment_id\":1,\"invoice_id\":true}",
        "{\"payment_id\":1,\"invoice_id\":1.5}",
        "{\"payment_id\":1,\"parent_payment_id\":\"x\"}",
        "{\"payment_id\":1,\"updated_at\":[1]}",
        "{\"payment_id\":1,\"updated_at\":true}",
        "{\"payment_id\":\"\\u0031\\u0000\"}",
        /* the lexer's rules hold for the whole answer, not only the fields we read */
        "{\"payment_id\":1,\"network_precision\":08}",
        "{\"payment_id\":1,\"network\":\"b\tc\"}",
        "{\"payment_id\":1,\"network\":\"\xff\"}",
        "{\"payment_id\":1,\"network\":\"\\ud800\"}",
        "{\"payment_id\":1,\"x\":[1,]}",
        "\x0c{\"payment_id\":1}",
    };
    struct np_payment p;
    struct np_invoice v;

    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        fprintf(stderr, "# malformed %s\n", bodies[i]);
        CHECK_INTEQ(np_parse_payment(a, bodies[i], strlen(bodies[i]), &p), -1);
        CHECK_STREQ(p.payment_id, NULL);
        CHECK_INTEQ(np_parse_invoice(a, bodies[i], strlen(bodies[i]), &v), -1);
    }
    CHECK_INTEQ(np_parse_payment(a, NULL, 0, &p), -1);
    arena_reset(a);
}

static void
test_lexemes_are_found(struct arena *a)
{
    /* Only the first n bytes are the body. */
    static const char cut[] = "{\"payment_id\":12,\"pay_amount\":1e-7}GARBAGE";
    /* Strings with quotes, braces and commas, nested values and odd
     * whitespace before the amounts must not confuse the lexeme finder. */
    static const char tricky[] =
        "\xEF\xBB\xBF \r\n{ \"order_description\" : \"a \\\"}\\\" ,{[\\\\\" ,\n"
        "\"fee\":{\"depositFee\":0.000002,\"x\":[1,{\"y\":\"]\"}]},\"k\\\"ey\":[],"
        "\"payment_id\":7,\"pay_amount\"\t:\t1e2 ,\"actually_paid\":2.5E-3,"
        "\"updated_at\":1765249461097}";
    struct np_payment p;

    CHECK_INTEQ(np_parse_payment(a, cut, strlen(cut) - 7, &p), 0);
    CHECK_STREQ(p.payment_id, "12");
    CHECK_STREQ(p.pay_amount, "0.0000001");
    CHECK_STREQ(p.raw_json, "{\"payment_id\":12,\"pay_amount\":1e-7}");
    CHECK_INTEQ(np_parse_payment(a, tricky, strlen(tricky), &p), 0);
    CHECK_STREQ(p.order_description, "a \"}\" ,{[\\");
    CHECK_STREQ(p.payment_id, "7");
    CHECK_STREQ(p.pay_amount, "100");
    CHECK_STREQ(p.actually_paid, "0.0025");
    CHECK_STREQ(p.updated_at, "1765249461097");
    /* A repeated key: cJSON's lookup takes the first, and so do we. */
    CHECK_INTEQ(
        np_parse_payment(a, "{\"payment_id\":1,\"pay_amount\":1e1,\"pay_amount\":2}", 48, &p), 0);
    CHECK_STREQ(p.pay_amount, "10");
    arena_reset(a);
}

/* ---- configuration ----------------------------------------------------------- */

static int
load_cfg(void)
{
    static const struct cfg_key *const tables[] = {cfg_common_keys, np_cfg_keys, NULL};

    return cfg_load(tables);
}

static void
test_check_config(void)
{
    /* load: cfg_load (production's refusals are common/cfg.c's); check: np_check_config */
    static const struct {
        const char *env, *base, *key;
        int load, check;
    } cases[] = {
        {"development", "http://127.0.0.1:54330/v1", "sim-api-key", 0, 0},
        {"development", "https://api.nowpayments.io/v1", "real-key", 0, 0},
        {"production", "https://api.nowpayments.io/v1", "real-key", 0, 0},
        {"production", "https://api.nowpayments.io/v1", "sim-api-key", -1, 0},
        {"production", "http://api.nowpayments.io/v1", "real-key", -1, 0},
        {"production", "http://127.0.0.1:54330/v1", "sim-api-key", -1, 0},
        {"development", "ftp://api.nowpayments.io/v1", "real-key", 0, -1},
        {"development", "https://api.nowpayments.io/v1", "real key", 0, -1},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        setenv("FFX_ENV", cases[i].env, 1);
        setenv("NOWPAYMENTS_BASE_URL", cases[i].base, 1);
        setenv("NOWPAYMENTS_API_KEY", cases[i].key, 1);
        CHECK_INTEQ(load_cfg(), cases[i].load);
        if (cases[i].load == 0)
            CHECK_INTEQ(np_check_config(), cases[i].check);
    }
    setenv("FFX_NP_CA_FILE", "/nonexistent/ca.pem", 1);
    CHECK_INTEQ(load_cfg(), 0);
    CHECK_INTEQ(np_check_config(), -1);
    unsetenv("FFX_NP_CA_FILE");
    unsetenv("FFX_ENV");
    unsetenv("NOWPAYMENTS_API_KEY");
    CHECK(load_cfg() != 0); /* the key is required */
    setenv("NOWPAYMENTS_API_KEY", "test-key", 1);
    setenv("FFX_NP_TIMEOUT_MS", "50", 1);
    CHECK(load_cfg() != 0); /* below 100 */
    setenv("FFX_NP_TIMEOUT_MS", "120001", 1);
    CHECK(load_cfg() != 0);
    unsetenv("FFX_NP_TIMEOUT_MS");
    unsetenv("NOWPAYMENTS_BASE_URL");
    CHECK_INTEQ(load_cfg(), 0);
    CHECK_STREQ(cfg_str("NOWPAYMENTS_BASE_URL"), "https://api.nowpayments.io/v1");
    CHECK_INTEQ(cfg_int("FFX_NP_CONNECT_TIMEOUT_MS"), 3000);
    CHECK_INTEQ(cfg_int("FFX_NP_TIMEOUT_MS"), 10000);
    CHECK_STREQ(cfg_str("FFX_NP_CA_FILE"), NULL);
}

/* ---- a scripted HTTP server in a child process ------------------------------ */

enum act {
    SEND, /* answer with status, type and body (or `big` bytes) */
    SEND_EOF /* the same without Content-Length, then close */,
    HANG, /* read the request, never answer */
};

struct canned {
    enum act act;
    int status;
    const char *type;
    const char *body;
    size_t big; /* > 0: a body of this many 'x' bytes instead */
};

/* What the child saw of one request; written whole to a pipe (< PIPE_BUF). */
struct seen {
    char method[8];
    char path[128];
    int has_key, json_type, accepts_json;
    size_t body_len;
    char body[2048];
};

struct server {
    pid_t pid;
    int port;
    int rd;
};

static bool
header_is(const char *line, size_t n, const char *want)
{
    return n == strlen(want) && strncasecmp(line, want, n) == 0;
}

static void
scan_headers(char *head, struct seen *s, size_t *content_length)
{
    char *line = strstr(head, "\r\n") + 2;

    sscanf(head, "%7s %127s", s->method, s->path);
    while (line[0] != '\r') {
        char *eol = strstr(line, "\r\n");
        size_t n = (size_t)(eol - line);

        s->has_key |= header_is(line, n, "x-api-key: test-key");
        s->json_type |= header_is(line, n, "content-type: application/json");
        s->accepts_json |= header_is(line, n, "accept: application/json");
        if (strncasecmp(line, "content-length:", 15) == 0)
            *content_length = strtoul(line + 15, NULL, 10);
        line = eol + 2;
    }
}

/* read_request - one request from a kept-alive connection; -1 at EOF. */
static int
read_request(int fd, struct seen *s)
{
    static char buf[65536];
    size_t len = 0, content_length = 0;
    char *end = NULL;

    memset(s, 0, sizeof(*s));
    while (end == NULL) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    scan_headers(buf, s, &content_length);
    end += 4;
    while ((size_t)(buf + len - end) < content_length) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

        if (n <= 0)
            return -1;
        len += (size_t)n;
    }
    s->body_len = content_length;
    memcpy(s->body, end,
           content_length < sizeof(s->body) - 1 ? content_length : sizeof(s->body) - 1);
    return 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w <= 0)
            return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

static int
send_response(int fd, const struct canned *k)
{
    static char chunk[8192];
    size_t n = k->big ? k->big : strlen(k->body);
    char head[256];
    int hn;

    if (k->act == SEND)
        hn = snprintf(head, sizeof(head),
                      "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n", k->status,
                      k->type, n);
    else
        hn = snprintf(head, sizeof(head),
                      "HTTP/1.1 %d X\r\nContent-Type: %s\r\nConnection: close\r\n\r\n", k->status,
                      k->type);
    if (write_all(fd, head, (size_t)hn) != 0)
        return -1;
    if (k->big == 0)
        return write_all(fd, k->body, n);
    memset(chunk, 'x', sizeof(chunk));
    for (size_t sent = 0; sent < n; sent += sizeof(chunk))
        if (write_all(fd, chunk, n - sent < sizeof(chunk) ? n - sent : sizeof(chunk)) != 0)
            return -1;
    return 0;
}

static void
serve(int lfd, int wfd, const struct canned *script, size_t nscript)
{
    size_t next = 0;

    for (;;) {
        int c = accept(lfd, NULL, NULL);
        struct seen s;

        if (c < 0)
            continue;
        while (read_request(c, &s) == 0) {
            const struct canned *k = &script[next < nscript ? next : nscript - 1];
            char sink[256];

            next++;
            if (write_all(wfd, (const char *)&s, sizeof(s)) != 0)
                _exit(1);
            if (k->act == HANG) {
                while (read(c, sink, sizeof(sink)) > 0)
                    ;
                break;
            }
            if (send_response(c, k) != 0 || k->act == SEND_EOF)
                break;
        }
        close(c);
    }
}

static void
set_base(int port)
{
    char url[64];

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", port);
    setenv("NOWPAYMENTS_BASE_URL", url, 1);
    CHECK_INTEQ(load_cfg(), 0);
}

static struct server
server_start(const struct canned *script, size_t nscript)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t sl = sizeof(sa);
    struct server s = {-1, 0, -1};
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int p[2];

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0 || pipe(p) != 0)
        abort();
    s.port = ntohs(sa.sin_port);
    s.pid = fork();
    if (s.pid < 0)
        abort();
    if (s.pid == 0) {
        close(p[0]);
        signal(SIGPIPE, SIG_IGN);
        serve(lfd, p[1], script, nscript);
        _exit(0);
    }
    close(lfd);
    close(p[1]);
    s.rd = p[0];
    set_base(s.port);
    return s;
}

/* server_stop - kill the child and collect what it saw; the count. */
static size_t
server_stop(struct server *s, struct seen *seen, size_t max)
{
    size_t n = 0;
    struct seen one;

    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    for (;;) {
        size_t got = 0;

        while (got < sizeof(one)) {
            ssize_t r = read(s->rd, (char *)&one + got, sizeof(one) - got);

            if (r <= 0)
                break;
            got += (size_t)r;
        }
        if (got < sizeof(one))
            break;
        if (n < max)
            seen[n] = one;
        n++;
    }
    close(s->rd);
    return n;
}

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- transport --------------------------------------------------------------- */

#define N(x) (sizeof(x) / sizeof((x)[0]))

static struct seen seen[8];

static const char JSON[] = "application/json; charset=utf-8";
static const char HTML[] = "text/html";

static void
test_get_retries_then_succeeds(struct call *c)
{
    static const struct canned script[] = {
        {SEND, 500, HTML, "<html>oops</html>", 0},
        {SEND, 502, HTML, "<html>bad gateway</html>", 0},
        {SEND, 200, JSON, GET_2025_08, 0},
    };
    struct server s = server_start(script, N(script));
    struct np_payment p;
    double t0 = now_ms();

    c->provider_ms = 0;
    CHECK_INTEQ(np_get_payment(c, "5093564248", &p), ERR_OK);
    CHECK(now_ms() - t0 >= 790);  /* 200 ms + 600 ms of backoff */
    CHECK(c->provider_ms >= 790); /* the call's time at the provider, retries included */
    CHECK_INTEQ(server_stop(&s, seen, N(seen)), 3);
    CHECK_STREQ(seen[0].method, "GET");
    CHECK_STREQ(seen[0].path, "/v1/payment/5093564248");
    CHECK(seen[0].has_key && seen[2].has_key);
    CHECK(seen[0].accepts_json);
    CHECK(!seen[0].json_type);
    CHECK_STREQ(p.payment_id, "5093564248");
    CHECK_STREQ(p.payment_status, "waiting");
    CHECK_STREQ(p.purchase_id, "4628350473");
    CHECK_STREQ(p.outcome_amount, NULL);
    CHECK_STREQ(p.raw_json, GET_2025_08);
}

static void
expect_failure(struct call *c, const char *msg)
{
    CHECK_INTEQ(c->err.code, ERR_UPSTREAM);
    CHECK_STREQ(c->err.msg, msg);
    err_clear(&c->err);
}

/* One GET against a script; returns how many requests the server saw. */
static size_t
get_against(struct call *c, const struct canned *script, size_t n, const char *want_msg)
{
    struct server s = server_start(script, n);
    struct np_payment p;

    CHECK_INTEQ(np_get_payment(c, "5093564248", &p), want_msg ? ERR_UPSTREAM : ERR_OK);
    if (want_msg != NULL) {
        CHECK_STREQ(p.payment_id, NULL);
        expect_failure(c, want_msg);
    }
    return server_stop(&s, seen, N(seen));
}

static void
test_get_failures(struct call *c)
{
    static const struct canned html429[] = {{SEND, 429, HTML, ERR_HTML_429, 0}};
    static const struct canned forbidden[] = {{SEND, 403, JSON, ERR_INVALID_API_KEY, 0}};
    static const struct canned code_only[] = {
        {SEND, 400, JSON,
         "{\"status\":false,\"statusCode\":400,\"code\":\"INVALID_REQUEST_PARAMS\"}", 0}};
    static const struct canned json500[] = {
        {SEND, 500, JSON, "{\"status\":false,\"statusCode\":500,\"message\":\"Internal error\"}",
         0}};
    static const struct canned html404[] = {{SEND, 404, HTML, "<html>Not Found</html>", 0}};
    static const struct canned garbage[] = {{SEND, 200, JSON, "not json", 0}};
    static const struct canned no_id[] = {{SEND, 200, JSON, "{\"message\":\"OK\"}", 0}};
    static const struct canned other_shape[] = {{SEND, 200, JSON, INVOICE_2026, 0}};
    static const struct canned too_big[] = {{SEND, 200, JSON, NULL, NP_RESPONSE_MAX + 1}};
    static const struct canned too_big_eof[] = {{SEND_EOF, 200, JSON, NULL, 4 * NP_RESPONSE_MAX}};
    static const struct canned at_cap[] = {{SEND, 502, HTML, NULL, NP_RESPONSE_MAX}};
    static const struct canned ok_eof[] = {{SEND_EOF, 200, JSON, GET_2025_08, 0}};

    CHECK_INTEQ(get_against(c, html429, N(html429), "NowPayments error: rate limited"), 3);
    CHECK_INTEQ(get_against(c, forbidden, N(forbidden), "NowPayments error: Invalid api key"), 1);
    CHECK_INTEQ(
        get_against(c, code_only, N(code_only), "NowPayments error: INVALID_REQUEST_PARAMS"), 1);
    CHECK_INTEQ(get_against(c, json500, N(json500), "NowPayments error: Internal error"), 3);
    CHECK_INTEQ(get_against(c, html404, N(html404), "NowPayments error: unexpected status 404"), 1);
    CHECK_INTEQ(get_against(c, garbage, N(garbage), "NowPayments error: invalid response"), 1);
    CHECK_INTEQ(get_against(c, no_id, N(no_id), "NowPayments error: invalid response"), 1);
    CHECK_INTEQ(get_against(c, other_shape, N(other_shape), "NowPayments error: invalid response"),
                1);
    CHECK_INTEQ(get_against(c, too_big, N(too_big), "NowPayments error: response too large"), 1);
    CHECK_INTEQ(
        get_against(c, too_big_eof, N(too_big_eof), "NowPayments error: response too large"), 1);
    /* Exactly NP_RESPONSE_MAX bytes is allowed (here a 502, so retried). */
    CHECK_INTEQ(get_against(c, at_cap, N(at_cap), "NowPayments error: service unavailable"), 3);
    CHECK_INTEQ(get_against(c, ok_eof, N(ok_eof), NULL), 1);
}

static void
test_forbidden_detail(struct call *c)
{
    static const struct canned forbidden[] = {{SEND, 403, JSON, ERR_INVALID_API_KEY, 0}};
    struct server s = server_start(forbidden, N(forbidden));
    struct np_payment p;

    CHECK_INTEQ(np_get_payment(c, "1", &p), ERR_UPSTREAM);
    CHECK(strstr(c->err.detail, "status 403") != NULL);
    CHECK(strstr(c->err.detail, "INVALID_API_KEY") != NULL);
    CHECK(strstr(c->err.detail, "test-key") == NULL);
    CHECK_STREQ(err_client_message(&c->err), "NowPayments error: Invalid api key");
    CHECK_INTEQ(err_http_status(c->err.code), 500);
    err_clear(&c->err);
    server_stop(&s, seen, N(seen));
}

static void
test_timeout(struct call *c)
{
    static const struct canned hang[] = {{HANG, 0, NULL, NULL, 0}};
    double t0;
    size_t n;

    setenv("FFX_NP_TIMEOUT_MS", "300", 1);
    t0 = now_ms();
    n = get_against(c, hang, N(hang), "NowPayments error: timeout");
    t0 = now_ms() - t0;
    CHECK_INTEQ(n, 3);
    /* 3 x 300 ms + 800 ms backoff */
    CHECK(t0 >= 1650 && t0 < 4000);
    {
        struct server s = server_start(hang, N(hang));
        struct np_invoice v;
        const struct np_invoice_request q = {"10", "usd", NULL, "FFX000000001", "x", NULL,
                                             NULL, NULL,  0};

        t0 = now_ms();
        CHECK_INTEQ(np_create_invoice(c, &q, &v), ERR_UPSTREAM);
        CHECK(now_ms() - t0 < 1300);
        expect_failure(c, "NowPayments error: timeout");
        CHECK_INTEQ(server_stop(&s, seen, N(seen)), 1);
    }
    unsetenv("FFX_NP_TIMEOUT_MS");
    CHECK_INTEQ(load_cfg(), 0);
}

/* np_get_payment_limited: the caller's budget bounds the whole call (even
 * below FFX_NP_TIMEOUT_MS, never above it), and a single attempt means no
 * retry on a timeout or a 5xx. */
static void
test_get_limited(struct call *c)
{
    static const struct canned hang[] = {{HANG, 0, NULL, NULL, 0}};
    static const struct canned bad_gateway[] = {
        {SEND, 502, HTML, "<html>bad gateway</html>", 0},
        {SEND, 200, JSON, GET_2025_08, 0},
    };
    const struct np_limits once_300 = {300, true};
    const struct np_limits once = {0, true};
    struct np_payment p;
    struct server s;
    double t0;

    s = server_start(hang, N(hang)); /* FFX_NP_TIMEOUT_MS is the default 10000 here */
    t0 = now_ms();
    CHECK_INTEQ(np_get_payment_limited(c, "5093564248", &once_300, &p), ERR_UPSTREAM);
    t0 = now_ms() - t0;
    CHECK(t0 >= 290 && t0 < 1500);
    expect_failure(c, "NowPayments error: timeout");
    CHECK_INTEQ(server_stop(&s, seen, N(seen)), 1);

    s = server_start(bad_gateway, N(bad_gateway));
    CHECK_INTEQ(np_get_payment_limited(c, "5093564248", &once, &p), ERR_UPSTREAM);
    expect_failure(c, "NowPayments error: service unavailable");
    CHECK_INTEQ(server_stop(&s, seen, N(seen)), 1);

    /* a budget above FFX_NP_TIMEOUT_MS is cut to it; without single_attempt
     * the GET is retried as usual */
    setenv("FFX_NP_TIMEOUT_MS", "200", 1);
    s = server_start(hang, N(hang));
    t0 = now_ms();
    CHECK_INTEQ(np_get_payment_limited(c, "5093564248", &(struct np_limits){5000, false}, &p),
                ERR_UPSTREAM);
    t0 = now_ms() - t0;
    CHECK(t0 >= 1350 && t0 < 3500); /* 3 x 200 ms + 800 ms backoff */
    expect_failure(c, "NowPayments error: timeout");
    CHECK_INTEQ(server_stop(&s, seen, N(seen)), 3);
    unsetenv("FFX_NP_TIMEOUT_MS");
    CHECK_INTEQ(load_cfg(), 0);

    s = server_start(bad_gateway, N(bad_gateway));
    CHECK_INTEQ(np_get_payment_limited(c, "5093564248", NULL, &p), ERR_OK);
    CHECK_STREQ(p.payment_id, "5093564248");
    CHECK_INTEQ(server_stop(&s, seen, N(seen)), 2);
}

static void
test_connection_refused(struct call *c)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct np_payment p;
    double t0;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
        abort();
    close(fd); /* nobody listens there now */
    set_base(ntohs(sa.sin_port));
    t0 = now_ms();
    CHECK_INTEQ(np_get_payment(c, "5093564248", &p), ERR_UPSTREAM);
    t0 = now_ms() - t0;
    CHECK(t0 >= 790 && t0 < 3000); /* retried twice, quickly */
    CHECK(strstr(c->err.detail, "curl: ") != NULL && strstr(c->err.detail, "curl: -") == NULL);
    expect_failure(c, "NowPayments error: connection failed");
}

static void
test_create_invoice(struct call *c)
{
    static const struct canned created[] = {{SEND, 201, JSON, INVOICE_2026, 0}};
    static const struct canned fail500[] = {{SEND, 500, HTML, "<html>oops</html>", 0}};
    static const struct canned fail429[] = {{SEND, 429, HTML, ERR_HTML_429, 0}};
    const struct np_invoice_request q = {
        "649.00",
        "usd",
        NULL,
        "FFX000000001",
        "Challenge \"100K\" \xc3\xa9",
        "https://example.com/functions/v1/payment-webhook",
        "https://example.com/ok?a=1&b=2",
        "https://example.com/cancel",
        1,
    };
    struct np_invoice v;
    struct server s = server_start(created, N(created));

    CHECK_INTEQ(np_create_invoice(c, &q, &v), ERR_OK);
    CHECK_INTEQ(server_stop(&s, seen, N(seen)), 1);
    CHECK_STREQ(v.id, "6095133277");
    CHECK_STREQ(v.price_amount, "1");
    CHECK_STREQ(v.invoice_url, "https://nowpayments.io/payment/?iid=6095133277");
    CHECK_STREQ(seen[0].method, "POST");
    CHECK_STREQ(seen[0].path, "/v1/invoice");
    CHECK(seen[0].has_key && seen[0].json_type && seen[0].accepts_json);
    CHECK_STREQ(seen[0].body,
                "{\"price_amount\":649.00,\"price_currency\":\"usd\",\"order_id\":\"FFX000000001\","
                "\"order_description\":\"Challenge \\\"100K\\\" \xc3\xa9\",\"ipn_callback_url\":"
                "\"https://example.com/functions/v1/payment-webhook\",\"success_url\":"
                "\"https://example.com/ok?a=1&b=2\",\"cancel_url\":\"https://example.com/cancel\","
                "\"is_fixed_rate\":true}");

    /* pay_currency goes in when given; false is a JSON false. */
    {
        struct np_invoice_request q2 = q;

        q2.pay_currency = "btc";
        q2.is_fixed_rate = 0;
        s = server_start(created, N(created));
        CHECK_INTEQ(np_create_invoice(c, &q2, &v), ERR_OK);
        CHECK_INTEQ(server_stop(&s, seen, N(seen)), 1);
        CHECK(strstr(seen[0].body, "\"pay_currency\":\"btc\"") != NULL);
        CHECK(strstr(seen[0].body, "\"is_fixed_rate\":false") != NULL);
    }

    /* A POST is tried once, whatever happened. */
    s = server_start(fail500, N(fail500));
    CHECK_INTEQ(np_create_invoice(c, &q, &v), ERR_UPSTREAM);
    expect_failure(c, "NowPayments error: service unavailable");
    CHECK_INTEQ(server_stop(&s, seen, N(seen)), 1);
    CHECK_STREQ(v.id, NULL);
    s = server_start(fail429, N(fail429));
    CHECK_INTEQ(np_create_invoice(c, &q, &v), ERR_UPSTREAM);
    expect_failure(c, "NowPayments error: rate limited");
    CHECK_INTEQ(server_stop(&s, seen, N(seen)), 1);
}

static void
test_create_invoice_payment(struct call *c)
{
    static const struct canned created[] = {{SEND, 201, JSON, CREATE_2025_08, 0}};
    static const struct canned minimal[] = {
        {SEND, 400, JSON,
         "{\"status\":false,\"statusCode\":400,\"code\":\"AMOUNT_MINIMAL_ERROR\",\"message\":"
         "\"Crypto amount 10.485047 is less than minimal\"}",
         0}};
    struct np_payment p;
    struct server s = server_start(created, N(created));

    CHECK_INTEQ(
        np_create_invoice_payment(c, "6095133277", "usdtbsc", "FFX000000001", "Challenge", &p),
        ERR_OK);
    CHECK_INTEQ(server_stop(&s, seen, N(seen)), 1);
    CHECK_STREQ(p.payment_id, "5977953151");
    CHECK_STREQ(p.pay_address, "0x24070CE7202c541381F3dF0aeb58d253006b9262");
    CHECK_STREQ(p.pay_amount, "13.25552622");
    CHECK_STREQ(seen[0].method, "POST");
    CHECK_STREQ(seen[0].path, "/v1/invoice-payment");
    CHECK(seen[0].has_key && seen[0].json_type);
    CHECK_STREQ(seen[0].body, "{\"iid\":6095133277,\"pay_currency\":\"usdtbsc\",\"order_id\":"
                              "\"FFX000000001\",\"order_description\":\"Challenge\"}");

    s = server_start(minimal, N(minimal));
    CHECK_INTEQ(np_create_invoice_payment(c, "6095133277", "btc", NULL, NULL, &p), ERR_UPSTREAM);
    expect_failure(c, "NowPayments error: Crypto amount 10.485047 is less than minimal");
    CHECK_INTEQ(server_stop(&s, seen, N(seen)), 1);
    CHECK_STREQ(seen[0].body, "{\"iid\":6095133277,\"pay_currency\":\"btc\"}");
}

/* Bad ids and amounts from our side never reach the network. */
static void
test_refused_without_a_call(struct call *c)
{
    static const struct canned ok[] = {{SEND, 200, JSON, GET_2025_08, 0}};
    static const char *const bad_ids[] = {"",   "12a", "../x",  "1 2",
                                          "-5", "1/2", "5?x=1", "12345678901234567890"};
    struct server s = server_start(ok, N(ok));
    struct np_payment p;
    struct np_invoice v;
    struct np_invoice_request q = {"12,50", "usd", NULL, "FFX000000001", NULL, NULL, NULL, NULL, 0};

    for (size_t i = 0; i < N(bad_ids); i++) {
        CHECK_INTEQ(np_get_payment(c, bad_ids[i], &p), ERR_UPSTREAM);
        expect_failure(c, "NowPayments error: invalid payment id");
    }
    CHECK_INTEQ(np_get_payment(c, NULL, &p), ERR_UPSTREAM);
    expect_failure(c, "NowPayments error: invalid payment id");
    CHECK_INTEQ(np_create_invoice_payment(c, "abc", "btc", NULL, NULL, &p), ERR_UPSTREAM);
    expect_failure(c, "NowPayments error: invalid invoice id");
    CHECK_INTEQ(np_create_invoice_payment(c, "0123", "btc", NULL, NULL, &p), ERR_UPSTREAM);
    expect_failure(c, "NowPayments error: invalid invoice id");
    CHECK_INTEQ(np_create_invoice(c, &q, &v), ERR_UPSTREAM);
    expect_failure(c, "NowPayments error: invalid price amount");
    q.price_amount = "1, \"x\": 2";
    CHECK_INTEQ(np_create_invoice(c, &q, &v), ERR_UPSTREAM);
    expect_failure(c, "NowPayments error: invalid price amount");
    q.price_amount = NULL;
    CHECK_INTEQ(np_create_invoice(c, &q, &v), ERR_UPSTREAM);
    expect_failure(c, "NowPayments error: invalid price amount");
    CHECK_INTEQ(server_stop(&s, seen, N(seen)), 0);
}

/* Every line the client logged: one per call, never the key. */
static void
test_log(int log_fd)
{
    static char buf[1 << 20];
    ssize_t n = pread(log_fd, buf, sizeof(buf) - 1, 0);
    size_t calls = 0;

    CHECK(n > 0);
    buf[n > 0 ? n : 0] = '\0';
    CHECK(strstr(buf, "test-key") == NULL);
    CHECK(strstr(buf, "x-api-key") == NULL);
    CHECK(strstr(buf, "0x44568B551126DE713C8EA19ec9eeB6081829d400") == NULL); /* no bodies */
    for (const char *p = buf; (p = strstr(p, "\"mod\":\"nowpayments\"")) != NULL; p++)
        calls++;
    CHECK(calls >= 20);
    CHECK(strstr(buf, "\"method\":\"GET\",\"path\":\"/payment/5093564248\",\"status\":200,"
                      "\"attempts\":3") != NULL);
    CHECK(strstr(buf, "\"outcome\":\"rate limited\"") != NULL);
    CHECK(strstr(buf, "\"outcome\":\"timeout\"") != NULL);
    CHECK(strstr(buf, "\"code\":\"INVALID_API_KEY\"") != NULL);
    CHECK(strstr(buf, "\"dur_ms\":") != NULL);
}

int
main(void)
{
    struct arena *a = arena_create(64 * 1024);
    FILE *log_file = tmpfile();
    struct call c;

    if (a == NULL || log_file == NULL)
        return 1;
    log_set_fd(fileno(log_file));
    test_recorded_payments(a);
    test_recorded_invoices(a);
    test_errors(a);
    test_ids(a);
    test_amounts(a);
    test_malformed(a);
    test_lexemes_are_found(a);
    test_check_config();

    setenv("NOWPAYMENTS_API_KEY", "test-key", 1);
    setenv("FFX_NP_CONNECT_TIMEOUT_MS", "1000", 1);
    CHECK_INTEQ(load_cfg(), 0);
    CHECK_INTEQ(np_init(), 0);
    CHECK_INTEQ(np_init(), 0); /* idempotent */
    call_init(&c, a, NULL);
    test_get_retries_then_succeeds(&c);
    test_get_failures(&c);
    test_forbidden_detail(&c);
    test_timeout(&c);
    test_get_limited(&c);
    test_connection_refused(&c);
    test_create_invoice(&c);
    test_create_invoice_payment(&c);
    test_refused_without_a_call(&c);
    test_log(fileno(log_file));

    np_fini();
    cfg_free();
    arena_destroy(a);
    fclose(log_file);
    return check_done();
}
