/* pack_load.c: verifying and loading a pack image.

   A pack is untrusted input. The image is copied first, so that nothing can
   change under the verifier, and then every length, index, register and
   jump target is checked; the interpreter relies on that and checks nothing
   at run time. Arithmetic on values read from the image is done in 64 bits
   so that a crafted count cannot wrap a bounds check. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pack.h"

/* Limits of the verifier, beyond the layout in pack.h. */
enum {
    MAX_REGS = 255,
    MAX_TIME_PART = 5,
    KNOWN_FLAGS = SV_F_CASED | SV_F_RE_I | SV_F_RE_M | SV_F_RE_S
};

static const char *const section_name[SV_SEC_COUNT_] = {
    [SV_SEC_STRINGS] = "strings", [SV_SEC_PATHS] = "paths", [SV_SEC_TESTS] = "tests",
    [SV_SEC_CODE] = "code",       [SV_SEC_RULES] = "rules", [SV_SEC_GUARDS] = "guards",
};

typedef struct span {
    uint32_t off, size;
    uint32_t entry; /* position in the section table, for messages */
    bool seen;
} span;

typedef struct loader {
    const unsigned char *img; /* the pack's own copy */
    size_t len;
    char *err;
    size_t errlen;
    span sec[SV_SEC_COUNT_];
    sv_pack *p;
} loader;

__attribute__((format(printf, 2, 3))) static bool fail(loader *l, const char *fmt, ...) {
    if (!l->err || !l->errlen) return false;
    int n = snprintf(l->err, l->errlen, "pack: ");
    if (n < 0 || (size_t)n >= l->errlen) return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static void *alloc_array(uint32_t n, size_t size) {
    void *a = calloc(n ? n : 1, size);
    if (!a) abort();
    return a;
}

/* ---- Header and section table ---- */

static bool check_header(loader *l) {
    if (memcmp(l->img, SV_PACK_MAGIC, SV_PACK_MAGIC_SIZE) != 0)
        return fail(l, "bad magic (not a sigvm pack)");
    uint32_t version = sv_get_u32(l->img + SV_PACK_VERSION_AT);
    if (version != SV_PACK_VERSION)
        return fail(l, "version %u not supported (expected %u)", version, SV_PACK_VERSION);
    uLong crc = crc32_z(0, l->img + SV_PACK_HEADER_SIZE, l->len - SV_PACK_HEADER_SIZE);
    if (sv_get_u32(l->img + SV_PACK_CRC_AT) != crc)
        return fail(l, "checksum mismatch (file corrupted)");
    return true;
}

static bool overlaps(const span *a, const span *b) {
    return (uint64_t)a->off < (uint64_t)b->off + b->size &&
           (uint64_t)b->off < (uint64_t)a->off + a->size;
}

static bool read_entry(loader *l, uint32_t e, uint64_t table_end) {
    const unsigned char *at = l->img + SV_PACK_HEADER_SIZE + (size_t)e * SV_PACK_ENTRY_SIZE;
    uint32_t kind = sv_get_u32(at);
    span s = {.off = sv_get_u32(at + 4), .size = sv_get_u32(at + 8), .entry = e, .seen = true};
    if (kind == 0 || kind >= SV_SEC_COUNT_)
        return fail(l, "section %u has unknown kind %u", e, kind);
    if (l->sec[kind].seen)
        return fail(l, "section %u repeats the %s section (section %u)", e, section_name[kind],
                    l->sec[kind].entry);
    if (s.off < table_end || (uint64_t)s.off + s.size > l->len)
        return fail(l, "section %u out of bounds", e);
    if (s.off % 4 != 0) return fail(l, "section %u is not 4-byte aligned", e);
    for (unsigned k = 1; k < SV_SEC_COUNT_; k++)
        if (l->sec[k].seen && overlaps(&l->sec[k], &s))
            return fail(l, "sections %u and %u overlap", l->sec[k].entry, e);
    l->sec[kind] = s;
    return true;
}

static bool read_section_table(loader *l) {
    uint32_t n = sv_get_u32(l->img + SV_PACK_SECTION_COUNT_AT);
    uint64_t table_end = SV_PACK_HEADER_SIZE + (uint64_t)n * SV_PACK_ENTRY_SIZE;
    if (table_end > l->len) return fail(l, "section table (%u entries) out of bounds", n);
    for (uint32_t e = 0; e < n; e++)
        if (!read_entry(l, e, table_end)) return false;
    for (unsigned k = 1; k < SV_SEC_COUNT_; k++)
        if (!l->sec[k].seen) return fail(l, "no %s section", section_name[k]);
    return true;
}

/* A section's leading u32 count; *body and *body_len cover what follows. */
static bool section_count(loader *l, unsigned kind, uint32_t *count, const unsigned char **body,
                          size_t *body_len) {
    span s = l->sec[kind];
    if (s.size < 4) return fail(l, "%s section too small for its count", section_name[kind]);
    *count = sv_get_u32(l->img + s.off);
    *body = l->img + s.off + 4;
    *body_len = s.size - 4;
    return true;
}

/* ---- Strings ---- */

static bool load_strings(loader *l) {
    sv_pack *p = l->p;
    uint32_t n;
    const unsigned char *body;
    size_t len;
    if (!section_count(l, SV_SEC_STRINGS, &n, &body, &len)) return false;
    /* Each string takes at least its length and its NUL: a count beyond that
       is a lie, refused before it can size an allocation. */
    if (n > len / 5) return fail(l, "strings section claims %u strings in %zu bytes", n, len);
    p->str = alloc_array(n, sizeof *p->str);
    p->str_len = alloc_array(n, sizeof *p->str_len);
    p->nstrings = n;
    size_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (len - at < 4) return fail(l, "string %u out of bounds", i);
        uint32_t slen = sv_get_u32(body + at);
        at += 4;
        if (slen >= len - at) return fail(l, "string %u (%u bytes) out of bounds", i, slen);
        if (body[at + slen] != '\0') return fail(l, "string %u lacks its NUL terminator", i);
        p->str[i] = (const char *)body + at;
        p->str_len[i] = slen;
        at += (size_t)slen + 1;
    }
    if (at != len) return fail(l, "strings section has %zu stray bytes at its end", len - at);
    return true;
}

