/* recall.c: what a prefilter group's scan found in values it saw before.
 *
 * Logs repeat themselves. Of the 85,205 CallTrace values in a fifth of the
 * OTRF Windows events 1,764 are distinct, and the process images, hashes
 * and loaded DLLs of Sysmon events repeat as much. A group's scan of a
 * value (decoding, folding, walking and sampling it for hundreds of
 * literals: over a thousand cycles for a CallTrace) answers the same every
 * time, since it depends on the value's text alone. So each thread keeps
 * the answers of recent values, per group, in a table indexed by a hash of
 * the text as written; a value found there costs a hash and a comparison.
 *
 * The whole text is kept and compared, never only its hash: a value
 * crafted to collide with a benign one must not borrow its answer.
 *
 * Groups whose values seldom repeat (PowerShell's ContextInfo, where each
 * holds a sequence number) would pay the hash and a copy for nothing: a
 * group that finds fewer than one value in eight of a trial in the table
 * stops looking for a while, then tries again.
 */
#include <stdlib.h>
#include <string.h>

#include "recall.h"

enum { ENTRIES = 4096 }; /* a power of two */

typedef struct entry {
    uint64_t hash;
    uint32_t group, len, nhits;
    uint8_t type;
    uint32_t cap;    /* bytes at store */
    uint32_t *store; /* the hits, then the text */
} entry;

/* How well a group's values repeat, in its current trial. */
typedef struct habit {
    uint32_t looks, finds, resting;
} habit;

struct sv_recall {
    entry *entries;
    habit *habits;
};

sv_recall *sv_recall_new(uint32_t ngroups) {
    sv_recall *r = malloc(sizeof *r);
    if (!r) abort();
    r->entries = calloc(ENTRIES, sizeof *r->entries);
    r->habits = calloc(ngroups ? ngroups : 1, sizeof *r->habits);
    if (!r->entries || !r->habits) abort();
    return r;
}

void sv_recall_free(sv_recall *r) {
    if (!r) return;
    for (uint32_t i = 0; i < ENTRIES; i++)
        free(r->entries[i].store);
    free(r->entries);
    free(r->habits);
    free(r);
}

static uint64_t load64(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint64_t rotl(uint64_t v, unsigned k) {
    return v << k | v >> (64 - k);
}

static uint64_t lane(uint64_t h, uint64_t w) {
    return rotl((h ^ w) * 0x9E3779B97F4A7C15ull, 31);
}

/* Four independent lanes of 8 bytes, so that a long text hashes at the
   rate of loads, not of one chain of multiplications. */
static uint64_t text_hash(const char *s, size_t n, uint64_t seed) {
    uint64_t a = seed, b = ~seed, c = seed * 3, d = seed * 5;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a = lane(a, load64(s + i));
        b = lane(b, load64(s + i + 8));
        c = lane(c, load64(s + i + 16));
        d = lane(d, load64(s + i + 24));
    }
    for (; i + 8 <= n; i += 8)
        a = lane(a, load64(s + i));
    /* The last bytes: the 8 that end the text (again, in part), or fewer
       one by one. */
    uint64_t tail = 0;
    if (n >= 8)
        tail = load64(s + n - 8);
    else
        for (; i < n; i++)
            tail = tail << 8 | (unsigned char)s[i];
    uint64_t h = lane(a, tail) ^ rotl(b, 17) ^ rotl(c, 29) ^ rotl(d, 43);
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ h >> 29;
}

/* Counts a look of a group into its trial, which may send it to rest. */
static void looked(habit *h, bool found) {
    h->finds += found;
    if (++h->looks < SV_RECALL_TRIAL) return;
    if (h->finds < SV_RECALL_MIN_FINDS) h->resting = SV_RECALL_REST;
    h->looks = h->finds = 0;
}

const uint32_t *sv_recall_find(sv_recall *r, uint32_t g, uint8_t type, const char *s, size_t n,
                               uint32_t *nhits, sv_recall_ticket *tk) {
    habit *h = &r->habits[g];
    tk->at = 0;
    if (h->resting) {
        h->resting--;
        return NULL;
    }
    if (n > SV_RECALL_MAX_TEXT) return NULL;
    uint64_t hash = text_hash(s, n, ((uint64_t)g << 8 | type) ^ (uint64_t)n << 40);
    entry *e = &r->entries[hash & (ENTRIES - 1)];
    bool found = e->hash == hash && e->store && e->group == g && e->type == type && e->len == n &&
                 !memcmp(e->store + e->nhits, s, n);
    looked(h, found);
    if (found) {
        *nhits = e->nhits;
        return e->store;
    }
    *tk = (sv_recall_ticket){hash, (uint32_t)(e - r->entries) + 1};
    return NULL;
}

void sv_recall_keep(sv_recall *r, const sv_recall_ticket *tk, uint32_t g, uint8_t type,
                    const char *s, size_t n, const uint32_t *hits, uint32_t nhits) {
    if (!tk->at || nhits > SV_RECALL_MAX_HITS) return;
    entry *e = &r->entries[tk->at - 1];
    size_t need = nhits * sizeof *hits + n;
    if (need > e->cap || !e->store) {
        free(e->store);
        e->cap = (uint32_t)(need < 64 ? 64 : need);
        e->store = malloc(e->cap);
        if (!e->store) abort();
    }
    if (nhits) memcpy(e->store, hits, nhits * sizeof *hits);
    if (n) memcpy(e->store + nhits, s, n);
    *e = (entry){tk->hash, g, (uint32_t)n, nhits, type, e->cap, e->store};
}
