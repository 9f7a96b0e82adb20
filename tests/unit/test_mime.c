/* SPDX-License-Identifier: MIT */
/*
 * test_mime.c - e-mail messages as text: quoted-printable (RFC 2045 6.7),
 * RFC 2047 encoded words, addresses, header injection, dates, and whole
 * messages compared byte for byte with what the mailer wrote before this
 * module existed (tests/unit/data/mime: the rendered templates and the
 * message main's ffx-mailer built from them, its Date fixed).
 */
#include "arena.h"
#include "check.h"
#include "mime.h"
#include "strbuf.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

/* Mon, 02 Feb 2026 09:05:00 +0000, the Date of the golden messages. */
#define GOLDEN_DATE ((time_t)1770023100)

static const char *
qp(struct arena *a, const char *s)
{
    struct strbuf b;

    strbuf_init(&b, a, 0, 0);
    mime_qp_encode(&b, s);
    return strbuf_text(&b);
}

static const char *
encoded_header(struct arena *a, const char *s)
{
    struct strbuf b;

    strbuf_init(&b, a, 0, 0);
    mime_header_encode(&b, s);
    return strbuf_text(&b);
}

/* repeat - n copies of c, then tail, in the arena. */
static const char *
repeat(struct arena *a, char c, size_t n, const char *tail)
{
    char *s = arena_alloc(a, n + strlen(tail) + 1);

    memset(s, c, n);
    strcpy(s + n, tail);
    return s;
}

/* ---- quoted-printable --------------------------------------------------------- */

static const struct {
    const char *in, *out;
} qp_cases[] = {
    {"", ""},
    {"plain text, punctuation: (ok) [ok] {ok} ~!@#$%^&*_+-/?<>", NULL}, /* NULL: unchanged */
    {"a=b", "a=3Db"},
    {"==", "=3D=3D"},
    {"trailing space ", "trailing space=20"},
    {"trailing tab\t", "trailing tab=09"},
    {"space before LF \nx", "space before LF=20\r\nx"},
    {"space before CRLF \r\nx", "space before CRLF=20\r\nx"},
    {"tab\tinside and  two spaces", NULL},
    {"LF\nCRLF\r\nend", "LF\r\nCRLF\r\nend"},
    {"\n\n", "\r\n\r\n"},
    {"lone \r CR", "lone =0D CR"},
    {"CR CR LF\r\r\n", "CR CR LF=0D\r\n"},
    {"caf\xc3\xa9", "caf=C3=A9"},
    {"\x01\x1f\x7f\xff", "=01=1F=7F=FF"},
    /* SMTP transparency is libcurl's: it doubles a leading dot on the wire */
    {".hidden\n.\n..", ".hidden\r\n.\r\n.."},
    /* "=?" means nothing in a body */
    {"=?UTF-8?B?SGk=?=", "=3D?UTF-8?B?SGk=3D?=3D"},
};

static void
test_qp_vectors(struct arena *a)
{
    for (size_t i = 0; i < NELEM(qp_cases); i++) {
        const char *want = qp_cases[i].out != NULL ? qp_cases[i].out : qp_cases[i].in;

        CHECK_STREQ(qp(a, qp_cases[i].in), want);
    }
    arena_reset(a);
}

/* Soft breaks: a line holds at most 75 characters and the "=" of a soft
 * break; an =XX is never split. */
static void
test_qp_line_length(struct arena *a)
{
    const char *x75 = repeat(a, 'x', 75, "");

    CHECK_STREQ(qp(a, x75), x75);
    CHECK_STREQ(qp(a, repeat(a, 'x', 76, "")), arena_sprintf(a, "%s=\r\nx", x75));
    CHECK_STREQ(qp(a, repeat(a, 'x', 100, "")),
                arena_sprintf(a, "%s=\r\n%s", x75, repeat(a, 'x', 25, "")));
    /* an =3D that does not fit moves whole to the next line */
    CHECK_STREQ(qp(a, repeat(a, 'x', 73, "=")),
                arena_sprintf(a, "%s=\r\n=3D", repeat(a, 'x', 73, "")));
    CHECK_STREQ(qp(a, repeat(a, 'x', 72, "=")), arena_sprintf(a, "%s=3D", repeat(a, 'x', 72, "")));
    /* a space kept before a soft break is not trailing: the "=" follows it */
    CHECK_STREQ(qp(a, repeat(a, 'x', 74, " y")),
                arena_sprintf(a, "%s =\r\ny", repeat(a, 'x', 74, "")));
    /* a line's final space that does not fit is encoded on the next */
    CHECK_STREQ(qp(a, repeat(a, 'x', 75, " \n")), arena_sprintf(a, "%s=\r\n=20\r\n", x75));
    /* a hard break starts a new count */
    CHECK_STREQ(qp(a, arena_sprintf(a, "%s\n%s", x75, x75)),
                arena_sprintf(a, "%s\r\n%s", x75, x75));
    arena_reset(a);
}

