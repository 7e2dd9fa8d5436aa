/* correlate.c: per-group windows over rule matches (see correlate.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"

/* Feeds between two sweeps of every group for windows that closed. A group
   whose windows closed lingers at most this many feeds, which bounds what
   the sweeps cost against what idle groups hold. */
enum { SWEEP_EVERY = 4096 };

typedef struct entry {
    int64_t time;
    const char *input;
    uint64_t record;
    uint32_t rule;
    double num;
    char *str; /* value_count: the value, malloc'd */
    size_t len;
} entry;

typedef struct group {
    struct group *next;
    uint64_t hash;
    uint32_t corr;
    char *key; /* the group-by values: each a 4-byte length, then its bytes */
    size_t keylen;
    entry *v; /* held matches v[head..n), in time order */
    size_t head, n, cap;
} group;

/* A chained correlation's match on its way to the correlation it feeds. */
typedef struct pending {
    uint32_t corr, input;
    entry e;
    char *key;
    size_t keylen;
} pending;

struct rt_correlator {
    const rt_corr_def *defs;
    size_t ndefs;
    rt_corr_opts opt;
    int64_t *delay;  /* per correlation: how much longer its windows stay open (chains) */
    unsigned *depth; /* 0 for correlations of rules, 1 + their feeders' otherwise */
    unsigned maxdepth;
    group **buckets;
    size_t nbuckets, ngroups;
    bool has_time;
    int64_t latest;
    uint64_t since_sweep;
    uint64_t fed_at_full; /* st.fed at the last sweep made for room */
    pending *pend;
    size_t npend, cappend;
    rt_corr_stats st;
};

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) abort();
    return p;
}

rt_correlator *rt_corr_new(const rt_corr_def *defs, size_t ndefs, const rt_corr_opts *opt) {
    rt_correlator *c = xrealloc(NULL, sizeof *c);
    *c = (rt_correlator){.defs = defs, .ndefs = ndefs, .opt = *opt, .nbuckets = 1024};
    c->delay = calloc(ndefs + 1, sizeof *c->delay);
    c->depth = calloc(ndefs + 1, sizeof *c->depth);
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->delay || !c->depth || !c->buckets) abort();
    /* Chains are acyclic (the rule reader checks), so ndefs passes settle them. */
    for (size_t pass = 0; pass < ndefs; pass++)
        for (size_t k = 0; k < ndefs; k++) {
            int p = defs[k].parent;
            if (p < 0) continue;
            int64_t d = c->delay[k] + defs[k].timespan + 1;
            if (d > c->delay[p]) c->delay[p] = d;
            if (c->depth[k] + 1 > c->depth[p]) c->depth[p] = c->depth[k] + 1;
            if (c->depth[p] > c->maxdepth) c->maxdepth = c->depth[p];
        }
    return c;
}

static void group_free(group *g) {
    for (size_t i = g->head; i < g->n; i++)
        free(g->v[i].str);
    free(g->v);
    free(g->key);
    free(g);
}

void rt_corr_free(rt_correlator *c) {
    if (!c) return;
    for (size_t b = 0; b < c->nbuckets; b++)
        for (group *g = c->buckets[b], *next; g; g = next) {
            next = g->next;
            group_free(g);
        }
    for (size_t i = 0; i < c->npend; i++) {
        free(c->pend[i].key);
        free(c->pend[i].e.str);
    }
    free(c->pend);
    free(c->buckets);
    free(c->delay);
    free(c->depth);
    free(c);
}

rt_corr_stats rt_corr_get_stats(const rt_correlator *c) {
    return c->st;
}

/* ---- keys ---- */

static uint64_t hash_key(uint32_t corr, const char *k, size_t n) {
    uint64_t h = 1469598103934665603ull ^ corr; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
    return h;
}

/* Serialises n values; false when one is absent (the event has no group). */
static bool make_key(const char *const *v, const size_t *len, size_t n, char **key,
                     size_t *keylen) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!v[i]) return false;
        total += 4 + len[i];
    }
    char *k = xrealloc(NULL, total), *o = k;
    for (size_t i = 0; i < n; i++) {
        uint32_t l = (uint32_t)len[i];
        memcpy(o, &l, 4);
        memcpy(o + 4, v[i], len[i]);
        o += 4 + len[i];
    }
    *key = k;
    *keylen = total;
    return true;
}