/* ---- Fixed-size records ----
   Each decode_* reads record i of the image into its native form at out and
   checks it against the sections decoded before it. */

typedef bool decode_fn(loader *l, uint32_t i, const unsigned char *rec, void *out);

static bool decode_guard(loader *l, uint32_t i, const unsigned char *rec, void *out) {
    uint32_t t = *(uint32_t *)out = sv_get_u32(rec);
    if (t >= l->p->ntests) return fail(l, "guard %u refers to test %u of %u", i, t, l->p->ntests);
    return true;
}

static bool decode_path(loader *l, uint32_t i, const unsigned char *rec, void *out) {
    uint32_t s = *(uint32_t *)out = sv_get_u32(rec);
    if (s >= l->p->nstrings)
        return fail(l, "path %u refers to string %u of %u", i, s, l->p->nstrings);
    return true;
}

static bool check_test_operand(loader *l, uint32_t i, const sv_test *t) {
    const sv_pack *p = l->p;
    if (sv_kind_takes_string(t->kind) && t->k >= p->nstrings)
        return fail(l, "test %u refers to string %u of %u", i, t->k, p->nstrings);
    if (t->kind == SV_T_FIELDREF && t->k >= p->npaths)
        return fail(l, "test %u compares with slot %u of %u", i, t->k, p->npaths);
    if (t->kind == SV_T_FIELDREF && t->cmp > SV_T_CONTAINS &&
        (t->cmp < SV_T_NUM_EQ || t->cmp > SV_T_NUM_LTE))
        return fail(l, "test %u compares by unknown operation %u", i, t->cmp);
    if (t->kind == SV_T_IP && t->part >= SV_IP_CLASS_COUNT)
        return fail(l, "test %u asks for unknown address class %u", i, t->part);
    if (t->kind == SV_T_TIMEPART && t->part > MAX_TIME_PART)
        return fail(l, "test %u asks for time part %u (0..%d)", i, t->part, MAX_TIME_PART);
    if (!isfinite(t->num)) return fail(l, "test %u has a non-finite number", i);
    return true;
}

static bool check_test(loader *l, uint32_t i, const sv_test *t) {
    if (t->kind >= SV_T_KIND_COUNT) return fail(l, "test %u has unknown kind %u", i, t->kind);
    if (t->flags & ~KNOWN_FLAGS) return fail(l, "test %u has unknown flags 0x%x", i, t->flags);
    if (t->slot == SV_ANY_SLOT && !sv_kind_takes_string(t->kind))
        return fail(l, "test %u reads every value, which only string tests may", i);
    if (t->slot != SV_ANY_SLOT && t->slot >= l->p->npaths)
        return fail(l, "test %u reads slot %u of %u", i, t->slot, l->p->npaths);
    return check_test_operand(l, i, t);
}

