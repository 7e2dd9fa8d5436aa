/*
 * scan.c: the one-pass event scanner.
 *
 * Every path of the table and every dot-prefix of one is a node of a hash
 * table keyed by its text. Each open container remembers the node of its
 * path; a key under node P is found by continuing P's hash over "." and the
 * key, so no path string is built per key, and a literal key holding dots
 * lands on the same node as the nested form. Under a key that starts no path
 * nothing is looked up or recorded (but keyword-search values), yet every
 * byte is still validated: a bad line must be rejected whatever the rules.
 *
 * Nesting is tracked on an explicit stack inside the scanner, never on the C
 * stack, so hostile depth cannot overflow it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"
#include "runtime/runs.h"

#define STR_(x) #x
#define STR(x) STR_(x)

enum { NONE = -1, ROOT = 0 };

/* Unescaped keys longer than this match no path: real paths are far shorter,
   and a fixed buffer keeps key lookups free of allocation. */
#define KEY_MAX 256

#define FNV_BASIS 2166136261u
#define FNV_PRIME 16777619u

typedef struct node {
    const char *str; /* the prefix text, inside rt_scanner.text */
    uint32_t len;
    uint32_t hash;
    int32_t link; /* first link to a slot fed by this path, or NONE */
    int32_t wild; /* the node "P.*" matching any key under this one, or NONE */
    bool kids;    /* a longer path continues this one with '.' */
} node;

/* A node feeds every slot on its chain of links: one path may serve several
   slots, and one slot may be fed by several paths (a mapping's alternatives). */
typedef struct link {
    int32_t slot, next;
} link;

typedef struct bucket {
    uint32_t hash; /* kept here so a probe rarely touches the node */
    int32_t node;  /* NONE when free */
} bucket;

typedef struct frame {
    const char *start; /* the '{' or '[' */
    int32_t node;      /* path of the container, shared by its elements when an array */
    char closer;
} frame;

struct rt_scanner {
    node *nodes; /* nodes[ROOT] is the empty prefix of top-level keys */
    size_t nnodes;
    bucket *table; /* every node but the root, open addressing */
    uint32_t mask;
    link *links;
    size_t nlinks;
    char *text;
    bool want_any;
    bool fold;                 /* keys are looked up ASCII-lowercased */
    struct rt_scanner *folded; /* the '~' paths, scanned in a second pass, or NULL */
    char msg[32];
    char key[KEY_MAX];
    frame stack[RT_MAX_DEPTH];
};

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) abort();
    return p;
}

static inline uint32_t hash_more(uint32_t h, const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * FNV_PRIME;
    return h;
}

/* FNV's low bits are weak; the table index uses all of them. */
static inline uint32_t bucket_of(const rt_scanner *s, uint32_t h) {
    return (h ^ (h >> 15) ^ (h >> 24)) & s->mask;
}

/* ---- construction ---- */

static int32_t intern(rt_scanner *s, const char *str, size_t len) {
    uint32_t h = hash_more(FNV_BASIS, str, len);
    uint32_t i = bucket_of(s, h);
    for (; s->table[i].node != NONE; i = (i + 1) & s->mask) {
        const node *n = &s->nodes[s->table[i].node];
        if (n->hash == h && n->len == len && memcmp(n->str, str, len) == 0) return s->table[i].node;
    }
    int32_t id = (int32_t)s->nnodes++;
    s->nodes[id] = (node){.str = str, .len = (uint32_t)len, .hash = h, .link = NONE, .wild = NONE};
    s->table[i] = (bucket){.hash = h, .node = id};
    return id;
}

static void add_slot(rt_scanner *s, int32_t id, int32_t slot) {
    int32_t *at = &s->nodes[id].link;
    while (*at != NONE)
        at = &s->links[*at].next;
    *at = (int32_t)s->nlinks;
    s->links[s->nlinks++] = (link){slot, NONE};
}

/* A "*" segment stands for any key; its parent remembers it. */
static void add_path(rt_scanner *s, const char *path, size_t len, int32_t slot) {
    int32_t parent = ROOT;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && path[i] != '.') continue;
        int32_t id = intern(s, path, i);
        size_t seg = parent == ROOT ? 0 : s->nodes[parent].len + 1;
        if (i - seg == 1 && path[seg] == '*') s->nodes[parent].wild = id;
        if (i < len) s->nodes[id].kids = true;
        parent = id;
    }
    add_slot(s, parent, slot);
}