/* The values of a key, into v / len (room for n). */
static void split_key(const char *k, size_t n, const char **v, size_t *len) {
    for (size_t i = 0; i < n; i++) {
        uint32_t l;
        memcpy(&l, k, 4);
        v[i] = k + 4;
        len[i] = l;
        k += 4 + l;
    }
}

/* ---- groups ---- */

static void grow_table(rt_correlator *c) {
    size_t nb = c->nbuckets * 2;
    group **b = calloc(nb, sizeof *b);
    if (!b) abort();
    for (size_t i = 0; i < c->nbuckets; i++)
        for (group *g = c->buckets[i], *next; g; g = next) {
            next = g->next;
            g->next = b[g->hash & (nb - 1)];
            b[g->hash & (nb - 1)] = g;
        }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = nb;
}

static void sweep(rt_correlator *c, bool final);

/* The group of (corr, key), made if need be; NULL when the limit stands in
   the way. Takes ownership of key. */
static group *find_group(rt_correlator *c, uint32_t corr, char *key, size_t keylen) {
    uint64_t h = hash_key(corr, key, keylen);
    for (group *g = c->buckets[h & (c->nbuckets - 1)]; g; g = g->next)
        if (g->hash == h && g->corr == corr && g->keylen == keylen &&
            !memcmp(g->key, key, keylen)) {
            free(key);
            return g;
        }
    /* Closed windows may free room; at most one such sweep per SWEEP_EVERY
       feeds, so that a full table does not cost a sweep per match. */
    if (c->ngroups >= c->opt.max_groups && c->st.fed - c->fed_at_full >= SWEEP_EVERY) {
        c->fed_at_full = c->st.fed;
        sweep(c, false);
    }
    if (c->ngroups >= c->opt.max_groups) {
        free(key);
        return NULL;
    }
    if (c->ngroups >= c->nbuckets) grow_table(c);
    group *g = calloc(1, sizeof *g);
    if (!g) abort();
    *g = (group){.next = c->buckets[h & (c->nbuckets - 1)],
                 .hash = h,
                 .corr = corr,
                 .key = key,
                 .keylen = keylen};
    c->buckets[h & (c->nbuckets - 1)] = g;
    if (++c->ngroups > c->st.peak_groups) c->st.peak_groups = c->ngroups;
    return g;
}

/* Inserts in time order (after matches of the same time: arrival order). */
static void add_entry(group *g, const entry *e) {
    if (g->head && g->n == g->cap) {
        memmove(g->v, g->v + g->head, (g->n - g->head) * sizeof *g->v);
        g->n -= g->head;
        g->head = 0;
    }
    if (g->n == g->cap) g->v = xrealloc(g->v, (g->cap = g->cap ? 2 * g->cap : 4) * sizeof *g->v);
    size_t i = g->n++;
    for (; i > g->head && g->v[i - 1].time > e->time; i--)
        g->v[i] = g->v[i - 1];
    g->v[i] = *e;
}

static void insert(rt_correlator *c, uint32_t corr, char *key, size_t keylen, entry *e) {
    group *g = find_group(c, corr, key, keylen);
    if (!g) {
        c->st.refused++;
        free(e->str);
        return;
    }
    add_entry(g, e);
}

