/* SPDX-License-Identifier: MIT */
/*
 * ipn.c - NOWPayments IPN signatures: the JavaScript canonical form
 * (JSON.parse, keys sorted at every depth, JSON.stringify), the strict
 * rules an IPN body must keep, and HMAC-SHA512 verification over the raw
 * body and the canonical forms of a strict body. Strings returned live in
 * the caller's arena; cJSON trees are freed before returning.
 */
#include "ipn.h"
#include "arena.h"
#include "crypto.h"
#include "jsonlex.h"
#include "jsonnum.h"
#include "strbuf.h"
#include "text.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IPN_SIG_HEX (2 * CRYPTO_SHA512_LEN)

/*
 * How a value is written. The two sorted modes are the two official
 * samples (docs/NOWPAYMENTS.md, "Canonical form"): the Node SDK's
 * sortObjectDeep keeps arrays, the documentation's sortObject turns them
 * into {"0":…} objects. EMIT_AS_IS is plain JSON.stringify of the parsed
 * value, which sortObjectDeep returns unchanged for an object with an own
 * "constructor" key (its value.constructor === Object test).
 */
enum emit_mode { EMIT_SORT_ARRAYS, EMIT_SORT_OBJECTS, EMIT_AS_IS };

/* One member of an object being written. */
struct member {
    const char *key;
    const cJSON *item; /* after merging duplicate keys: the last value */
    size_t pos;        /* first position of the key in the document */
    uint32_t index;    /* numeric value when is_index */
    bool is_index;     /* a canonical array index, which JS enumerates first */
};

/* ---- the reference: cJSON ---------------------------------------------- */

/* parse - the tree of body[0..n) (caller deletes it), or NULL when
 * JSON.parse would throw or the body holds what we cannot represent: the
 * strict lexer's rules (jsonlex.h) are exactly that, and cJSON, laxer
 * about tokens, builds the tree of what they accept, to the same depth. */
static cJSON *
parse(const char *body, size_t n)
{
    struct jsonlex_token value;

    if (!jsonlex_document(body, n, &value))
        return NULL;
    return cJSON_ParseWithLength(body, n);
}

/* ---- output: a strbuf without a cap, so strbuf_room always has room --- */

/* write_escaped - the character c (", \ or U+0000..U+001F) at w as
 * JSON.stringify escapes it: the short form where JSON has one, else
 * \u00xx in lower-case hex; returns the end. */
static char *
write_escaped(char *w, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char brief = c == '"' || c == '\\' ? (char)c
                 : c == '\b'           ? 'b'
                 : c == '\f'           ? 'f'
                 : c == '\n'           ? 'n'
                 : c == '\r'           ? 'r'
                 : c == '\t'           ? 't'
                                       : 0;

    *w++ = '\\';
    if (brief != 0) {
        *w++ = brief;
        return w;
    }
    memcpy(w, "u00", 3);
    w[3] = hex[c >> 4];
    w[4] = hex[c & 15];
    return w + 5;
}

static void
put_escaped(struct strbuf *o, unsigned char c)
{
    char *w = strbuf_room(o, 6);

    o->len = (size_t)(write_escaped(w, c) - o->p);
    o->p[o->len] = '\0';
}

/* put_string - s as JSON.stringify writes it: " and \ and U+0000..U+001F
 * escaped (put_escaped), everything else raw: no \/, no escapes for DEL,
 * U+2028 or non-ASCII. */
static void
put_string(struct strbuf *o, const char *s)
{
    const char *p = s;
    size_t run = 0;

    strbuf_add(o, "\"", 1);
    for (; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;

        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        strbuf_add(o, p - run, run);
        run = 0;
        put_escaped(o, c);
    }
    strbuf_add(o, p - run, run);
    strbuf_add(o, "\"", 1);
}

/* ---- objects ---------------------------------------------------------- */

