/*
 * vm.h: the bytecode, the pack format, event slots and the interpreter.
 *
 * The one public header of the vm/ layer. A pack holds, for a set of rules:
 *   - the path table: every field path the rules read, interned once; a
 *     path's index is its slot number in an sv_event;
 *   - the test table: every distinct field test (slot, operation, constant),
 *     shared by all rules that ask it, so it runs at most once per event;
 *   - the code: one short function per rule over registers R[0..nregs);
 *   - rule metadata (id, title, level, ...).
 * A pack is untrusted input: sv_pack_load verifies every index, jump target,
 * register and length before anything runs.
 *
 * This layer knows nothing of YAML or input file formats.
 */
#ifndef SIGVM_VM_H
#define SIGVM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- Instructions ----
 * Each instruction is 8 bytes: op, register A, a 16-bit argument B (EACH
 * only) and a 32-bit argument C.
 *
 * EACH runs the instructions up to its matching END once per element of the
 * arrays at slot C (the values the scanner marked as array elements), and
 * every test in between sees only the values inside that element. B says how
 * the elements' results combine: 0 some, 1 every (and there is one), 2
 * exactly one, 3 none, 4+n the element at index n. Bodies nest; no jump
 * enters or leaves one.
 *
 * A rule's value is a small number: 0 no match, 1 match, k > 1 a match at
 * the rule's dynamic severity k-2 (see sv_rule_level).
 *
 *  opcode     args   semantics
 */
#define SV_OPCODES(X)                                                                              \
    X(TEST, "A C   R[A] := test C holds for the event (memoized per event)")                       \
    X(NOT, "A     R[A] := !R[A]")                                                                  \
    X(JMPF, "A C   if not R[A] then pc := C")                                                      \
    X(JMPT, "A C   if R[A] then pc := C")                                                          \
    X(SET, "A C   R[A] := C (0..255)")                                                             \
    X(RET, "A     return R[A]: the rule matches the event when it is not 0")                       \
    X(EACH, "A B C R[A] := quantifier B of the body (up to END) over the elements at slot C")      \
    X(END, "A     end of an EACH body: R[A] is the body's value for one element")

typedef enum sv_opcode {
#define SV_OP_ENUM(name, doc) SV_OP_##name,
    SV_OPCODES(SV_OP_ENUM)
#undef SV_OP_ENUM
        SV_OP_COUNT
} sv_opcode;

typedef struct sv_ins {
    uint8_t op;
    uint8_t a;
    uint16_t b; /* EACH's quantifier; zero for every other opcode */
    uint32_t c;
} sv_ins;

/* EACH's quantifiers (B); SV_Q_AT + n selects the element at index n. */
enum { SV_Q_SOME, SV_Q_EVERY, SV_Q_ONE, SV_Q_NONE, SV_Q_AT };

/* Deepest nesting of EACH bodies a rule may have. */
#define SV_MAX_EACH_DEPTH 16

const char *sv_opcode_name(unsigned op);

/* ---- Tests ----
 * The kinds mirror sg_op of the rule AST; the compiler maps one onto the other.
 */
typedef enum sv_test_kind {
    SV_T_EQ,
    SV_T_PREFIX,
    SV_T_SUFFIX,
    SV_T_CONTAINS,
    SV_T_GLOB,  /* canonical glob: '*', '?', backslash escapes any byte */
    SV_T_REGEX, /* PCRE2, unanchored */
    SV_T_CIDR,  /* "addr/len", IPv4 or IPv6 */
    SV_T_NUM_EQ,
    SV_T_NUM_GT,
    SV_T_NUM_GTE,
    SV_T_NUM_LT,
    SV_T_NUM_LTE,
    SV_T_BOOL,
    SV_T_EXISTS,
    SV_T_NULL,
    SV_T_FIELDREF, /* compare with the value(s) of slot k; cmp: EQ/PREFIX/SUFFIX/CONTAINS,
                      or NUM_EQ..NUM_LTE to compare them as numbers */
    SV_T_TIMEPART, /* part (0 minute .. 5 year) of a timestamp == num */
    SV_T_IP,       /* an IP address of class part (SV_IP_*) */
    SV_T_EMPTY,    /* absent, or a value that is null, false, 0, "", [] or {} */
    SV_T_NET_HAS,  /* a network ("addr/len") that contains address k */
    SV_T_KIND_COUNT
} sv_test_kind;

/* Classes of SV_T_IP. Private: RFC 1918, shared (100.64/10), loopback,
   link-local and unique-local; public: any other unicast address outside
   the reserved, documentation and multicast blocks. */