/* qp_decode - RFC 2045's decoding of s, CRLF read as LF, into out. */
static size_t
qp_decode(const char *s, char *out)
{
    size_t o = 0;

    while (*s != '\0') {
        if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
            s += 3;
        } else if (s[0] == '=') {
            char hex[3] = {s[1], s[2], '\0'};

            out[o++] = (char)strtol(hex, NULL, 16);
            s += 3;
        } else if (s[0] == '\r' && s[1] == '\n') {
            out[o++] = '\n';
            s += 2;
        } else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
    return o;
}

/* Random bytes of every kind: each output line within 76 characters, of
 * the allowed characters, not ending in a blank, and decoding back to the
 * input (line ends as LF). */
static void
test_qp_random(struct arena *a)
{
    static const char alphabet[] = "ab =\t\r\n.\x01\x7f\xc3\xa9\xff";
    unsigned long long x = 0x9E3779B97F4A7C15ull;
    int failed = check_failed;

    for (int round = 0; round < 3000 && check_failed == failed; round++) {
        size_t n = (size_t)(x % 300);
        char *in = arena_alloc(a, n + 1), *norm = arena_alloc(a, n + 1), *back = NULL;
        const char *out = NULL, *line = NULL;
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            in[i] = alphabet[x % (sizeof(alphabet) - 1)];
        }
        in[n] = '\0';
        for (size_t i = 0; i < n; i++) /* what decoding gives back: CRLF as LF */
            if (!(in[i] == '\r' && in[i + 1] == '\n'))
                norm[k++] = in[i];
        norm[k] = '\0';
        out = qp(a, in);
        back = arena_alloc(a, strlen(out) + 1);
        qp_decode(out, back);
        CHECK_STREQ(back, norm);
        for (line = out; *line != '\0';) {
            const char *end = strstr(line, "\r\n");
            size_t len = end != NULL ? (size_t)(end - line) : strlen(line);

            CHECK(len <= 76);
            CHECK(len == 0 || (line[len - 1] != ' ' && line[len - 1] != '\t'));
            for (size_t i = 0; i < len; i++)
                CHECK(line[i] == '\t' || (line[i] >= ' ' && line[i] < 127));
            line += len + (end != NULL ? 2 : 0);
        }
        if (check_failed != failed)
            fprintf(stderr, "  for input of %zu bytes, output:\n%s\n", n, out);
        arena_reset(a);
    }
}

/* ---- encoded words ---------------------------------------------------------------- */

static void
test_header_encode(struct arena *a)
{
    const char *a66 = repeat(a, 'a', 66, "");

    CHECK_STREQ(encoded_header(a, "Your FlashFundX one_step account (FFX000000042) is ready"),
                "Your FlashFundX one_step account (FFX000000042) is ready");
    CHECK_STREQ(encoded_header(a, ""), "");
    CHECK_STREQ(encoded_header(a, a66), a66);
    CHECK_STREQ(encoded_header(a, repeat(a, 'a', 67, "")),
                "=?UTF-8?B?YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh?=\r\n"
                " =?UTF-8?B?YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYQ==?=");
    CHECK_STREQ(encoded_header(a, "Gr\xc3\xbc\xc3\x9f"
                                  "e"),
                "=?UTF-8?B?R3LDvMOfZQ==?=");
    /* Text that reads as an encoded word is encoded, or a reader would
     * decode it: "Hi =?UTF-8?B?SGk=?=" would show as "Hi Hi". */
    CHECK_STREQ(encoded_header(a, "Hi =?UTF-8?B?SGk=?="),
                "=?UTF-8?B?SGkgPT9VVEYtOD9CP1NHaz0/PQ==?=");
    arena_reset(a);
}

/* word_text - the decoded text of the encoded words of a header value, or
 * NULL when one is malformed, longer than 75 characters, or not whole
 * UTF-8 characters. */