/* array_index - whether key is a canonical array index ("0", or no
 * leading zero and at most 2^32 - 2), which JS objects enumerate first, in
 * numeric order, whatever order the keys were inserted in. */
static bool
array_index(const char *key, uint32_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    for (; key[i] >= '0' && key[i] <= '9' && i < 10; i++)
        v = v * 10 + (uint64_t)(key[i] - '0');
    if (i == 0 || key[i] != '\0' || (key[0] == '0' && i > 1) || v > UINT32_MAX - 1)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* utf16_rank - decode the code point at *s (valid UTF-8) and step past
 * it; returns a weight that orders code points as their UTF-16 code units
 * do: a supplementary character's high surrogate (D800..DBFF) sorts it
 * before U+E000..U+FFFF. */
static uint32_t
utf16_rank(const unsigned char **s)
{
    const unsigned char *p = *s;
    size_t len = p[0] < 0x80 ? 1 : p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1 ? p[0] : p[0] & (0x7Fu >> len);

    for (size_t i = 1; i < len; i++)
        cp = cp << 6 | (p[i] & 0x3Fu);
    *s = p + len;
    return cp >= 0xE000 && cp <= 0xFFFF ? cp + 0x200000 : cp;
}

/* utf16_cmp - Array.prototype.sort()'s order of two valid UTF-8 keys. */
static int
utf16_cmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

    while (*p != '\0' && *q != '\0') {
        uint32_t x = utf16_rank(&p), y = utf16_rank(&q);

        if (x != y)
            return x < y ? -1 : 1;
    }
    return (*p != '\0') - (*q != '\0');
}

/* member_cmp_sorted - the enumeration order of an object built by
 * inserting the keys in sort() order: indices first, then sort() order;
 * equal keys by position, so the last of a run is the value JSON.parse
 * kept. */
static int
member_cmp_sorted(const void *x, const void *y)
{
    const struct member *m = x, *n = y;
    int c = 0;

    if (m->is_index != n->is_index)
        return m->is_index ? -1 : 1;
    if (m->is_index)
        c = m->index < n->index ? -1 : m->index > n->index;
    else
        c = utf16_cmp(m->key, n->key);
    if (c == 0)
        c = m->pos < n->pos ? -1 : m->pos > n->pos;
    return c;
}

/* member_cmp_as_is - the enumeration order of the object JSON.parse made:
 * indices first, then the other keys where they first appeared. */
static int
member_cmp_as_is(const void *x, const void *y)
{
    const struct member *m = x, *n = y;

    if (m->is_index != n->is_index)
        return m->is_index ? -1 : 1;
    if (m->is_index)
        return m->index < n->index ? -1 : m->index > n->index;
    return m->pos < n->pos ? -1 : m->pos > n->pos;
}

/* members - obj's members in the order mode writes them, duplicate keys
 * merged (first position, last value); the count in *count. A sorted copy
 * is built by assignment (result[key] = …), which for "__proto__" sets the
 * prototype instead of a property, so that key is dropped there. */
static struct member *
members(struct arena *a, const cJSON *obj, enum emit_mode mode, size_t *count)
{
    size_t n = 0, k = 0;
    struct member *m = NULL;

    for (const cJSON *c = obj->child; c != NULL; c = c->next)
        n++;
    m = arena_alloc(a, (n > 0 ? n : 1) * sizeof(*m));
    n = 0;
    for (const cJSON *c = obj->child; c != NULL; c = c->next, k++) {
        if (mode != EMIT_AS_IS && strcmp(c->string, "__proto__") == 0)
            continue;
        m[n] = (struct member){.key = c->string, .item = c, .pos = k};
        m[n].is_index = array_index(c->string, &m[n].index);
        n++;
    }
    qsort(m, n, sizeof(*m), member_cmp_sorted);
    k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && strcmp(m[k - 1].key, m[i].key) == 0)
            m[k - 1].item = m[i].item;
        else
            m[k++] = m[i];
    }
    if (mode == EMIT_AS_IS)
        qsort(m, k, sizeof(*m), member_cmp_as_is);
    *count = k;
    return m;
}

