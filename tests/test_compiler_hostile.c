/* test_compiler_hostile.c: hostile rule files end in diagnostics, never in
   a crash, a hang or an unbounded allocation: real SigmaHQ rules damaged by
   byte flips, insertions of YAML and Sigma syntax and truncations; an alias
   bomb; nesting a million deep in YAML and in a condition; a NUL inside a
   condition; more meta filters than a rule set holds. Whatever still
   compiles must load and run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/compiler.h"
#include "pack_probe.h"
#include "sigmahq.h"

enum { SAMPLE_RULES = 200, MUTATIONS_PER_RULE = 12 };

/* Reads, compiles, loads and runs buf; returns the number of errors and
   copies the first diagnostic into first. Every diagnostic must have text. */
static size_t compile_text(const char *buf, size_t len, char *first, size_t firstlen) {
    sg_ruleset *rs = sg_ruleset_new(NULL);
    size_t errors = (size_t)sg_load_buffer(rs, "hostile.yml", buf, len);
    errors += (size_t)sg_finish(rs);
    if (first) first[0] = '\0';
    for (size_t i = 0; i < sg_diag_count(rs); i++) {
        const sg_diag *d = sg_diag_at(rs, i);
        assert_non_null(d->msg);
        assert_true(d->msg[0] != '\0');
        if (first && i == 0)
            snprintf(first, firstlen, "%d:%d: %s", d->pos.line, d->pos.col, d->msg);
    }
    unsigned char *img;
    size_t n;
    char err[256];
    if (cp_compile(rs, &img, &n, NULL, err, sizeof err) == 0) {
        sv_pack *p = sv_pack_load(img, n, err, sizeof err);
        if (!p) fail_msg("the compiler's pack was refused: %s", err);
        FILE *sink = fopen("/dev/null", "w");
        assert_non_null(sink);
        probe_pack(p, sink);
        fclose(sink);
        sv_pack_free(p);
        free(img);
    }
    sg_ruleset_free(rs);
    return errors;
}

static void assert_refused_with(const char *buf, size_t len, const char *want) {
    char first[512];
    size_t errors = compile_text(buf, len, first, sizeof first);
    if (errors == 0) fail_msg("accepted, expected \"%s\"", want);
    if (!strstr(first, want)) fail_msg("first diagnostic \"%s\" lacks \"%s\"", first, want);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Syntax that changes how YAML or Sigma reads what follows it. */
static const char *const inserts[] = {
    ":",    "-",     "|",         "*",         "?",     "{",       "}",    "[",           "]",
    "&a",   "*a",    "!!binary ", "%",         "#",     "'",       "\"",   "\n",          "\t",
    " ",    "\\",    "|re",       "|base64",   "|all",  " and ",   " or ", " not ",       "(",
    ")",    "1 of",  "them",      "---\n",     "...\n", "<<: ",    "\0",   "|windash|re", "%x%",
    "\xff", "|cidr", "|expand",   "|fieldref", "|gt",   "|exists",
};

/* One damaged copy of src: a flipped byte, an insertion, a cut or a
   deleted run, at a random place. Returns its length. */
static size_t damage(const char *src, size_t len, char *out, uint64_t *rng) {
    uint64_t r = sigmahq_random(rng);
    size_t at = len ? (size_t)(sigmahq_random(rng) % len) : 0;
    switch (r % 4) {
    case 0:
        memcpy(out, src, len);
        out[at] ^= (char)(1 + (r >> 8) % 255);
        return len;
    case 1: {
        const char *ins = inserts[(r >> 8) % (sizeof inserts / sizeof *inserts)];
        size_t n = *ins ? strlen(ins) : 1; /* "\0" inserts one NUL */
        memcpy(out, src, at);
        memcpy(out + at, ins, n);
        memcpy(out + at + n, src + at, len - at);
        return len + n;
    }
    case 2: memcpy(out, src, at); return at;
    default: {
        size_t gone = (size_t)((r >> 8) % 64);
        if (gone > len - at) gone = len - at;
        memcpy(out, src, at);
        memcpy(out + at, src + at + gone, len - at - gone);
        return len - gone;
    }
    }
}

static void mutated_sigmahq_rules(void **state) {
    (void)state;
    char **paths;
    size_t n = sigmahq_sample(SAMPLE_RULES, &paths);
    if (n == 0) skip();
    uint64_t rng = 0x7e57;
    size_t compiled = 0, refused = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *src = read_file(paths[i], &len);
        assert_int_equal(compile_text(src, len, NULL, 0), 0); /* intact, it compiles */
        char *bad = malloc(len + 64);
        assert_non_null(bad);
        for (int m = 0; m < MUTATIONS_PER_RULE; m++) {
            size_t blen = damage(src, len, bad, &rng);
            /* An exact-size copy, so that the sanitizer sees a read past the end. */
            char *copy = malloc(blen ? blen : 1);
            assert_non_null(copy);
            memcpy(copy, bad, blen);
            if (compile_text(copy, blen, NULL, 0))
                refused++;
            else
                compiled++;
            free(copy);
        }
        free(bad);
        free(src);
        free(paths[i]);
    }
    free(paths);
    print_message("%zu SigmaHQ rules x %d mutations: %zu still compiled, %zu refused\n", n,
                  MUTATIONS_PER_RULE, compiled, refused);
    assert_true(refused > 0 && compiled > 0);
}

