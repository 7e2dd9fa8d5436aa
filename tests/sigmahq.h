/* sigmahq.h: a sample of SigmaHQ's rule files (../shared) for tests that
   need real rules in bulk, and a small deterministic random generator for
   tests that damage them. */
#ifndef SIGVM_SIGMAHQ_H
#define SIGVM_SIGMAHQ_H

#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SIGMAHQ_RULES SIGVM_SHARED_DIR "/corpus/sigma/rules"

static struct {
    char **v;
    size_t n, cap;
} sigmahq_found;

static int sigmahq_visit(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st;
    (void)ftw;
    size_t n = strlen(path);
    if (type != FTW_F || n < 4 || strcmp(path + n - 4, ".yml") != 0) return 0;
    if (sigmahq_found.n == sigmahq_found.cap) {
        sigmahq_found.cap = sigmahq_found.cap ? 2 * sigmahq_found.cap : 1024;
        sigmahq_found.v = realloc(sigmahq_found.v, sigmahq_found.cap * sizeof *sigmahq_found.v);
        if (!sigmahq_found.v) abort();
    }
    sigmahq_found.v[sigmahq_found.n++] = strdup(path);
    return 0;
}

static int sigmahq_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Up to want rule paths spread evenly over SigmaHQ's rules/ in sorted order
   (so the same on every machine); the caller frees each and the array.
   Returns how many, 0 when ../shared is missing. */
static inline size_t sigmahq_sample(size_t want, char ***out) {
    sigmahq_found.n = 0;
    if (nftw(SIGMAHQ_RULES, sigmahq_visit, 16, FTW_PHYS) != 0 || sigmahq_found.n == 0) {
        *out = NULL;
        return 0;
    }
    qsort(sigmahq_found.v, sigmahq_found.n, sizeof *sigmahq_found.v, sigmahq_cmp);
    size_t step = sigmahq_found.n > want ? sigmahq_found.n / want : 1, n = 0;
    for (size_t i = 0; i < sigmahq_found.n; i++) {
        if (i % step == 0 && n < want)
            sigmahq_found.v[n++] = sigmahq_found.v[i];
        else
            free(sigmahq_found.v[i]);
    }
    *out = sigmahq_found.v;
    sigmahq_found.v = NULL;
    sigmahq_found.cap = 0;
    return n;
}

/* xorshift64*: reproducible damage, the same in every run. */
static inline uint64_t sigmahq_random(uint64_t *state) {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545F4914F6CDD1Dull;
}

#endif