static void put_value(struct strbuf *o, const cJSON *item, enum emit_mode mode);

static void
put_object(struct strbuf *o, const cJSON *obj, enum emit_mode mode)
{
    size_t n = 0;
    const struct member *m = NULL;

    /* sortObjectDeep sorts only when value.constructor === Object, which
     * an own "constructor" key defeats: the object goes out as parsed. */
    if (mode == EMIT_SORT_ARRAYS && cJSON_GetObjectItemCaseSensitive(obj, "constructor") != NULL)
        mode = EMIT_AS_IS;
    m = members(o->a, obj, mode, &n);
    strbuf_add(o, "{", 1);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strbuf_add(o, ",", 1);
        put_string(o, m[i].key);
        strbuf_add(o, ":", 1);
        put_value(o, m[i].item, mode);
    }
    strbuf_add(o, "}", 1);
}

/* put_array - [a,b] or, as the documentation's sortObject makes it,
 * {"0":a,"1":b}. */
static void
put_array(struct strbuf *o, const cJSON *arr, enum emit_mode mode)
{
    size_t i = 0;

    strbuf_add(o, mode == EMIT_SORT_OBJECTS ? "{" : "[", 1);
    for (const cJSON *c = arr->child; c != NULL; c = c->next, i++) {
        char key[32];

        if (i > 0)
            strbuf_add(o, ",", 1);
        if (mode == EMIT_SORT_OBJECTS) {
            snprintf(key, sizeof(key), "\"%zu\":", i);
            strbuf_str(o, key);
        }
        put_value(o, c, mode);
    }
    strbuf_add(o, mode == EMIT_SORT_OBJECTS ? "}" : "]", 1);
}

static void
put_value(struct strbuf *o, const cJSON *item, enum emit_mode mode)
{
    char num[32];

    if (cJSON_IsObject(item)) {
        put_object(o, item, mode);
    } else if (cJSON_IsArray(item)) {
        put_array(o, item, mode);
    } else if (cJSON_IsString(item)) {
        put_string(o, item->valuestring);
    } else if (cJSON_IsNumber(item)) {
        jsonnum_js_text(item->valuedouble, num);
        strbuf_str(o, num);
    } else {
        strbuf_str(o, cJSON_IsTrue(item) ? "true" : cJSON_IsFalse(item) ? "false" : "null");
    }
}

/* emit - the canonical text of tree in the arena. */
static char *
emit(struct arena *a, const cJSON *tree, enum emit_mode mode, size_t size_hint)
{
    struct strbuf o;

    strbuf_init(&o, a, size_hint + 64, 0);
    put_value(&o, tree, mode);
    return o.p;
}

/* A top-level scalar comes out as itself, as sortObjectDeep returns it
 * (the docs' sortObject would make {} of a number); IPNs are objects. */
char *
ipn_canonicalize(struct arena *a, const char *body, size_t n, enum ipn_array_style style)
{
    cJSON *tree = parse(body, n);
    char *s = NULL;

    if (tree == NULL)
        return NULL;
    s = emit(a, tree, style == IPN_ARRAYS_AS_OBJECTS ? EMIT_SORT_OBJECTS : EMIT_SORT_ARRAYS, n);
    cJSON_Delete(tree);
    return s;
}

/* ---- the strict rules: the body --------------------------------------- */

/*
 * A strict body is read in one pass into a small tree whose scalars point
 * into the body: numbers and strings keep their lexemes, which the
 * canonical forms reuse as they are (a number's lexeme is already what
 * Number::toString writes, the rules demand it; a string without escapes
 * is already what JSON.stringify writes). The bounds keep the tree small
 * and the work linear: parsing stops at the first broken rule.
 */
