/* SPDX-License-Identifier: MIT */
/*
 * template.h - an outbox row made into the bytes of an e-mail.
 *
 * The subject, text and HTML templates are rendered with the row's variables: {{name}} (spaces
 * inside the braces allowed) becomes the variable's value, a string as it is, a number as the
 * database wrote it (never through a double: an amount keeps its digits), a boolean as
 * true/false, anything else or an unknown name empty; HTML-escaped in the HTML body. A value is
 * inserted once and never scanned again. Then a multipart/alternative UTF-8 message is built
 * (common/mime.h) whose Message-ID <outbox-ID@flashfundx.local> and boundary come from the
 * row's id, so a resent message is the same message.
 *
 * Everything is allocated in the output buffer's arena. Never logged: the rendered text (it
 * holds the trading account's password) or the variables.
 */
#ifndef FFX_MAILER_TEMPLATE_H
#define FFX_MAILER_TEMPLATE_H

#include "outbox.h"
#include "strbuf.h"

/* A rendered message larger than this is a permanent failure. */
#define TEMPLATE_MESSAGE_MAX (4u << 20)

/* template_compose - render msg and append the whole message, From: from_header, to out (capped
 * at TEMPLATE_MESSAGE_MAX). 0 on success; -1 with *why set when the row cannot make a message:
 * a missing or inactive template, an invalid recipient, variables that are not a JSON object, a
 * message too large. Such a failure is permanent (the same row fails the same way again). */
int template_compose(const struct outbox_msg *msg, const char *from_header, struct strbuf *out,
                     const char **why);

#endif
