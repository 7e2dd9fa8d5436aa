/* prefilter.c: every literal test on a field answered in one pass.
 *
 * Thousands of rules test the same few fields (CommandLine, Image,
 * TargetFilename) against literals: contains, startswith, endswith, equals.
 * Tests on one field with the same case rule form a group; its literals go
 * into one literal set (lits.c). The first time an event asks any test of
 * a group, the field's value is looked at once and the answer of every test
 * of the group is memoized. A thousand memmem calls become one look at the
 * start and end of the value and one sampling pass over it for the
 * contains literals. The scan lists the tests that hold,
 * so that what follows (memoizing, the rules' literal guards) costs what
 * the event contains, not what the group holds.
 *
 * The numeric equalities of a field (every EventID == n of a pack) form a
 * group too: its constants sorted, each value of the field is parsed once
 * and looked up by binary search.
 *
 * A wildcard pattern's longest literal piece must occur in any value it
 * matches. The piece joins the literal group of its field as a pseudo-test
 * (numbered after the pack's tests), so that the scan the group makes
 * anyway tells whether the pattern can match at all.
 *
 * Per event only the tests in some rule's guard must be answered before
 * any rule runs; the others are asked by the few rules that then run. So a
 * field's tests that guard no rule form a group of their own, scanned only
 * for the rules that run (exec.c asks a few of its tests one by one
 * first): the group an event scans up front holds the 251 literals the
 * guards of PowerShell module rules name in ContextInfo, the shortest of
 * 6 bytes, not all 301 their conditions test (down to "iex", which would
 * have every position of a 5 KB value looked at).
 *
 * A field's values repeat from event to event (the same CallTrace, the
 * same process image), and a group's answer for a value depends on its
 * text alone: each thread recalls the answers of values it scanned before
 * (recall.c) instead of scanning them again. A long value that never
 * repeats as a whole often repeats line by line, and is then recalled in
 * segments of whole lines.
 *
 * A keyword group reads every value of every event, almost none of which
 * holds any of its literals: it first looks for them in the text as
 * written (rawscan.c), and decodes and checks a value only for the
 * literals it may hold. When the scanner put the event's keyword values
 * off (sv_event_defer_any), a group with a screen looks at the whole
 * document's text once instead, and at no value when that finds nothing
 * but the few strings whose folded text the text as written does not show.
 */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "lits.h"
#include "match.h"
#include "pack.h"
#include "rawscan.h"
#include "recall.h"

/* What a group answers: literal tests on folded text, on the text as it
   is (cased), or numeric equalities. */
enum { K_FOLDED, K_CASED, K_NUMBER, NKINDS };
/* Whether a group's tests guard rules (scanned for every event that has
   the field) or not (scanned when a running rule asks one). */
enum { T_GUARDS, T_ASKED, NTIERS };

typedef struct sv_prefilter_group {
    uint32_t slot;
    uint8_t kind;
    sv_lits *lits;           /* literal groups: every literal, id = position in tests */
    sv_raw *raw;             /* keyword groups: their literals in text as written ... */
    uint32_t shortest_piece; /* ... a value shorter than this holds none */
    double *nums;            /* number groups: the constants in ascending order ... */
    uint32_t *num_at;        /* ... and the position in tests of each */
    uint32_t *tests;         /* the group's tests and pseudo-tests */
    uint32_t ntests;
    bool asked; /* its tests guard no rule */
} sv_prefilter_group;

/* Field groups worth a literal set: one literal is as fast through
   memmem. A keyword group of one literal still spares every value of the
   event decoding (rawscan.c). */
enum { MIN_GROUP = 2 };
/* Shorter pieces occur in too many values to tell anything. */
enum { MIN_PIECE = 3 };

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

/* The kind of group test i belongs in, or -1. A wildcard pattern belongs
   in its field's literal group through its piece, written to piece. */