static char *
word_text(struct arena *a, const char *value)
{
    char *out = arena_alloc(a, strlen(value) + 1);
    size_t o = 0;

    while (*value != '\0') {
        const char *end = strstr(value, "?=");
        unsigned char bytes[128];
        size_t len = 0;
        int n = 0;

        if (strncmp(value, "=?UTF-8?B?", 10) != 0 || end == NULL || end + 2 - value > 75)
            return NULL;
        len = (size_t)(end - value - 10);
        n = EVP_DecodeBlock(bytes, (const unsigned char *)value + 10, (int)len);
        if (n < 0)
            return NULL;
        while (len > 0 && value[10 + len - 1] == '=') /* padding decodes as zeros */
            len--, n--;
        memcpy(out + o, bytes, (size_t)n);
        out[o + (size_t)n] = '\0';
        for (size_t i = 0; i < (size_t)n;) {
            size_t step = (bytes[i] & 0x80) == 0      ? 1
                          : (bytes[i] & 0xE0) == 0xC0 ? 2
                          : (bytes[i] & 0xF0) == 0xE0 ? 3
                                                      : 4;

            if (i + step > (size_t)n)
                return NULL; /* a character split between two words */
            i += step;
        }
        o += (size_t)n;
        value = end + 2;
        if (strncmp(value, "\r\n ", 3) == 0)
            value += 3;
    }
    return out;
}

/* Long non-ASCII text: words of whole characters, each at most 75
 * characters, folded, decoding back to the text. */
static void
test_header_words(struct arena *a)
{
    /* parenthesised: one string each, however many literals it takes */
    static const char *const texts[] = {
        ("Gr\xc3\xbc\xc3\x9f"
         "e aus K\xc3\xb6ln \xe2\x80\x94 Ihre Bestellung FFX000000042 ist "
         "unterwegs, mit allen Details dazu \xf0\x9f\x9a\x80"),
        ("\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87"
         "\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87"
         "\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87"),
        ("\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
         "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
         "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"),
    };

    for (size_t i = 0; i < NELEM(texts); i++) {
        const char *value = encoded_header(a, texts[i]);

        CHECK(strstr(value, "\r\n ") != NULL); /* long enough to need two words */
        CHECK_STREQ(word_text(a, value), texts[i]);
    }
    arena_reset(a);
}

/* ---- addresses, header text, injection ----------------------------------------------- */

static const struct {
    const char *addr;
    bool ok;
} address_cases[] = {
    {"customer@example.com", true},
    {"first.last+tag@sub.example.co", true},
    {"a@b", true},
    {"", false},
    {"@example.com", false},
    {"customer@", false},
    {"customer", false},
    {"a@b@c", false},
    {"a b@example.com", false},
    {"a@example.com\r\nBcc: evil@example.com", false},
    {"a@example.com\nBcc: evil@example.com", false},
    {"<a@example.com>", false},
    {"a@example.com>", false},
    {"\"a\"@example.com", false},
    {"a,b@example.com", false},
    {"a;b@example.com", false},
    {"a:b@example.com", false},
    {"a\\b@example.com", false},
    {"a(b)@example.com", false},
    {"a[b]@example.com", false},
    {"z\xc3\xb6"
     "e@example.com",
     false},
    {"a\tb@example.com", false},
    {"a\x7f@example.com", false},
};

static void
test_addresses(struct arena *a)
{
    for (size_t i = 0; i < NELEM(address_cases); i++)
        CHECK_INTEQ(mime_address_ok(address_cases[i].addr), address_cases[i].ok);
    CHECK(mime_address_ok(arena_sprintf(a, "%s@example.com", repeat(a, 'a', 242, ""))));  /* 254 */
    CHECK(!mime_address_ok(arena_sprintf(a, "%s@example.com", repeat(a, 'a', 243, "")))); /* 255 */
    CHECK_STREQ(mime_header_text(a, "a\r\nb\tc\x7f"
                                    "d\x01"),
                "a  b c d ");
    CHECK_STREQ(mime_header_text(a, "ok \xc3\xa9"), "ok \xc3\xa9");
    CHECK_STREQ(mime_header_text(a, "bad \xff end"), "bad \xef\xbf\xbd end"); /* U+FFFD */
    arena_reset(a);
}