void rt_corr_feed(rt_correlator *c, uint32_t corr, uint32_t input, const rt_corr_event *ev) {
    const rt_corr_def *d = &c->defs[corr];
    c->st.fed++;
    if (c->has_time && ev->time < c->latest - c->opt.lateness) {
        c->st.late++;
        return;
    }
    entry e = {.time = ev->time, .input = ev->input, .record = ev->record, .rule = input};
    bool usable = true;
    if (d->kind == RT_VALUE_COUNT || d->kind >= RT_VALUE_SUM) usable = ev->value != NULL;
    if (usable && d->kind >= RT_VALUE_SUM) {
        char num[64], *end;
        size_t n = ev->value_len < sizeof num - 1 ? ev->value_len : sizeof num - 1;
        memcpy(num, ev->value, n);
        num[n] = '\0';
        e.num = strtod(num, &end);
        usable = end != num && !*end && isfinite(e.num);
    }
    char *key;
    size_t keylen;
    if (!usable || !make_key(ev->group, ev->group_len, d->ngroup, &key, &keylen)) {
        c->st.ungrouped++; /* no group value, or no (numeric) value to aggregate */
        return;
    }
    if (d->kind == RT_VALUE_COUNT) {
        e.str = xrealloc(NULL, ev->value_len);
        memcpy(e.str, ev->value, ev->value_len);
        e.len = ev->value_len;
    }
    if (!c->has_time || ev->time > c->latest) c->latest = ev->time;
    c->has_time = true;
    insert(c, corr, key, keylen, &e);
    if (++c->since_sweep >= SWEEP_EVERY) sweep(c, false);
}

/* ---- windows ---- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b) {
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    int r = memcmp(x->str, y->str, x->len < y->len ? x->len : y->len);
    return r ? r : (x->len > y->len) - (x->len < y->len);
}

/* What the condition is asked of, over window w[0..n). */
static double aggregate(const rt_corr_def *d, const entry *w, size_t n) {
    double v = 0;
    switch (d->kind) {
    case RT_EVENT_COUNT: return (double)n;
    case RT_VALUE_COUNT: {
        const entry **p = xrealloc(NULL, n * sizeof *p);
        for (size_t i = 0; i < n; i++)
            p[i] = &w[i];
        qsort(p, n, sizeof *p, cmp_str);
        for (size_t i = 0; i < n; i++)
            v += i == 0 || cmp_str(&p[i - 1], &p[i]) != 0;
        free(p);
        return v;
    }
    case RT_TEMPORAL: {
        bool *seen = calloc(d->ninputs + 1, 1);
        if (!seen) abort();
        for (size_t i = 0; i < n; i++)
            if (!seen[w[i].rule]) v++, seen[w[i].rule] = true;
        free(seen);
        return v;
    }
    case RT_TEMPORAL_ORDERED: /* how many of the rules appear in order */
        for (size_t i = 0; i < n && v < (double)d->ninputs; i++)
            v += w[i].rule == (uint32_t)v;
        return v;
    case RT_VALUE_SUM:
    case RT_VALUE_AVG:
        for (size_t i = 0; i < n; i++)
            v += w[i].num;
        return d->kind == RT_VALUE_AVG ? v / (double)n : v;
    case RT_VALUE_PERCENTILE: { /* nearest rank */
        double *x = xrealloc(NULL, n * sizeof *x);
        for (size_t i = 0; i < n; i++)
            x[i] = w[i].num;
        qsort(x, n, sizeof *x, cmp_double);
        size_t rank = (size_t)ceil(d->percentile / 100 * (double)n);
        v = x[rank ? rank - 1 : 0];
        free(x);
        return v;
    }
    }
    return v;
}

static bool holds(const rt_corr_def *d, double v) {
    const bool ok[RT_CMPS] = {v > d->cmp[RT_CMP_GT],  v >= d->cmp[RT_CMP_GTE],
                              v < d->cmp[RT_CMP_LT],  v <= d->cmp[RT_CMP_LTE],
                              v == d->cmp[RT_CMP_EQ], v != d->cmp[RT_CMP_NEQ]};
    for (unsigned op = 0; op < RT_CMPS; op++)
        if ((d->ops >> op & 1) && !ok[op]) return false;
    return true;
}