static int kind_of(const sv_pack *p, uint32_t i, char *piece, uint32_t *piece_len) {
    const sv_test *t = &p->tests[i];
    const sv_prepared *pr = &p->prep[i];
    int text_kind = t->flags & SV_F_CASED ? K_CASED : K_FOLDED;
    switch (t->kind) {
    case SV_T_EQ:
    case SV_T_PREFIX:
    case SV_T_SUFFIX:
    case SV_T_CONTAINS: return pr->lit_len > 0 ? text_kind : -1;
    case SV_T_NUM_EQ: return K_NUMBER;
    case SV_T_GLOB:
        *piece_len = sv_glob_piece(pr->lit, pr->lit_len, piece);
        return *piece_len >= MIN_PIECE ? text_kind : -1;
    default: return -1;
    }
}

/* Pieces of pseudo-tests, while building. */
typedef struct pieces {
    char *bytes;
    size_t len, cap;
    uint32_t *at, *n, *test; /* per piece: where, how long, whose */
    uint32_t count, max;
} pieces;

static void add_piece(pieces *pc, uint32_t test, const char *s, uint32_t n) {
    if (pc->len + n > pc->cap) {
        pc->cap = 2 * (pc->len + n) + 256;
        pc->bytes = realloc(pc->bytes, pc->cap);
        if (!pc->bytes) abort();
    }
    if (pc->count == pc->max) {
        pc->max = pc->max ? 2 * pc->max : 64;
        pc->at = realloc(pc->at, pc->max * sizeof *pc->at);
        pc->n = realloc(pc->n, pc->max * sizeof *pc->n);
        pc->test = realloc(pc->test, pc->max * sizeof *pc->test);
        if (!pc->at || !pc->n || !pc->test) abort();
    }
    memcpy(pc->bytes + pc->len, s, n);
    pc->at[pc->count] = (uint32_t)pc->len;
    pc->n[pc->count] = n;
    pc->test[pc->count++] = test;
    pc->len += n;
}

/* The literal of test or pseudo-test t of a group being built. */
static const char *literal(const sv_pack *p, const pieces *pc, uint32_t t, uint32_t *n) {
    if (t < p->ntests) {
        *n = p->prep[t].lit_len;
        return p->prep[t].lit;
    }
    *n = pc->n[t - p->ntests];
    return pc->bytes + pc->at[t - p->ntests];
}

/* Where the literal of test or pseudo-test t must occur: a wildcard
   pattern's piece, anywhere. */
static sv_lit_how how_of(const sv_pack *p, uint32_t t) {
    switch (t < p->ntests ? p->tests[t].kind : SV_T_CONTAINS) {
    case SV_T_EQ: return SV_LIT_EQ;
    case SV_T_PREFIX: return SV_LIT_PREFIX;
    case SV_T_SUFFIX: return SV_LIT_SUFFIX;
    default: return SV_LIT_CONTAINS;
    }
}

