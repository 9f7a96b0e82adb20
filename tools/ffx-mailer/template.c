/* SPDX-License-Identifier: MIT */
/*
 * template.c - rendering an outbox row's templates and building its message (template.h).
 */
#include "template.h"

#include "arena.h"
#include "jsonlex.h"
#include "mime.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

#define MSG_ID_DOMAIN "flashfundx.local"

enum escape { ESC_NONE, ESC_HTML };

static bool
valid_name(const char *s, size_t n)
{
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* A message's variables: the members of its jsonb object, read by the
 * strict lexer (common/jsonlex.h), whose rules PostgreSQL's output keeps. */
struct vars {
    struct jsonlex_member *members;
    size_t count;
};

/* The text of variable name[0..n): strings as they are, numbers as the
 * database wrote them (an amount keeps its digits: 649.00, not 649; never
 * through a double), booleans as true/false; anything else is empty. */
static const char *
var_value(struct arena *a, const struct vars *vars, const char *name, size_t n)
{
    char key[64];
    const struct jsonlex_member *v = NULL;

    memcpy(key, name, n);
    key[n] = '\0';
    v = jsonlex_find(vars->members, vars->count, key);
    switch (v != NULL ? v->value.kind : JSONLEX_NULL) {
    case JSONLEX_STRING:
        return jsonlex_decode(a, &v->value, NULL);
    case JSONLEX_NUMBER:
        return arena_strndup(a, v->value.text, v->value.len);
    case JSONLEX_TRUE:
        return "true";
    case JSONLEX_FALSE:
        return "false";
    default:
        return "";
    }
}

static void
add_escaped(struct strbuf *out, const char *s, enum escape esc)
{
    static const struct {
        char c;
        const char *entity;
    } html[] = {{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#39;"}};

    if (esc == ESC_NONE) {
        strbuf_str(out, s);
        return;
    }
    for (; *s != '\0'; s++) {
        size_t i = 0;

        while (i < sizeof(html) / sizeof(html[0]) && html[i].c != *s)
            i++;
        if (i < sizeof(html) / sizeof(html[0]))
            strbuf_str(out, html[i].entity);
        else
            strbuf_add(out, s, 1);
    }
}

/* Replace every {{name}} (spaces inside the braces allowed) by its value.
 * Values are inserted once and never scanned again. Text that is not a
 * placeholder, such as "${{x}}"'s "$" or a lone "{{", is copied as it is. */
static void
render(struct strbuf *out, const char *tmpl, const struct vars *vars, enum escape esc)
{
    const char *p = tmpl;

    while (*p != '\0') {
        const char *open = strstr(p, "{{");
        const char *close, *s, *e;

        if (open == NULL) {
            strbuf_str(out, p);
            return;
        }
        strbuf_add(out, p, (size_t)(open - p));
        close = strstr(open + 2, "}}");
        if (close == NULL) {
            strbuf_str(out, open);
            return;
        }
        s = open + 2;
        while (s < close && *s == ' ')
            s++;
        e = close;
        while (e > s && e[-1] == ' ')
            e--;
        if (!valid_name(s, (size_t)(e - s))) {
            strbuf_add(out, open, 2);
            p = open + 2;
            continue;
        }
        add_escaped(out, var_value(out->a, vars, s, (size_t)(e - s)), esc);
        p = close + 2;
    }
}

int
template_compose(const struct outbox_msg *msg, const char *from_header, struct strbuf *out,
                 const char **why)
{
    struct arena *a = out->a;
    struct strbuf sub, txt, html;
    struct jsonlex_token object;
    struct vars vars = {NULL, 0};

    if (msg->subject == NULL || msg->html == NULL) {
        *why = arena_sprintf(a, "template %s is missing or inactive", msg->template_name);
        return -1;
    }
    if (!mime_address_ok(msg->to)) {
        *why = "invalid recipient address";
        return -1;
    }
    if (msg->variables == NULL ||
        !jsonlex_document(msg->variables, strlen(msg->variables), &object) ||
        object.kind != JSONLEX_OBJECT) {
        *why = "variables are not a JSON object";
        return -1;
    }
    vars.count = jsonlex_members(a, &object, &vars.members);
    strbuf_init(&sub, a, 0, TEMPLATE_MESSAGE_MAX);
    strbuf_init(&txt, a, 0, TEMPLATE_MESSAGE_MAX);
    strbuf_init(&html, a, 0, TEMPLATE_MESSAGE_MAX);
    render(&sub, msg->subject, &vars, ESC_NONE);
    if (msg->text != NULL)
        render(&txt, msg->text, &vars, ESC_NONE);
    render(&html, msg->html, &vars, ESC_HTML);
    mime_build(out, &(struct mime_message){
                        .from = from_header,
                        .to = msg->to,
                        .subject = strbuf_text(&sub),
                        .message_id = arena_sprintf(a, "<outbox-%s@" MSG_ID_DOMAIN ">", msg->id),
                        .date = time(NULL),
                        /* "=_" never occurs in quoted-printable output */
                        .boundary = arena_sprintf(a, "=_ffx_outbox_%s", msg->id),
                        .text = msg->text != NULL ? strbuf_text(&txt) : NULL,
                        .html = strbuf_text(&html),
                    });
    if (sub.too_big || txt.too_big || html.too_big || out->too_big) {
        *why = "rendered message too large";
        return -1;
    }
    return 0;
}
