/*
 * scan.c: the one-pass event scanner.
 *
 * Every path of the table and every dot-prefix of one is a node of a hash
 * table keyed by its parent node and its last segment. Each open container
 * remembers the node of its path; a key under node P is one lookup of
 * (P, key), hashed eight bytes at a time, so no path string is built per key
 * and a key that starts no path (most keys, when a pack reads few fields)
 * costs a hash and one probe. A literal key holding dots walks down its
 * segments and so lands on the same node as the nested form. Under a key
 * that starts no path nothing is looked up or recorded (but keyword-search
 * values), yet every byte is still validated: a bad line must be rejected
 * whatever the rules.
 *
 * Nesting is tracked on an explicit stack inside the scanner, never on the C
 * stack, so hostile depth cannot overflow it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"
#include "runtime/runs.h"
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define RT_WIDE_STRINGS 1
#endif

#define STR_(x) #x
#define STR(x) STR_(x)

enum { NONE = -1, ROOT = 0 };

/* Unescaped keys longer than this match no path: real paths are far shorter,
   and a fixed buffer keeps key lookups free of allocation. */
#define KEY_MAX 256

/* Logs of one kind list their top-level keys in the same order, event after
   event: the node a key led to is remembered by its position, for keys of
   up to KEY_MEMO_LEN bytes among the first KEY_MEMO_SLOTS, so that most
   keys cost a comparison, not a hash and a probe of a table that the rest
   of the work keeps pushing out of the cache. Logs of a few kinds come
   mixed (Sysmon's process accesses, registry events, image loads), so the
   positions form KEY_MEMO_LANES lanes, one per kind: a document reads on
   in the lane where its last key was, and changes lane only where its kind
   parts from the one before. A key no lane holds at its position is
   written into the lane the document takes for itself at its first such
   key: the one least recently entered. (The OTRF events cost a fifth more
   mixed than sorted by kind; with each position's keys kept in order of
   recency instead, scanning was a quarter of that difference.) */
enum { KEY_MEMO_LEN = 24, KEY_MEMO_SLOTS = 64, KEY_MEMO_LANES = 8, NO_LANE = 0xff };

typedef struct node {
    const char *seg; /* the last segment of the path, inside rt_scanner.text */
    uint32_t seglen;
    int32_t parent;
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
    bucket *table; /* every node but the root, open addressing, at most a quarter full */
    uint32_t mask;
    link *links;
    size_t nlinks;
    char *text;
    rt_any any;
    bool fold;                 /* keys are looked up ASCII-lowercased */
    bool wide;                 /* long strings are read 64 bytes a step (AVX-512) */
    struct rt_scanner *folded; /* the '~' paths, scanned in a second pass, or NULL */
    char msg[32];
    char key[KEY_MAX];
    /* The top-level keys of the last documents, by position and lane:
       what each led to (key_node). */
    struct key_memo {
        uint32_t len;
        int32_t node;
        char key[KEY_MEMO_LEN];
    } memo[KEY_MEMO_SLOTS][KEY_MEMO_LANES];
    uint32_t lane;                    /* where the last document's last key was */
    uint64_t entered[KEY_MEMO_LANES]; /* when a document last entered each */
    uint64_t clock;
    frame stack[RT_MAX_DEPTH];
};

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) abort();
    return p;
}

