/* ip.c: IP address and network parsing for the cidr modifier. Every address
   is held as 16 bytes, IPv4 mapped into ::ffff:0:0/96, so one containment
   test serves both families and an IPv4 network never contains an IPv6
   address outside that block. */
#include <string.h>

#include "match.h"

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

static int hex_value(char c) {
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A decimal 0..max without sign or blanks. A leading zero is refused, as
   inet_pton does, because some parsers read "010" as octal 8. */
static bool parse_decimal(const char *s, size_t n, unsigned max, unsigned *out) {
    if (n == 0 || n > 3 || (n > 1 && s[0] == '0')) return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i])) return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return v <= max;
}

static bool parse_ipv4(const char *s, size_t n, uint8_t out[4]) {
    size_t start = 0;
    for (int part = 0; part < 4; part++) {
        size_t end = start;
        while (end < n && s[end] != '.')
            end++;
        if ((part < 3) != (end < n)) return false; /* exactly three dots */
        unsigned v;
        if (!parse_decimal(s + start, end - start, 255, &v)) return false;
        out[part] = (uint8_t)v;
        start = end + 1;
    }
    return true;
}

static bool parse_hex_group(const char *s, size_t n, uint8_t out[2]) {
    if (n == 0 || n > 4) return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        int h = hex_value(s[i]);
        if (h < 0) return false;
        v = v * 16 + (unsigned)h;
    }
    out[0] = (uint8_t)(v >> 8);
    out[1] = (uint8_t)v;
    return true;
}

/* Parses colon-separated groups (possibly none) into out, at most max bytes;
   a dotted quad may stand for the last two groups. Returns the byte count,
   or -1. */
static int parse_groups(const char *s, size_t n, uint8_t *out, size_t max) {
    size_t len = 0, start = 0;
    if (n == 0) return 0;
    for (;;) {
        size_t end = start;
        while (end < n && s[end] != ':')
            end++;
        bool last = end == n;
        if (last && memchr(s + start, '.', end - start)) {
            if (len + 4 > max || !parse_ipv4(s + start, end - start, out + len)) return -1;
            return (int)(len + 4);
        }
        if (len + 2 > max || !parse_hex_group(s + start, end - start, out + len)) return -1;
        len += 2;
        if (last) return (int)len;
        start = end + 1;
    }
}

/* RFC 4291 text forms: eight groups, or fewer around one "::" that stands
   for at least one zero group. */
static bool parse_ipv6(const char *s, size_t n, uint8_t out[16]) {
    const char *gap = NULL;
    for (size_t i = 0; i + 1 < n && !gap; i++)
        if (s[i] == ':' && s[i + 1] == ':') gap = s + i;
    memset(out, 0, 16);
    if (!gap) return parse_groups(s, n, out, 16) == 16;
    size_t head_n = (size_t)(gap - s);
    const char *tail = gap + 2;
    size_t tail_n = n - head_n - 2;
    uint8_t tail_bytes[16];
    /* A dotted quad is only valid at the very end, so not before the gap. */
    if (memchr(s, '.', head_n)) return false;
    int head = parse_groups(s, head_n, out, 14);
    if (head < 0) return false;
    int rest = parse_groups(tail, tail_n, tail_bytes, 14 - (size_t)head);
    if (rest < 0) return false;
    memcpy(out + 16 - rest, tail_bytes, (size_t)rest);
    return true;
}

static void map_ipv4(const uint8_t v4[4], uint8_t out[16]) {
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, v4, 4);
}

/* Parses an address; *is_v4 tells whether it was written as IPv4, which
   decides how a prefix length is read. */
static bool parse_address(const char *s, size_t n, uint8_t addr[16], bool *is_v4) {
    *is_v4 = memchr(s, ':', n) == NULL;
    if (*is_v4) {
        uint8_t v4[4];
        if (!parse_ipv4(s, n, v4)) return false;
        map_ipv4(v4, addr);
        return true;
    }
    /* A zone ("fe80::1%eth0") names a link, not part of the address. */
    const char *zone = memchr(s, '%', n);
    if (zone) {
        if (zone + 1 == s + n) return false;
        n = (size_t)(zone - s);
    }
    return parse_ipv6(s, n, addr);
}