/* Laid out like the native struct: num is 8-aligned after 4 bytes of zeros. */
static bool decode_test(loader *l, uint32_t i, const unsigned char *rec, void *out) {
    sv_test *t = out;
    *t = (sv_test){.kind = rec[0],
                   .flags = rec[1],
                   .cmp = rec[2],
                   .part = rec[3],
                   .slot = sv_get_u32(rec + 4),
                   .k = sv_get_u32(rec + 8),
                   .num = sv_get_f64(rec + 16)};
    if (sv_get_u32(rec + 12) != 0) return fail(l, "test %u has nonzero padding", i);
    return check_test(l, i, t);
}

/* What an instruction means depends on its rule (registers, jump range):
   that is checked with the rules. */
static bool decode_ins(loader *l, uint32_t i, const unsigned char *rec, void *out) {
    sv_ins *in = out;
    *in = (sv_ins){.op = rec[0], .a = rec[1], .b = sv_get_u16(rec + 2), .c = sv_get_u32(rec + 4)};
    if (in->op >= SV_OP_COUNT) return fail(l, "instruction %u has unknown opcode %u", i, in->op);
    if (in->b != 0 && in->op != SV_OP_EACH) return fail(l, "instruction %u has nonzero padding", i);
    return true;
}

static bool check_jump(loader *l, uint32_t i, const sv_rule *r, uint32_t pc, uint32_t to) {
    uint32_t end = r->code_start + r->code_len;
    if (to < r->code_start || to >= end)
        return fail(l, "rule %u jumps to %u, outside its code [%u,%u)", i, to, r->code_start, end);
    /* Forward-only jumps are what guarantees that every rule terminates. */
    if (to <= pc) return fail(l, "rule %u jumps back from %u to %u", i, pc, to);
    return true;
}

static bool check_rule_ins(loader *l, uint32_t i, const sv_rule *r, uint32_t pc) {
    const sv_ins *in = &l->p->code[pc];
    if (in->a >= r->nregs) return fail(l, "rule %u uses register %u of %u", i, in->a, r->nregs);
    switch (in->op) {
    case SV_OP_TEST:
        if (in->c >= l->p->ntests)
            return fail(l, "rule %u runs test %u of %u", i, in->c, l->p->ntests);
        return true;
    case SV_OP_JMPF:
    case SV_OP_JMPT: return check_jump(l, i, r, pc, in->c);
    case SV_OP_SET:
        if (in->c > UINT8_MAX) return fail(l, "rule %u sets a register to %u (0..255)", i, in->c);
        return true;
    case SV_OP_EACH:
        if (in->c >= l->p->npaths)
            return fail(l, "rule %u loops over slot %u of %u", i, in->c, l->p->npaths);
        return true;
    default: return true;
    }
}

/* Pairs every EACH of a rule with its END (into p->body_end) and checks that
   bodies nest, hold no RET and are never entered or left by a jump, so that
   the interpreter's loop over elements always comes back to its EACH. */
static bool check_bodies(loader *l, uint32_t i, const sv_rule *r) {
    sv_pack *p = l->p;
    uint32_t start = r->code_start, end = start + r->code_len, open[SV_MAX_EACH_DEPTH], depth = 0;
    bool any = false;
    for (uint32_t pc = start; pc < end && !any; pc++)
        any = p->code[pc].op == SV_OP_EACH || p->code[pc].op == SV_OP_END;
    if (!any) return true;
    if (!p->body_end) p->body_end = alloc_array(p->ncode, sizeof *p->body_end);
    uint32_t *owner = alloc_array(r->code_len, sizeof *owner); /* innermost body, by EACH pc */
    bool ok = true;
    for (uint32_t pc = start; pc < end && ok; pc++) {
        uint8_t op = p->code[pc].op;
        owner[pc - start] = depth ? open[depth - 1] : UINT32_MAX;
        if (op == SV_OP_EACH && depth == SV_MAX_EACH_DEPTH)
            ok = fail(l, "rule %u nests EACH deeper than %d", i, SV_MAX_EACH_DEPTH);
        else if (op == SV_OP_EACH)
            open[depth++] = pc;
        else if (op == SV_OP_END && !depth)
            ok = fail(l, "rule %u has an END at %u without its EACH", i, pc);
        else if (op == SV_OP_END)
            p->body_end[open[--depth]] = pc;
        else if (op == SV_OP_RET && depth)
            ok = fail(l, "rule %u returns at %u from inside an EACH body", i, pc);
    }
    if (ok && depth) ok = fail(l, "rule %u has an EACH at %u without its END", i, open[depth - 1]);
    for (uint32_t pc = start; pc < end && ok; pc++) {
        const sv_ins *in = &p->code[pc];
        if ((in->op == SV_OP_JMPF || in->op == SV_OP_JMPT) &&
            owner[pc - start] != owner[in->c - start])
            ok = fail(l, "rule %u jumps from %u to %u, into or out of an EACH body", i, pc, in->c);
    }
    free(owner);
    return ok;
}