/* Passes the match of a chained correlation on to the one it feeds. */
static void chain(rt_correlator *c, const group *g, const entry *w, size_t n) {
    const rt_corr_def *d = &c->defs[g->corr], *p = &c->defs[d->parent];
    const char **v = xrealloc(NULL, (d->ngroup + p->ngroup) * sizeof *v);
    size_t *len = xrealloc(NULL, (d->ngroup + p->ngroup) * sizeof *len);
    split_key(g->key, d->ngroup, v, len);
    bool all = true;
    for (size_t i = 0; i < p->ngroup; i++) {
        int from = d->parent_group[i];
        all &= from >= 0;
        v[d->ngroup + i] = from >= 0 ? v[from] : NULL;
        len[d->ngroup + i] = from >= 0 ? len[from] : 0;
    }
    pending q = {.corr = (uint32_t)d->parent, .input = d->parent_input};
    q.e = (entry){
        .time = w[n - 1].time, .input = w[0].input, .record = w[0].record, .rule = d->parent_input};
    if (!all || !make_key(v + d->ngroup, len + d->ngroup, p->ngroup, &q.key, &q.keylen)) {
        c->st.ungrouped++;
    } else {
        if (c->npend == c->cappend)
            c->pend = xrealloc(c->pend,
                               (c->cappend = c->cappend ? 2 * c->cappend : 16) * sizeof *c->pend);
        c->pend[c->npend++] = q;
    }
    free(v);
    free(len);
}

static void report(rt_correlator *c, const group *g, const entry *w, size_t n, double value) {
    const rt_corr_def *d = &c->defs[g->corr];
    size_t nrefs = n < c->opt.max_refs ? n : c->opt.max_refs;
    rt_corr_ref *refs = xrealloc(NULL, nrefs * sizeof *refs);
    for (size_t i = 0; i < nrefs; i++)
        refs[i] = (rt_corr_ref){w[i].input, w[i].record, w[i].rule, w[i].time};
    const char **v = xrealloc(NULL, d->ngroup * sizeof *v);
    size_t *len = xrealloc(NULL, d->ngroup * sizeof *len);
    split_key(g->key, d->ngroup, v, len);
    rt_corr_match m = {.corr = g->corr,
                       .group = v,
                       .group_len = len,
                       .start = w[0].time,
                       .end = w[0].time + d->timespan,
                       .value = value,
                       .nevents = n,
                       .refs = refs,
                       .nrefs = nrefs};
    c->st.matches++;
    if (c->opt.emit) c->opt.emit(c->opt.arg, &m);
    if (d->parent >= 0) chain(c, g, w, n);
    free(refs);
    free(v);
    free(len);
}

/* Evaluates the windows of g that closed. */
static void evaluate(rt_correlator *c, group *g, bool final) {
    const rt_corr_def *d = &c->defs[g->corr];
    int64_t watermark = c->latest - c->opt.lateness - c->delay[g->corr];
    while (g->head < g->n && (final || g->v[g->head].time + d->timespan < watermark)) {
        entry *w = g->v + g->head;
        size_t n = 1;
        while (g->head + n < g->n && w[n].time <= w[0].time + d->timespan)
            n++;
        double value = aggregate(d, w, n);
        bool hit = holds(d, value);
        /* With only lower bounds, a later anchor may still gather enough: slide
           by one. Otherwise a count is only taken over a whole window. */
        bool slide = !(d->ops & ~(1u << RT_CMP_GT | 1u << RT_CMP_GTE));
        size_t used = hit || !slide ? n : 1;
        if (hit) report(c, g, w, n, value);
        for (size_t i = 0; i < used; i++)
            free(w[i].str);
        g->head += used;
    }
}

static void deliver_pending(rt_correlator *c) {
    /* Inserting may sweep, which may add more: take the list first. */
    while (c->npend) {
        pending q = c->pend[--c->npend];
        insert(c, q.corr, q.key, q.keylen, &q.e);
    }
}

/* Evaluates closed windows of every group, feeders before what they feed,
   and frees the groups left empty. */
static void sweep(rt_correlator *c, bool final) {
    c->since_sweep = 0;
    if (!c->has_time) return;
    for (unsigned level = 0; level <= c->maxdepth; level++) {
        for (size_t b = 0; b < c->nbuckets; b++)
            for (group **at = &c->buckets[b], *g; (g = *at);) {
                if (c->depth[g->corr] == level) evaluate(c, g, final);
                if (g->head < g->n) {
                    at = &g->next;
                    continue;
                }
                *at = g->next;
                group_free(g);
                c->ngroups--;
            }
        deliver_pending(c);
    }
}

void rt_corr_finish(rt_correlator *c) {
    sweep(c, true);
}