enum node_kind { NODE_OBJECT, NODE_ARRAY, NODE_STRING, NODE_NUMBER, NODE_LITERAL };

/* A stretch of an output string. */
struct span {
    size_t at;
    size_t len;
};

struct node {
    enum node_kind kind;
    struct jsonlex_token value; /* scalars */
    struct jsonlex_token key;   /* an object's member: its key as sent */
    const char *name;           /* ...and as JavaScript reads it (UTF-8, NUL-terminated) */
    size_t name_len;
    uint32_t index;     /* the name as a number, when is_index */
    bool is_index;      /* a canonical array index, which objects enumerate first */
    struct node *first; /* containers: the children in body order */
    struct node *next;
    size_t count;
    bool holds_array;       /* it is an array or has one inside */
    struct node **sorted;   /* an object's members in canonical order */
    struct span placed;     /* where the arrays form wrote it... */
    struct span key_placed; /* ...and its key */
};

#define STRICT_NODES (1 + IPN_MAX_KEYS + IPN_MAX_ELEMENTS)

static const char NOT_JSON[] = "not JSON";

struct strict {
    struct arena *a;
    const char *s;
    size_t n;
    size_t i;
    size_t keys;
    size_t elements;
    size_t long_numbers;
    struct node *pool; /* STRICT_NODES: the bounds make it enough */
    size_t used;
    const char *broken;
};

static bool
refuse(struct strict *p, const char *rule)
{
    p->broken = rule;
    return false;
}

static void
skip_space(struct strict *p)
{
    p->i = jsonlex_space(p->s, p->n, p->i);
}

static bool
at(struct strict *p, char c)
{
    return p->i < p->n && p->s[p->i] == c;
}

/* token - the scalar of the given kind from p->i to end (0: not JSON). */
static bool
token(struct strict *p, size_t end, enum jsonlex_kind kind, bool escaped, struct jsonlex_token *out)
{
    if (end == 0)
        return refuse(p, NOT_JSON);
    *out = (struct jsonlex_token){kind, p->s + p->i, end - p->i, escaped};
    p->i = end;
    return true;
}

static bool
scan_string(struct strict *p, struct jsonlex_token *out)
{
    bool escaped = false;
    size_t end = jsonlex_string(p->s, p->n, p->i, &escaped);

    return token(p, end, JSONLEX_STRING, escaped, out);
}

/* scan_number - a number must be written as Number::toString writes it;
 * the check of a long one costs more (jsonnum.h), so a body gets a few. */
static bool
scan_number(struct strict *p, struct node *nd)
{
    static const char not_js[] = "number not as JavaScript writes it";
    enum jsonnum_js verdict = JSONNUM_JS_NOT;

    nd->kind = NODE_NUMBER;
    if (!token(p, jsonlex_number(p->s, p->n, p->i), JSONLEX_NUMBER, false, &nd->value))
        return false;
    verdict = jsonnum_js_layout(nd->value.text, nd->value.len);
    if (verdict == JSONNUM_JS_NOT)
        return refuse(p, not_js);
    if (verdict == JSONNUM_JS_YES)
        return true;
    if (++p->long_numbers > IPN_MAX_LONG_NUMBERS)
        return refuse(p, "more than 16 long numbers");
    return jsonnum_js_value(nd->value.text, nd->value.len) || refuse(p, not_js);
}

static bool
scan_literal(struct strict *p, struct node *nd)
{
    enum jsonlex_kind kind = JSONLEX_NULL;
    size_t end = jsonlex_literal(p->s, p->n, p->i, &kind);

    nd->kind = NODE_LITERAL;
    return token(p, end, kind, false, &nd->value);
}

/* new_child - a node for the next member (object) or element, or NULL
 * when that would break a bound. */