static inline uint64_t load4(const char *p) {
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

static inline uint64_t mix(uint64_t h, uint64_t w) {
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    return h ^ h >> 32;
}

/* The hash of segment k (n bytes) under node parent. *odd is nonzero when
   k holds a '.' or a ' ', which the plain lookup does not handle. The last
   one to eight bytes are read as overlapping pieces, never past k + n. */
static inline uint32_t seg_hash(int32_t parent, const char *k, size_t n, uint64_t *odd) {
    uint64_t h = mix((uint64_t)(uint32_t)parent << 32, n), m = 0, w;
    for (; n > 8; k += 8, n -= 8) {
        w = rt_load8(k);
        m |= rt_has_byte(w, '.') | rt_has_byte(w, ' ');
        h = mix(h, w);
    }
    if (n >= 4)
        w = load4(k) | load4(k + n - 4) << 32;
    else
        w = n ? (uint64_t)(unsigned char)k[0] | (uint64_t)(unsigned char)k[n / 2] << 8 |
                    (uint64_t)(unsigned char)k[n - 1] << 16
              : 0;
    *odd = m | rt_has_byte(w, '.') | rt_has_byte(w, ' ');
    return (uint32_t)mix(h, w);
}

/* ---- construction ---- */

/* The node of segment k (n bytes) under parent, or NONE. */
static inline int32_t find(const rt_scanner *s, int32_t parent, const char *k, size_t n,
                           uint32_t h) {
    for (uint32_t i = h & s->mask; s->table[i].node != NONE; i = (i + 1) & s->mask) {
        if (s->table[i].hash != h) continue;
        const node *d = &s->nodes[s->table[i].node];
        if (d->parent == parent && d->seglen == n && rt_same_bytes(d->seg, k, n))
            return s->table[i].node;
    }
    return NONE;
}

static int32_t intern(rt_scanner *s, int32_t parent, const char *seg, size_t n) {
    uint64_t odd;
    uint32_t h = seg_hash(parent, seg, n, &odd);
    int32_t id = find(s, parent, seg, n, h);
    if (id != NONE) return id;
    uint32_t i = h & s->mask;
    while (s->table[i].node != NONE)
        i = (i + 1) & s->mask;
    id = (int32_t)s->nnodes++;
    s->nodes[id] =
        (node){.seg = seg, .seglen = (uint32_t)n, .parent = parent, .link = NONE, .wild = NONE};
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
    for (size_t seg = 0, i = 0; i <= len; i++) {
        if (i < len && path[i] != '.') continue;
        int32_t id = intern(s, parent, path + seg, i - seg);
        if (i - seg == 1 && path[seg] == '*') s->nodes[parent].wild = id;
        if (i < len) s->nodes[id].kids = true;
        parent = id;
        seg = i + 1;
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

static rt_scanner *build(const char *const *paths, size_t npaths, rt_any any, bool fold) {
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
#ifdef RT_WIDE_STRINGS
    bool wide = __builtin_cpu_supports("avx512bw");
#else
    bool wide = false;
#endif
    size_t cap = 8;
    while (cap < 4 * maxnodes)
        cap *= 2;

    rt_scanner *s = xcalloc(1, sizeof *s);
    s->any = any;
    for (size_t i = 0; i < KEY_MEMO_SLOTS; i++)
        for (size_t w = 0; w < KEY_MEMO_LANES; w++)
            s->memo[i][w].len = UINT32_MAX; /* no key yet, not even "" */
    s->fold = fold;
    s->wide = wide;
    s->nodes = xcalloc(maxnodes, sizeof *s->nodes);
    s->table = xcalloc(cap, sizeof *s->table);
    s->mask = (uint32_t)(cap - 1);
    s->links = xcalloc(nalts, sizeof *s->links);
    s->text = xcalloc(bytes, 1);
    for (size_t i = 0; i < cap; i++)
        s->table[i].node = NONE;
    s->nodes[ROOT] = (node){.parent = NONE, .link = NONE, .wild = NONE, .kids = npaths > 0};
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

rt_scanner *rt_scanner_new(const char *const *paths, size_t npaths, rt_any any) {
    rt_scanner *s = build(paths, npaths, any, false);
    for (size_t i = 0; i < npaths && !s->folded; i++)
        if (is_folded(paths[i])) s->folded = build(paths, npaths, RT_ANY_NONE, true);
    return s;
}

/* Put off: a keyword group with a screen looks at the whole text at once
   and mostly needs no value, one without records them all (which costs
   less than its own look at each value). */
rt_any rt_any_of(const sv_pack *p) {
    return p && sv_pack_wants_any(p) ? RT_ANY_DEFERRED : RT_ANY_NONE;
}

void rt_scanner_narrow(rt_scanner *s) {
    for (; s; s = s->folded)
        s->wide = false;
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

/* Node of the path "P.K" (or "K" when P is the root) for a key K with
   dots: one segment after the other. */
static int32_t descend(const rt_scanner *s, int32_t n, const char *k, size_t len) {
    for (;;) {
        const char *dot = memchr(k, '.', len);
        size_t seg = dot ? (size_t)(dot - k) : len;
        uint64_t odd;
        n = find(s, n, k, seg, seg_hash(n, k, seg, &odd));
        if (n == NONE || !dot) return n;
        k = dot + 1;
        len -= seg + 1;
    }
}

/* ---- scanning ---- */

typedef struct scan {
    rt_scanner *s;
    sv_event *ev;
    const char *end;
    const char *err;
    const char *at;
    int depth;
    bool opened;                     /* the last thing scanned was a '{' or '[' */
    size_t newlines;                 /* between tokens */
    rt_any any;                      /* which values go to SV_ANY_SLOT in this pass */
    uint32_t member;                 /* top-level members so far */
    int32_t own_lane;                /* the lane this document writes its keys in, or NONE */
    uint8_t lane_of[KEY_MEMO_SLOTS]; /* where each of its keys was found, or NO_LANE */
    bool any_only;                   /* none anywhere else (filling deferred ones) */
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

static void record_links(const scan *c, int32_t n, sv_vtype type, const char *p, size_t len,
                         unsigned escaped) {
    const link *links = c->s->links;
    unsigned level = element_level(c, n);
    for (int32_t l = c->s->nodes[n].link; l != NONE; l = links[l].next)
        sv_event_add_element(c->ev, (uint32_t)links[l].slot, type, p, len, escaped, level);
}

/* Inline: most values are at no path. */
static inline void record(const scan *c, int32_t n, sv_vtype type, const char *p, size_t len,
                          unsigned escaped) {
    if (n != NONE && c->s->nodes[n].link != NONE) record_links(c, n, type, p, len, escaped);
}

static inline void scalar(const scan *c, int32_t n, sv_vtype type, const char *p, size_t len,
                          unsigned escaped) {
    record(c, n, type, p, len, escaped);
    if ((c->any == RT_ANY_ALL || (c->any == RT_ANY_DEFERRED && (escaped & SV_ESC_WIDE))) &&
        (type == SV_V_STR || type == SV_V_NUM))
        sv_event_add(c->ev, SV_ANY_SLOT, type, p, len, escaped);
}

static inline bool is_ws(char ch) {
    return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
}

static inline const char *skip_ws(scan *c, const char *p) {
    if (p < c->end && (unsigned char)*p > ' ') return p; /* compact JSON has none */
    for (; p < c->end && is_ws(*p); p++)
        c->newlines += *p == '\n';
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

/* The escapes of two bytes (all but \\u). */
static const bool short_escape[256] = {
    ['"'] = 1, ['\\'] = 1, ['/'] = 1, ['b'] = 1, ['f'] = 1, ['n'] = 1, ['r'] = 1, ['t'] = 1};

/* Past the byte at p that stops a string but does not close it: an escape
   or a UTF-8 sequence; NULL when it is neither. */
static const char *past_stop(scan *c, const char *open, const char *p, unsigned *escaped) {
    if ((unsigned char)*p >= 0x80) {
        size_t n = utf8_len((const unsigned char *)p, (const unsigned char *)c->end);
        *escaped |= SV_ESC_WIDE | SV_ESC_UTF8;
        return n ? p + n : fail(c, p, "invalid UTF-8 in string");
    }
    if (*p != '\\') return fail(c, p, "control character in string");
    const char *q = escape_end(c, open, p);
    *escaped |= SV_ESC_SOME | (q == p + 6 ? SV_ESC_WIDE | SV_ESC_U : 0); /* \uXXXX */
    return q;
}

#ifdef RT_WIDE_STRINGS
/* How far ahead of a long string's step the text is asked for. Read from
   a mapped file (reader.c), it comes from memory, and the hardware
   prefetcher stops at each page's end; one request per step, spread over
   the strings that hold most of the bytes, hides that where a burst per
   document does not (a fifth of the OTRF file, one core, user time: 499 ->
   473 ms at 16 KB, 481 ms at 8 KB). As an integer: the address may be past the text,
   where a prefetch does not fault. */
enum { WIDE_PREFETCH_AHEAD = 16384 };

/* 64 copies of each byte the loop compares with, read from memory: a
   broadcast per call costs what a short string's block does. */
static const struct wide_bytes {
    uint8_t quote[64], backslash[64], space[64], n[64], r[64], t[64];
} wide_bytes __attribute__((aligned(64))) = {
#define WIDE_ROW(c)                                                                                \
    { [0 ... 63] = c }
    WIDE_ROW('"'), WIDE_ROW('\\'), WIDE_ROW(0x20), WIDE_ROW('n'), WIDE_ROW('r'), WIDE_ROW('t'),
#undef WIDE_ROW
};

__attribute__((target("avx512bw"))) static inline uint64_t wide_eq(__m512i v, const uint8_t *row) {
    return _mm512_cmpeq_epi8_mask(v, _mm512_load_si512((const void *)row));
}

/* Long strings 64 bytes a step, escapes and all: the closing quote is the
   first one no backslash escapes (runs.h), and the bytes before it need a
   closer look only when they hold a control character, a byte of UTF-8,
   or an escape other than \\, \", \n, \r and \t. Returns the closing
   quote (*closed), or else where reading sixteen bytes a step is to go
   on: the start of the block that needs that look, or of the last, short
   one. */
__attribute__((target("avx512bw"))) static const char *
wide_string_run(const char *p, const char *end, unsigned *escaped, bool *closed) {
    const struct wide_bytes *w = &wide_bytes;
    bool carry = false;
    for (; end - p >= 64; p += 64) {
        __builtin_prefetch((const void *)((uintptr_t)p + WIDE_PREFETCH_AHEAD));
        __m512i v = _mm512_loadu_si512((const void *)p);
        uint64_t q = wide_eq(v, w->quote), b = wide_eq(v, w->backslash);
        /* As signed bytes, those from 0x80 up are below 0x20 too. */
        uint64_t odd = _mm512_cmplt_epi8_mask(v, _mm512_load_si512((const void *)w->space));
        bool was = carry;
        uint64_t esc = rt_escaped(b, &carry), closers = q & ~esc;
        uint64_t before = closers ? (closers & -closers) - 1 : ~0ull;
        /* Escaped letters other than n, r and t (Windows paths escape
           backslashes only; a Message escapes line ends). */
        uint64_t letters = esc & ~(q | b) & before;
        if (letters) letters &= ~(wide_eq(v, w->n) | wide_eq(v, w->r) | wide_eq(v, w->t));
        if ((odd & before) | letters) {
            carry = was;
            break;
        }
        if (b & before) *escaped |= SV_ESC_SOME;
        if (closers) {
            *closed = true;
            return p + __builtin_ctzll(closers);
        }
    }
    /* A block that starts escaped is gone back into by its backslash. */
    *closed = false;
    return p - carry;
}
#endif

/* Sixteen bytes of a string at p, tested at once, and the stops among them
   taken in turn without testing again (Windows paths hold an escape every
   few bytes): the closing quote, or else NULL with *next where the next
   sixteen start (past an escape that crosses them), NULL after an error. */
__attribute__((always_inline)) static inline const char *
sixteen(scan *c, const char *open, const char *p, unsigned *escaped, const char **next) {
    *next = p + 16;
    for (unsigned stops = rt_string_stops(p); stops;) {
        const char *q = p + __builtin_ctz(stops);
        if (*q == '"') return q;
        if (*q == '\\' && short_escape[(unsigned char)q[1]]) {
            *escaped |= SV_ESC_SOME;
            q += 2;
        } else if (!(q = past_stop(c, open, q, escaped))) {
            *next = NULL;
            return NULL;
        }
        if (q - p >= 16) {
            *next = q;
            break;
        }
        stops &= ~0u << (q - p);
    }
    return NULL;
}

/* The closing quote of the string whose opening quote is at open. Past
   its first sixteen bytes, a string goes on 64 at a time where the machine
   can (the Message of a Windows event, its CallTrace), and on sixteen at a
   time otherwise or once those need a closer look. Inlined where keys and
   values are read, as a call per string shows. */
__attribute__((always_inline)) static inline const char *string_end(scan *c, const char *open,
                                                                    unsigned *escaped) {
    const char *p = open + 1, *q;
    *escaped = 0;
    /* More than sixteen bytes: the byte after a stop among them exists. */
    if (c->end - p > 16) {
        if ((q = sixteen(c, open, p, escaped, &p)) || !p) return q;
#ifdef RT_WIDE_STRINGS
        if (c->s->wide && c->end - p >= 64) {
            bool closed;
            p = wide_string_run(p, c->end, escaped, &closed);
            if (closed) return p;
        }
#endif
        while (c->end - p > 16)
            if ((q = sixteen(c, open, p, escaped, &p)) || !p) return q;
    }
    for (;;) {
        p = rt_string_stop(p, c->end);
        if (p == c->end) return fail(c, open, "unterminated string");
        if (*p == '"') return p;
        if (!(p = past_stop(c, open, p, escaped))) return NULL;
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
    char tight[KEY_MAX] = {0}; /* zeroed: cppcheck cannot tell that the loop runs */
    size_t n = 0;
    for (size_t i = 0; i < len && n < KEY_MAX; i++)
        if (k[i] != ' ') tight[n++] = k[i];
    return n < KEY_MAX ? descend(s, parent, tight, n) : NONE;
}

static int32_t key_node(scan *c, int32_t parent, const char *k, const char *kend,
                        unsigned escaped) {
    rt_scanner *s = c->s;
    if (parent == NONE || !s->nodes[parent].kids) return NONE;
    size_t len = (size_t)(kend - k);
    if (escaped & SV_ESC_SOME) {
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
    uint64_t odd;
    uint32_t h = seg_hash(parent, k, len, &odd);
    int32_t n = odd ? descend(s, parent, k, len) : find(s, parent, k, len, h);
    if (n == NONE && odd) n = child_without_spaces(s, parent, k, len);
    return n != NONE ? n : s->nodes[parent].wild;
}

static inline const char *string_value(scan *c, const char *p, int32_t n) {
    unsigned escaped;
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
static inline const char *value(scan *c, const char *p, int32_t n) {
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

static bool memo_holds(const struct key_memo *m, const char *k, size_t len) {
    return m->len == len && rt_same_bytes(m->key, k, len);
}

static void enter_lane(rt_scanner *s, uint32_t lane) {
    s->lane = lane;
    s->entered[lane] = ++s->clock;
}

/* The lane other than the current one holding key k at position m, or
   NONE. */
static int32_t other_lane(const rt_scanner *s, const struct key_memo *m, const char *k,
                          size_t len) {
    for (uint32_t w = 0; w < KEY_MEMO_LANES; w++)
        if (w != s->lane && memo_holds(&m[w], k, len)) return (int32_t)w;
    return NONE;
}

/* A document that found a key in no lane takes the lane least recently
   entered for its own, with the keys it found before in other lanes, so
   that the next document of its kind reads it through. */
static void take_lane(scan *c, uint32_t upto) {
    rt_scanner *s = c->s;
    uint32_t own = 0;
    for (uint32_t w = 1; w < KEY_MEMO_LANES; w++)
        if (s->entered[w] < s->entered[own]) own = w;
    for (uint32_t j = 0; j < upto; j++)
        if (c->lane_of[j] != NO_LANE) s->memo[j][own] = s->memo[j][c->lane_of[j]];
    c->own_lane = (int32_t)own;
    enter_lane(s, own);
}

/* key_node for a top-level key, by its position when it is a key one of
   the last documents had there (as written: escapes and all, the same text
   leads to the same node). */
static int32_t top_key_node(scan *c, const char *k, const char *kend, unsigned escaped) {
    size_t len = (size_t)(kend - k);
    uint32_t at = c->member++;
    if (at >= KEY_MEMO_SLOTS) return key_node(c, ROOT, k, kend, escaped);
    c->lane_of[at] = NO_LANE;
    if (len > KEY_MEMO_LEN) return key_node(c, ROOT, k, kend, escaped);
    rt_scanner *s = c->s;
    struct key_memo *m = s->memo[at];
    if (memo_holds(&m[s->lane], k, len)) {
        c->lane_of[at] = (uint8_t)s->lane;
        return m[s->lane].node;
    }
    int32_t w = other_lane(s, m, k, len);
    if (w != NONE && c->own_lane == NONE) {
        enter_lane(s, (uint32_t)w);
        c->lane_of[at] = (uint8_t)w;
        return m[w].node;
    }
    if (c->own_lane == NONE) take_lane(c, at);
    struct key_memo *own = &m[c->own_lane];
    if (w != NONE) {
        *own = m[w];
    } else {
        own->len = (uint32_t)len;
        own->node = key_node(c, ROOT, k, kend, escaped);
        memcpy(own->key, k, len);
    }
    c->lane_of[at] = (uint8_t)c->own_lane;
    return own->node;
}

static const char *member(scan *c, const frame *f, const char *p) {
    if (p == c->end || *p != '"') return unexpected(c, p);
    unsigned escaped;
    const char *q = string_end(c, p, &escaped);
    if (!q) return NULL;
    int32_t n = c->any_only     ? NONE
                : c->depth == 1 ? top_key_node(c, p + 1, q, escaped)
                                : key_node(c, f->node, p + 1, q, escaped);
    /* Compact JSON: the value right after the colon. */
    if (c->end - q > 2 && q[1] == ':' && (unsigned char)q[2] > ' ') return value(c, q + 2, n);
    p = skip_ws(c, q + 1);
    if (p == c->end || *p != ':') return unexpected(c, p);
    return value(c, skip_ws(c, p + 1), n);
}

static const char *close_container(scan *c, const frame *f, const char *p) {
    c->depth--;
    c->opened = false;
    record(c, f->node, f->closer == '}' ? SV_V_OBJ : SV_V_ARR, f->start, (size_t)(p + 1 - f->start),
           false);
    return p + 1;
}

/* The members or elements of the innermost open container, until one
   opens a container of its own or it ends. */
static const char *step(scan *c, const char *p) {
    const frame *f = &c->s->stack[c->depth - 1];
    for (;;) {
        p = skip_ws(c, p);
        if (p == c->end) return unexpected(c, p);
        if (*p == f->closer) return close_container(c, f, p);
        if (!c->opened) {
            if (*p != ',') return unexpected(c, p);
            p = skip_ws(c, p + 1);
        }
        c->opened = false;
        p = f->closer == '}' ? member(c, f, p) : value(c, p, f->node);
        if (!p || c->opened) return p;
    }
}

static bool starts_value(char ch) {
    return ch == '"' || ch == '[' || ch == '-' || is_digit(ch) || ch == 't' || ch == 'f' ||
           ch == 'n';
}

/* With used, the object may be followed by anything: *used is where it
   ends, and it must hold no newline (between tokens: inside strings one is
   an error anyway). */
static bool scan_pass(rt_scanner *s, const char *doc, size_t len, sv_event *ev, const char **err,
                      size_t *err_off, size_t *used, bool any_only) {
    scan c = {.s = s,
              .ev = ev,
              .end = doc + len,
              .any = any_only ? RT_ANY_ALL : s->any,
              .any_only = any_only,
              .own_lane = NONE};
    if (!any_only) s->entered[s->lane] = ++s->clock;
    const char *p = skip_ws(&c, doc);
    if (p < c.end && starts_value(*p))
        p = fail(&c, p, "event is not a JSON object");
    else if (p == c.end || *p != '{')
        p = unexpected(&c, p);
    else
        p = open_container(&c, p, ROOT);
    while (p && c.depth > 0)
        p = step(&c, p);
    if (used) {
        *used = p ? (size_t)(p - doc) : 0;
        return p && !c.newlines;
    }
    if (p && (p = skip_ws(&c, p)) != c.end) p = unexpected(&c, p);
    if (p) return true;
    *err = c.err;
    *err_off = (size_t)(c.at - doc);
    return false;
}

/* Records every string and number of a document scanned before, whose
   keyword values were put off: it is valid, so this pass cannot fail. */
static void fill_any(void *ctx, sv_event *ev, const char *text, size_t len) {
    const char *err;
    size_t off;
    scan_pass(ctx, text, len, ev, &err, &off, NULL, true);
}

/* After a document's passes: whether they went through, and if so its
   keyword values put off when the scanner does that. */
static bool scanned(rt_scanner *s, bool ok, const char *text, size_t len, sv_event *ev) {
    if (ok && s->any == RT_ANY_DEFERRED) sv_event_defer_any(ev, text, len, fill_any, s);
    return ok;
}

bool rt_scan(rt_scanner *s, const char *doc, size_t len, sv_event *ev, const char **err,
             size_t *err_off) {
    sv_event_reset(ev);
    bool ok = scan_pass(s, doc, len, ev, err, err_off, NULL, false) &&
              (!s->folded || scan_pass(s->folded, doc, len, ev, err, err_off, NULL, false));
    return scanned(s, ok, doc, len, ev);
}

bool rt_scan_object(rt_scanner *s, const char *text, size_t len, sv_event *ev, size_t *used) {
    const char *err;
    size_t off;
    sv_event_reset(ev);
    bool ok = scan_pass(s, text, len, ev, &err, &off, used, false) &&
              (!s->folded || scan_pass(s->folded, text, *used, ev, &err, &off, NULL, false));
    return scanned(s, ok, text, *used, ev);
}
