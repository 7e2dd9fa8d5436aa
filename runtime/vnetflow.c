/*
 * vnetflow.c: Azure VNet flow-log records, one event per flow tuple.
 *
 * A record packs many flows into comma-separated tuples (flow log version
 * 4: time in ms, source and destination address and port, IANA protocol
 * number, direction I/O, state B/C/E/D, encryption, then packets and bytes
 * from source to destination and back). Rules want one flow per event with
 * named fields, so each tuple becomes an event: the record's members, minus
 * the tuples themselves, plus ECS-style fields named as analysts know them
 * from Sekoia's and Elastic's parsers (source.ip, destination.port,
 * network.direction, event.type, rule.name, @timestamp, ...).
 *
 * The record has not been validated when it arrives here: the walk below
 * follows only brackets and strings, gives up on anything it cannot follow
 * (the record then goes on unexpanded, and rt_scan says what is wrong with
 * it), and copies member values verbatim for rt_scan to check in each event.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "vnetflow.h"

typedef struct span {
    const char *p;
    size_t n;
} span;

static bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *skip_blanks(const char *p, const char *end) {
    while (p < end && is_blank(*p))
        p++;
    return p;
}

/* The end of the JSON value at p, or NULL when the text ends inside it. */
static const char *value_end(const char *p, const char *end) {
    size_t depth = 0;
    bool in_string = false;
    for (const char *q = p; q < end; q++) {
        if (in_string) {
            if (*q == '\\')
                q++;
            else if (*q == '"' && (in_string = false, depth == 0))
                return q + 1;
            continue;
        }
        switch (*q) {
        case '"': in_string = true; break;
        case '{':
        case '[': depth++; break;
        case '}':
        case ']':
            if (depth == 0) return q;
            if (--depth == 0) return q + 1;
            break;
        case ',':
            if (depth == 0) return q;
            break;
        default:
            if (depth == 0 && is_blank(*q)) return q;
        }
    }
    return depth == 0 && !in_string ? end : NULL;
}

/* The members of an object or the elements of an array, one at a time. */
typedef struct walk {
    const char *p, *end;
    char close;
    bool first, broken;
} walk;

static bool walk_open(walk *w, span v, char open) {
    const char *end = v.p + v.n, *p = skip_blanks(v.p, end);
    *w = (walk){.p = p + 1, .end = end, .close = open == '{' ? '}' : ']', .first = true};
    return p < end && *p == open;
}

/* The next member (key with its quotes, and value) or element (key NULL);
   false at the end, and also when the text is broken (w->broken). */
static bool walk_next(walk *w, span *key, span *val) {
    const char *p = skip_blanks(w->p, w->end);
    if (p < w->end && *p == w->close) return false;
    if (!w->first) {
        if (p == w->end || *p != ',') goto broken;
        p = skip_blanks(p + 1, w->end);
    }
    w->first = false;
    if (key) {
        const char *q = p < w->end && *p == '"' ? value_end(p, w->end) : NULL;
        if (!q) goto broken;
        *key = (span){p, (size_t)(q - p)};
        p = skip_blanks(q, w->end);
        if (p == w->end || *p != ':') goto broken;
        p = skip_blanks(p + 1, w->end);
    }
    const char *q = p < w->end ? value_end(p, w->end) : NULL;
    if (!q || q == p) goto broken;
    *val = (span){p, (size_t)(q - p)};
    w->p = q;
    return true;
broken:
    w->broken = true;
    return false;
}

static bool key_is(span key, const char *name) {
    size_t n = strlen(name);
    return key.n == n + 2 && !memcmp(key.p + 1, name, n);
}

static bool value_is(span v, const char *s) {
    return key_is(v, s); /* a JSON string compares like a key */
}

/* "flow.0", "flow.1", ...: the tuples of a flattened record. */
static bool is_flat_tuple_key(span key) {
    if (key.n < 8 || memcmp(key.p, "\"flow.", 6)) return false;
    for (size_t i = 6; i < key.n - 1; i++)
        if (key.p[i] < '0' || key.p[i] > '9') return false;
    return true;
}