static struct node *
new_child(struct strict *p, bool member)
{
    const char *bound = NULL;

    if (member && ++p->keys > IPN_MAX_KEYS)
        bound = "more than 64 keys";
    if (!member && ++p->elements > IPN_MAX_ELEMENTS)
        bound = "more than 32 array elements";
    if (bound != NULL) {
        refuse(p, bound);
        return NULL;
    }
    return &p->pool[p->used++];
}

/* forbidden - keys that mean something to a JavaScript object: JSON.parse
 * keeps them as plain properties, but a copy made by assignment (as the
 * signers' sortObject does) drops __proto__ and sortObjectDeep leaves an
 * object with its own constructor unsorted, so the signed text and the
 * body would disagree. No IPN field has either name. */
static bool
forbidden(const char *name)
{
    return strcmp(name, "__proto__") == 0 || strcmp(name, "constructor") == 0;
}

/* scan_key - the key of member m of obj, then the colon. */
static bool
scan_key(struct strict *p, const struct node *obj, struct node *m)
{
    skip_space(p);
    if (!at(p, '"') || !scan_string(p, &m->key))
        return refuse(p, NOT_JSON);
    m->name = jsonlex_decode(p->a, &m->key, &m->name_len);
    if (forbidden(m->name))
        return refuse(p, "forbidden key");
    for (const struct node *o = obj->first; o != NULL; o = o->next)
        if (o->name_len == m->name_len && memcmp(o->name, m->name, m->name_len) == 0)
            return refuse(p, "duplicate key");
    m->is_index = array_index(m->name, &m->index);
    skip_space(p);
    if (!at(p, ':'))
        return refuse(p, NOT_JSON);
    p->i++;
    return true;
}

static bool scan_value(struct strict *p, struct node *nd, int depth);

/* scan_container - the object or array at p->i, at the given depth. */
static bool
scan_container(struct strict *p, struct node *nd, int depth)
{
    bool object = p->s[p->i] == '{';
    char close = object ? '}' : ']';
    struct node **tail = &nd->first;

    if (depth > IPN_MAX_DEPTH)
        return refuse(p, "nested deeper than 3");
    nd->kind = object ? NODE_OBJECT : NODE_ARRAY;
    nd->holds_array = !object;
    p->i++;
    skip_space(p);
    if (at(p, close)) {
        p->i++;
        return true;
    }
    for (;;) {
        struct node *child = new_child(p, object);

        if (child == NULL || (object && !scan_key(p, nd, child)) || !scan_value(p, child, depth))
            return false;
        *tail = child;
        tail = &child->next;
        nd->count++;
        nd->holds_array = nd->holds_array || child->holds_array;
        skip_space(p);
        if (!at(p, ',') && !at(p, close))
            return refuse(p, NOT_JSON);
        if (p->s[p->i++] == close)
            return true;
    }
}

static bool
scan_value(struct strict *p, struct node *nd, int depth)
{
    skip_space(p);
    if (p->i >= p->n)
        return refuse(p, NOT_JSON);
    switch (p->s[p->i]) {
    case '{':
    case '[':
        return scan_container(p, nd, depth + 1);
    case '"':
        nd->kind = NODE_STRING;
        return scan_string(p, &nd->value);
    case 't':
    case 'f':
    case 'n':
        return scan_literal(p, nd);
    default:
        return scan_number(p, nd);
    }
}

/* strict_parse - the tree of a strict body, or NULL with *broken set to
 * the first rule it breaks. */
static struct node *
strict_parse(struct arena *a, const char *body, size_t n, const char **broken)
{
    struct strict p = {.a = a, .s = body, .n = n};
    struct node *root = NULL;

    if (body == NULL) {
        *broken = NOT_JSON;
        return NULL;
    }
    p.pool = arena_alloc(a, STRICT_NODES * sizeof(*p.pool));
    root = &p.pool[p.used++];
    if (scan_value(&p, root, 0)) {
        skip_space(&p);
        if (p.i != n)
            refuse(&p, NOT_JSON);
        else if (root->kind != NODE_OBJECT)
            refuse(&p, "not an object");
    }
    *broken = p.broken;
    return p.broken == NULL ? root : NULL;
}