static const struct {
    const char *from;
    int rc;
    const char *addr, *header;
} mailbox_cases[] = {
    {"FlashFundX <no-reply@flashfundx.local>", 0, "no-reply@flashfundx.local",
     "FlashFundX <no-reply@flashfundx.local>"},
    {"no-reply@flashfundx.local", 0, "no-reply@flashfundx.local", "no-reply@flashfundx.local"},
    {"<no-reply@flashfundx.local>", 0, "no-reply@flashfundx.local", "<no-reply@flashfundx.local>"},
    {"FlashFundX Se\xc3\xb1"
     "al   <no-reply@flashfundx.local>",
     0, "no-reply@flashfundx.local",
     "=?UTF-8?B?Rmxhc2hGdW5kWCBTZcOxYWw=?= <no-reply@flashfundx.local>"},
    /* a CR or LF in the configured name becomes a space: no second header */
    {"Evil\r\nBcc: x@example.com <no-reply@flashfundx.local>", 0, "no-reply@flashfundx.local",
     "Evil  Bcc: x@example.com <no-reply@flashfundx.local>"},
    {"Name <a@b.co", -1, NULL, NULL},
    {"Name <<a@b.co>>", -1, NULL, NULL},
    {"Name <a@b.co> x", -1, NULL, NULL},
    {"Name <>", -1, NULL, NULL},
    {"Name <a b@c.co>", -1, NULL, NULL},
    {"a@b.co\r\nBcc: x@example.com", -1, NULL, NULL},
    {"", -1, NULL, NULL},
};

static void
test_mailbox(struct arena *a)
{
    for (size_t i = 0; i < NELEM(mailbox_cases); i++) {
        const char *addr = NULL, *header = NULL;
        int failed = check_failed;

        CHECK_INTEQ(mime_mailbox(a, mailbox_cases[i].from, &addr, &header), mailbox_cases[i].rc);
        if (mailbox_cases[i].rc == 0) {
            CHECK_STREQ(addr, mailbox_cases[i].addr);
            CHECK_STREQ(header, mailbox_cases[i].header);
        }
        if (check_failed != failed)
            fprintf(stderr, "  for From %s\n", mailbox_cases[i].from);
    }
    arena_reset(a);
}

static void
test_date(void)
{
    char out[MIME_DATE_LEN];

    mime_date(0, out);
    CHECK_STREQ(out, "Thu, 01 Jan 1970 00:00:00 +0000");
    mime_date(GOLDEN_DATE, out);
    CHECK_STREQ(out, "Mon, 02 Feb 2026 09:05:00 +0000");
    mime_date(1709251199, out);
    CHECK_STREQ(out, "Thu, 29 Feb 2024 23:59:59 +0000");
    mime_date(1767225599, out);
    CHECK_STREQ(out, "Wed, 31 Dec 2025 23:59:59 +0000");
}

/* message - m built, in the arena. */
static const char *
message(struct arena *a, const struct mime_message *m)
{
    struct strbuf b;

    strbuf_init(&b, a, 4096, 0);
    mime_build(&b, m);
    return strbuf_text(&b);
}

/* header_names - how many lines of text's header start with name. */
static int
header_lines(const char *text, const char *name)
{
    const char *end = strstr(text, "\r\n\r\n");
    int count = 0;

    for (const char *line = text; line != NULL && line < end;) {
        if (strncmp(line, name, strlen(name)) == 0)
            count++;
        line = strstr(line, "\r\n");
        line = line != NULL ? line + 2 : NULL;
    }
    return count;
}

/* Whatever a subject, a recipient, a Message-ID or a boundary holds, no
 * value starts a header line of its own. */
static void
test_injection(struct arena *a)
{
    static const char *const subjects[] = {
        "Hello\r\nBcc: evil@example.com",
        "Hello\nBcc: evil@example.com",
        "Hello\rBcc: evil@example.com",
        ("Gr\xc3\xbc\xc3\x9f"
         "e\r\nBcc: evil@example.com"),
        "\r\n\r\nbody injected",
    };

    for (size_t i = 0; i < NELEM(subjects); i++) {
        struct mime_message m = {
            .from = "FlashFundX <no-reply@flashfundx.local>",
            .to = "customer@example.com\r\nBcc: evil@example.com",
            .subject = subjects[i],
            .message_id = "<outbox-1@flashfundx.local>\r\nBcc: evil@example.com",
            .date = GOLDEN_DATE,
            .boundary = "=_ffx_outbox_1\r\nBcc: evil@example.com",
            .html = "<p>x</p>",
        };
        const char *text = message(a, &m);

        CHECK_INTEQ(header_lines(text, "Bcc:"), 0);
        CHECK_INTEQ(header_lines(text, "Subject: "), 1);
        CHECK(strstr(text, "\r\nbody injected") == NULL);
        CHECK(strncmp(strstr(text, "\r\n\r\n"), "\r\n\r\nThis is a multi-part", 24) == 0);
    }
    CHECK(strstr(message(a, &(struct mime_message){.from = "x@y.z",
                                                   .to = "a@b.c",
                                                   .subject = "Hello\r\nBcc: evil@example.com",
                                                   .message_id = "<1@x>",
                                                   .boundary = "=_1",
                                                   .html = ""}),
                 "\r\nSubject: Hello  Bcc: evil@example.com\r\n") != NULL);
    arena_reset(a);
}