static bool check_rule_fields(loader *l, uint32_t i, const sv_rule *r) {
    uint32_t n = l->p->nstrings;
#define SV_CHECK_FIELD(f)                                                                          \
    if (r->f >= n) return fail(l, "rule %u field %s refers to string %u of %u", i, #f, r->f, n);
    SV_RULE_FIELDS(SV_CHECK_FIELD)
#undef SV_CHECK_FIELD
    return true;
}

static bool decode_rule(loader *l, uint32_t i, const unsigned char *rec, void *out) {
    sv_rule *r = out;
    r->code_start = sv_get_u32(rec);
    r->code_len = sv_get_u32(rec + 4);
    r->nregs = sv_get_u32(rec + 8);
    r->guard_start = sv_get_u32(rec + 12);
    r->guard_len = sv_get_u32(rec + 16);
    r->lit_guard_start = sv_get_u32(rec + 20);
    r->lit_guard_len = sv_get_u32(rec + 24);
    r->lit_guard2_start = sv_get_u32(rec + 28);
    r->lit_guard2_len = sv_get_u32(rec + 32);
    rec += 36;
#define SV_GET_FIELD(f)                                                                            \
    r->f = sv_get_u32(rec);                                                                        \
    rec += 4;
    SV_RULE_FIELDS(SV_GET_FIELD)
#undef SV_GET_FIELD
    const sv_pack *p = l->p;
    if ((uint64_t)r->code_start + r->code_len > p->ncode)
        return fail(l, "rule %u code [%u,+%u) lies outside the code section (%u instructions)", i,
                    r->code_start, r->code_len, p->ncode);
    /* With RET last and jumps confined to the rule, control cannot fall off its end. */
    if (r->code_len == 0 || p->code[r->code_start + r->code_len - 1].op != SV_OP_RET)
        return fail(l, "rule %u does not end with RET", i);
    if (r->guard_len != SV_NO_GUARD && (uint64_t)r->guard_start + r->guard_len > p->nguards)
        return fail(l, "rule %u guard [%u,+%u) lies outside the guards section (%u)", i,
                    r->guard_start, r->guard_len, p->nguards);
    for (unsigned k = SV_GUARD_LIT; k < SV_GUARDS; k++) {
        uint32_t from, len = sv_rule_guard(r, k, &from);
        if ((uint64_t)from + len > p->nguards)
            return fail(l, "rule %u literal guard [%u,+%u) lies outside the guards section (%u)", i,
                        from, len, p->nguards);
    }
    if (!r->lit_guard_len && r->lit_guard2_len)
        return fail(l, "rule %u has a second literal guard but no first", i);
    if (r->nregs < 1 || r->nregs > MAX_REGS)
        return fail(l, "rule %u wants %u registers (1..%d)", i, r->nregs, MAX_REGS);
    for (uint32_t pc = r->code_start; pc < r->code_start + r->code_len; pc++)
        if (!check_rule_ins(l, i, r, pc)) return false;
    return check_bodies(l, i, r) && check_rule_fields(l, i, r);
}

/* Decodes and checks the records of a section; NULL once it has failed. */
static void *load_records(loader *l, unsigned kind, size_t rec_size, size_t elem_size,
                          decode_fn *decode, uint32_t *count) {
    uint32_t n;
    const unsigned char *rec;
    size_t len;
    if (!section_count(l, kind, &n, &rec, &len)) return NULL;
    if ((uint64_t)n * rec_size != len) {
        fail(l, "%s section: %u records take %llu bytes, not %zu", section_name[kind], n,
             (unsigned long long)n * rec_size, len);
        return NULL;
    }
    unsigned char *a = alloc_array(n, elem_size);
    *count = n;
    for (uint32_t i = 0; i < n; i++, rec += rec_size) {
        if (!decode(l, i, rec, a + i * elem_size)) {
            free(a);
            return NULL;
        }
    }
    return a;
}

/* Sections are decoded in dependency order: each is checked against the
   counts of those before it. */
static bool load_sections(loader *l) {
    sv_pack *p = l->p;
    if (!load_strings(l)) return false;
    p->paths =
        load_records(l, SV_SEC_PATHS, SV_PACK_PATH_SIZE, sizeof *p->paths, decode_path, &p->npaths);
    if (!p->paths) return false;
    p->tests =
        load_records(l, SV_SEC_TESTS, SV_PACK_TEST_SIZE, sizeof *p->tests, decode_test, &p->ntests);
    if (!p->tests) return false;
    p->code =
        load_records(l, SV_SEC_CODE, SV_PACK_INS_SIZE, sizeof *p->code, decode_ins, &p->ncode);
    if (!p->code) return false;
    p->guards = load_records(l, SV_SEC_GUARDS, 4, sizeof *p->guards, decode_guard, &p->nguards);
    if (!p->guards) return false;
    p->rules =
        load_records(l, SV_SEC_RULES, SV_PACK_RULE_SIZE, sizeof *p->rules, decode_rule, &p->nrules);
    return p->rules != NULL;
}

/* ---- Loading ---- */

static void release(sv_pack *p) {
    free(p->image);
    free(p->str);
    free(p->str_len);
    free(p->paths);
    free(p->tests);
    free(p->code);
    free(p->rules);
    free(p->guards);
    free(p->body_end);
    free(p);
}

sv_pack *sv_pack_load(const unsigned char *data, size_t len, char *err, size_t errlen) {
    loader l = {.len = len, .err = err, .errlen = errlen};
    if (len < SV_PACK_HEADER_SIZE) {
        fail(&l, "truncated: %zu bytes, less than a header (%d)", len, SV_PACK_HEADER_SIZE);
        return NULL;
    }
    if (len > SV_PACK_MAX_SIZE) {
        fail(&l, "larger than the limit of %u bytes", SV_PACK_MAX_SIZE);
        return NULL;
    }
    sv_pack *p = calloc(1, sizeof *p);
    unsigned char *image = malloc(len);
    if (!p || !image) abort();
    memcpy(image, data, len);
    *p = (sv_pack){.image = image, .len = len};
    l.img = image;
    l.p = p;
    if (!check_header(&l) || !read_section_table(&l) || !load_sections(&l)) {
        release(p);
        return NULL;
    }
    for (uint32_t i = 0; i < p->ntests; i++)
        p->wants_any |= p->tests[i].slot == SV_ANY_SLOT;
    char why[256] = "";
    if (!sv_pack_prepare(p, why, sizeof why)) {
        fail(&l, "%s", why);
        sv_pack_free(p);
        return NULL;
    }
    return p;
}

void sv_pack_free(sv_pack *p) {
    if (!p) return;
    sv_pack_unprepare(p);
    release(p);
}

size_t sv_pack_rule_count(const sv_pack *p) {
    return p->nrules;
}

const sv_rule *sv_pack_rule(const sv_pack *p, size_t i) {
    return i < p->nrules ? &p->rules[i] : NULL;
}

size_t sv_pack_path_count(const sv_pack *p) {
    return p->npaths;
}

const char *sv_pack_path(const sv_pack *p, size_t i) {
    return i < p->npaths ? p->str[p->paths[i]] : NULL;
}

bool sv_pack_wants_any(const sv_pack *p) {
    return p->wants_any;
}

size_t sv_pack_string_count(const sv_pack *p) {
    return p->nstrings;
}

const char *sv_pack_string(const sv_pack *p, uint32_t i, size_t *len) {
    if (i >= p->nstrings) return NULL;
    if (len) *len = p->str_len[i];
    return p->str[i];
}

size_t sv_pack_test_count(const sv_pack *p) {
    return p->ntests;
}

const sv_test *sv_pack_test(const sv_pack *p, uint32_t i) {
    return i < p->ntests ? &p->tests[i] : NULL;
}

const sv_ins *sv_pack_code(const sv_pack *p, size_t *n) {
    if (n) *n = p->ncode;
    return p->code;
}