/* Nine levels of ten aliases: 10^9 nodes once expanded. */
static void alias_bomb(void **state) {
    (void)state;
    char buf[2048];
    size_t len = (size_t)snprintf(buf, sizeof buf,
                                  "a: &a [lol, lol, lol, lol, lol, lol, lol, "
                                  "lol, lol, lol]\n");
    for (char c = 'b'; c <= 'i'; c++)
        len += (size_t)snprintf(buf + len, sizeof buf - len,
                                "%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n", c, c, c - 1,
                                c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
    len += (size_t)snprintf(buf + len, sizeof buf - len,
                            "title: t\ndetection: {s: {f: *i}, condition: s}\n");
    assert_refused_with(buf, len, "YAML aliases expand to more than 1000000 nodes");
}

static void too_many_aliases(void **state) {
    (void)state;
    size_t cap = 16 * 12000, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    len += (size_t)snprintf(buf, cap, "a: &a x\nb: [");
    for (int i = 0; i < 10001; i++)
        len += (size_t)snprintf(buf + len, cap - len, "*a,");
    len += (size_t)snprintf(buf + len, cap - len, "*a]\n");
    assert_refused_with(buf, len, "too many YAML aliases");
    free(buf);
}

/* A million of open, then a million of close, around inner. */
static char *nest(const char *head, const char *open, const char *inner, const char *close,
                  const char *tail, size_t *len) {
    enum { DEEP = 1000000 };
    size_t ol = strlen(open), cl = strlen(close);
    size_t cap = strlen(head) + DEEP * (ol + cl) + strlen(inner) + strlen(tail) + 1;
    char *buf = malloc(cap), *p = buf;
    assert_non_null(buf);
    p += sprintf(p, "%s", head);
    for (int i = 0; i < DEEP; i++, p += ol)
        memcpy(p, open, ol);
    p += sprintf(p, "%s", inner);
    for (int i = 0; i < DEEP; i++, p += cl)
        memcpy(p, close, cl);
    p += sprintf(p, "%s", tail);
    *len = (size_t)(p - buf);
    return buf;
}

static void deep_yaml(void **state) {
    (void)state;
    size_t len;
    char *buf = nest("title: t\ndetection: {s: {f: ", "[", "x", "]", "}, condition: s}\n", &len);
    assert_refused_with(buf, len, "YAML nested too deeply");
    free(buf);
}

static void deep_condition(void **state) {
    (void)state;
    size_t len;
    char *buf = nest("title: t\ndetection: {s: {f: x}, condition: '", "(", "s", ")", "'}\n", &len);
    assert_refused_with(buf, len, "condition nested too deeply");
    free(buf);
    buf = nest("title: t\ndetection: {s: {f: x}, condition: '", "not ", "s", "", "'}\n", &len);
    assert_refused_with(buf, len, "condition nested too deeply");
    free(buf);
}

static void nul_in_condition(void **state) {
    (void)state;
    static const char rule[] = "title: t\n"
                               "detection: {s: {f: x}, condition: \"s\\0 or garbage\"}\n";
    assert_refused_with(rule, sizeof rule - 1, "a condition cannot hold a NUL byte");
}

static void too_many_filters(void **state) {
    (void)state;
    static const char filter[] = "---\ntitle: f\nlogsource: {product: x}\n"
                                 "filter: {rules: [r], s: {f: x}, condition: not s}\n";
    size_t cap = (SG_MAX_FILTERS + 2) * sizeof filter + 256, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    len += (size_t)snprintf(buf, cap,
                            "title: r\nid: r\nlogsource: {product: x}\n"
                            "detection: {s: {f: x}, condition: s}\n");
    for (int i = 0; i <= SG_MAX_FILTERS; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s", filter);
    sg_ruleset *rs = sg_ruleset_new(NULL);
    assert_int_equal(sg_load_buffer(rs, "filters.yml", buf, len), 1);
    assert_int_equal(sg_finish(rs), 0);
    assert_int_equal(sg_rule_count(rs), 1);
    assert_non_null(strstr(sg_diag_at(rs, 0)->msg, "more than 1000 meta filters in one rule set"));
    sg_ruleset_free(rs);
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mutated_sigmahq_rules), cmocka_unit_test(alias_bomb),
        cmocka_unit_test(too_many_aliases),      cmocka_unit_test(deep_yaml),
        cmocka_unit_test(deep_condition),        cmocka_unit_test(nul_in_condition),
        cmocka_unit_test(too_many_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