/* The parts: text then HTML, or HTML alone; boundaries around them. */
static void
test_structure(struct arena *a)
{
    struct mime_message m = {
        .from = "x@y.z",
        .to = "a@b.c",
        .subject = "s",
        .message_id = "<outbox-9@flashfundx.local>",
        .date = GOLDEN_DATE,
        .boundary = "=_ffx_outbox_9",
        .text = "plain",
        .html = "<b>html</b>",
    };
    const char *both = message(a, &m), *html_only = NULL;

    CHECK_STREQ(both, "Date: Mon, 02 Feb 2026 09:05:00 +0000\r\n"
                      "From: x@y.z\r\n"
                      "To: a@b.c\r\n"
                      "Subject: s\r\n"
                      "Message-ID: <outbox-9@flashfundx.local>\r\n"
                      "MIME-Version: 1.0\r\n"
                      "Auto-Submitted: auto-generated\r\n"
                      "Content-Type: multipart/alternative; boundary=\"=_ffx_outbox_9\"\r\n"
                      "\r\n"
                      "This is a multi-part message in MIME format.\r\n"
                      "\r\n"
                      "--=_ffx_outbox_9\r\n"
                      "Content-Type: text/plain; charset=UTF-8\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n"
                      "\r\n"
                      "plain\r\n"
                      "--=_ffx_outbox_9\r\n"
                      "Content-Type: text/html; charset=UTF-8\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n"
                      "\r\n"
                      "<b>html</b>\r\n"
                      "--=_ffx_outbox_9--\r\n");
    m.text = NULL;
    html_only = message(a, &m);
    CHECK(strstr(html_only, "text/plain") == NULL);
    CHECK(strstr(html_only, "--=_ffx_outbox_9\r\nContent-Type: text/html") != NULL);
    arena_reset(a);
}

/* ---- the mailer's messages, before and after ------------------------------------------- */

static char *
slurp(struct arena *a, const char *name, const char *ext)
{
    char *path = arena_sprintf(a, "%s/%s.%s", MIME_DATA_DIR, name, ext);
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long n = 0;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    text = arena_alloc(a, (size_t)n + 1);
    if (fread(text, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    text[n] = '\0';
    fclose(f);
    return text;
}

static const struct {
    const char *name;
    const char *from;
    const char *to;
    const char *id;
} golden_cases[] = {
    {"account_delivery", "FlashFundX <no-reply@flashfundx.local>", "customer@example.com", "42"},
    {"payment_review", "FlashFundX <no-reply@flashfundx.local>", "customer@example.com", "42"},
    {"encoders",
     "FlashFundX Se\xc3\xb1"
     "al <no-reply@flashfundx.local>",
     "zoe@example.com", "7"},
};

static void
test_golden(struct arena *a)
{
    for (size_t i = 0; i < NELEM(golden_cases); i++) {
        const char *name = golden_cases[i].name, *addr = NULL, *from = NULL;
        const char *want = slurp(a, name, "eml"), *got = NULL;
        struct mime_message m = {
            .to = golden_cases[i].to,
            .subject = slurp(a, name, "subject"),
            .message_id = arena_sprintf(a, "<outbox-%s@flashfundx.local>", golden_cases[i].id),
            .date = GOLDEN_DATE,
            .boundary = arena_sprintf(a, "=_ffx_outbox_%s", golden_cases[i].id),
            .text = slurp(a, name, "text"),
            .html = slurp(a, name, "html"),
        };

        CHECK(want != NULL && m.subject != NULL && m.html != NULL);
        CHECK_INTEQ(mime_mailbox(a, golden_cases[i].from, &addr, &from), 0);
        m.from = from;
        got = message(a, &m);
        CHECK_STREQ(got, want);
        for (const char *line = got; line != NULL;) { /* RFC 5322's 78, as it.mailer checks */
            const char *end = strstr(line, "\r\n");

            CHECK(end == NULL || end - line <= 78);
            line = end != NULL ? end + 2 : NULL;
        }
        if (got != NULL && want != NULL && strcmp(got, want) != 0)
            fprintf(stderr, "  in golden message %s\n", name);
        arena_reset(a);
    }
}

int
main(void)
{
    struct arena *a = arena_create(65536);

    test_qp_vectors(a);
    test_qp_line_length(a);
    test_qp_random(a);
    test_header_encode(a);
    test_header_words(a);
    test_addresses(a);
    test_mailbox(a);
    test_date();
    test_injection(a);
    test_structure(a);
    test_golden(a);
    arena_destroy(a);
    return check_done();
}
