/* replay.c: runs a fuzz target without libFuzzer over the files (or the
   files of the directories) named on its command line, so that seeds and
   the inputs of fixed crashes stay regression tests in every build. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static unsigned long replayed;

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;)
        if ((n += got) == cap) buf = realloc(buf, cap *= 2);
    fclose(f);
    FUZZ_CHECK(buf);
    /* An exact-size copy, as libFuzzer gives, so overreads are caught. */
    unsigned char *data = malloc(n ? n : 1);
    FUZZ_CHECK(data);
    memcpy(data, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(data, n);
    free(data);
    replayed++;
    return 0;
}

static int replay(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) return replay_file(path);
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        return 1;
    }
    int bad = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *child = malloc(len);
        FUZZ_CHECK(child);
        snprintf(child, len, "%s/%s", path, e->d_name);
        bad |= replay(child);
        free(child);
    }
    closedir(d);
    return bad;
}

int main(int argc, char **argv) {
    int bad = 0;
    for (int i = 1; i < argc; i++)
        bad |= replay(argv[i]);
    printf("%lu inputs replayed\n", replayed);
    return bad;
}