bool rt_vnet_is_record(const char *doc, size_t len) {
    walk w;
    span key, val;
    if (!walk_open(&w, (span){doc, len}, '{')) return false;
    while (walk_next(&w, &key, &val))
        if (key_is(key, "flowLogVersion") ||
            ((key_is(key, "category") || key_is(key, "operationName")) &&
             value_is(val, "FlowLogFlowEvent")))
            return true;
    return false;
}

/* ---- building events ---- */

static void reserve(rt_vnet_events *o, size_t n) {
    if (o->cap - o->len >= n) return;
    while (o->cap - o->len < n)
        o->cap = o->cap ? 2 * o->cap : 4096;
    o->text = realloc(o->text, o->cap);
    if (!o->text) abort();
}

static void put(rt_vnet_events *o, const char *s, size_t n) {
    reserve(o, n + 1);
    memcpy(o->text + o->len, s, n);
    o->len += n;
}

static void putf(rt_vnet_events *o, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    reserve(o, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(o->text + o->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    o->len += (size_t)n;
}

static void add_event(rt_vnet_events *o, size_t off, uint64_t tuple, bool bad) {
    if (o->n == o->evcap) {
        o->evcap = o->evcap ? 2 * o->evcap : 64;
        o->ev = realloc(o->ev, o->evcap * sizeof *o->ev);
        if (!o->ev) abort();
    }
    o->ev[o->n++] = (rt_vnet_event){off, o->len - off, tuple, bad};
}

/* What every event of a record shares. */
typedef struct record {
    span members; /* the kept members, as "k":v,"k":v */
    span code;    /* operationName or category, for event.code */
    span mac;     /* macAddress, for observer.mac */
    span rule;    /* a flattened record's rule */
    uint64_t tuples;
} record;

/* One tuple's fields, read and checked. */
typedef struct tuple {
    span src, dst, enc;
    uint64_t time, sport, dport, proto, pkts_out, bytes_out, pkts_in, bytes_in;
    char dir, state;
} tuple;

enum { TUPLE_FIELDS = 13 };

static bool read_uint(span s, uint64_t max, uint64_t *out) {
    if (s.n == 0 || s.n > 19) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') return false;
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    }
    *out = v;
    return v <= max;
}

static bool is_ip(span s) {
    uint8_t addr[16];
    return sv_parse_ip(s.p, s.n, addr);
}

static bool is_token(span s) {
    for (size_t i = 0; i < s.n; i++)
        if (!((s.p[i] >= 'A' && s.p[i] <= 'Z') || s.p[i] == '_')) return false;
    return s.n > 0;
}

/* Reads tuple text t; NULL, or what is wrong with it. */
static const char *read_tuple(span t, tuple *f) {
    span field[TUPLE_FIELDS];
    size_t n = 0;
    for (const char *p = t.p, *end = t.p + t.n;; p++) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        if (n < TUPLE_FIELDS) field[n] = (span){p, (size_t)((comma ? comma : end) - p)};
        n++;
        if (!comma) break;
        p = comma;
    }
    if (n != TUPLE_FIELDS) return "a flow tuple has 13 comma-separated fields";
    f->src = field[1];
    f->dst = field[2];
    f->enc = field[8];
    f->dir = field[6].n == 1 ? field[6].p[0] : 0;
    f->state = field[7].n == 1 ? field[7].p[0] : 0;
    if (!read_uint(field[0], INT64_MAX, &f->time))
        return "field 1 (time) is not epoch milliseconds";
    if (!is_ip(f->src)) return "field 2 (source address) is not an IP address";
    if (!is_ip(f->dst)) return "field 3 (destination address) is not an IP address";
    if (!read_uint(field[3], 65535, &f->sport)) return "field 4 (source port) is not a port";
    if (!read_uint(field[4], 65535, &f->dport)) return "field 5 (destination port) is not a port";
    if (!read_uint(field[5], 255, &f->proto)) return "field 6 (protocol) is not a protocol number";
    if (!f->dir || !strchr("IO", f->dir)) return "field 7 (direction) is not I or O";
    if (!f->state || !strchr("BCED", f->state)) return "field 8 (state) is not B, C, E or D";
    if (!is_token(f->enc)) return "field 9 (encryption) is not a word such as X or NX";
    /* Counts are empty rather than 0 in some records of flows just begun. */
    uint64_t *count[] = {&f->pkts_out, &f->bytes_out, &f->pkts_in, &f->bytes_in};
    for (int i = 0; i < 4; i++)
        if (!(field[9 + i].n == 0 ? (*count[i] = 0, true)
                                  : read_uint(field[9 + i], INT64_MAX, count[i])))
            return "fields 10-13 (packets and bytes) are not counts";
    return NULL;
}

