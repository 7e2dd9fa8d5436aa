/* Unit tests of the match writers (JSONL without the event, CSV fields and
   quoting, the table's fixed columns) and of event times: where they are
   found and how they are read and written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/compiler.h"
#include "runtime/runtime.h"

static const char rule[] = "title: Deleted, \"quoted\"\n"
                           "id: 11111111-2222-3333-4444-555555555555\n"
                           "level: high\n"
                           "logsource: {product: aws}\n"
                           "detection:\n"
                           "    sel: {eventName|startswith: Delete}\n"
                           "    condition: sel\n";

typedef struct fixture {
    sv_pack *pack;
    rt_scanner *scan;
    sv_event *ev;
    sv_exec *x;
    uint32_t hits[4];
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    sg_ruleset *rs = sg_ruleset_new(NULL);
    assert_int_equal(sg_load_buffer(rs, "rule.yml", rule, strlen(rule)) + sg_finish(rs), 0);
    unsigned char *img;
    size_t len;
    char err[256];
    assert_int_equal(cp_compile(rs, &img, &len, NULL, err, sizeof err), 0);
    f->pack = sv_pack_load(img, len, err, sizeof err);
    free(img);
    sg_ruleset_free(rs);
    assert_non_null(f->pack);
    size_t np = sv_pack_path_count(f->pack), nt = rt_time_path_count;
    const char **paths = calloc(np + nt, sizeof *paths);
    for (size_t i = 0; i < np; i++)
        paths[i] = sv_pack_path(f->pack, i);
    memcpy(paths + np, rt_time_paths, nt * sizeof *paths);
    f->scan = rt_scanner_new(paths, np + nt, false);
    f->ev = sv_event_new(np + nt);
    f->x = sv_exec_new(f->pack);
    free(paths);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    rt_scanner_free(f->scan);
    sv_event_free(f->ev);
    sv_exec_free(f->x);
    sv_pack_free(f->pack);
    free(f);
    return 0;
}

/* The writer's output for event (which must match the rule) as record 7. */
static char *written(fixture *f, rt_format format, const char *const *fields, size_t n,
                     bool with_event, const char *event) {
    const char *err;
    size_t off;
    assert_true(rt_scan(f->scan, event, strlen(event), f->ev, &err, &off));
    assert_int_equal(sv_exec_run(f->x, f->ev, f->hits), 1);
    rt_match m = {.pack = f->pack,
                  .x = f->x,
                  .ev = f->ev,
                  .rule = f->hits[0],
                  .input = "logs/2024/03/04/very-long-name-of-an-input-file.json.gz",
                  .record = 7,
                  .line = 3,
                  .doc = event,
                  .len = strlen(event)};
    m.has_time = rt_event_time(f->ev, (uint32_t)sv_pack_path_count(f->pack), &m.time);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    rt_output *o = rt_output_new(format, fields, n, with_event);
    rt_output_header(o, out);
    rt_output_match(o, out, &m);
    rt_output_free(o);
    fclose(out);
    return text;
}

static const char event[] =
    "{\"eventName\":\"DeleteTrail\",\"eventTime\":\"2024-03-04T05:06:07Z\",\"user\":{\"name\":"
    "\"ann \\\"a\\\"\",\"groups\":[\"x\",\"y\"]},\"items\":[{\"id\":1},{\"id\":2}],\"n\":null}";

static void jsonl_without_event(void **state) {
    char *got = written(*state, RT_FORMAT_JSONL, NULL, 0, false, event);
    assert_string_equal(got, "{\"rule_id\":\"11111111-2222-3333-4444-555555555555\",\"title\":"
                             "\"Deleted, \\\"quoted\\\"\",\"level\":\"high\",\"input\":\"logs/2024/"
                             "03/04/very-long-name-of-an-input-file.json.gz\",\"record\":7,"
                             "\"line\":3}\n");
    free(got);
}

