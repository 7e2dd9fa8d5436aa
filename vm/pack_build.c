/* pack_build.c: assembling a pack image (the format documented in vm.h).

   Each section is grown as its serialised payload, so finishing is a matter
   of writing the header and the section table and concatenating. Strings,
   paths and tests are interned through open-addressing tables that hold
   indices into those payloads; a test is interned by its 24-byte record, so
   two tests are the same exactly when the pack could not tell them apart. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pack.h"

typedef struct buf {
    unsigned char *p;
    size_t len, cap;
} buf;

/* Room for n more bytes; returns where they go. */
static unsigned char *buf_extend(buf *b, size_t n) {
    if (n > SIZE_MAX - b->len) abort();
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
        b->p = realloc(b->p, cap);
        if (!b->p) abort();
        b->cap = cap;
    }
    unsigned char *at = b->p + b->len;
    b->len += n;
    return at;
}

/* Laid out like the native struct: num is 8-aligned after 4 bytes of zeros. */
static void put_test(unsigned char *p, const sv_test *t) {
    *p++ = t->kind;
    *p++ = t->flags;
    *p++ = t->cmp;
    *p++ = t->part;
    p = sv_put_u32(p, t->slot);
    p = sv_put_u32(p, t->k);
    p = sv_put_u32(p, 0);
    sv_put_f64(p, t->num);
}

static void put_ins(unsigned char *p, sv_ins ins) {
    *p++ = ins.op;
    *p++ = ins.a;
    p = sv_put_u16(p, ins.b);
    sv_put_u32(p, ins.c);
}

static void put_rule(unsigned char *p, const sv_rule *r) {
    p = sv_put_u32(p, r->code_start);
    p = sv_put_u32(p, r->code_len);
    p = sv_put_u32(p, r->nregs);
    p = sv_put_u32(p, r->guard_start);
    p = sv_put_u32(p, r->guard_len);
    p = sv_put_u32(p, r->lit_guard_start);
    p = sv_put_u32(p, r->lit_guard_len);
    p = sv_put_u32(p, r->lit_guard2_start);
    p = sv_put_u32(p, r->lit_guard2_len);
#define SV_PUT_FIELD(f) p = sv_put_u32(p, r->f);
    SV_RULE_FIELDS(SV_PUT_FIELD)
#undef SV_PUT_FIELD
}

/* ---- Interning ---- */

typedef struct intern_entry {
    uint32_t hash, index;
} intern_entry;

/* Open addressing with linear probing; cap is a power of two, kept at most
   half full so that probe runs stay short. */
typedef struct intern {
    intern_entry *e;
    size_t cap, n;
} intern;

#define NO_INDEX UINT32_MAX

static uint32_t fnv1a(const void *data, size_t n) {
    const unsigned char *p = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void intern_grow(intern *t) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    intern_entry *e = malloc(cap * sizeof *e);
    if (!e) abort();
    for (size_t i = 0; i < cap; i++)
        e[i].index = NO_INDEX;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->e[i].index == NO_INDEX) continue;
        size_t j = t->e[i].hash & (cap - 1);
        while (e[j].index != NO_INDEX)
            j = (j + 1) & (cap - 1);
        e[j] = t->e[i];
    }
    free(t->e);
    t->e = e;
    t->cap = cap;
}

struct sv_pack_builder {
    buf strings;         /* per string: u32 length, bytes, NUL */
    uint32_t *string_at; /* offset of each string's bytes in strings */
    size_t string_cap;
    buf paths, tests, code, rules, guards; /* records, without the count prefix */
    uint32_t nstrings, npaths, ntests, ncode, nrules, nguards;
    intern string_set, path_set, test_set;
};

typedef bool same_fn(const sv_pack_builder *b, uint32_t index, const void *key, size_t len);

