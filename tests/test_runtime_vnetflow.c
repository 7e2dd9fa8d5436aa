/* Unit tests of Azure VNet flow-log expansion, through the reader: the six
   tuples of seed 002 give the fields of the seed's transformed samples
   (tests/data/vnet_flow_expected.tsv) in both record layouts, and tuples
   that cannot be read are reported one by one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/runtime.h"

static const char *const fields[] = {
    "@timestamp",          "source.ip",         "source.port",
    "source.bytes",        "source.packets",    "destination.ip",
    "destination.port",    "destination.bytes", "destination.packets",
    "network.iana_number", "network.direction", "event.type",
    "flow.state",          "rule.name"};
enum { NFIELDS = sizeof fields / sizeof *fields };

/* Every event of path as one tab-separated row of fields, or "bad: why". */
static char *rows(const char *path, rt_expand expand) {
    char err[256];
    rt_input_opts opt = {.expand = expand};
    rt_input *in = rt_input_open(path, &opt, err, sizeof err);
    if (!in) fail_msg("%s", err);
    rt_scanner *s = rt_scanner_new(fields, NFIELDS, false);
    sv_event *ev = sv_event_new(NFIELDS);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    rt_doc d;
    for (rt_read k; (k = rt_input_next(in, &d)) != RT_EOF;) {
        if (k != RT_DOC) {
            fprintf(out, "bad %llu#%llu: %s\n", (unsigned long long)d.line,
                    (unsigned long long)d.tuple, k == RT_BAD ? d.error : rt_input_error(in));
            continue;
        }
        const char *e;
        size_t off;
        if (!rt_scan(s, d.text, d.len, ev, &e, &off))
            fail_msg("%s at %zu: %.*s", e, off, (int)d.len, d.text);
        for (uint32_t f = 0; f < NFIELDS; f++) {
            sv_value *v = sv_event_get(ev, f);
            const char *t = "-";
            size_t n = 1;
            if (v) sv_value_text(ev, v, &t, &n);
            fprintf(out, "%s%.*s", f ? "\t" : "", (int)n, t);
        }
        putc('\n', out);
    }
    fclose(out);
    sv_event_free(ev);
    rt_scanner_free(s);
    rt_input_close(in);
    return text;
}

static char *expected(void) {
    FILE *f = fopen(SIGVM_SOURCE_DIR "/tests/data/vnet_flow_expected.tsv", "r");
    assert_non_null(f);
    char *text = NULL, line[1024];
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    while (fgets(line, sizeof line, f))
        if (line[0] != '#') fputs(line, out);
    fclose(out);
    fclose(f);
    return text;
}

static void seed_samples(void **state) {
    (void)state;
    char *want = expected();
    static const char *const inputs[] = {SIGVM_SOURCE_DIR "/tests/data/vnet_flow_flat.ndjson",
                                         SIGVM_SOURCE_DIR "/tests/data/vnet_flow_v4.json"};
    for (size_t i = 0; i < 2; i++) {
        char *got = rows(inputs[i], RT_EXPAND_AUTO);
        assert_string_equal(got, want);
        free(got);
    }
    free(want);
}

static const char *write_temp(const char *text) {
    static char path[64];
    snprintf(path, sizeof path, "/tmp/sigvm_vnet_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

/* Bad tuples are reported each with its number; the record's good tuples
   still become events; a continuing flow over IPv6 and UDP reads too. */
static void bad_tuples(void **state) {
    (void)state;
    const char *p =
        write_temp("{\"flowLogVersion\":4,\"rule\":\"r\",\"flow.0\":\"1,2,3\",\"flow.1\":7,"
                   "\"flow.2\":\"1663146003599,2001:db8::1,2001:db8::2,1,2,17,I,C,X,1,2,3,4\","
                   "\"flow.3\":\"1663146003599,1.2.3.4,5.6.7.8,99999,2,6,I,B,NX,,,,\","
                   "\"flow.4\":\"1663146003599,1.2.3,5.6.7.8,1,2,6,I,B,NX,,,,\","
                   "\"flow.5\":\"1663146003599,1.2.3.4,5.6.7.8,1,2,6,X,B,NX,,,,\","
                   "\"flow.6\":\"1663146003599,1.2.3.4,5.6.7.8,1,2,6,O,Q,NX,,,,\","
                   "\"flow.7\":\"1663146003599,1.2.3.4,5.6.7.8,1,2,6,O,E,nx,,,,\","
                   "\"flow.8\":\"1663146003599,1.2.3.4,5.6.7.8,1,2,6,O,E,NX,,,,\"}\n");
    char *got = rows(p, RT_EXPAND_AUTO);
    unlink(p);
    assert_string_equal(got,
                        "bad 1#1: a flow tuple has 13 comma-separated fields\n"
                        "bad 1#2: a flow tuple is a plain JSON string\n"
                        "2022-09-14T09:00:03.599Z\t2001:db8::1\t1\t2\t1\t2001:db8::2\t2\t4\t3\t17\t"
                        "inbound\tconnection\tcontinue\tr\n"
                        "bad 1#4: field 4 (source port) is not a port\n"
                        "bad 1#5: field 2 (source address) is not an IP address\n"
                        "bad 1#6: field 7 (direction) is not I or O\n"
                        "bad 1#7: field 8 (state) is not B, C, E or D\n"
                        "bad 1#8: field 9 (encryption) is not a word such as X or NX\n"
                        "2022-09-14T09:00:03.599Z\t1.2.3.4\t1\t0\t0\t5.6.7.8\t2\t0\t0\t6\t"
                        "outbound\tend\tend\tr\n");
    free(got);
}

/* What is not a flow-log record passes as it is: records of another kind,
   records without tuples, and records the walk cannot follow (rt_scan will
   say what is wrong with them). */
static void passed_through(void **state) {
    (void)state;
    const char *p = write_temp("{\"flowLogVersion\":4,\"flowRecords\":{\"flows\":[]}}\n"
                               "{\"flowLogVersion\":4,\"rule\":\"r\"}\n"
                               "{\"flowLogVersion\":4,\"flow.0\":\"1663146003599,1.2.3.4\n"
                               "{\"category\":\"Other\",\"flow.0\":\"x\"}\n");
    char err[256];
    rt_input_opts opt = {.expand = RT_EXPAND_VNET};
    rt_input *in = rt_input_open(p, &opt, err, sizeof err);
    assert_non_null(in);
    rt_doc d;
    int docs = 0;
    while (rt_input_next(in, &d) == RT_DOC) {
        assert_int_equal(d.tuple, 0);
        docs++;
    }
    rt_input_close(in);
    unlink(p);
    assert_int_equal(docs, 4);
    /* auto: the first event decides; this one is no flow-log record */
    p = write_temp("{\"category\":\"Other\"}\n{\"flowLogVersion\":4,\"flow.0\":\"1,2\"}\n");
    char *got = rows(p, RT_EXPAND_AUTO);
    unlink(p);
    assert_null(strstr(got, "bad"));
    free(got);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_samples),
        cmocka_unit_test(bad_tuples),
        cmocka_unit_test(passed_through),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
