/* stats.c: the per-rule summary of `sigvm run --stats`: how many events
   each rule matched, and the times of the earliest and latest of them. */
#include <stdlib.h>
#include <string.h>

#include "run.h"

void stats_add(stats *s, const rule_stat *r) {
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) abort();
    }
    s->v[s->n++] = *r;
}

static int compare_span(const char *a, size_t an, const char *b, size_t bn) {
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static int by_rule(const void *pa, const void *pb) {
    const rule_stat *a = pa, *b = pb;
    int c = compare_span(a->id, a->id_len, b->id, b->id_len);
    return c ? c : compare_span(a->title, a->title_len, b->title, b->title_len);
}

static int by_matches(const void *pa, const void *pb) {
    const rule_stat *a = pa, *b = pb;
    if (a->matches != b->matches) return a->matches < b->matches ? 1 : -1;
    return by_rule(pa, pb);
}

static void merge_into(rule_stat *into, const rule_stat *r) {
    into->matches += r->matches;
    if (!r->has_time) return;
    if (!into->has_time || r->first < into->first) into->first = r->first;
    if (!into->has_time || r->last > into->last) into->last = r->last;
    into->has_time = true;
}

static void print_time(FILE *out, const rule_stat *r, int64_t t) {
    char when[RT_TIME_LEN] = "-";
    if (r->has_time) rt_format_time(t, when);
    fprintf(out, "  %-24s", when);
}

void stats_print(stats *s, FILE *out) {
    size_t n = 0;
    if (s->n) qsort(s->v, s->n, sizeof *s->v, by_rule);
    for (size_t i = 0; i < s->n; i++) {
        if (n && !by_rule(&s->v[n - 1], &s->v[i]))
            merge_into(&s->v[n - 1], &s->v[i]);
        else
            s->v[n++] = s->v[i];
    }
    s->n = n;
    if (n) qsort(s->v, n, sizeof *s->v, by_matches);
    fprintf(out, "sigvm run: matches per rule (%zu rules matched)\n", n);
    if (!n) return;
    fprintf(out, "%9s  %-8s  %-24s  %-24s  %s\n", "MATCHES", "LEVEL", "FIRST EVENT", "LAST EVENT",
            "RULE");
    for (size_t i = 0; i < n; i++) {
        const rule_stat *r = &s->v[i];
        fprintf(out, "%9llu  %-8.*s", (unsigned long long)r->matches, (int)r->level_len, r->level);
        print_time(out, r, r->first);
        print_time(out, r, r->last);
        fprintf(out, "  %.*s (%.*s)\n", (int)r->title_len, r->title, (int)r->id_len, r->id);
    }
}

void stats_free(stats *s) {
    free(s->v);
    *s = (stats){0};
}