/* The entry holding key, or the empty entry where it would go. */
static intern_entry *intern_find(const sv_pack_builder *b, intern *t, uint32_t hash, same_fn *same,
                                 const void *key, size_t len) {
    size_t j = hash & (t->cap - 1);
    while (t->e[j].index != NO_INDEX && !(t->e[j].hash == hash && same(b, t->e[j].index, key, len)))
        j = (j + 1) & (t->cap - 1);
    return &t->e[j];
}

/* Index of key in t, or NO_INDEX with *slot ready to receive a new index. */
static uint32_t intern_lookup(sv_pack_builder *b, intern *t, same_fn *same, const void *key,
                              size_t len, intern_entry **slot) {
    if (2 * (t->n + 1) > t->cap) intern_grow(t);
    uint32_t hash = fnv1a(key, len);
    intern_entry *e = intern_find(b, t, hash, same, key, len);
    if (e->index == NO_INDEX) {
        e->hash = hash;
        t->n++;
    }
    *slot = e;
    return e->index;
}

static bool same_string(const sv_pack_builder *b, uint32_t i, const void *key, size_t len) {
    const unsigned char *s = b->strings.p + b->string_at[i];
    unsigned char prefix[4]; /* the string's stored length, as it would be written */
    sv_put_u32(prefix, (uint32_t)len);
    return memcmp(s - 4, prefix, 4) == 0 && memcmp(s, key, len) == 0;
}

static bool same_record(const buf *records, size_t size, uint32_t i, const void *key) {
    return memcmp(records->p + (size_t)i * size, key, size) == 0;
}

static bool same_path(const sv_pack_builder *b, uint32_t i, const void *key, size_t len) {
    return same_record(&b->paths, len, i, key);
}

static bool same_test(const sv_pack_builder *b, uint32_t i, const void *key, size_t len) {
    return same_record(&b->tests, len, i, key);
}

/* ---- The builder API ---- */

sv_pack_builder *sv_builder_new(void) {
    sv_pack_builder *b = calloc(1, sizeof *b);
    if (!b) abort();
    return b;
}

void sv_builder_free(sv_pack_builder *b) {
    if (!b) return;
    free(b->strings.p);
    free(b->string_at);
    free(b->paths.p);
    free(b->tests.p);
    free(b->code.p);
    free(b->rules.p);
    free(b->guards.p);
    free(b->string_set.e);
    free(b->path_set.e);
    free(b->test_set.e);
    free(b);
}

uint32_t sv_builder_string(sv_pack_builder *b, const char *s, size_t len) {
    intern_entry *slot;
    uint32_t i = intern_lookup(b, &b->string_set, same_string, s, len, &slot);
    if (i != NO_INDEX) return i;
    if (b->nstrings == b->string_cap) {
        b->string_cap = b->string_cap ? b->string_cap * 2 : 64;
        b->string_at = realloc(b->string_at, b->string_cap * sizeof *b->string_at);
        if (!b->string_at) abort();
    }
    /* An over-long string makes the image too large, which finish reports. */
    unsigned char *p = sv_put_u32(buf_extend(&b->strings, len + 5), (uint32_t)len);
    memcpy(p, s, len);
    p[len] = '\0';
    b->string_at[b->nstrings] = (uint32_t)(p - b->strings.p);
    return slot->index = b->nstrings++;
}

uint32_t sv_builder_path(sv_pack_builder *b, const char *path) {
    unsigned char record[SV_PACK_PATH_SIZE];
    sv_put_u32(record, sv_builder_string(b, path, strlen(path)));
    intern_entry *slot;
    uint32_t i = intern_lookup(b, &b->path_set, same_path, record, sizeof record, &slot);
    if (i != NO_INDEX) return i;
    memcpy(buf_extend(&b->paths, sizeof record), record, sizeof record);
    return slot->index = b->npaths++;
}