static const char *transport(uint64_t proto) {
    switch (proto) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 58: return "ipv6-icmp";
    default: return NULL;
    }
}

/* One event for tuple value tv (a JSON string) under aclID acl and rule. */
static void emit(rt_vnet_events *o, record *r, span acl, span rule, span tv) {
    uint64_t k = ++r->tuples;
    size_t off = o->len;
    tuple f;
    const char *why = tv.n >= 2 && tv.p[0] == '"' && !memchr(tv.p, '\\', tv.n)
                          ? read_tuple((span){tv.p + 1, tv.n - 2}, &f)
                          : "a flow tuple is a plain JSON string";
    if (why) {
        put(o, why, strlen(why) + 1);
        add_event(o, off, k, true);
        return;
    }
    static const char *const states[][2] = {
        {"B", "begin"}, {"C", "continue"}, {"E", "end"}, {"D", "denied"}};
    static const char *const types[] = {"start", "connection", "end", "denied"};
    int s = (int)(strchr("BCED", f.state) - "BCED");
    char when[RT_TIME_LEN];
    rt_format_time((int64_t)f.time, when);
    put(o, "{", 1);
    put(o, r->members.p, r->members.n);
    if (acl.p) {
        put(o, "\"aclID\":", 8);
        put(o, acl.p, acl.n);
        put(o, ",", 1);
    }
    putf(o, "\"@timestamp\":\"%s\",\"event\":{\"category\":[\"network\"],\"code\":", when);
    if (r->code.p)
        put(o, r->code.p, r->code.n);
    else
        putf(o, "\"FlowLogFlowEvent\"");
    putf(o, ",\"type\":[\"%s\"]}", types[s]);
    putf(o,
         ",\"source\":{\"address\":\"%.*s\",\"ip\":\"%.*s\",\"port\":%llu,\"bytes\":%llu,"
         "\"packets\":%llu}",
         (int)f.src.n, f.src.p, (int)f.src.n, f.src.p, (unsigned long long)f.sport,
         (unsigned long long)f.bytes_out, (unsigned long long)f.pkts_out);
    putf(o,
         ",\"destination\":{\"address\":\"%.*s\",\"ip\":\"%.*s\",\"port\":%llu,\"bytes\":%llu,"
         "\"packets\":%llu}",
         (int)f.dst.n, f.dst.p, (int)f.dst.n, f.dst.p, (unsigned long long)f.dport,
         (unsigned long long)f.bytes_in, (unsigned long long)f.pkts_in);
    putf(o, ",\"network\":{\"direction\":\"%s\",\"iana_number\":\"%llu\"",
         f.dir == 'I' ? "inbound" : "outbound", (unsigned long long)f.proto);
    if (transport(f.proto)) putf(o, ",\"transport\":\"%s\"", transport(f.proto));
    putf(o, "},\"flow\":{\"tuple\":%.*s,\"state\":\"%s\",\"encryption\":\"%.*s\"}", (int)tv.n, tv.p,
         states[s][1], (int)f.enc.n, f.enc.p);
    if (rule.p) {
        put(o, ",\"rule\":{\"name\":", 16);
        put(o, rule.p, rule.n);
        put(o, "}", 1);
    }
    if (r->mac.p) {
        put(o, ",\"observer\":{\"mac\":", 19);
        put(o, r->mac.p, r->mac.n);
        put(o, "}", 1);
    }
    putf(o, ",\"related\":{\"ip\":[\"%.*s\"", (int)f.src.n, f.src.p);
    if (f.dst.n != f.src.n || memcmp(f.dst.p, f.src.p, f.src.n))
        putf(o, ",\"%.*s\"", (int)f.dst.n, f.dst.p);
    put(o, "]}}", 3);
    add_event(o, off, k, false);
}

