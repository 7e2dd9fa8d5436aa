/* test_compiler_guard.c: the literal guards the compiler gives rules: the
   literals of one detection rather than those a whole logsource shares, all
   of an OR up to a bound, none for what a literal cannot vouch for (a NOT,
   a regex, an empty string), each test once, never what a logsource maps
   to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/compiler.h"
#include "compiler/guard.h"
#include "vm/pack.h"

enum { TEXT = 1 << 18 }; /* room for a guard of CP_LITERAL_GUARD_MAX literals */

/* Compiles the rules (one YAML document each) and writes rule i's literal
   guard into out[i] as "path KIND literal" items joined by ", ", or "none". */
/* Writes into out[i] the guard (literal: the literal guard) of rule i,
   compiled through profile (NULL: none), as "path KIND constant" items
   joined by ", ", or "none". */
static void guards_of(const char *profile, unsigned which, const char *const *yaml, size_t n,
                      char (*out)[TEXT]) {
    sg_ruleset *rs = sg_ruleset_new(NULL);
    if (profile) assert_int_equal(sg_use_profile(rs, profile), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(sg_load_buffer(rs, "rule.yml", yaml[i], strlen(yaml[i])), 0);
    assert_int_equal(sg_finish(rs), 0);
    unsigned char *img;
    size_t len;
    char err[256];
    assert_int_equal(cp_compile(rs, &img, &len, NULL, err, sizeof err), 0);
    sg_ruleset_free(rs);
    sv_pack *p = sv_pack_load(img, len, err, sizeof err);
    free(img);
    if (!p) fail_msg("pack refused: %s", err);
    static const char *const kinds[] = {"EQ", "PREFIX", "SUFFIX", "CONTAINS"};
    assert_int_equal(sv_pack_rule_count(p), n);
    for (size_t i = 0; i < n; i++) {
        const sv_rule *r = sv_pack_rule(p, i);
        uint32_t start, len = sv_rule_guard(r, which, &start);
        snprintf(out[i], TEXT, "none");
        for (uint32_t g = 0; len != SV_NO_GUARD && g < len; g++) {
            const sv_test *t = sv_pack_test(p, p->guards[start + g]);
            const char *path = t->slot == SV_ANY_SLOT ? "any" : sv_pack_path(p, t->slot);
            size_t at = g ? strlen(out[i]) : 0;
            if (t->kind == SV_T_NUM_EQ) {
                snprintf(out[i] + at, TEXT - at, "%s%s == %g", g ? ", " : "", path, t->num);
                continue;
            }
            assert_true(t->kind <= SV_T_CONTAINS);
            snprintf(out[i] + at, TEXT - at, "%s%s %s %s", g ? ", " : "", path, kinds[t->kind],
                     sv_pack_string(p, t->k, NULL));
        }
    }
    sv_pack_free(p);
}

static void literal_guards(const char *const *yaml, size_t n, char (*out)[TEXT]) {
    guards_of(NULL, SV_GUARD_LIT, yaml, n, out);
}

static void assert_guard(const char *yaml, const char *want) {
    char got[1][TEXT];
    literal_guards(&yaml, 1, got);
    if (strcmp(got[0], want) != 0) fail_msg("literal guard \"%s\", expected \"%s\"", got[0], want);
}

#define RULE(detection) "title: t\nlogsource: {product: windows}\ndetection:\n" detection

static void literals_of_a_detection(void **state) {
    (void)state;
    assert_guard(RULE("  sel:\n    CommandLine|contains: ['-enc', '-encodedcommand']\n"
                      "  filter:\n    Image|endswith: '\\git.exe'\n"
                      "  condition: sel and not filter\n"),
                 "CommandLine CONTAINS -enc, CommandLine CONTAINS -encodedcommand");
    /* An AND takes the operand least likely to hold: a long literal. */
    assert_guard(RULE("  a:\n    ParentImage|contains: 'ab'\n"
                      "  b:\n    Image|startswith: 'c:\\windows\\temp\\'\n"
                      "  condition: a and b\n"),
                 "Image PREFIX c:\\windows\\temp\\");
    assert_guard(RULE("  a:\n    Image: 'x.exe'\n  b:\n    User|contains: 'admin'\n"
                      "  condition: a or b\n"),
                 "Image EQ x.exe, User CONTAINS admin");
    assert_guard(RULE("  keywords:\n    - 'mimikatz'\n  condition: keywords\n"),
                 "any CONTAINS mimikatz");
}

static void none_without_literals(void **state) {
    (void)state;
    assert_guard(RULE("  sel:\n    CommandLine|re: 'a.*b'\n  condition: sel\n"), "none");
    assert_guard(RULE("  sel:\n    Image|endswith: '.exe'\n  condition: not sel\n"), "none");
    assert_guard(RULE("  sel:\n    CommandLine: ''\n  condition: sel\n"), "none");
    /* Every operand of an OR needs a literal. */
    assert_guard(RULE("  a:\n    Image|endswith: '.exe'\n  b:\n    EventID: 4688\n"
                      "  condition: a or b\n"),
                 "none");
    /* ... but an AND needs one operand with literals. */
    assert_guard(RULE("  a:\n    Image|endswith: '\\cmd.exe'\n  b:\n    EventID: 4688\n"
                      "  condition: a and b\n"),
                 "Image SUFFIX \\cmd.exe");
}

static void or_up_to_a_bound(void **state) {
    (void)state;
    char yaml[TEXT], want[TEXT];
    for (int n = CP_LITERAL_GUARD_MAX; n <= CP_LITERAL_GUARD_MAX + 1; n++) {
        int at = snprintf(yaml, sizeof yaml, RULE("  sel:\n    CommandLine|contains:\n"));
        int w = 0;
        for (int i = 0; i < n; i++) {
            at += snprintf(yaml + at, sizeof yaml - (size_t)at, "      - 'literal%04d'\n", i);
            w += snprintf(want + w, sizeof want - (size_t)w, "%sCommandLine CONTAINS literal%04d",
                          i ? ", " : "", i);
        }
        snprintf(yaml + at, sizeof yaml - (size_t)at, "  condition: sel\n");
        assert_guard(yaml, n == CP_LITERAL_GUARD_MAX ? want : "none");
    }
}

static void each_test_once(void **state) {
    (void)state;
    assert_guard(RULE("  a:\n    CommandLine|contains: 'mimikatz'\n"
                      "  b:\n    Image|endswith: '\\x.exe'\n  c:\n    User: 'y'\n"
                      "  condition: (a and b) or (a and c)\n"),
                 "CommandLine CONTAINS mimikatz");
}

/* A literal that every rule of a logsource asks (a channel) holds on most
   of the events those rules see: each rule is guarded by its own. */
static void shared_literals_avoided(void **state) {
    (void)state;
#define CHANNEL_RULE(lit)                                                                          \
    RULE("  ch:\n    Channel: 'Microsoft-Windows-Sysmon/Operational'\n"                            \
         "  sel:\n    CommandLine|contains: '" lit "'\n  condition: ch and sel\n")
    static const char *const yaml[] = {CHANNEL_RULE("mimikatz"), CHANNEL_RULE("rubeus.exe"),
                                       CHANNEL_RULE("sharphound")};
#undef CHANNEL_RULE
    char got[3][TEXT];
    literal_guards(yaml, 3, got);
    assert_string_equal(got[0], "CommandLine CONTAINS mimikatz");
    assert_string_equal(got[1], "CommandLine CONTAINS rubeus.exe");
    assert_string_equal(got[2], "CommandLine CONTAINS sharphound");
    /* Alone, the channel is the longer, and so the better, literal. */
    assert_guard(yaml[0], "Channel EQ Microsoft-Windows-Sysmon/Operational");
}

/* What a logsource maps to (a channel and an event ID) holds on every event
   the rule's first guard lets through: a literal guard never takes it. */
static void logsource_never_taken(void **state) {
    (void)state;
#define PS_MODULE(detection)                                                                       \
    "title: t\nlogsource: {product: windows, category: ps_module}\ndetection:\n" detection
    static const char *const yaml[] = {
        PS_MODULE("  sel:\n    ContextInfo|contains: 'Reset-ComputerMachinePassword'\n"
                  "  condition: sel\n"),
        PS_MODULE("  sel:\n    ContextInfo|contains: '*'\n"
                  "  filter:\n    ContextInfo|contains: '= powershell'\n"
                  "  condition: sel and not filter\n"),
    };
#undef PS_MODULE
    char got[2][TEXT];
    guards_of("windows-flat", SV_GUARD_LIT, yaml, 2, got);
    assert_string_equal(got[0], "ContextInfo CONTAINS Reset-ComputerMachinePassword");
    assert_string_equal(got[1], "none");
}

/* A logsource of a few event IDs on one channel is guarded by its event
   IDs, which split the channel's events finer. */
static void event_ids_before_channels(void **state) {
    (void)state;
    static const char *const yaml[] = {
        "title: t\nlogsource: {product: windows, category: pipe_created}\ndetection:\n"
        "  sel:\n    PipeName|re: '^x'\n  condition: sel\n",
        "title: t\nlogsource: {product: windows, category: process_creation}\ndetection:\n"
        "  sel:\n    CommandLine|re: '^x'\n  condition: sel\n",
    };
    char got[2][TEXT];
    guards_of("windows-flat", SV_GUARD_FIRST, yaml, 2, got);
    assert_string_equal(got[0], "EventID == 17, EventID == 18");
    assert_string_equal(got[1], "EventID == 1, EventID == 4688"); /* Sysmon, Security */
}

/* A regex or a glob guards by the literal it cannot match without, looked
   for as a contains literal (atom.c); none when no such literal is certain
   or it is shorter than CP_MIN_ATOM. */
static void patterns_guard_by_their_literals(void **state) {
    (void)state;
    assert_guard(RULE("  sel:\n    Payload|re: 'cmd.{0,5}(?:/c|/r).+powershell.+noexit'\n"
                      "  condition: sel\n"),
                 "Payload CONTAINS powershell");
    assert_guard(
        RULE("  sel:\n    Image|re: '\\\\AppData\\\\Local\\\\Temp\\\\dat[0-9A-Z]{4}\\.tmp'\n"
             "  condition: sel\n"),
        "Image CONTAINS \\AppData\\Local\\Temp\\dat");
    assert_guard(RULE("  sel:\n    ContextInfo|contains|all: ['Compress-Archive -Path', "
                      "'-DestinationPath $env:TEMP']\n  condition: sel\n"),
                 "ContextInfo CONTAINS -DestinationPath $env:TEMP");
    assert_guard(RULE("  sel:\n    ContextInfo: '*Compress-Archive -Path*-DestinationPath*'\n"
                      "  condition: sel\n"),
                 "ContextInfo CONTAINS Compress-Archive -Path");
    assert_guard(RULE("  sel:\n    Payload|re: 'powershell|pwsh'\n  condition: sel\n"), "none");
    assert_guard(RULE("  sel:\n    Payload|re: 'ab.*cd'\n  condition: sel\n"), "none");
    assert_guard(RULE("  sel:\n    Image: '*.e?e'\n  condition: sel\n"), "none");
}

/* A second literal guard, from another operand of the top-level AND and
   on other fields, or else from the other operands of the ANDs inside the
   first: the rule runs only when both hold. */
static void second_guards(void **state) {
    (void)state;
    static const char *const yaml[] = {
        /* r0: the HandleKatz rule's shape: the longest literal guards
           first, though it starts nearly every CallTrace; the next comes
           from another field. */
        RULE("  sel:\n    TargetImage|endswith: '\\lsass.exe'\n    GrantedAccess: '0x1440'\n"
             "    CallTrace|startswith: 'C:\\Windows\\System32\\ntdll.dll+'\n"
             "  condition: sel\n"),
        /* r1: an AND of ANDs is one AND; the NOT has no guard. (Each rule
           has literals of its own: how many rules ask one weighs in.) */
        RULE("  a:\n    CommandLine|contains: 'rubeus-one-long'\n  b:\n    Image|endswith: "
             "'\\x1.exe'\n"
             "  f:\n    User: 'SYSTEM'\n  condition: (a and not f) and b\n"),
        /* r2: the other operands are on the first guard's field. */
        RULE("  a:\n    CommandLine|contains: 'rubeus-two-long'\n"
             "  b:\n    CommandLine|contains: 'asktgt2'\n  condition: a and b\n"),
        /* r3: an OR at the top: one guard. */
        RULE("  a:\n    CommandLine|contains: 'rubeus3'\n  b:\n    Image|endswith: '\\x3.exe'\n"
             "  condition: a or b\n"),
        /* r4: a short contains literal is not worth a scan of every event. */
        RULE("  a:\n    CommandLine|contains: 'rubeus-four-long'\n  b:\n    Image|contains: '-x'\n"
             "  condition: a and b\n"),
        /* r5: ... unless it is the only guard there is. */
        RULE("  a:\n    CommandLine|contains: '-y'\n  b:\n    Image|re: 'x'\n"
             "  condition: a and b\n"),
        /* r6: an operand that is an OR over other fields. */
        RULE("  a:\n    CommandLine|contains: 'rubeus-six-long'\n"
             "  b:\n    - Image|endswith: '\\x6.exe'\n    - OriginalFileName: 'x6.exe'\n"
             "  condition: a and b\n"),
        /* r7: the SysmonEnte rule's shape, an OR at the top: its ANDs
           the other way round (the target, not the access mask most
           process accesses share), the other operand of the OR as it is. */
        RULE("  sel:\n    TargetImage|contains: [':\\Windows\\Sysmon.exe', "
             "':\\Windows\\Sysmon64.exe']\n    GrantedAccess: '0x1400'\n"
             "  calltrace:\n    CallTrace: 'Ente'\n"
             "  filter:\n    SourceImage|contains: ':\\Program Files\\'\n"
             "  condition: (sel and not filter) or calltrace\n"),
        /* r8: an OR whose AND has no operand on another field: one guard. */
        RULE("  a:\n    CommandLine|contains: 'rubeus-eight-long'\n"
             "  b:\n    CommandLine|contains: 'asktgt8'\n"
             "  c:\n    Image|endswith: '\\x8.exe'\n  condition: (a and b) or c\n"),
    };
    enum { N = sizeof yaml / sizeof *yaml };
    static char first[N][TEXT], second[N][TEXT];
    guards_of(NULL, SV_GUARD_LIT, yaml, N, first);
    guards_of(NULL, SV_GUARD_LIT2, yaml, N, second);
    assert_string_equal(first[0], "CallTrace PREFIX C:\\Windows\\System32\\ntdll.dll+");
    assert_string_equal(second[0], "TargetImage SUFFIX \\lsass.exe");
    assert_string_equal(first[1], "CommandLine CONTAINS rubeus-one-long");
    assert_string_equal(second[1], "Image SUFFIX \\x1.exe");
    assert_string_equal(first[2], "CommandLine CONTAINS rubeus-two-long");
    assert_string_equal(second[2], "none");
    assert_string_equal(first[3], "CommandLine CONTAINS rubeus3, Image SUFFIX \\x3.exe");
    assert_string_equal(second[3], "none");
    assert_string_equal(first[4], "CommandLine CONTAINS rubeus-four-long");
    assert_string_equal(second[4], "none");
    assert_string_equal(first[5], "CommandLine CONTAINS -y");
    assert_string_equal(second[5], "none");
    assert_string_equal(first[6], "CommandLine CONTAINS rubeus-six-long");
    assert_string_equal(second[6], "Image SUFFIX \\x6.exe, OriginalFileName EQ x6.exe");
    assert_string_equal(first[7], "GrantedAccess EQ 0x1400, CallTrace EQ Ente");
    assert_string_equal(second[7], "TargetImage CONTAINS :\\Windows\\Sysmon.exe, TargetImage "
                                   "CONTAINS :\\Windows\\Sysmon64.exe, CallTrace EQ Ente");
    assert_string_equal(first[8], "CommandLine CONTAINS rubeus-eight-long, Image SUFFIX \\x8.exe");
    assert_string_equal(second[8], "none");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literals_of_a_detection),
        cmocka_unit_test(none_without_literals),
        cmocka_unit_test(or_up_to_a_bound),
        cmocka_unit_test(each_test_once),
        cmocka_unit_test(shared_literals_avoided),
        cmocka_unit_test(logsource_never_taken),
        cmocka_unit_test(event_ids_before_channels),
        cmocka_unit_test(second_guards),
        cmocka_unit_test(patterns_guard_by_their_literals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