const char *
ipn_strict_check(struct arena *a, const char *body, size_t n)
{
    const char *broken = NULL;

    strict_parse(a, body, n, &broken);
    return broken;
}

/* ---- the strict rules: canonical forms -------------------------------- */

/* put_lexeme - a string lexeme as JSON.stringify writes its value: as it
 * is without escapes (it holds no raw ", \ or control character), else
 * with each escape decoded and re-escaped only where JSON.stringify does,
 * which never makes it longer. */
static void
put_lexeme(struct strbuf *o, const struct jsonlex_token *l)
{
    char *w = NULL;

    if (!l->escaped) {
        strbuf_add(o, l->text, l->len);
        return;
    }
    w = strbuf_room(o, l->len);
    *w++ = '"';
    for (size_t i = 1; i + 1 < l->len;) {
        uint32_t c = (unsigned char)l->text[i];

        if (c != '\\') {
            *w++ = (char)c;
            i++;
            continue;
        }
        i += jsonlex_escape(l->text + i, &c);
        if (c < 0x20 || c == '"' || c == '\\')
            w = write_escaped(w, (unsigned char)c);
        else
            w += utf8_encode(c, w);
    }
    *w++ = '"';
    o->len = (size_t)(w - o->p);
    o->p[o->len] = '\0';
}

/* node_cmp - members in the order of an object built from sorted keys:
 * array indices first, in numeric order, then UTF-16 order (keys are
 * unique in a strict body). */
static int
node_cmp(const void *x, const void *y)
{
    const struct node *m = *(const struct node *const *)x, *n = *(const struct node *const *)y;

    if (m->is_index != n->is_index)
        return m->is_index ? -1 : 1;
    if (m->is_index)
        return m->index < n->index ? -1 : m->index > n->index;
    return utf16_cmp(m->name, n->name);
}

static struct node **
sorted_members(struct arena *a, struct node *obj)
{
    size_t i = 0;

    obj->sorted = arena_alloc(a, (obj->count > 0 ? obj->count : 1) * sizeof(*obj->sorted));
    for (struct node *m = obj->first; m != NULL; m = m->next)
        obj->sorted[i++] = m;
    qsort(obj->sorted, obj->count, sizeof(*obj->sorted), node_cmp);
    return obj->sorted;
}

/* put_index - "i": for an array element written as a member. */
static void
put_index(struct strbuf *o, size_t i)
{
    char text[24], *p = text + sizeof(text);

    *--p = ':';
    *--p = '"';
    do {
        *--p = (char)('0' + i % 10);
        i /= 10;
    } while (i > 0);
    *--p = '"';
    strbuf_add(o, p, (size_t)(text + sizeof(text) - p));
}

/* put_arrays_form - nd with arrays kept, noting where each node and key
 * went for put_objects_form. */
static void
put_arrays_form(struct strbuf *o, struct node *nd)
{
    size_t at = o->len, i = 0;

    if (nd->kind == NODE_STRING) {
        put_lexeme(o, &nd->value);
    } else if (nd->kind == NODE_NUMBER || nd->kind == NODE_LITERAL) {
        strbuf_add(o, nd->value.text, nd->value.len); /* canonical already */
    } else if (nd->kind == NODE_ARRAY) {
        strbuf_add(o, "[", 1);
        for (struct node *e = nd->first; e != NULL; e = e->next, i++) {
            if (i > 0)
                strbuf_add(o, ",", 1);
            put_arrays_form(o, e);
        }
        strbuf_add(o, "]", 1);
    } else {
        struct node **members = sorted_members(o->a, nd);

        strbuf_add(o, "{", 1);
        for (; i < nd->count; i++) {
            struct node *m = members[i];

            if (i > 0)
                strbuf_add(o, ",", 1);
            m->key_placed.at = o->len;
            put_lexeme(o, &m->key);
            m->key_placed.len = o->len - m->key_placed.at;
            strbuf_add(o, ":", 1);
            put_arrays_form(o, m);
        }
        strbuf_add(o, "}", 1);
    }
    nd->placed = (struct span){at, o->len - at};
}

