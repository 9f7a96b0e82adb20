/* SPDX-License-Identifier: MIT */
/*
 * mime.c - e-mail messages as text: addresses, header text and RFC 2047
 * encoded words, quoted-printable bodies, the multipart/alternative
 * message. Strings are built in the caller's arena or strbuf.
 */
#include "mime.h"
#include "arena.h"
#include "strbuf.h"
#include "text.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

/* Bytes of text per encoded word: 52 base64 characters, so that
 * "=?UTF-8?B?...?=" is 64 characters and "Subject: " plus one stays
 * under 76. */
#define WORD_BYTES 39
/* The longest header text kept as it is: "Subject: " and 66 is 75. */
#define PLAIN_HEADER_MAX 66
/* A quoted-printable line: 75 characters and a soft break's "=". */
#define QP_LINE_MAX 75

/* ---- addresses and header text -------------------------------------------- */

bool
mime_address_ok(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');

    if (n == 0 || n > MIME_ADDRESS_MAX || at == NULL || at == s || at[1] == '\0' ||
        strchr(at + 1, '@') != NULL)
        return false;
    for (const char *p = s; *p != '\0'; p++)
        if (*p <= ' ' || *p >= 127 || strchr("<>()[],;:\"\\", *p) != NULL)
            return false;
    return true;
}

char *
mime_header_text(struct arena *a, const char *s)
{
    char *out = text_utf8_clean(a, s, strlen(s));

    for (char *p = out; *p != '\0'; p++)
        if ((unsigned char)*p < ' ' || *p == 127)
            *p = ' ';
    return out;
}

static bool
is_ascii(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s >= 128)
            return false;
    return true;
}

/* word_bytes - how many bytes of s, whole UTF-8 characters, fit in one
 * encoded word. */
static size_t
word_bytes(const char *s)
{
    size_t take = 0, n = strlen(s);

    while (take < n) {
        size_t step = utf8_seq_len((const unsigned char *)s + take, n - take);

        step = step > 0 ? step : 1;
        if (take + step > WORD_BYTES)
            break;
        take += step;
    }
    return take;
}

void
mime_header_encode(struct strbuf *b, const char *s)
{
    bool first = true;

    if (is_ascii(s) && strlen(s) <= PLAIN_HEADER_MAX && strstr(s, "=?") == NULL) {
        strbuf_str(b, s);
        return;
    }
    while (*s != '\0') {
        unsigned char enc[4 * ((WORD_BYTES + 2) / 3) + 1];
        size_t take = word_bytes(s);

        EVP_EncodeBlock(enc, (const unsigned char *)s, (int)take);
        strbuf_str(b, first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
        strbuf_str(b, (const char *)enc);
        strbuf_str(b, "?=");
        first = false;
        s += take;
    }
}

int
mime_mailbox(struct arena *a, const char *from, const char **addr, const char **header)
{
    const char *lt = strchr(from, '<'), *name_end = lt;
    size_t n = strlen(from);
    struct strbuf hdr;

    if (lt == NULL) {
        *addr = *header = arena_strdup(a, from);
        return mime_address_ok(*addr) ? 0 : -1;
    }
    if (n < 2 || from[n - 1] != '>' || strchr(lt + 1, '<') != NULL)
        return -1;
    *addr = arena_strndup(a, lt + 1, (size_t)(from + n - 1 - (lt + 1)));
    if (is_ascii(from)) {
        *header = mime_header_text(a, from);
        return mime_address_ok(*addr) ? 0 : -1;
    }
    while (name_end > from && name_end[-1] == ' ')
        name_end--;
    strbuf_init(&hdr, a, n * 2, 0);
    mime_header_encode(&hdr,
                       mime_header_text(a, arena_strndup(a, from, (size_t)(name_end - from))));
    strbuf_str(&hdr, " <");
    strbuf_str(&hdr, *addr);
    strbuf_str(&hdr, ">");
    *header = strbuf_text(&hdr);
    return mime_address_ok(*addr) ? 0 : -1;
}

/* ---- bodies ------------------------------------------------------------------ */

/* line_end - whether s (the byte after one) ends a line: the text, LF or CRLF. */
static bool
line_end(const unsigned char *s)
{
    return s[0] == '\0' || s[0] == '\n' || (s[0] == '\r' && s[1] == '\n');
}

/* qp_char - the byte *p as quoted-printable, in enc; returns its length. */
static size_t
qp_char(const unsigned char *p, char enc[4])
{
    bool blank = *p == ' ' || *p == '\t';

    if ((*p > ' ' && *p < 127 && *p != '=') || (blank && !line_end(p + 1))) {
        enc[0] = (char)*p;
        enc[1] = '\0';
        return 1;
    }
    snprintf(enc, 4, "=%02X", *p);
    return 3;
}

void
mime_qp_encode(struct strbuf *b, const char *s)
{
    size_t col = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        char enc[4];
        size_t n = 0;

        if (*p == '\r' && p[1] == '\n')
            continue;
        if (*p == '\n') {
            strbuf_add(b, "\r\n", 2);
            col = 0;
            continue;
        }
        n = qp_char(p, enc);
        if (col + n > QP_LINE_MAX) {
            strbuf_add(b, "=\r\n", 3);
            col = 0;
        }
        strbuf_add(b, enc, n);
        col += n;
    }
}