enum { SV_IP_ANY, SV_IP_V4, SV_IP_V6, SV_IP_PRIVATE, SV_IP_PUBLIC, SV_IP_CLASS_COUNT };

/* Whether tests of a kind take a string constant (k is a string index). */
static inline bool sv_kind_takes_string(unsigned kind) {
    return kind <= SV_T_CIDR || kind == SV_T_NET_HAS;
}

enum {
    SV_F_CASED = 1, /* string tests: compare bytes as they are */
    SV_F_RE_I = 2,
    SV_F_RE_M = 4,
    SV_F_RE_S = 8
};

/* Slot number of the pseudo-field "every value of the event" (keyword search). */
#define SV_ANY_SLOT UINT32_MAX

typedef struct sv_test {
    uint8_t kind;  /* sv_test_kind */
    uint8_t flags; /* SV_F_* */
    uint8_t cmp;   /* FIELDREF: how to compare (see SV_T_FIELDREF) */
    uint8_t part;  /* TIMEPART: the part; IP: the class */
    uint32_t slot; /* path index, or SV_ANY_SLOT */
    uint32_t k;    /* string constant index; FIELDREF: the other slot */
    double num;
} sv_test;

/* ---- Pack file ----
 * Little-endian. Header: magic, version, section count, CRC-32 of everything
 * after the header, then a table of (kind, offset, size) sections.
 */
#define SV_PACK_MAGIC "SIGVMPK\0"
/* 2: EACH / END and the B operand, SET up to 255, rule fields runbook,
   alert_title, severities, tests IP, EMPTY, NET_HAS. 4: literal guards.
   5: a second literal guard. */
#define SV_PACK_VERSION 5u
/* Largest pack the builder writes and the loader reads: some sixty times all
   of SigmaHQ (4 MB), so that a hostile file cannot make a reader take
   gigabytes. Offsets are 32-bit, so the format itself stops at 4 GiB. */
#define SV_PACK_MAX_SIZE (256u << 20)

typedef enum sv_section {
    SV_SEC_STRINGS = 1, /* u32 count, then per string: u32 length, bytes, NUL */
    SV_SEC_PATHS,       /* u32 count, then u32 string index per path */
    SV_SEC_TESTS,       /* u32 count, then 24-byte sv_test records */
    SV_SEC_CODE,        /* u32 count, then 8-byte sv_ins records */
    SV_SEC_RULES,       /* u32 count, then sv_rule records (see SV_RULE_*) */
    SV_SEC_GUARDS,      /* u32 count, then u32 test indices: the rules' guards, both kinds */
    SV_SEC_COUNT_
} sv_section;

/* Rule metadata fields, each a string index (lists are joined with '\n'). */
/* clang-format cannot settle on a layout for this macro run. */
// clang-format off
#define SV_RULE_FIELDS(X)                                                                          \
    X(id) X(name) X(title) X(status) X(level) X(description) X(author) X(date) X(modified)        \
    X(references) X(tags) X(falsepositives) X(fields) X(related) X(product) X(category)          \
    X(service) X(source) X(runbook) X(alert_title) X(severities)
// clang-format on

/* A rule's guard: tests of which one holds whenever the rule matches, so
   the rule runs only for events where one does. SV_NO_GUARD: it always runs.
   Its literal guards are two more such lists, of tests that the prefilter
   answers (equals, startswith, endswith, contains); an event runs the rule
   only when every guard holds. A literal guard of length 0: none. */
#define SV_NO_GUARD UINT32_MAX

typedef struct sv_rule {
    uint32_t code_start, code_len; /* into the code section */
    uint32_t nregs;
    uint32_t guard_start, guard_len;           /* into the guards section, or SV_NO_GUARD */
    uint32_t lit_guard_start, lit_guard_len;   /* into the guards section too */
    uint32_t lit_guard2_start, lit_guard2_len; /* ditto */
#define SV_RULE_FIELD(f) uint32_t f;
    SV_RULE_FIELDS(SV_RULE_FIELD)
#undef SV_RULE_FIELD
} sv_rule;

