/* yaml_json.c: YAML 1.2 core-schema typing of scalars, and YAML trees as
   JSON text (a Panther test's Log becomes an event for the scanner). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_tree.h"

static bool all_of(const char *s, size_t n, const char *set) {
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr(set, s[i]) || !s[i]) return false;
    return true;
}

static bool one_of(const char *s, const char *const *words) {
    for (; *words; words++)
        if (!strcmp(s, *words)) return true;
    return false;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float(const char *s, size_t n) {
    size_t i = s[0] == '-' || s[0] == '+', int_digits = 0, frac_digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, int_digits++;
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            frac_digits++;
        if (!int_digits && !frac_digits) return false;
    } else if (!int_digits) {
        return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i += 1 + (i + 1 < n && (s[i + 1] == '-' || s[i + 1] == '+'));
        if (!all_of(s + i, n - i, "0123456789")) return false;
        i = n;
    }
    return i == n;
}

yt_type yt_core_type(const yt_node *n, double *num) {
    static const char *const trues[] = {"true", "True", "TRUE", NULL},
                             *const falses[] = {"false", "False", "FALSE", NULL},
                             *const infs[] = {".inf", ".Inf", ".INF", NULL},
                             *const nans[] = {".nan", ".NaN", ".NAN", NULL};
    *num = 0;
    if (n->kind != YT_SCALAR || !n->plain) return YT_T_STR;
    if (yt_is_null(n)) return YT_T_NULL;
    const char *s = n->text;
    size_t len = n->len, sign = s[0] == '-' || s[0] == '+';
    if (one_of(s, trues)) return *num = 1, YT_T_BOOL;
    if (one_of(s, falses)) return YT_T_BOOL;
    if (all_of(s + sign, len - sign, "0123456789")) {
        *num = strtod(s, NULL); /* leading zeros stay decimal */
        return YT_T_INT;
    }
    if (len > 2 && s[0] == '0' && s[1] == 'o' && all_of(s + 2, len - 2, "01234567"))
        return *num = (double)strtoull(s + 2, NULL, 8), YT_T_INT;
    if (len > 2 && s[0] == '0' && s[1] == 'x' && all_of(s + 2, len - 2, "0123456789abcdefABCDEF"))
        return *num = (double)strtoull(s + 2, NULL, 16), YT_T_INT;
    if (is_float(s, len)) return *num = strtod(s, NULL), YT_T_FLOAT;
    if (one_of(s + sign, infs)) return *num = s[0] == '-' ? -INFINITY : INFINITY, YT_T_FLOAT;
    if (one_of(s, nans)) return *num = NAN, YT_T_FLOAT;
    return YT_T_STR;
}

/* ---- JSON text ---- */

typedef struct out {
    char *p;
    size_t n, cap;
} out;

static void put(out *o, const char *s, size_t n) {
    if (o->n + n + 1 > o->cap) {
        while (o->n + n + 1 > o->cap)
            o->cap = o->cap ? o->cap * 2 : 256;
        o->p = realloc(o->p, o->cap);
        if (!o->p) abort();
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
}

static void put_string(out *o, const char *s, size_t n) {
    put(o, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(o, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(o, esc, 6);
        } else {
            put(o, s + i, 1);
        }
    }
    put(o, "\"", 1);
}

/* A YAML number in JSON's syntax: no '+', no leading zeros, digits on both
   sides of a point; integers keep all their digits. */
static void put_number(out *o, const yt_node *n, yt_type t, double v) {
    const char *s = n->text, *end = s + n->len;
    char buf[64];
    if (t == YT_T_INT && (s[1] == 'o' || s[1] == 'x')) {
        snprintf(buf, sizeof buf, "%.17g", v);
        put(o, buf, strlen(buf));
        return;
    }
    if (*s == '-') put(o, "-", 1);
    if (*s == '-' || *s == '+') s++;
    while (s + 1 < end && *s == '0' && s[1] >= '0' && s[1] <= '9')
        s++;
    if (*s == '.') put(o, "0", 1);
    for (; s < end; s++) {
        bool bare_point = *s == '.' && (s + 1 == end || s[1] < '0' || s[1] > '9');
        if (!bare_point) put(o, s, 1);
    }
}

static bool put_node(out *o, const yt_node *n, const yt_node **bad) {
    double v;
    yt_type t;
    switch (n->kind) {
    case YT_SCALAR:
        switch (t = yt_core_type(n, &v)) {
        case YT_T_NULL: put(o, "null", 4); return true;
        case YT_T_BOOL: put(o, v ? "true" : "false", v ? 4 : 5); return true;
        case YT_T_INT:
        case YT_T_FLOAT:
            if (isfinite(v))
                put_number(o, n, t, v);
            else
                put_string(o, n->text, n->len); /* JSON has no infinity nor NaN */
            return true;
        case YT_T_STR: put_string(o, n->text, n->len); return true;
        }
        return true;
    case YT_SEQ:
        put(o, "[", 1);
        for (size_t i = 0; i < n->n; i++) {
            if (i) put(o, ",", 1);
            if (!put_node(o, n->items[i], bad)) return false;
        }
        put(o, "]", 1);
        return true;
    case YT_MAP:
        put(o, "{", 1);
        for (size_t i = 0; i < n->n; i++) {
            const yt_node *k = n->items[2 * i];
            if (k->kind != YT_SCALAR) return *bad = k, false;
            if (i) put(o, ",", 1);
            put_string(o, k->text, k->len);
            put(o, ":", 1);
            if (!put_node(o, n->items[2 * i + 1], bad)) return false;
        }
        put(o, "}", 1);
        return true;
    }
    return true;
}

char *yt_to_json(sg_arena *a, const yt_node *n, size_t *len, const yt_node **bad) {
    out o = {0};
    char *json = NULL;
    if (put_node(&o, n, bad)) {
        json = sg_strndup(a, o.p ? o.p : "", o.n);
        *len = o.n;
    }
    free(o.p);
    return json;
}
