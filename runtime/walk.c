/* walk.c: the files under a directory, in a fixed order, filtered by globs,
   for `sigvm run DIR`. Name order (not readdir's) keeps the output of a run
   the same on every machine; symbolic links to directories are not
   followed, so a link loop cannot make the walk endless. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime.h"

typedef struct walk {
    const char *const *include, *const *exclude;
    size_t ninclude, nexclude;
    bool (*fn)(const char *, const char *, void *);
    void *arg;
    size_t root_len; /* of the directory given, to match globs on relative paths */
} walk;

static bool matches(const char *path, const char *name, const char *const *globs, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (fnmatch(globs[i], strchr(globs[i], '/') ? path : name, FNM_PATHNAME) == 0) return true;
    return false;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir but . and .., sorted; NULL on error. */
static char **list(const char *dir, size_t *n) {
    DIR *d = opendir(dir);
    if (!d) return NULL;
    size_t cap = 16;
    char **names = malloc(cap * sizeof *names);
    if (!names) abort();
    *n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (*n == cap) {
            names = realloc(names, (cap *= 2) * sizeof *names);
            if (!names) abort();
        }
        if (!(names[(*n)++] = strdup(e->d_name))) abort();
    }
    closedir(d);
    qsort(names, *n, sizeof *names, by_name);
    return names;
}

static bool visit(walk *w, const char *dir) {
    size_t n;
    char **names = list(dir, &n);
    if (!names) return w->fn(dir, strerror(errno), w->arg);
    bool go_on = true;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(len);
        if (!path) abort();
        snprintf(path, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
        const char *rel = path + w->root_len + (path[w->root_len] == '/');
        struct stat st;
        bool is_dir = lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
        if (go_on && !matches(rel, names[i], w->exclude, w->nexclude)) {
            if (is_dir)
                go_on = visit(w, path);
            else if (!w->ninclude || matches(rel, names[i], w->include, w->ninclude))
                go_on = w->fn(path, NULL, w->arg);
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return go_on;
}

bool rt_walk(const char *dir, const char *const *include, size_t ninclude,
             const char *const *exclude, size_t nexclude,
             bool (*fn)(const char *path, const char *error, void *arg), void *arg) {
    walk w = {include, exclude, ninclude, nexclude, fn, arg, strlen(dir)};
    return visit(&w, dir);
}