/* Each entry of the table is one or more paths, one per line, that all feed
   the entry's slot. */
/* A path "~a.b" matches keys whatever their case (Panther looks keys up that
   way). Such paths get a scanner of their own, which lowercases every key
   before looking it up, run over the document as a second pass. */
static bool is_folded(const char *path) {
    return path[0] == '~';
}

static rt_scanner *build(const char *const *paths, size_t npaths, bool want_any, bool fold) {
    size_t bytes = 0, maxnodes = 1 + npaths, nalts = 0;
    for (size_t i = 0; i < npaths; i++) {
        if (is_folded(paths[i]) != fold) continue;
        size_t len = strlen(paths[i]);
        bytes += len + 1;
        nalts++;
        for (size_t j = 0; j < len; j++) {
            maxnodes += paths[i][j] == '.' || paths[i][j] == '\n';
            nalts += paths[i][j] == '\n';
        }
    }
    size_t cap = 8;
    while (cap < 2 * maxnodes)
        cap *= 2;

    rt_scanner *s = xcalloc(1, sizeof *s);
    s->want_any = want_any;
    s->fold = fold;
    s->nodes = xcalloc(maxnodes, sizeof *s->nodes);
    s->table = xcalloc(cap, sizeof *s->table);
    s->mask = (uint32_t)(cap - 1);
    s->links = xcalloc(nalts, sizeof *s->links);
    s->text = xcalloc(bytes, 1);
    for (size_t i = 0; i < cap; i++)
        s->table[i].node = NONE;
    s->nodes[ROOT] =
        (node){.str = s->text, .hash = FNV_BASIS, .link = NONE, .wild = NONE, .kids = npaths > 0};
    s->nnodes = 1;

    char *t = s->text;
    for (size_t i = 0; i < npaths; i++) {
        if (is_folded(paths[i]) != fold) continue;
        size_t len = strlen(paths[i] + fold);
        memcpy(t, paths[i] + fold, len + 1);
        for (size_t j = 0; fold && j < len; j++)
            t[j] = (char)(t[j] >= 'A' && t[j] <= 'Z' ? t[j] + 32 : t[j]);
        for (char *alt = t, *nl; alt <= t + len; alt = nl + 1) {
            nl = memchr(alt, '\n', (size_t)(t + len - alt));
            if (!nl) nl = t + len;
            add_path(s, alt, (size_t)(nl - alt), (int32_t)i);
        }
        t += len + 1;
    }
    return s;
}

rt_scanner *rt_scanner_new(const char *const *paths, size_t npaths, bool want_any) {
    rt_scanner *s = build(paths, npaths, want_any, false);
    for (size_t i = 0; i < npaths && !s->folded; i++)
        if (is_folded(paths[i])) s->folded = build(paths, npaths, false, true);
    return s;
}

void rt_scanner_free(rt_scanner *s) {
    if (!s) return;
    rt_scanner_free(s->folded);
    free(s->nodes);
    free(s->table);
    free(s->links);
    free(s->text);
    free(s);
}

/* Node of the path "P.K" (or "K" when P is the root), or NONE. */
static int32_t child(const rt_scanner *s, int32_t parent, const char *k, size_t klen) {
    const node *p = &s->nodes[parent];
    uint32_t h = p->hash;
    size_t plen = 0;
    if (parent != ROOT) {
        h = (h ^ '.') * FNV_PRIME;
        plen = p->len + 1;
    }
    h = hash_more(h, k, klen);
    for (uint32_t i = bucket_of(s, h); s->table[i].node != NONE; i = (i + 1) & s->mask) {
        if (s->table[i].hash != h) continue;
        const node *n = &s->nodes[s->table[i].node];
        if (n->len == plen + klen && memcmp(n->str + plen, k, klen) == 0 &&
            memcmp(n->str, p->str, p->len) == 0 && (parent == ROOT || n->str[p->len] == '.'))
            return s->table[i].node;
    }
    return NONE;
}

/* ---- scanning ---- */

typedef struct scan {
    rt_scanner *s;
    sv_event *ev;
    const char *end;
    const char *err;
    const char *at;
    int depth;
    bool opened; /* the last thing scanned was a '{' or '[' */
} scan;

static const char *fail(scan *c, const char *at, const char *msg) {
    c->err = msg;
    c->at = at;
    return NULL;
}