uint32_t sv_builder_test(sv_pack_builder *b, const sv_test *t) {
    unsigned char record[SV_PACK_TEST_SIZE];
    put_test(record, t);
    intern_entry *slot;
    uint32_t i = intern_lookup(b, &b->test_set, same_test, record, sizeof record, &slot);
    if (i != NO_INDEX) return i;
    memcpy(buf_extend(&b->tests, sizeof record), record, sizeof record);
    return slot->index = b->ntests++;
}

uint32_t sv_builder_code(sv_pack_builder *b, sv_ins ins) {
    put_ins(buf_extend(&b->code, SV_PACK_INS_SIZE), ins);
    return b->ncode++;
}

uint32_t sv_builder_code_len(const sv_pack_builder *b) {
    return b->ncode;
}

void sv_builder_patch(sv_pack_builder *b, uint32_t at, uint32_t c) {
    if (at >= b->ncode) abort(); /* a compiler bug, not a property of the input */
    sv_put_u32(b->code.p + (size_t)at * SV_PACK_INS_SIZE + 4, c);
}

void sv_builder_rule(sv_pack_builder *b, const sv_rule *r) {
    put_rule(buf_extend(&b->rules, SV_PACK_RULE_SIZE), r);
    b->nrules++;
}

uint32_t sv_builder_guard(sv_pack_builder *b, const uint32_t *tests, uint32_t n) {
    uint32_t start = b->nguards;
    for (uint32_t i = 0; i < n; i++)
        sv_put_u32(buf_extend(&b->guards, 4), tests[i]);
    b->nguards += n;
    return start;
}

size_t sv_builder_test_count(const sv_pack_builder *b) {
    return b->ntests;
}

/* ---- Serialising ---- */

typedef struct section {
    uint32_t count;
    const buf *payload;
} section;

static uint64_t align4(uint64_t n) {
    return (n + 3) & ~(uint64_t)3;
}

int sv_builder_finish(sv_pack_builder *b, unsigned char **out, size_t *outlen) {
    const section sec[SV_SEC_COUNT_] = {
        [SV_SEC_STRINGS] = {b->nstrings, &b->strings}, [SV_SEC_PATHS] = {b->npaths, &b->paths},
        [SV_SEC_TESTS] = {b->ntests, &b->tests},       [SV_SEC_CODE] = {b->ncode, &b->code},
        [SV_SEC_RULES] = {b->nrules, &b->rules},       [SV_SEC_GUARDS] = {b->nguards, &b->guards},
    };
    enum { NSEC = SV_SEC_COUNT_ - 1 };
    uint64_t total = SV_PACK_HEADER_SIZE + NSEC * SV_PACK_ENTRY_SIZE;
    for (unsigned k = 1; k <= NSEC; k++)
        total = align4(total) + 4 + sec[k].payload->len;
    if (total > SV_PACK_MAX_SIZE) return -1;
    size_t len = (size_t)total;

    unsigned char *img = calloc(1, len);
    if (!img) abort();
    memcpy(img, SV_PACK_MAGIC, SV_PACK_MAGIC_SIZE);
    sv_put_u32(sv_put_u32(img + SV_PACK_VERSION_AT, SV_PACK_VERSION), NSEC);
    unsigned char *entry = img + SV_PACK_HEADER_SIZE;
    size_t at = SV_PACK_HEADER_SIZE + NSEC * SV_PACK_ENTRY_SIZE;
    for (unsigned k = 1; k <= NSEC; k++) {
        at = (size_t)align4(at);
        uint32_t size = 4 + (uint32_t)sec[k].payload->len;
        entry = sv_put_u32(sv_put_u32(sv_put_u32(entry, k), (uint32_t)at), size);
        unsigned char *p = sv_put_u32(img + at, sec[k].count);
        if (sec[k].payload->len) memcpy(p, sec[k].payload->p, sec[k].payload->len);
        at += size;
    }
    sv_put_u32(img + SV_PACK_CRC_AT,
               (uint32_t)crc32_z(0, img + SV_PACK_HEADER_SIZE, len - SV_PACK_HEADER_SIZE));
    *out = img;
    *outlen = len;
    return 0;
}