/* The member called name of the object v, or an empty span. */
static span member(span v, const char *name, bool *broken) {
    walk w;
    span key, val;
    if (!walk_open(&w, v, '{')) {
        *broken = true;
        return (span){0};
    }
    while (walk_next(&w, &key, &val))
        if (key_is(key, name)) return val;
    *broken |= w.broken;
    return (span){0};
}

/* Version 4: flowRecords.flows[] of {aclID, flowGroups[] of {rule,
   flowTuples[]}}. False when the layout cannot be followed. */
static bool emit_nested(rt_vnet_events *o, record *r, span flow_records) {
    bool broken = false;
    walk flows, groups, tuples;
    span flow, group, tv;
    span list = member(flow_records, "flows", &broken);
    if (!list.p || !walk_open(&flows, list, '[')) return false;
    while (walk_next(&flows, NULL, &flow)) {
        span acl = member(flow, "aclID", &broken);
        span gl = member(flow, "flowGroups", &broken);
        if (!gl.p || !walk_open(&groups, gl, '[')) return false;
        while (walk_next(&groups, NULL, &group)) {
            span rule = member(group, "rule", &broken);
            span tl = member(group, "flowTuples", &broken);
            if (!tl.p || !walk_open(&tuples, tl, '[')) return false;
            while (walk_next(&tuples, NULL, &tv))
                emit(o, r, acl, rule, tv);
            broken |= tuples.broken;
        }
        broken |= groups.broken;
    }
    return !broken && !flows.broken;
}

bool rt_vnet_expand(const char *doc, size_t len, rt_vnet_events *out) {
    out->len = out->n = 0;
    walk w;
    span key, val, flow_records = {0}, rule = {0};
    record r = {0};
    rt_vnet_events kept = {0}; /* the members every event keeps */
    size_t nflat = 0;
    if (!walk_open(&w, (span){doc, len}, '{')) return false;
    while (walk_next(&w, &key, &val)) {
        if (key_is(key, "flowRecords")) {
            flow_records = val;
            continue;
        }
        if (is_flat_tuple_key(key)) {
            nflat++;
            continue;
        }
        if (key_is(key, "rule")) {
            rule = val;
            continue;
        }
        if (key_is(key, "macAddress")) r.mac = val;
        if (key_is(key, "operationName") || (key_is(key, "category") && !r.code.p)) r.code = val;
        put(&kept, key.p, key.n);
        put(&kept, ":", 1);
        put(&kept, val.p, val.n);
        put(&kept, ",", 1);
    }
    bool ok = !w.broken && (nflat > 0 || flow_records.p);
    if (ok && !nflat && rule.p) { /* not a flattened record's: an ordinary member */
        putf(&kept, "\"rule\":%.*s,", (int)rule.n, rule.p);
        rule = (span){0};
    }
    r.members = (span){kept.text, kept.len};
    if (ok && nflat) {
        walk_open(&w, (span){doc, len}, '{');
        while (walk_next(&w, &key, &val))
            if (is_flat_tuple_key(key)) emit(out, &r, (span){0}, rule, val);
    } else if (ok) {
        ok = emit_nested(out, &r, flow_records);
    }
    free(kept.text);
    if (!ok) out->n = 0;
    return out->n > 0;
}

void rt_vnet_events_free(rt_vnet_events *e) {
    free(e->text);
    free(e->ev);
    *e = (rt_vnet_events){0};
}
