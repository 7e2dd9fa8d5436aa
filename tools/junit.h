/* junit.h: test results as JUnit XML, the format CI systems read (tools/ only). */
#ifndef SIGVM_JUNIT_H
#define SIGVM_JUNIT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct test_case {
    char *suite;   /* the rule file; consecutive cases of one file form a testsuite */
    char *rule;    /* the rule's id or title */
    char *name;    /* the test's name */
    char *failure; /* why it failed (message, then the explain trace); NULL: passed */
} test_case;

/* Writes cases to path; false with errno set when the file cannot be written. */
bool junit_write(const char *path, const test_case *cases, size_t n);

#endif