bool sv_parse_ip(const char *s, size_t n, uint8_t addr[16]) {
    bool is_v4;
    return parse_address(s, n, addr, &is_v4);
}

bool sv_parse_cidr(const char *s, size_t n, uint8_t addr[16], unsigned *prefix) {
    const char *slash = memchr(s, '/', n);
    size_t addr_n = slash ? (size_t)(slash - s) : n;
    bool is_v4;
    if (!parse_address(s, addr_n, addr, &is_v4)) return false;
    unsigned bits = is_v4 ? 32 : 128;
    unsigned len = bits;
    if (slash && !parse_decimal(slash + 1, n - addr_n - 1, bits, &len)) return false;
    *prefix = 128 - bits + len;
    return true;
}

bool sv_ip_in_net(const uint8_t ip[16], const uint8_t net[16], unsigned prefix) {
    if (prefix > 128) return false;
    size_t whole = prefix / 8;
    if (memcmp(ip, net, whole) != 0) return false;
    unsigned rest = prefix % 8;
    if (rest == 0) return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return ((ip[whole] ^ net[whole]) & mask) == 0;
}

/* ---- address classes (SV_T_IP) ---- */

typedef struct net {
    uint8_t addr[16]; /* IPv4 networks: the first four bytes, mapped when used */
    unsigned prefix;  /* of the written form: /8 for 10.0.0.0/8 */
} net;

/* Not reachable from the internet, but in use inside networks. */
static const net private_v4[] = {{{10}, 8},       {{172, 16}, 12}, {{192, 168}, 16},
                                 {{100, 64}, 10}, {{127}, 8},      {{169, 254}, 16}};
static const net private_v6[] = {{{0xfc}, 7}, {{0xfe, 0x80}, 10}, {{[15] = 1}, 128}};
/* Neither private nor public: unspecified, documentation, benchmarking,
   multicast, reserved and broadcast. */
static const net reserved_v4[] = {{{0}, 8},
                                  {{192, 0, 0}, 24},
                                  {{192, 0, 2}, 24},
                                  {{198, 18}, 15},
                                  {{198, 51, 100}, 24},
                                  {{203, 0, 113}, 24},
                                  {{224}, 4},
                                  {{240}, 4}};
static const net reserved_v6[] = {
    {{0}, 128}, {{0xff}, 8}, {{0x20, 0x01, 0x0d, 0xb8}, 32}, {{0x01, 0x00}, 64}};

static bool in_any(const uint8_t a[16], bool v4, const net *nets, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint8_t full[16];
        if (v4)
            map_ipv4(nets[i].addr, full);
        else
            memcpy(full, nets[i].addr, 16);
        if (sv_ip_in_net(a, full, nets[i].prefix + (v4 ? 96 : 0))) return true;
    }
    return false;
}

#define IN(a, v4, nets4, nets6)                                                                    \
    ((v4) ? in_any(a, true, nets4, sizeof nets4 / sizeof *nets4)                                   \
          : in_any(a, false, nets6, sizeof nets6 / sizeof *nets6))

bool sv_ip_class(const char *s, size_t n, unsigned cls) {
    uint8_t a[16];
    bool v4;
    if (!parse_address(s, n, a, &v4)) return false;
    switch (cls) {
    case SV_IP_ANY: return true;
    case SV_IP_V4: return v4;
    case SV_IP_V6: return !v4;
    case SV_IP_PRIVATE: return IN(a, v4, private_v4, private_v6);
    case SV_IP_PUBLIC:
        return !IN(a, v4, private_v4, private_v6) && !IN(a, v4, reserved_v4, reserved_v6);
    default: return false;
    }
}