/* Builds a pack image (used by the compiler and by tests). */
typedef struct sv_pack_builder sv_pack_builder;
sv_pack_builder *sv_builder_new(void);
void sv_builder_free(sv_pack_builder *b);
uint32_t sv_builder_string(sv_pack_builder *b, const char *s, size_t len); /* interned */
uint32_t sv_builder_path(sv_pack_builder *b, const char *path);            /* interned */
uint32_t sv_builder_test(sv_pack_builder *b, const sv_test *t);            /* hash-consed */
uint32_t sv_builder_code(sv_pack_builder *b, sv_ins ins);                  /* appends */
uint32_t sv_builder_code_len(const sv_pack_builder *b);
void sv_builder_patch(sv_pack_builder *b, uint32_t at, uint32_t c);
void sv_builder_rule(sv_pack_builder *b, const sv_rule *r);
/* Appends a guard's (or a literal guard's) test indices; returns where
   they start. */
uint32_t sv_builder_guard(sv_pack_builder *b, const uint32_t *tests, uint32_t n);
size_t sv_builder_test_count(const sv_pack_builder *b);
/* Serialises; the caller frees *out. */
int sv_builder_finish(sv_pack_builder *b, unsigned char **out, size_t *outlen);

/* ---- Loaded pack ---- */
typedef struct sv_pack sv_pack;

/* Verifies and loads a pack image (copied). On failure returns NULL and a
   message naming what is wrong. */
sv_pack *sv_pack_load(const unsigned char *data, size_t len, char *err, size_t errlen);
void sv_pack_free(sv_pack *p);

size_t sv_pack_rule_count(const sv_pack *p);
const sv_rule *sv_pack_rule(const sv_pack *p, size_t i);
size_t sv_pack_path_count(const sv_pack *p);
const char *sv_pack_path(const sv_pack *p, size_t i);
bool sv_pack_wants_any(const sv_pack *p); /* some test reads SV_ANY_SLOT */
size_t sv_pack_string_count(const sv_pack *p);
const char *sv_pack_string(const sv_pack *p, uint32_t i, size_t *len);
size_t sv_pack_test_count(const sv_pack *p);
const sv_test *sv_pack_test(const sv_pack *p, uint32_t i);
const sv_ins *sv_pack_code(const sv_pack *p, size_t *n);

/* Human-readable listing: path table, constants, tests, each rule's code. */
void sv_disasm(const sv_pack *p, FILE *out);

/* ---- Events ----
 * The runtime fills an sv_event from one JSON document: for every slot the
 * values found at its path (several when the path crosses arrays), as spans
 * of the document text. Strings are kept escaped; the vm unescapes and folds
 * case only when a test needs it.
 */
typedef enum sv_vtype {
    SV_V_STR,
    SV_V_NUM,
    SV_V_TRUE,
    SV_V_FALSE,
    SV_V_NULL,
    SV_V_OBJ,
    SV_V_ARR
} sv_vtype;

/* What a string's text as written holds (sv_value.escaped): backslash
   escapes; bytes from 0x80 up or escapes other than the two-byte ones
   (\uXXXX), so that its decoded text is not simply the ASCII between its
   escapes. A producer that knows which may say so along with WIDE: bytes
   from 0x80 up (UTF8), \uXXXX escapes (U). */
enum { SV_ESC_SOME = 1, SV_ESC_WIDE = 2, SV_ESC_UTF8 = 4, SV_ESC_U = 8 };

typedef struct sv_value {
    const char *p; /* STR: between the quotes, still escaped; others: the JSON text */
    uint32_t len;
    uint8_t type;    /* sv_vtype */
    uint8_t escaped; /* STR: SV_ESC_* */
    uint8_t element; /* how deep in arrays at this slot's path (0: not an element); an
                        EACH walks the elements one level below its scope's */
    int32_t next;    /* next value of the same slot, or -1 */
    /* filled on demand by the vm */
    const char *raw; /* unescaped text */
    uint32_t raw_len;
    const char *folded; /* case-folded text */
    uint32_t folded_len;
    uint8_t num_state; /* 0 not parsed yet, 1 num holds the number, 2 not a number */
    double num;
} sv_value;

typedef struct sv_event sv_event;
sv_event *sv_event_new(size_t nslots);
void sv_event_free(sv_event *ev);
void sv_event_reset(sv_event *ev); /* forget the previous document */
/* Records a value at a slot (SV_ANY_SLOT: a value for keyword search). */
void sv_event_add(sv_event *ev, uint32_t slot, sv_vtype type, const char *p, size_t len,
                  unsigned escaped);
/* The same for a value that may be an element of arrays at that slot's path:
   level 1 an element of an array that is not itself one, 2 an element of
   such an element ... 0 not an element ([[1,2],[3]]: [1,2] and [3] at 1,
   the numbers at 2). */
void sv_event_add_element(sv_event *ev, uint32_t slot, sv_vtype type, const char *p, size_t len,
                          unsigned escaped, unsigned level);
