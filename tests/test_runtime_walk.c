/* Unit tests of the directory walk: name order, include and exclude globs
   (on names, or on paths under the directory when they hold a '/'), and
   unreadable folders reported without stopping the walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/runtime.h"

static char root[64];

static void touch(const char *rel) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

static void folder(const char *rel) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_int_equal(mkdir(path, 0700), 0);
}

static int make_tree(void **state) {
    (void)state;
    snprintf(root, sizeof root, "/tmp/sigvm_walk_XXXXXX");
    if (!mkdtemp(root)) return -1;
    folder("b");
    folder("a");
    folder("a/digest");
    folder("a/2024");
    touch("z.json");
    touch("B.json");
    touch("a/x.json.gz");
    touch("a/2024/y.json");
    touch("a/digest/d.json.gz");
    touch("b/notes.txt");
    touch("b/c.ndjson");
    return 0;
}

static int remove_tree(void **state) {
    (void)state;
    char cmd[192];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%.60s'; rm -rf '%.60s'", root, root);
    return system(cmd);
}

typedef struct seen {
    char text[1024];
} seen;

static bool note(const char *path, const char *error, void *arg) {
    seen *s = arg;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof s->text - n, "%s%s%s\n", path + strlen(root) + 1,
             error ? " ! " : "", error ? error : "");
    return true;
}

static const char *walk(const char *const *inc, size_t ninc, const char *const *exc, size_t nexc) {
    static seen s;
    s.text[0] = '\0';
    assert_true(rt_walk(root, inc, ninc, exc, nexc, note, &s));
    return s.text;
}

static void everything_in_name_order(void **state) {
    (void)state;
    assert_string_equal(walk(NULL, 0, NULL, 0), "B.json\n"
                                                "a/2024/y.json\n"
                                                "a/digest/d.json.gz\n"
                                                "a/x.json.gz\n"
                                                "b/c.ndjson\n"
                                                "b/notes.txt\n"
                                                "z.json\n");
}

static void globs(void **state) {
    (void)state;
    const char *inc[] = {"*.json", "*.json.gz"}, *exc[] = {"digest"};
    assert_string_equal(walk(inc, 2, exc, 1), "B.json\n"
                                              "a/2024/y.json\n"
                                              "a/x.json.gz\n"
                                              "z.json\n");
    const char *by_path[] = {"a/*/*.json"}, *not_txt[] = {"*.txt"};
    assert_string_equal(walk(by_path, 1, NULL, 0), "a/2024/y.json\n");
    assert_string_equal(walk(NULL, 0, not_txt, 1), "B.json\n"
                                                   "a/2024/y.json\n"
                                                   "a/digest/d.json.gz\n"
                                                   "a/x.json.gz\n"
                                                   "b/c.ndjson\n"
                                                   "z.json\n");
}

static void unreadable_folder(void **state) {
    (void)state;
    if (geteuid() == 0) skip(); /* root reads every folder */
    char path[256];
    snprintf(path, sizeof path, "%s/b", root);
    chmod(path, 0);
    const char *inc[] = {"*.json"};
    assert_string_equal(walk(inc, 1, NULL, 0), "B.json\n"
                                               "a/2024/y.json\n"
                                               "b ! Permission denied\n"
                                               "z.json\n");
    chmod(path, 0700);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(everything_in_name_order),
        cmocka_unit_test(globs),
        cmocka_unit_test(unreadable_folder),
    };
    return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