/* The message lives in the scanner, valid until its next rt_scan. */
static const char *unexpected(scan *c, const char *p) {
    if (p == c->end) return fail(c, p, "truncated document");
    unsigned char ch = (unsigned char)*p;
    if (ch >= 0x20 && ch < 0x7f)
        snprintf(c->s->msg, sizeof c->s->msg, "unexpected character '%c'", ch);
    else
        snprintf(c->s->msg, sizeof c->s->msg, "unexpected byte 0x%02x", ch);
    return fail(c, p, c->s->msg);
}

/* How deep a value found at node n is in arrays at n: 0 when it is not an
   element of one, 1 for an element of an array that is not itself such an
   element, 2 for an element of that one's element ... In [[1,2],[3]], [1,2]
   and [3] are at 1, and 1, 2, 3 at 2: an element test over the list walks
   level 1, one over [1,2] level 2. */
static unsigned element_level(const scan *c, int32_t n) {
    const frame *f = c->s->stack;
    unsigned level = 0;
    for (int d = c->depth; d >= 1 && f[d - 1].closer == ']' && f[d - 1].node == n; d--)
        level++;
    return level;
}

static void record(const scan *c, int32_t n, sv_vtype type, const char *p, size_t len,
                   bool escaped) {
    if (n == NONE || c->s->nodes[n].link == NONE) return;
    const link *links = c->s->links;
    unsigned level = element_level(c, n);
    for (int32_t l = c->s->nodes[n].link; l != NONE; l = links[l].next)
        sv_event_add_element(c->ev, (uint32_t)links[l].slot, type, p, len, escaped, level);
}

static void scalar(const scan *c, int32_t n, sv_vtype type, const char *p, size_t len,
                   bool escaped) {
    record(c, n, type, p, len, escaped);
    if (c->s->want_any && (type == SV_V_STR || type == SV_V_NUM))
        sv_event_add(c->ev, SV_ANY_SLOT, type, p, len, escaped);
}

static inline bool is_ws(char ch) {
    return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
}

static inline const char *skip_ws(const char *p, const char *end) {
    while (p < end && is_ws(*p))
        p++;
    return p;
}

static inline bool is_digit(char ch) {
    return (unsigned char)(ch - '0') < 10;
}

static inline int hex_value(unsigned char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    ch |= 0x20;
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return -1;
}

/* Past the escape at p (a backslash) in the string opened at open. */
static const char *escape_end(scan *c, const char *open, const char *p) {
    if (c->end - p < 2) return fail(c, open, "unterminated string");
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't': return p + 2;
    case 'u': break;
    default: return fail(c, p, "invalid escape");
    }
    for (int i = 2; i < 6; i++) {
        if (p + i == c->end) return fail(c, open, "unterminated string");
        if (hex_value((unsigned char)p[i]) < 0) return fail(c, p, "invalid escape");
    }
    return p + 6;
}

/* Length of the UTF-8 sequence at p (RFC 3629: no overlong forms, no
   surrogates, nothing past U+10FFFF), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end) {
    unsigned char lo = 0x80, hi = 0xbf;
    size_t n;
    if (*p >= 0xc2 && *p <= 0xdf) {
        n = 2;
    } else if (*p >= 0xe0 && *p <= 0xef) {
        n = 3;
        lo = *p == 0xe0 ? 0xa0 : 0x80;
        hi = *p == 0xed ? 0x9f : 0xbf;
    } else if (*p >= 0xf0 && *p <= 0xf4) {
        n = 4;
        lo = *p == 0xf0 ? 0x90 : 0x80;
        hi = *p == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf) return 0;
    return n;
}

/* The closing quote of the string whose opening quote is at open. */
static const char *string_end(scan *c, const char *open, bool *escaped) {
    const char *p = open + 1;
    *escaped = false;
    for (;;) {
        p = rt_string_stop(p, c->end);
        if (p == c->end) return fail(c, open, "unterminated string");
        if (*p == '"') return p;
        if ((unsigned char)*p >= 0x80) {
            size_t n = utf8_len((const unsigned char *)p, (const unsigned char *)c->end);
            if (!n) return fail(c, p, "invalid UTF-8 in string");
            p += n;
            continue;
        }
        if (*p != '\\') return fail(c, p, "control character in string");
        *escaped = true;
        if (!(p = escape_end(c, open, p))) return NULL;
    }
}

