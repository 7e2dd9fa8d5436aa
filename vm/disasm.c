/* disasm.c: a human-readable listing of a loaded pack, in the spirit of
   `luac -l`: tables first, then each rule's code with one instruction per
   line and a comment spelling out the test a TEST instruction runs. */
#include "pack.h"

static const char *const opcode_names[SV_OP_COUNT] = {
#define SV_OP_NAME(name, doc) #name,
    SV_OPCODES(SV_OP_NAME)
#undef SV_OP_NAME
};

const char *sv_opcode_name(unsigned op) {
    return op < SV_OP_COUNT ? opcode_names[op] : "?";
}

static const char *const kind_names[SV_T_KIND_COUNT] = {
    [SV_T_EQ] = "EQ",
    [SV_T_PREFIX] = "PREFIX",
    [SV_T_SUFFIX] = "SUFFIX",
    [SV_T_CONTAINS] = "CONTAINS",
    [SV_T_GLOB] = "GLOB",
    [SV_T_REGEX] = "REGEX",
    [SV_T_CIDR] = "CIDR",
    [SV_T_NUM_EQ] = "NUM_EQ",
    [SV_T_NUM_GT] = "NUM_GT",
    [SV_T_NUM_GTE] = "NUM_GTE",
    [SV_T_NUM_LT] = "NUM_LT",
    [SV_T_NUM_LTE] = "NUM_LTE",
    [SV_T_BOOL] = "BOOL",
    [SV_T_EXISTS] = "EXISTS",
    [SV_T_NULL] = "NULL",
    [SV_T_FIELDREF] = "FIELDREF",
    [SV_T_TIMEPART] = "TIMEPART",
    [SV_T_IP] = "IP",
    [SV_T_EMPTY] = "EMPTY",
    [SV_T_NET_HAS] = "NET_HAS",
};

static const char *const time_parts[] = {"minute", "hour", "day", "week", "month", "year"};
static const char *const ip_classes[SV_IP_CLASS_COUNT] = {"any", "v4", "v6", "private", "public"};
static const char *const quantifiers[SV_Q_AT] = {"some", "every", "one", "none"};

static void print_quoted(FILE *out, const char *s, size_t n) {
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            /* Bytes from 0x80 up are left alone: they are UTF-8 to a reader. */
            if (c < 0x20 || c == 0x7f)
                fprintf(out, "\\x%02x", c);
            else
                fputc(c, out);
        }
    }
    fputc('"', out);
}

static void print_string(FILE *out, const sv_pack *p, uint32_t i) {
    print_quoted(out, p->str[i], p->str_len[i]);
}

static void print_slot(FILE *out, const sv_pack *p, uint32_t slot) {
    if (slot == SV_ANY_SLOT)
        fputs("any value", out);
    else
        fprintf(out, "slot %u (%s)", slot, p->str[p->paths[slot]]);
}

static void print_flags(FILE *out, unsigned flags) {
    static const char *const names[] = {"cased", "i", "m", "s"};
    for (unsigned b = 0; b < sizeof names / sizeof *names; b++)
        if (flags & 1u << b) fprintf(out, "  %s", names[b]);
}

static void print_test(FILE *out, const sv_pack *p, uint32_t i) {
    const sv_test *t = &p->tests[i];
    fprintf(out, "t%u  ", i);
    print_slot(out, p, t->slot);
    fprintf(out, "  %s", kind_names[t->kind]);
    print_flags(out, t->flags);
    fputs("  ", out);
    if (sv_kind_takes_string(t->kind)) {
        print_string(out, p, t->k);
    } else if (t->kind == SV_T_FIELDREF) {
        fprintf(out, "%s ", kind_names[t->cmp]);
        print_slot(out, p, t->k);
    } else if (t->kind == SV_T_TIMEPART) {
        fprintf(out, "%s == %.17g", time_parts[t->part], t->num);
    } else if (t->kind == SV_T_IP) {
        fputs(ip_classes[t->part], out);
    } else if (t->kind == SV_T_EMPTY) {
        fputs("null, \"\", [] or {}", out);
    } else {
        fprintf(out, "%.17g", t->num);
    }
}

static void print_operands(FILE *out, const sv_pack *p, const sv_ins *in) {
    switch (in->op) {
    case SV_OP_TEST:
        fprintf(out, "R%u t%u\t; ", in->a, in->c);
        print_test(out, p, in->c);
        break;
    case SV_OP_JMPF:
    case SV_OP_JMPT:
    case SV_OP_SET: fprintf(out, "R%u %u", in->a, in->c); break;
    case SV_OP_EACH:
        if (in->b < SV_Q_AT)
            fprintf(out, "R%u %s\t; ", in->a, quantifiers[in->b]);
        else
            fprintf(out, "R%u [%u]\t; ", in->a, (unsigned)(in->b - SV_Q_AT));
        print_slot(out, p, in->c);
        break;
    default: fprintf(out, "R%u", in->a);
    }
}

static void print_guard(FILE *out, const sv_pack *p, const char *name, uint32_t start,
                        uint32_t len) {
    fprintf(out, "  %s:", name);
    for (uint32_t g = 0; g < len; g++)
        fprintf(out, " t%u", p->guards[start + g]);
    fputc('\n', out);
}

static void print_rule(FILE *out, const sv_pack *p, uint32_t i) {
    const sv_rule *r = &p->rules[i];
    fprintf(out, "\nrule %u  id ", i);
    print_string(out, p, r->id);
    fputs("  title ", out);
    print_string(out, p, r->title);
    fputs("  level ", out);
    print_string(out, p, r->level);
    fprintf(out, "\n  code [%u,%u)  %u register%s\n", r->code_start, r->code_start + r->code_len,
            r->nregs, r->nregs == 1 ? "" : "s");
    if (r->guard_len == SV_NO_GUARD && !r->lit_guard_len) {
        fputs("  guard: none (runs on every event)\n", out);
    } else if (r->guard_len == SV_NO_GUARD) {
        fputs("  guard: none\n", out);
    } else {
        print_guard(out, p, "guard", r->guard_start, r->guard_len);
    }
    if (r->lit_guard_len)
        print_guard(out, p, "literal guard", r->lit_guard_start, r->lit_guard_len);
    if (r->lit_guard2_len)
        print_guard(out, p, "and literal guard", r->lit_guard2_start, r->lit_guard2_len);
    for (uint32_t pc = r->code_start; pc < r->code_start + r->code_len; pc++) {
        fprintf(out, "\t%u\t%-5s\t", pc, sv_opcode_name(p->code[pc].op));
        print_operands(out, p, &p->code[pc]);
        fputc('\n', out);
    }
}

void sv_disasm(const sv_pack *p, FILE *out) {
    fprintf(out, "pack: %u rules, %u paths, %u tests, %u instructions, %u strings\n", p->nrules,
            p->npaths, p->ntests, p->ncode, p->nstrings);
    fputs("\npaths\n", out);
    for (uint32_t i = 0; i < p->npaths; i++)
        fprintf(out, "\tslot %u  %s\n", i, p->str[p->paths[i]]);
    fputs("\ntests\n", out);
    for (uint32_t i = 0; i < p->ntests; i++) {
        fputc('\t', out);
        print_test(out, p, i);
        fputc('\n', out);
    }
    for (uint32_t i = 0; i < p->nrules; i++)
        print_rule(out, p, i);
}