/* put_objects_form - nd with arrays written as {"0":…}: whatever holds no
 * array is the same in both forms, so it is copied from the arrays form. */
static void
put_objects_form(struct strbuf *o, const struct node *nd, const char *arrays)
{
    size_t i = 0;

    if (!nd->holds_array) {
        strbuf_add(o, arrays + nd->placed.at, nd->placed.len);
        return;
    }
    strbuf_add(o, "{", 1);
    if (nd->kind == NODE_ARRAY) {
        for (const struct node *e = nd->first; e != NULL; e = e->next, i++) {
            if (i > 0)
                strbuf_add(o, ",", 1);
            put_index(o, i);
            put_objects_form(o, e, arrays);
        }
    } else {
        for (; i < nd->count; i++) {
            const struct node *m = nd->sorted[i];

            if (i > 0)
                strbuf_add(o, ",", 1);
            strbuf_add(o, arrays + m->key_placed.at, m->key_placed.len);
            strbuf_add(o, ":", 1);
            put_objects_form(o, m, arrays);
        }
    }
    strbuf_add(o, "}", 1);
}

/* strict_forms - both canonical forms of a strict tree, indexed by
 * enum ipn_array_style, from a body of n bytes: each is at most n bytes,
 * plus what the indices of arrays as objects add. */
static void
strict_forms(struct arena *a, struct node *tree, size_t n, struct strbuf forms[2])
{
    for (int f = 0; f < 2; f++) {
        strbuf_init(&forms[f], a, n + 8 * IPN_MAX_ELEMENTS, 0);
    }
    put_arrays_form(&forms[IPN_ARRAYS_AS_ARRAYS], tree);
    put_objects_form(&forms[IPN_ARRAYS_AS_OBJECTS], tree, forms[IPN_ARRAYS_AS_ARRAYS].p);
}

char *
ipn_strict_canonical(struct arena *a, const char *body, size_t n, enum ipn_array_style style)
{
    const char *broken = NULL;
    struct node *tree = strict_parse(a, body, n, &broken);
    struct strbuf forms[2];

    if (tree == NULL)
        return NULL;
    strict_forms(a, tree, n, forms);
    return forms[style].p;
}

/* ---- signatures ------------------------------------------------------- */

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* trim - s[0..*len) without the spaces, tabs, CRs and LFs around it. */
static const char *
trim(const char *s, size_t *len)
{
    size_t n = s != NULL ? strlen(s) : 0;

    while (n > 0 && is_blank(*s)) {
        s++;
        n--;
    }
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    *len = n;
    return s;
}

void
ipn_sign(const char *secret, const char *msg, size_t n, char out[129])
{
    unsigned char mac[CRYPTO_SHA512_LEN];
    size_t key_len = 0;
    const char *key = trim(secret, &key_len);

    if (crypto_hmac_sha512(key, key_len, msg, n, mac) != 0) {
        out[0] = '\0'; /* matches no header */
        return;
    }
    crypto_hex(mac, sizeof(mac), out);
}

/* header_mac - the trimmed header's 128 hex digits (either case) as the
 * 64 bytes of a MAC, or false when it is missing or anything else. */
static bool
header_mac(const char *header, unsigned char out[CRYPTO_SHA512_LEN])
{
    size_t n = 0;
    const char *s = trim(header, &n);

    if (n != IPN_SIG_HEX)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        int high = text_hex_digit((unsigned char)s[i]),
            low = text_hex_digit((unsigned char)s[i + 1]);

        if (high < 0 || low < 0)
            return false;
        out[i / 2] = (unsigned char)(high << 4 | low);
    }
    return true;
}