/* ---- the message --------------------------------------------------------------- */

void
mime_date(time_t t, char out[MIME_DATE_LEN])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;

    gmtime_r(&t, &tm);
    /* The modulos say what gmtime guarantees, so the compiler sees it fits. */
    snprintf(out, MIME_DATE_LEN, "%s, %02u %s %04u %02u:%02u:%02u +0000",
             days[(unsigned)tm.tm_wday % 7], (unsigned)tm.tm_mday % 32,
             months[(unsigned)tm.tm_mon % 12], (unsigned)(tm.tm_year + 1900) % 10000,
             (unsigned)tm.tm_hour % 24, (unsigned)tm.tm_min % 60, (unsigned)tm.tm_sec % 61);
}

/* header - "Name: value" CRLF, the value made header text. */
static void
header(struct strbuf *b, const char *name, const char *value)
{
    strbuf_str(b, name);
    strbuf_str(b, ": ");
    strbuf_str(b, mime_header_text(b->a, value));
    strbuf_str(b, "\r\n");
}

static void
part(struct strbuf *b, const char *boundary, const char *type, const char *body)
{
    strbuf_str(b, "--");
    strbuf_str(b, boundary);
    strbuf_str(b, "\r\nContent-Type: ");
    strbuf_str(b, type);
    strbuf_str(b, "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
    mime_qp_encode(b, body);
    strbuf_str(b, "\r\n");
}

void
mime_build(struct strbuf *b, const struct mime_message *m)
{
    char date[MIME_DATE_LEN];
    const char *boundary = mime_header_text(b->a, m->boundary);

    mime_date(m->date, date);
    header(b, "Date", date);
    strbuf_str(b, "From: "); /* mime_mailbox's work: header text, and folded */
    strbuf_str(b, m->from);
    strbuf_str(b, "\r\n");
    header(b, "To", m->to);
    strbuf_str(b, "Subject: ");
    mime_header_encode(b, mime_header_text(b->a, m->subject));
    strbuf_str(b, "\r\n");
    header(b, "Message-ID", m->message_id);
    header(b, "MIME-Version", "1.0");
    header(b, "Auto-Submitted", "auto-generated");
    strbuf_str(b, "Content-Type: multipart/alternative; boundary=\"");
    strbuf_str(b, boundary);
    strbuf_str(b, "\"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n");
    if (m->text != NULL)
        part(b, boundary, "text/plain", m->text);
    part(b, boundary, "text/html", m->html);
    strbuf_str(b, "--");
    strbuf_str(b, boundary);
    strbuf_str(b, "--\r\n");
}