static void put(char *out, size_t *n, size_t cap, uint32_t byte) {
    if (*n < cap) out[*n] = (char)byte;
    ++*n;
}

static void put_utf8(char *out, size_t *n, size_t cap, uint32_t cp) {
    if (cp < 0x80) {
        put(out, n, cap, cp);
    } else if (cp < 0x800) {
        put(out, n, cap, 0xc0 | cp >> 6);
        put(out, n, cap, 0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        put(out, n, cap, 0xe0 | cp >> 12);
        put(out, n, cap, 0x80 | (cp >> 6 & 0x3f));
        put(out, n, cap, 0x80 | (cp & 0x3f));
    } else {
        put(out, n, cap, 0xf0 | cp >> 18);
        put(out, n, cap, 0x80 | (cp >> 12 & 0x3f));
        put(out, n, cap, 0x80 | (cp >> 6 & 0x3f));
        put(out, n, cap, 0x80 | (cp & 0x3f));
    }
}

static uint32_t hex4(const char *p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 4 | (uint32_t)hex_value((unsigned char)p[i]);
    return v;
}

/* Decodes \uXXXX at p (already validated), joining a surrogate pair; an
   unpaired surrogate is kept as its own 3-byte sequence. */
static const char *decode_u(const char *p, const char *end, uint32_t *cp) {
    *cp = hex4(p + 2);
    p += 6;
    if (*cp >= 0xd800 && *cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
        uint32_t lo = hex4(p + 2);
        if (lo >= 0xdc00 && lo < 0xe000) {
            *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
            p += 6;
        }
    }
    return p;
}

/* Unescapes a validated string body into out; returns its full length, more
   than cap when it does not fit. */
static size_t unescape(const char *p, const char *end, char *out, size_t cap) {
    static const char plain[] = "\"\\/bfnrt", value[] = "\"\\/\b\f\n\r\t";
    size_t n = 0;
    while (p < end && n <= cap) {
        if (*p != '\\') {
            put(out, &n, cap, (unsigned char)*p++);
        } else if (p[1] == 'u') {
            uint32_t cp;
            p = decode_u(p, end, &cp);
            put_utf8(out, &n, cap, cp);
        } else {
            put(out, &n, cap, (unsigned char)value[strchr(plain, p[1]) - plain]);
            p += 2;
        }
    }
    return n;
}

/* The key without its spaces ("Process Name" is also ProcessName), or NONE
   when it has none or does not fit. */
static int32_t child_without_spaces(rt_scanner *s, int32_t parent, const char *k, size_t len) {
    if (!memchr(k, ' ', len)) return NONE;
    char tight[KEY_MAX];
    size_t n = 0;
    for (size_t i = 0; i < len && n < KEY_MAX; i++)
        if (k[i] != ' ') tight[n++] = k[i];
    return n < KEY_MAX ? child(s, parent, tight, n) : NONE;
}

static int32_t key_node(scan *c, int32_t parent, const char *k, const char *kend, bool escaped) {
    rt_scanner *s = c->s;
    if (parent == NONE || !s->nodes[parent].kids) return NONE;
    size_t len = (size_t)(kend - k);
    if (escaped) {
        len = unescape(k, kend, s->key, KEY_MAX);
        if (len > KEY_MAX) return NONE;
        k = s->key;
    }
    if (s->fold) {
        if (len > KEY_MAX) return NONE;
        for (size_t i = 0; i < len; i++)
            s->key[i] = (char)(k[i] >= 'A' && k[i] <= 'Z' ? k[i] + 32 : k[i]);
        k = s->key;
    }
    int32_t n = child(s, parent, k, len);
    if (n == NONE) n = child_without_spaces(s, parent, k, len);
    return n != NONE ? n : s->nodes[parent].wild;
}

static const char *string_value(scan *c, const char *p, int32_t n) {
    bool escaped;
    const char *q = string_end(c, p, &escaped);
    if (!q) return NULL;
    scalar(c, n, SV_V_STR, p + 1, (size_t)(q - p - 1), escaped);
    return q + 1;
}

static const char *digits(const char *p, const char *end) {
    while (p < end && is_digit(*p))
        p++;
    return p;
}

static const char *number(scan *c, const char *p, int32_t n) {
    const char *end = c->end, *q = p + (*p == '-');
    if (q == end || !is_digit(*q)) return unexpected(c, q);
    q = *q == '0' ? q + 1 : digits(q, end);
    if (q < end && *q == '.') {
        if (++q == end || !is_digit(*q)) return unexpected(c, q);
        q = digits(q, end);
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        if (++q < end && (*q == '+' || *q == '-')) q++;
        if (q == end || !is_digit(*q)) return unexpected(c, q);
        q = digits(q, end);
    }
    scalar(c, n, SV_V_NUM, p, (size_t)(q - p), false);
    return q;
}

static const char *literal(scan *c, const char *p, int32_t n, const char *word, sv_vtype type) {
    size_t len = strlen(word);
    for (size_t i = 0; i < len; i++)
        if (p + i == c->end || p[i] != word[i]) return unexpected(c, p + i);
    record(c, n, type, p, len, false);
    return p + len;
}

static const char *open_container(scan *c, const char *p, int32_t n) {
    if (c->depth == RT_MAX_DEPTH) return fail(c, p, "nesting deeper than " STR(RT_MAX_DEPTH));
    c->s->stack[c->depth++] = (frame){.start = p, .node = n, .closer = *p == '{' ? '}' : ']'};
    c->opened = true;
    return p + 1;
}

/* Scans the value at p, found at node n. A container is only opened: the
   main loop goes on inside it. */
static const char *value(scan *c, const char *p, int32_t n) {
    if (p == c->end) return unexpected(c, p);
    switch (*p) {
    case '"': return string_value(c, p, n);
    case '{':
    case '[': return open_container(c, p, n);
    case 't': return literal(c, p, n, "true", SV_V_TRUE);
    case 'f': return literal(c, p, n, "false", SV_V_FALSE);
    case 'n': return literal(c, p, n, "null", SV_V_NULL);
    default: return number(c, p, n);
    }
}

static const char *member(scan *c, const frame *f, const char *p) {
    if (p == c->end || *p != '"') return unexpected(c, p);
    bool escaped;
    const char *q = string_end(c, p, &escaped);
    if (!q) return NULL;
    int32_t n = key_node(c, f->node, p + 1, q, escaped);
    p = skip_ws(q + 1, c->end);
    if (p == c->end || *p != ':') return unexpected(c, p);
    return value(c, skip_ws(p + 1, c->end), n);
}

static const char *close_container(scan *c, const frame *f, const char *p) {
    c->depth--;
    c->opened = false;
    record(c, f->node, f->closer == '}' ? SV_V_OBJ : SV_V_ARR, f->start, (size_t)(p + 1 - f->start),
           false);
    return p + 1;
}

/* One member or element of the innermost open container, or its end. */
static const char *step(scan *c, const char *p) {
    const frame *f = &c->s->stack[c->depth - 1];
    p = skip_ws(p, c->end);
    if (p == c->end) return unexpected(c, p);
    if (*p == f->closer) return close_container(c, f, p);
    if (!c->opened) {
        if (*p != ',') return unexpected(c, p);
        p = skip_ws(p + 1, c->end);
    }
    c->opened = false;
    return f->closer == '}' ? member(c, f, p) : value(c, p, f->node);
}

static bool starts_value(char ch) {
    return ch == '"' || ch == '[' || ch == '-' || is_digit(ch) || ch == 't' || ch == 'f' ||
           ch == 'n';
}

static bool scan_pass(rt_scanner *s, const char *doc, size_t len, sv_event *ev, const char **err,
                      size_t *err_off) {
    scan c = {.s = s, .ev = ev, .end = doc + len};
    const char *p = skip_ws(doc, c.end);
    if (p < c.end && starts_value(*p))
        p = fail(&c, p, "event is not a JSON object");
    else if (p == c.end || *p != '{')
        p = unexpected(&c, p);
    else
        p = open_container(&c, p, ROOT);
    while (p && c.depth > 0)
        p = step(&c, p);
    if (p && (p = skip_ws(p, c.end)) != c.end) p = unexpected(&c, p);
    if (p) return true;
    *err = c.err;
    *err_off = (size_t)(c.at - doc);
    return false;
}

bool rt_scan(rt_scanner *s, const char *doc, size_t len, sv_event *ev, const char **err,
             size_t *err_off) {
    sv_event_reset(ev);
    return scan_pass(s, doc, len, ev, err, err_off) &&
           (!s->folded || scan_pass(s->folded, doc, len, ev, err, err_off));
}
