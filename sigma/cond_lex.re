/* cond_lex.re: cuts a Sigma condition into tokens (re2c).

   The condition text is a C string, so its terminating NUL serves as the
   sentinel that ends scanning and no fill or bounds logic is needed. Token
   codes come from the grammar (cond_parse.h); the parser never sees white
   space. Constructs Sigma v1 allowed but sigvm rejects (aggregations after a
   '|', 'near') are diagnosed here, where the raw text is still at hand. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cond_parse.h"
#include "condition.h"

static const char near_error[] =
    "legacy 'near' aggregation is not supported; use a Sigma correlation rule";

/* Names what follows the pipe so the user recognises the construct:
   "selection | count() by src_ip > 10" is reported as "| count() ...". */
static void aggregation_error(const char *after_pipe, char *err, size_t errlen) {
    static const char blank[] = " \t\r\n";
    const char *name = after_pipe + strspn(after_pipe, blank);
    size_t len = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_");
    const char *next = name + len + strspn(name + len, blank);
    if (len == 4 && strncasecmp(name, "near", 4) == 0)
        snprintf(err, errlen, "%s", near_error);
    else
        snprintf(err, errlen,
                 "legacy aggregation '| %.*s%s...' is not supported; use a Sigma correlation rule",
                 len > 32 ? 32 : (int)len, name, !len ? "" : *next == '(' ? "() " : " ");
}

static void bad_char(unsigned char c, char *err, size_t errlen) {
    if (c >= 0x20 && c < 0x7f)
        snprintf(err, errlen, "unexpected character '%c'", c);
    else
        snprintf(err, errlen, "unexpected byte 0x%02x", c);
}

/* Scans the token at *cursor, skipping white space before it. Returns its
   TK_* code, with *start at its first byte and *cursor just past it; at the
   end of the text returns 0 with both at the NUL. On a lexical error
   returns -1 with a message in err and *start at the offending byte. */
int sg_cond_lex(const char **cursor, const char **start, char *err, size_t errlen) {
    const unsigned char *YYCURSOR = (const unsigned char *)*cursor, *tok;

#define TOKEN(code)                                                                                \
    return (*start = (const char *)tok, *cursor = (const char *)YYCURSOR, (code))

    for (;;) {
        tok = YYCURSOR;
        /*!re2c
            re2c:define:YYCTYPE = "unsigned char";
            re2c:yyfill:enable = 0;

            ident = [A-Za-z0-9_*?] [A-Za-z0-9_.*?-]*;

            [ \t\r\n\f\v]+ { continue; }
            [\x00]         { YYCURSOR = tok; TOKEN(0); }

            // On equal length re2c takes the earlier rule, so every keyword
            // (and "1") must come before ident; a longer match such as
            // "android" or "nearby" is still an identifier.
            'or'   { TOKEN(TK_OR); }
            'and'  { TOKEN(TK_AND); }
            'not'  { TOKEN(TK_NOT); }
            "("    { TOKEN(TK_LP); }
            ")"    { TOKEN(TK_RP); }
            'of'   { TOKEN(TK_OF); }
            'them' { TOKEN(TK_THEM); }
            'all'  { TOKEN(TK_ALL); }
            'any'  { TOKEN(TK_ANY); }
            "1"    { TOKEN(TK_ONE); }
            [0-9]+ { TOKEN(TK_NUMBER); }

            "||" {
                snprintf(err, errlen, "'||' is not a condition operator; use 'or'");
                TOKEN(-1);
            }
            "&&" {
                snprintf(err, errlen, "'&&' is not a condition operator; use 'and'");
                TOKEN(-1);
            }
            "|" {
                aggregation_error((const char *)YYCURSOR, err, errlen);
                TOKEN(-1);
            }
            'near' {
                snprintf(err, errlen, "%s", near_error);
                TOKEN(-1);
            }

            ident { TOKEN(TK_IDENT); }
            * {
                bad_char(*tok, err, errlen);
                TOKEN(-1);
            }
        */
    }
#undef TOKEN
}
