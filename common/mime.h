/* SPDX-License-Identifier: MIT */
/*
 * mime.h - an e-mail message as text: RFC 5322 headers, RFC 2047 encoded
 * words for header text that is not short ASCII, quoted-printable bodies
 * (RFC 2045, CRLF line ends, lines of at most 76 characters) and a
 * multipart/alternative with a text and an HTML part. Everything is
 * written into a strbuf; nothing here sends anything.
 *
 * Header injection: no header value written here can start a header of
 * its own. Header text goes through mime_header_text (every control
 * character becomes a space), addresses must pass mime_address_ok (no
 * blank, control or special character), mime_build cleans every value it
 * is given, and the From value comes from mime_mailbox, whose only line
 * breaks are the folds between encoded words.
 *
 * SMTP transparency is the transport's, not this module's: a body line
 * that starts with "." is written as it is, and libcurl doubles that dot
 * on the wire (RFC 5321, 4.5.2), the server removing it again.
 */
#ifndef FFX_MIME_H
#define FFX_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct arena;
struct strbuf;

#define MIME_ADDRESS_MAX 254 /* an address's length, as SMTP limits it */
#define MIME_DATE_LEN    32  /* room for mime_date's text */

/* One message. The strings are UTF-8. */
struct mime_message {
    const char *from;       /* the From header's value: mime_mailbox's, written as it is */
    const char *to;         /* the recipient's address (mime_address_ok) */
    const char *subject;    /* any text: encoded as mime_header_encode says */
    const char *message_id; /* "<local@domain>", stable for a message resent */
    time_t date;
    const char *boundary; /* starts with "=_", which no quoted-printable line can hold */
    const char *text;     /* the text/plain part, or NULL for HTML only */
    const char *html;     /* the text/html part */
};

/* mime_address_ok - whether addr is a plain ASCII addr-spec nothing can
 * misread in a header or an SMTP command: one '@', a non-empty local part
 * and domain, at most MIME_ADDRESS_MAX bytes, no blank, control character
 * or special (<>()[],;:"\). */
bool mime_address_ok(const char *addr);

/* mime_header_text - s for a header, in the arena: invalid UTF-8 becomes
 * U+FFFD, NUL bytes go, and every other control character (CR, LF, TAB,
 * DEL, ...) becomes a space. */
char *mime_header_text(struct arena *a, const char *s);

/* mime_header_encode - an unstructured header value (a subject, a display
 * name): as it is when it is ASCII, at most 66 bytes and holds nothing that
 * reads as an encoded word ("=?"); else RFC 2047 B-encoded words of whole
 * UTF-8 characters, 39 bytes each (lines stay under 76 characters), on
 * continuation lines. s must be header text already (mime_header_text). */
void mime_header_encode(struct strbuf *b, const char *s);

/* mime_qp_encode - s as a quoted-printable body: LF or CRLF become CRLF
 * hard breaks; printable ASCII but '=' stays; a space or tab stays unless
 * it ends a line; every other byte is =XX (upper-case hex); a soft break
 * "=" CRLF keeps every line at most 76 characters. */
void mime_qp_encode(struct strbuf *b, const char *s);

/* mime_mailbox - a configured sender, "Name <addr>" or "addr": its
 * address in *addr and the From header's value in *header, both in the
 * arena. An ASCII value is kept as configured; a non-ASCII name is
 * encoded (mime_header_encode). 0, or -1 when the address is not one
 * mime_address_ok accepts or the angle brackets are wrong. */
int mime_mailbox(struct arena *a, const char *from, const char **addr, const char **header);

/* mime_date - t as RFC 5322 writes a date, in UTC, whatever the locale:
 * "Mon, 02 Feb 2026 09:05:00 +0000". */
void mime_date(time_t t, char out[MIME_DATE_LEN]);

/* mime_build - the whole message: Date, From, To, Subject, Message-ID,
 * MIME-Version, Auto-Submitted: auto-generated, Content-Type
 * multipart/alternative, then the text part (when there is one) and the
 * HTML part, each UTF-8 and quoted-printable. Header lines end in CRLF. */
void mime_build(struct strbuf *b, const struct mime_message *m);

#endif
