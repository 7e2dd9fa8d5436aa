/* fuzz_condition.c: the condition grammar (re2c lexer, lemon parser).
   Input: optionally a first line of search identifiers separated by blanks
   (seeds take them from real rules), then the condition text. A parse
   either gives a tree whose leaves are the searches, or a message with an
   offset inside the text. */
#include "fuzz.h"
#include "sigma/sigma_int.h"

enum { MAX_IDENTS = 64 };

static const char *const default_idents[] = {
    "selection", "sel_a", "sel_b", "filter", "filter_main_x", "_helper", "keywords", "1of", "x.y",
};

/* Leaves must be the searches themselves; every inner node is well formed. */
static void check_tree(const sg_node *n, const sg_cond_env *env, size_t depth) {
    FUZZ_CHECK(depth < 100000);
    if (n->kind == SG_N_TEST) {
        bool known = false;
        for (size_t i = 0; i < env->nidents; i++)
            known |= env->searches[i] == n;
        FUZZ_CHECK(known);
        return;
    }
    FUZZ_CHECK(n->kind == SG_N_AND || n->kind == SG_N_OR || n->kind == SG_N_NOT);
    FUZZ_CHECK(n->kind == SG_N_NOT ? n->nkids == 1 : n->nkids >= 2);
    for (size_t i = 0; i < n->nkids; i++)
        check_tree(n->kids[i], env, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *buf = malloc(size + 1);
    FUZZ_CHECK(buf);
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *idents[MAX_IDENTS];
    size_t n = 0;
    char *text = buf, *nl = memchr(buf, '\n', size);
    if (nl) {
        *nl = '\0';
        text = nl + 1;
        for (char *save, *t = strtok_r(buf, " \t", &save); t && n < MAX_IDENTS;
             t = strtok_r(NULL, " \t", &save))
            idents[n++] = t;
    }
    if (!n) {
        n = sizeof default_idents / sizeof *default_idents;
        memcpy(idents, default_idents, sizeof default_idents);
    }
    sg_arena *a = sg_arena_new();
    sg_node *searches[MAX_IDENTS];
    for (size_t i = 0; i < n; i++)
        searches[i] = sg_node_new(a, SG_N_TEST, 0);
    sg_cond_env env = {.arena = a, .nidents = n, .idents = idents, .searches = searches};
    char err[256] = "";
    size_t off = SIZE_MAX;
    sg_node *tree = sg_parse_condition(&env, text, err, sizeof err, &off);
    if (tree)
        check_tree(tree, &env, 0);
    else
        FUZZ_CHECK(err[0] && off <= strlen(text));
    sg_arena_free(a);
    free(buf);
    return 0;
}
