/* regression.c: SigmaHQ regression data as a rule's samples.
 *
 * A rule's regression_tests_path names an info.yml relative to the root of
 * its rule repository: the nearest directory above the rule file in which
 * that path exists. info.yml lists tests under regression_tests_info, each
 * with a type (evtx), a path to the .evtx file (whose evtx_dump JSON sits
 * beside it, with .json for .evtx) and a match_count: how many of its events
 * the rule must match at least (at least one when it is missing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "yaml_tree.h"

/* Directories climbed from a rule file to find its repository's root. */
enum { MAX_CLIMB = 32 };

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* The root for rel: the first directory, from the rule file's up, in which
   rel exists; written into root (without a trailing '/'). */
static bool find_root(const char *file, const char *rel, char *root, size_t cap) {
    char path[4096];
    const char *slash = strrchr(file, '/');
    int n =
        slash ? snprintf(root, cap, "%.*s", (int)(slash - file), file) : snprintf(root, cap, ".");
    if (n < 0 || (size_t)n >= cap) return false;
    for (int climb = 0; climb < MAX_CLIMB; climb++) {
        if ((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) < sizeof path && exists(path))
            return true;
        char *up = strrchr(root, '/');
        size_t len = strlen(root);
        if (up && up[1] != '.')
            *up = '\0';
        else if (len + 3 < cap && strcmp(root, "/"))
            strcat(root, "/..");
        else
            return false;
        if (!root[0]) strcpy(root, "/");
    }
    return false;
}

/* root/rel[0..rel_len) followed by suffix, in the arena. */
static char *joined(sg_ruleset *rs, const char *root, const char *rel, size_t rel_len,
                    const char *suffix) {
    size_t len = strlen(root) + rel_len + strlen(suffix) + 2;
    char *p = sg_alloc(rs->arena, len);
    snprintf(p, len, "%s/%.*s%s", root, (int)rel_len, rel, suffix);
    return p;
}

/* One entry of regression_tests_info as a sample; false when it is not one
   sigvm can run (reported). */
static bool read_entry(sg_ruleset *rs, const char *info, const yt_node *t, const char *root,
                       sg_sample *s) {
    const yt_node *type = yt_get(t, "type"), *path = yt_get(t, "path"), *name = yt_get(t, "name"),
                  *count = yt_get(t, "match_count");
    if (!type || type->kind != YT_SCALAR || strcmp(type->text, "evtx")) {
        sg_warning(rs, info, t->line, t->col, "regression test of type '%s' skipped (evtx only)",
                   type && type->kind == YT_SCALAR ? type->text : "?");
        return false;
    }
    if (!path || path->kind != YT_SCALAR || path->len < 5 ||
        strcmp(path->text + path->len - 5, ".evtx"))
        return sg_error(rs, info, t->line, t->col, "regression test without an .evtx path"), false;
    char *end;
    long expect = count && count->kind == YT_SCALAR ? strtol(count->text, &end, 10) : -1;
    if (count && (count->kind != YT_SCALAR || *end || expect < 0))
        return sg_error(rs, info, count->line, count->col, "match_count is a count"), false;
    *s = (sg_sample){.kind = SG_SAMPLE_REGRESSION,
                     .name = name && name->kind == YT_SCALAR ? name->text : "regression test",
                     .file = joined(rs, root, path->text, path->len - 5, ".json"),
                     .expect = (int)expect,
                     .pos = {info, t->line, t->col}};
    return true;
}

void sg_read_regression(sg_ruleset *rs, const char *file, const yt_node *doc, sg_rule *r) {
    const yt_node *p = yt_get(doc, "regression_tests_path");
    char root[4096], err[256];
    if (!p) return;
    if (p->kind != YT_SCALAR || !find_root(file, p->text, root, sizeof root)) {
        sg_error(rs, file, p->line, p->col, "regression_tests_path '%s' not found above the rule",
                 p->kind == YT_SCALAR ? p->text : "?");
        return;
    }
    const char *info = joined(rs, root, p->text, p->len, "");
    size_t len;
    char *text = sg_read_file(info, &len, err, sizeof err);
    yt_stream st;
    int line = 1, col = 1;
    if (!text || !yt_parse(rs->arena, text, len, &st, err, sizeof err, &line, &col)) {
        sg_error(rs, info, line, col, "%s", err);
        free(text);
        return;
    }
    free(text);
    const yt_node *list = st.ndocs ? yt_get(st.docs[0], "regression_tests_info") : NULL;
    if (!list || list->kind != YT_SEQ) {
        sg_error(rs, info, 1, 1, "no regression_tests_info list");
        return;
    }
    sg_sample *s = sg_alloc(rs->arena, (r->nsamples + list->n + 1) * sizeof *s);
    if (r->nsamples) memcpy(s, r->samples, r->nsamples * sizeof *s);
    r->samples = s;
    for (size_t i = 0; i < list->n; i++)
        r->nsamples += read_entry(rs, info, list->items[i], root, &s[r->nsamples]);
}