/* Keyword values put off: a scanner that records at SV_ANY_SLOT only the
   strings with wide text (SV_ESC_WIDE) says that every other string and
   number of the event lies in text (len bytes), all plain, and that
   fill(ctx, ev) records every one of them at SV_ANY_SLOT (those before
   are forgotten first). Keyword groups with screens then look at the
   whole text once, and the values are recorded only when something asks
   for them. sv_event_reset forgets it. */
typedef void sv_any_filler(void *ctx, sv_event *ev, const char *text, size_t len);
void sv_event_defer_any(sv_event *ev, const char *text, size_t len, sv_any_filler *fill, void *ctx);
/* Reading an event back (output fields, event times): the values recorded
   at a slot in document order, from the first to NULL after the last. */
sv_value *sv_event_get(sv_event *ev, uint32_t slot);
sv_value *sv_event_next(sv_event *ev, const sv_value *v);
/* The value as text (strings unescaped; numbers and booleans as written);
   false for null, objects and arrays, which have no text to match. */
bool sv_value_text(sv_event *ev, sv_value *v, const char **s, size_t *n);

/* ---- Running rules ---- */
typedef struct sv_exec sv_exec; /* per-thread evaluation state */
sv_exec *sv_exec_new(const sv_pack *p);
void sv_exec_free(sv_exec *x);
/* Runs every rule over ev; writes the indices of matching rules into out
   (capacity: the rule count) and returns how many matched. */
size_t sv_exec_run(sv_exec *x, sv_event *ev, uint32_t *out);
/* The same for rules[0 .. n) alone (ascending): those known to be the
   only ones that can match ev, when it is evaluated again. */
size_t sv_exec_run_rules(sv_exec *x, sv_event *ev, const uint32_t *rules, size_t n, uint32_t *out);
/* Off: no rule guards and no literal prefilter, every rule runs every test
   itself. Slower, same answers: the baseline that tests compare against. */
void sv_exec_set_shortcuts(sv_exec *x, bool on);
/* Regex matches given up so far at PCRE2's match, depth or heap limit (or
   skipped once an event had too many of those); each counted as a
   non-match. */
uint64_t sv_exec_regex_limit_hits(const sv_exec *x);
/* What rule returned for the last event sv_exec_run saw: 0 no match, 1 a
   match, k > 1 a match at dynamic severity k-2. */
unsigned sv_exec_result(const sv_exec *x, uint32_t rule);
/* The level to report for a rule's match given its result: the dynamic
   severity it names, else the rule's level. */
const char *sv_rule_level(const sv_pack *p, uint32_t rule, unsigned result, size_t *len);
/* The title to report for a rule's match on ev: its alert_title template
   with every {path} replaced by the first value at that path (nothing when
   absent; the JSON text of an object or array), or its title when it has no
   template. Returns a malloc'd string. */
char *sv_render_title(const sv_pack *p, uint32_t rule, sv_event *ev, size_t *len);

/* ---- Value matchers, also used by the compiler and tests ---- */
/* Unicode case folding (ASCII fast path). Returns a malloc'd string. */
char *sv_casefold(const char *s, size_t n, size_t *outlen);
/* Canonical glob match; both already folded when case-insensitive. */
bool sv_glob_match(const char *pat, size_t plen, const char *s, size_t n);
/* The longest run of literal bytes of canonical glob pat (escapes
   removed), which any text the pattern matches holds: into out (room for
   plen bytes); returns its length. */
uint32_t sv_glob_piece(const char *pat, uint32_t plen, char *out);
/* Parses "addr" or "addr/len"; fills a 16-byte address and prefix length
   (IPv4 is mapped into ::ffff:0:0/96). */
bool sv_parse_cidr(const char *s, size_t n, uint8_t addr[16], unsigned *prefix);
bool sv_parse_ip(const char *s, size_t n, uint8_t addr[16]);
/* Parses a decimal number (JSON syntax, surrounding blanks not allowed). */
bool sv_parse_number(const char *s, size_t n, double *out);
/* Parses an ISO-8601 timestamp or epoch seconds/milliseconds into the
   requested part (0 minute, 1 hour, 2 day, 3 ISO week, 4 month, 5 year). */
bool sv_time_part(const char *s, size_t n, unsigned part, int *out);
/* Parses the same timestamps into milliseconds since 1970-01-01 UTC, with
   a zone offset applied (none: UTC). */
bool sv_parse_time(const char *s, size_t n, int64_t *ms);

#endif