static void csv_fields(void **state) {
    static const char *const fields[] = {"event_time", "title",       "record",
                                         "user.name",  "user.groups", "items.id",
                                         "n",          "missing",     "user"};
    char *got = written(*state, RT_FORMAT_CSV, fields, 9, true, event);
    assert_string_equal(got,
                        "event_time,title,record,user.name,user.groups,items.id,n,missing,user\n"
                        "2024-03-04T05:06:07.000Z,\"Deleted, \"\"quoted\"\"\",7,"
                        "\"ann \"\"a\"\"\",\"[\"\"x\"\",\"\"y\"\"]\",\"1, 2\",,,"
                        "\"{\"\"name\"\":\"\"ann \\\"\"a\\\"\"\"\",\"\"groups\"\":[\"\"x\"\","
                        "\"\"y\"\"]}\"\n");
    free(got);
    got = written(*state, RT_FORMAT_CSV, NULL, 0, true, event);
    assert_string_equal(got,
                        "event_time,rule_id,title,level,input,record,line\n"
                        "2024-03-04T05:06:07.000Z,11111111-2222-3333-4444-555555555555,"
                        "\"Deleted, \"\"quoted\"\"\",high,logs/2024/03/04/very-long-name-of-an-"
                        "input-file.json.gz,7,3\n");
    free(got);
}

static void table(void **state) {
    char *got = written(*state, RT_FORMAT_TABLE, NULL, 0, true, event);
    /* fixed widths; the input keeps its end, where the file name is */
    assert_string_equal(got, "EVENT_TIME                LEVEL     TITLE                           "
                             "                  INPUT                               RECORD\n"
                             "2024-03-04T05:06:07.000Z  high      Deleted, \"quoted\"              "
                             "                   …g-name-of-an-input-file.json.gz         7\n");
    free(got);
}

/* The most trusted place that holds a readable time wins. */
static void event_times(void **state) {
    fixture *f = *state;
    static const struct {
        const char *doc;
        const char *want;
    } cases[] = {
        {"{\"@timestamp\":\"2020-01-01T00:00:00Z\",\"eventTime\":\"2023-07-10T11:42:34Z\"}",
         "2023-07-10T11:42:34.000Z"},
        {"{\"Event\":{\"System\":{\"TimeCreated\":{\"#attributes\":{\"SystemTime\":"
         "\"2021-12-08T19:46:08.123456Z\"}}}}}",
         "2021-12-08T19:46:08.123Z"},
        {"{\"time\":\"2025-04-30T09:07:40.986182+02:00\"}", "2025-04-30T07:07:40.986Z"},
        {"{\"EventTime\":\"2020-09-20 21:43:24\"}", "2020-09-20T21:43:24.000Z"},
        {"{\"created_at\":1663146003599}", "2022-09-14T09:00:03.599Z"},
        {"{\"timestamp\":\"1663146003\"}", "2022-09-14T09:00:03.000Z"},
        {"{\"TimeCreated\":\"/Date(1600000000000)/\"}", "2020-09-13T12:26:40.000Z"},
        {"{\"eventTime\":\"yesterday\",\"published\":\"2019-05-06\"}", "2019-05-06T00:00:00.000Z"},
        {"{\"when\":\"2019-05-06\"}", NULL},
    };
    uint32_t first = (uint32_t)sv_pack_path_count(f->pack);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *err;
        size_t off;
        assert_true(rt_scan(f->scan, cases[i].doc, strlen(cases[i].doc), f->ev, &err, &off));
        int64_t ms;
        bool found = rt_event_time(f->ev, first, &ms);
        if (!cases[i].want) {
            assert_false(found);
            continue;
        }
        assert_true(found);
        char text[RT_TIME_LEN];
        rt_format_time(ms, text);
        assert_string_equal(text, cases[i].want);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jsonl_without_event),
        cmocka_unit_test(csv_fields),
        cmocka_unit_test(table),
        cmocka_unit_test(event_times),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