/* The secrets a signature is checked against: the configured ones that
 * are not blank (an unset secret must not become the empty key), trimmed,
 * with their place in the configuration (0: the current one). */
struct keys {
    const char *key[4];
    size_t len[4];
    size_t place[4];
    size_t count;
};

static void
keys_of(const char *const *secrets, struct keys *k)
{
    k->count = 0;
    for (size_t i = 0; secrets != NULL && secrets[i] != NULL && k->count < 4; i++) {
        k->key[k->count] = trim(secrets[i], &k->len[k->count]);
        k->place[k->count] = i;
        if (k->len[k->count] > 0)
            k->count++;
    }
}

/* signed_by - the place of the secret whose HMAC of msg is want, or -1.
 * Every comparison is constant time. */
static long
signed_by(const struct keys *k, const char *msg, size_t n, const unsigned char *want)
{
    for (size_t i = 0; i < k->count; i++) {
        unsigned char mac[CRYPTO_SHA512_LEN];

        if (crypto_hmac_sha512(k->key[i], k->len[i], msg, n, mac) == 0 &&
            crypto_equal(mac, sizeof(mac), want, CRYPTO_SHA512_LEN))
            return (long)k->place[i];
    }
    return -1;
}

/* same - whether a form is the text s[0..n). */
static bool
same(const struct strbuf *form, const char *s, size_t n)
{
    return form->len == n && memcmp(form->p, s, n) == 0;
}

static enum ipn_match
matched(struct ipn_verified *out, enum ipn_match how, const char *text, size_t len,
        enum ipn_array_style style, long place)
{
    out->text = text;
    out->len = len;
    out->style = style;
    out->used_previous = place > 0;
    return how;
}

/*
 * The order keeps a forgery cheap to refuse: the header's form, then one
 * HMAC per secret over the raw body (linear), then the strict rules (one
 * linear pass, whether or not the raw body matched: what is stored must
 * keep them), and only then the canonical forms, built from the strict
 * tree and tried only when the raw body did not match and is small enough
 * to be a real IPN (IPN_CANONICAL_MAX): for a large forgery they would
 * triple the hashing. A form identical to the raw body or to the other
 * form is not tried again.
 */
enum ipn_match
ipn_verify(struct arena *a, const char *const *secrets, const char *sig_header, const char *body,
           size_t n, struct ipn_verified *out)
{
    unsigned char want[CRYPTO_SHA512_LEN];
    struct ipn_verified ignored;
    struct strbuf forms[2];
    struct node *tree = NULL;
    struct keys k;
    long place = -1;

    out = out != NULL ? out : &ignored;
    *out = (struct ipn_verified){.text = NULL};
    keys_of(secrets, &k);
    if (!header_mac(sig_header, want) || k.count == 0)
        return IPN_NO_MATCH;
    if (body == NULL)
        body = "", n = 0;
    place = signed_by(&k, body, n, want);
    tree = strict_parse(a, body, n, &out->invalid);
    if (tree == NULL)
        return IPN_INVALID;
    if (place >= 0)
        return matched(out, IPN_MATCH_RAW, body, n, IPN_ARRAYS_AS_ARRAYS, place);
    if (n > IPN_CANONICAL_MAX)
        return IPN_NO_MATCH;
    strict_forms(a, tree, n, forms);
    for (int f = 0; f < 2; f++) {
        if (same(&forms[f], body, n) || (f == 1 && same(&forms[1], forms[0].p, forms[0].len)))
            continue;
        place = signed_by(&k, forms[f].p, forms[f].len, want);
        if (place >= 0)
            return matched(out, IPN_MATCH_CANONICAL, forms[f].p, forms[f].len,
                           (enum ipn_array_style)f, place);
    }
    return IPN_NO_MATCH;
}