static int by_num(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void build_numbers(const sv_pack *p, sv_prefilter_group *grp) {
    /* Sorted as (constant, position) pairs, then split. */
    struct pair {
        double num;
        uint32_t at;
    } *pairs = xmalloc(grp->ntests * sizeof *pairs);
    for (uint32_t k = 0; k < grp->ntests; k++)
        pairs[k] = (struct pair){p->tests[grp->tests[k]].num, k};
    qsort(pairs, grp->ntests, sizeof *pairs, by_num);
    grp->nums = xmalloc(grp->ntests * sizeof *grp->nums);
    grp->num_at = xmalloc(grp->ntests * sizeof *grp->num_at);
    for (uint32_t k = 0; k < grp->ntests; k++) {
        grp->nums[k] = pairs[k].num;
        grp->num_at[k] = pairs[k].at;
    }
    free(pairs);
}

/* The keyword group's filter of values by their text as written. */
static sv_raw *raw_filter(const sv_pack *p, const pieces *pc, const sv_prefilter_group *grp,
                          uint32_t **pair_counts) {
    uint32_t n = grp->ntests;
    const char **lit = xmalloc(n * sizeof *lit);
    uint32_t *len = xmalloc(n * sizeof *len);
    sv_lit_how *how = xmalloc(n * sizeof *how);
    for (uint32_t k = 0; k < n; k++) {
        lit[k] = literal(p, pc, grp->tests[k], &len[k]);
        how[k] = how_of(p, grp->tests[k]);
    }
    if (!*pair_counts) *pair_counts = sv_raw_pair_counts(p);
    sv_raw *r = sv_raw_new(*pair_counts, lit, len, how, n);
    free(lit);
    free(len);
    free(how);
    return r;
}

/* Builds what scans group grp; pair_counts: the pack's, once a keyword
   group needed them. */
static void build_group(sv_pack *p, const pieces *pc, sv_prefilter_group *grp,
                        uint32_t **pair_counts) {
    if (grp->kind == K_NUMBER) {
        build_numbers(p, grp);
        return;
    }
    grp->lits = sv_lits_new();
    for (uint32_t k = 0; k < grp->ntests; k++) {
        uint32_t n, t = grp->tests[k];
        const char *s = literal(p, pc, t, &n);
        sv_lits_add(grp->lits, s, n, how_of(p, t), k);
    }
    sv_lits_build(grp->lits);
    if (grp->slot == SV_ANY_SLOT && grp->kind == K_FOLDED)
        grp->raw = raw_filter(p, pc, grp, pair_counts);
    if (grp->raw) grp->shortest_piece = sv_raw_shortest(grp->raw);
}

/* Puts the tests rule r asks that have no class yet in class c. */
static void rule_tests(const sv_pack *p, const sv_rule *r, uint32_t *cls, uint32_t c) {
    for (uint32_t pc = r->code_start; pc < r->code_start + r->code_len; pc++)
        if (p->code[pc].op == SV_OP_TEST && cls[p->code[pc].c] == UINT32_MAX)
            cls[p->code[pc].c] = c;
}

/* Keyword groups are split by the guard of the rules that ask their tests,
   so that an event looks through its values for the literals of the rules
   it reaches, not for every keyword literal of the pack (those of an
   antivirus channel's rules in a Sysmon event, say). Per test its class:
   0 if a rule without a guard asks it, else that of the first guarded rule
   that does, by its first guard test. */
static uint32_t *keyword_classes(const sv_pack *p, uint32_t *nclasses) {
    uint32_t *cls = xmalloc((p->ntests ? p->ntests : 1) * sizeof *cls);
    uint32_t *of_guard = calloc(p->ntests ? p->ntests : 1, sizeof *of_guard);
    if (!of_guard) abort();
    memset(cls, 0xff, p->ntests * sizeof *cls);
    for (uint32_t r = 0; r < p->nrules; r++)
        if (p->rules[r].guard_len == SV_NO_GUARD) rule_tests(p, &p->rules[r], cls, 0);
    *nclasses = 1;
    for (uint32_t r = 0; r < p->nrules; r++) {
        const sv_rule *rule = &p->rules[r];
        if (rule->guard_len == SV_NO_GUARD || !rule->guard_len) continue;
        uint32_t g = p->guards[rule->guard_start];
        if (!of_guard[g]) of_guard[g] = (*nclasses)++;
        rule_tests(p, rule, cls, of_guard[g]);
    }
    free(of_guard);
    return cls;
}

/* Per test, whether some rule's guard or literal guard lists it. */
static bool *guard_tests(const sv_pack *p) {
    bool *in = calloc(p->ntests ? p->ntests : 1, sizeof *in);
    if (!in) abort();
    for (uint32_t r = 0, from, len; r < p->nrules; r++)
        for (unsigned k = 0; k < SV_GUARDS; k++)
            if ((len = sv_rule_guard(&p->rules[r], k, &from)) != SV_NO_GUARD)
                for (uint32_t g = 0; g < len; g++)
                    in[p->guards[from + g]] = true;
    return in;
}

void sv_prefilter_build(sv_pack *p) {
    /* Groups are found by (slot, kind, tier) in a table: the keyword
       classes as slots past the paths. */
    uint32_t nclasses, *keyword_class = keyword_classes(p, &nclasses);
    bool *guards = guard_tests(p);
    uint32_t nkeys = (p->npaths + nclasses) * NKINDS * NTIERS;
    uint32_t *count = calloc(nkeys, sizeof *count);
    int32_t *key_of = xmalloc((p->ntests ? p->ntests : 1) * sizeof *key_of);
    int32_t *group_at = xmalloc(nkeys * sizeof *group_at);
    if (!count) abort();
    uint32_t max_lit = 0;
    for (uint32_t i = 0; i < p->ntests; i++)
        if (p->tests[i].kind == SV_T_GLOB && p->prep[i].lit_len > max_lit)
            max_lit = p->prep[i].lit_len;
    char *piece = xmalloc(max_lit);
    pieces pc = {0};
    for (uint32_t i = 0; i < p->ntests; i++) {
        uint32_t piece_len = 0;
        int kind = kind_of(p, i, piece, &piece_len);
        key_of[i] = -1;
        if (kind < 0) continue;
        uint32_t slot = p->tests[i].slot;
        if (slot == SV_ANY_SLOT)
            slot = p->npaths + (keyword_class[i] == UINT32_MAX ? 0 : keyword_class[i]);
        uint32_t tier = guards[i] ? T_GUARDS : T_ASKED;
        key_of[i] = (int32_t)((slot * NKINDS + (uint32_t)kind) * NTIERS + tier);
        count[key_of[i]]++;
        if (p->tests[i].kind == SV_T_GLOB) add_piece(&pc, i, piece, piece_len);
    }
    free(piece);
    free(keyword_class);
    free(guards);
    p->ngroups = 0;
    for (uint32_t key = 0; key < nkeys; key++)
        group_at[key] = count[key] >= (key < p->npaths * NKINDS * NTIERS ? MIN_GROUP : 1)
                            ? (int32_t)p->ngroups++
                            : -1;
    p->groups = calloc(p->ngroups ? p->ngroups : 1, sizeof *p->groups);
    if (!p->groups) abort();
    for (uint32_t key = 0; key < nkeys; key++) {
        if (group_at[key] < 0) continue;
        uint32_t slot = key / NTIERS / NKINDS;
        p->groups[group_at[key]] =
            (sv_prefilter_group){.slot = slot >= p->npaths ? SV_ANY_SLOT : slot,
                                 .kind = (uint8_t)(key / NTIERS % NKINDS),
                                 .asked = key % NTIERS == T_ASKED,
                                 .tests = xmalloc(count[key] * sizeof(uint32_t))};
    }
    /* Pseudo-tests are numbered in the order of their patterns' tests. */
    uint32_t npieces = 0;
    for (uint32_t j = 0; j < pc.count; j++)
        npieces += group_at[key_of[pc.test[j]]] >= 0;
    p->npieces = npieces;
    p->group_of = xmalloc((p->ntests + npieces) * sizeof *p->group_of);
    for (uint32_t i = 0; i < p->ntests; i++) {
        int32_t g = key_of[i] < 0 ? -1 : group_at[key_of[i]];
        p->group_of[i] = -1;
        if (g < 0 || p->tests[i].kind == SV_T_GLOB) continue;
        p->group_of[i] = g;
        p->groups[g].tests[p->groups[g].ntests++] = i;
    }
    uint32_t pseudo = p->ntests;
    for (uint32_t j = 0; j < pc.count; j++) {
        int32_t g = group_at[key_of[pc.test[j]]];
        if (g < 0) continue;
        /* Keep the piece where literal() finds it by pseudo-test number. */
        pc.at[pseudo - p->ntests] = pc.at[j];
        pc.n[pseudo - p->ntests] = pc.n[j];
        p->prep[pc.test[j]].piece = pseudo;
        p->group_of[pseudo] = g;
        p->groups[g].tests[p->groups[g].ntests++] = pseudo++;
    }
    uint32_t *pair_counts = NULL;
    for (uint32_t g = 0; g < p->ngroups; g++) {
        build_group(p, &pc, &p->groups[g], &pair_counts);
        if (p->groups[g].ntests > p->max_group) p->max_group = p->groups[g].ntests;
    }
    free(pair_counts);
    free(pc.bytes);
    free(pc.at);
    free(pc.n);
    free(pc.test);
    free(count);
    free(key_of);
    free(group_at);
}

void sv_prefilter_free(sv_pack *p) {
    for (uint32_t g = 0; g < p->ngroups; g++) {
        sv_lits_free(p->groups[g].lits);
        sv_raw_free(p->groups[g].raw);
        free(p->groups[g].nums);
        free(p->groups[g].num_at);
        free(p->groups[g].tests);
    }
    free(p->groups);
    free(p->group_of);
    p->groups = NULL;
    p->group_of = NULL;
    p->ngroups = p->max_group = p->npieces = 0;
}

const uint32_t *sv_prefilter_tests(const sv_pack *p, uint32_t g, uint32_t *n) {
    *n = p->groups[g].ntests;
    return p->groups[g].tests;
}

uint32_t sv_prefilter_slot(const sv_pack *p, uint32_t g) {
    return p->groups[g].slot;
}

bool sv_prefilter_asked(const sv_pack *p, uint32_t g) {
    return p->groups[g].asked;
}

/* Pieces found in one value whose literals are checked one by one; a
   value holding more is scanned in full. */
enum { MAX_CANDIDATES = 64 };
/* What seen says of a group's test. */
enum { HELD = 1, CANDIDATE = 2 };

typedef struct scan_ctx {
    const sv_prefilter_group *grp;
    uint32_t segments; /* the recall group of the group's segments (after the groups') */
    uint8_t *seen;     /* per group test: HELD, CANDIDATE */
    uint32_t *hits, nhits;
    uint32_t cands[MAX_CANDIDATES], ncands; /* tests whose pieces a value holds */
    bool too_many;
} scan_ctx;

static void holds(void *ctx, uint32_t k) {
    scan_ctx *c = ctx;
    if (c->seen[k] & HELD) return;
    c->seen[k] |= HELD;
    c->hits[c->nhits++] = k;
}

static void candidate(void *ctx, uint32_t k) {
    scan_ctx *c = ctx;
    if (c->seen[k] & (HELD | CANDIDATE)) return;
    if (c->ncands == MAX_CANDIDATES) {
        c->too_many = true;
        return;
    }
    c->seen[k] |= CANDIDATE;
    c->cands[c->ncands++] = k;
}

/* Whether a keyword group can tell from value v's text as written which
   of its literals v may hold (see sv_raw_find): ASCII text whose escapes
   are all of two bytes, or text whose other characters all fold to text
   without ASCII, so that a run of ASCII in the folded text still comes
   from one in the text as written ("Microsoft\u00ae" does not: an escape
   of six bytes; "Microsoft®" does). */
static bool plain_text(const sv_value *v) {
    switch (v->type) {
    case SV_V_STR:
        return !(v->escaped & SV_ESC_WIDE) ||
               ((v->escaped & (SV_ESC_UTF8 | SV_ESC_U)) == SV_ESC_UTF8 &&
                sv_fold_keeps_ascii_apart(v->p, v->len));
    case SV_V_NUM:
    case SV_V_TRUE:
    case SV_V_FALSE: return true;
    default: return false; /* no text: the real scan skips it */
    }
}

/* Asks a keyword group's literals of plain value v: only those whose
   pieces its text holds, unless too many do. */
static void scan_plain(const sv_prefilter_group *grp, sv_event *ev, sv_value *v, scan_ctx *c) {
    c->ncands = 0;
    c->too_many = false;
    sv_raw_find(grp->raw, v->p, v->len, candidate, c);
    const char *s = NULL;
    size_t n = 0;
    bool ok = (c->ncands || c->too_many) && sv_value_folded(ev, v, &s, &n);
    for (uint32_t i = 0; i < c->ncands; i++) {
        uint32_t k = c->cands[i];
        c->seen[k] &= (uint8_t)~CANDIDATE;
        if (ok && !c->too_many && sv_raw_holds(grp->raw, k, s, n)) holds(c, k);
    }
    if (ok && c->too_many) sv_lits_scan(grp->lits, s, n, c->seen, holds, c);
}

/* Notes the tests that recall says a text holds. */
static void holds_all(scan_ctx *c, const uint32_t *known, uint32_t n) {
    for (uint32_t k = 0; k < n; k++)
        holds(c, known[k]);
}

/* A long value is looked at in segments of whole lines of at least
   SEGMENT bytes when the group's contains literals hold no newline, each
   recalled on its own: the text of a PowerShell event's ContextInfo (5 KB
   with a sequence number) never repeats, but its Host Application line
   (4 KB of an encoded command) does, event after event. */
enum { SEGMENTED = 1024, SEGMENT = 256 };

/* The tests one segment holds, each once; too many are not kept. */
typedef struct segment_hits {
    scan_ctx *c;
    uint32_t hits[SV_RECALL_MAX_HITS], nhits;
    bool too_many;
} segment_hits;

static void segment_holds(void *ctx, uint32_t k) {
    segment_hits *sh = ctx;
    holds(sh->c, k);
    for (uint32_t i = 0; i < sh->nhits; i++)
        if (sh->hits[i] == k) return;
    if (sh->nhits == SV_RECALL_MAX_HITS)
        sh->too_many = true;
    else
        sh->hits[sh->nhits++] = k;
}

/* The contains literals of segment s (n bytes) of a value: recalled, or
   scanned in full and kept. */
static void scan_segment(const char *s, size_t n, sv_recall *recall, scan_ctx *c) {
    uint32_t n_known;
    sv_recall_ticket tk;
    const uint32_t *known = sv_recall_find(recall, c->segments, SV_V_STR, s, n, &n_known, &tk);
    if (known) {
        holds_all(c, known, n_known);
        return;
    }
    segment_hits sh = {.c = c};
    sv_lits_scan_inside(c->grp->lits, s, n, NULL, segment_holds, &sh);
    if (!sh.too_many) sv_recall_keep(recall, &tk, c->segments, SV_V_STR, s, n, sh.hits, sh.nhits);
}

/* Scans the folded text s (n bytes) of a long value segment by segment;
   the anchored literals at its ends. A short rest is scanned as it is. */
static void scan_segmented(const char *s, size_t n, sv_recall *recall, scan_ctx *c) {
    sv_lits_scan_ends(c->grp->lits, s, n, holds, c);
    const char *from = s, *end = s + n;
    for (const char *p = s; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
        if (p - from >= SEGMENT) {
            scan_segment(from, (size_t)(p - from), recall, c);
            from = p;
        }
    }
    sv_lits_scan_inside(c->grp->lits, from, (size_t)(end - from), c->seen, holds, c);
}

/* Scans value v for the literals of group g, unless recall knows what
   it holds. */
static void scan_value(uint32_t g, sv_event *ev, sv_value *v, sv_recall *recall, scan_ctx *c) {
    const sv_prefilter_group *grp = c->grp;
    uint32_t n_known;
    sv_recall_ticket tk = {0};
    /* (A long value to be segmented is recalled segment by segment.) */
    bool segmented = recall && v->len >= SEGMENTED && sv_lits_inside_lines(grp->lits);
    const uint32_t *known = recall && !segmented
                                ? sv_recall_find(recall, g, v->type, v->p, v->len, &n_known, &tk)
                                : NULL;
    if (known) {
        holds_all(c, known, n_known);
        return;
    }
    const char *s;
    size_t n;
    bool ok = grp->kind == K_CASED ? sv_value_text(ev, v, &s, &n) : sv_value_folded(ev, v, &s, &n);
    /* Literals an earlier value of the event held are not looked for
       again: then the hits are not all this value holds. */
    uint32_t before = c->nhits;
    if (ok && segmented)
        scan_segmented(s, n, recall, c);
    else if (ok)
        sv_lits_scan(grp->lits, s, n, c->seen, holds, c);
    if (!before) sv_recall_keep(recall, &tk, g, v->type, v->p, v->len, c->hits, c->nhits);
}

static void scan_numbers(scan_ctx *c, sv_event *ev) {
    const sv_prefilter_group *grp = c->grp;
    for (int32_t i = sv_event_first(ev, grp->slot); i >= 0; i = ev->vals[i].next) {
        double d;
        if (!sv_value_number(ev, &ev->vals[i], &d)) continue;
        /* The first constant not below d, by halving without branches: an
           event's ID is as likely below as above a guess. */
        const double *at = grp->nums;
        uint32_t n = grp->ntests;
        while (n > 1) {
            uint32_t half = n / 2;
            at += (at[half - 1] < d) * half;
            n -= half;
        }
        uint32_t lo = (uint32_t)(at - grp->nums) + (n == 1 && *at < d);
        for (; lo < grp->ntests && grp->nums[lo] == d; lo++)
            holds(c, grp->num_at[lo]);
    }
}

static void piece_found(void *ctx, uint32_t k) {
    (void)k;
    *(bool *)ctx = true;
}

/* Whether some piece of group grp's literals occurs in the whole text of
   event ev, the pieces themselves looked for where the screen found one of
   its factors: those are short, and "::" (that of 15 of the 20 mimikatz
   keywords) is in every IPv6 address and static call of PowerShell. The
   text as written of every plain value lies in the whole text: when no
   piece occurs there, no plain value holds a literal. */
static bool pieces_in_text(const sv_prefilter_group *grp, const sv_event *ev) {
    if (!sv_raw_may_hold(grp->raw, ev->text, ev->text_len)) return false;
    bool found = false;
    sv_raw_find(grp->raw, ev->text, ev->text_len, piece_found, &found);
    return found;
}

/* A keyword group's look at an event whose keyword values are put off:
   when no piece is in its text, only the strings whose wide text may fold
   to what the text does not show (those recorded) are decoded; else every
   value is recorded and looked at. False in that case. */
static bool screened_whole(uint32_t g, sv_event *ev, sv_recall *recall, scan_ctx *c) {
    if (pieces_in_text(c->grp, ev)) return false;
    for (int32_t i = ev->any_head; i >= 0; i = ev->vals[i].next)
        if (!plain_text(&ev->vals[i])) scan_value(g, ev, &ev->vals[i], recall, c);
    return true;
}

uint32_t sv_prefilter_run(const sv_pack *p, uint32_t g, sv_event *ev, uint8_t *seen, uint32_t *hits,
                          sv_recall *recall) {
    const sv_prefilter_group *grp = &p->groups[g];
    /* Set field by field: cands is filled before it is read, and zeroing
       it took 48 instructions a group scan (1.5% of one core's time). */
    scan_ctx c;
    c.grp = grp;
    c.segments = p->ngroups + g;
    c.seen = seen;
    c.hits = hits;
    c.nhits = c.ncands = 0;
    c.too_many = false;
    if (grp->kind == K_NUMBER) {
        scan_numbers(&c, ev);
    } else if (grp->raw && ev->any_deferred && screened_whole(g, ev, recall, &c)) {
        /* nothing else can hold */
    } else {
        for (int32_t i = sv_event_first(ev, grp->slot); i >= 0; i = ev->vals[i].next) {
            sv_value *v = &ev->vals[i];
            if (grp->raw && plain_text(v)) {
                /* Most values are shorter than any piece. */
                if (v->len >= grp->shortest_piece) scan_plain(grp, ev, v, &c);
                continue;
            }
            scan_value(g, ev, v, recall, &c);
        }
    }
    for (uint32_t i = 0; i < c.nhits; i++)
        seen[hits[i]] = 0;
    return c.nhits;
}
