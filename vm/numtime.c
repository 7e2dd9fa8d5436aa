/* numtime.c: numbers and timestamps found in event values. Both arrive as
   spans of the document, not NUL-terminated, and are validated here before
   any libc conversion sees them. */
#include <stdlib.h>
#include <string.h>

#include "match.h"

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

static size_t skip_digits(const char *s, size_t n, size_t i) {
    while (i < n && is_digit(s[i]))
        i++;
    return i;
}

/* Length of the JSON number at the start of s, or 0 if there is none. */
static size_t json_number_len(const char *s, size_t n) {
    size_t i = 0;
    if (i < n && s[i] == '-') i++;
    if (i < n && s[i] == '0') {
        i++;
    } else {
        size_t start = i;
        i = skip_digits(s, n, i);
        if (i == start) return 0;
    }
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        i = skip_digits(s, n, i);
        if (i == start) return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        size_t start = i;
        i = skip_digits(s, n, i);
        if (i == start) return 0;
    }
    return i;
}

/* Once the grammar is checked, strtod only ever sees a plain decimal (the
   process stays in the C locale, so '.' is the decimal point). Values out
   of range become +-HUGE_VAL or 0, as strtod gives them. */
bool sv_parse_number(const char *s, size_t n, double *out) {
    if (n == 0 || json_number_len(s, n) != n) return false;
    char small[64];
    char *copy = n < sizeof small ? small : malloc(n + 1);
    if (!copy) abort();
    memcpy(copy, s, n);
    copy[n] = '\0';
    *out = strtod(copy, NULL);
    if (copy != small) free(copy);
    return true;
}

/* ---- Calendar ---- */

typedef struct civil {
    int year, month, day, hour, minute, second, millis;
    int offset; /* minutes east of UTC, as written */
    bool has_time;
} civil;

static bool is_leap(long y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 in the proleptic Gregorian calendar. Counting in
   400-year eras (146097 days each) from March 1 puts the leap day last in
   the year, so it needs no special case. */
static long long days_from_civil(long y, int m, int d) {
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (long long)era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(long long z, long *y, int *m, int *d) {
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = (long)(z - era * 146097);
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (long)(yoe + era * 400) + (*m <= 2);
}

/* ISO-8601 week: weeks start on Monday and week 1 is the one holding the
   year's first Thursday, so a week belongs to the year its Thursday is in. */
static int iso_week(long y, int m, int d) {
    long long days = days_from_civil(y, m, d);
    long long monday_based = ((days + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
    long long thursday = days - monday_based + 3;
    long ty;
    int tm, td;
    civil_from_days(thursday, &ty, &tm, &td);
    return (int)((thursday - days_from_civil(ty, 1, 1)) / 7 + 1);
}

/* ---- Timestamp text ---- */

/* Reads exactly width digits at s[*i]. */
static bool read_fixed(const char *s, size_t n, size_t *i, size_t width, int *out) {
    if (n - *i < width) return false;
    int v = 0;
    for (size_t k = 0; k < width; k++) {
        if (!is_digit(s[*i + k])) return false;
        v = v * 10 + (s[*i + k] - '0');
    }
    *i += width;
    *out = v;
    return true;
}

static bool expect(const char *s, size_t n, size_t *i, char c) {
    if (*i >= n || s[*i] != c) return false;
    (*i)++;
    return true;
}

/* "Z", "+hh:mm", "+hhmm" or "+hh", or nothing. The parts are read as the
   timestamp was written; only sv_parse_time applies the offset. */
static bool parse_zone(const char *s, size_t n, size_t i, civil *c) {
    c->offset = 0;
    if (i == n) return true;
    if (s[i] == 'Z' || s[i] == 'z') return i + 1 == n;
    if (s[i] != '+' && s[i] != '-') return false;
    int sign = s[i++] == '-' ? -1 : 1;
    int hh, mm = 0;
    if (!read_fixed(s, n, &i, 2, &hh)) return false;
    if (i < n) {
        if (s[i] == ':') i++;
        if (!read_fixed(s, n, &i, 2, &mm)) return false;
    }
    c->offset = sign * (hh * 60 + mm);
    return i == n && hh <= 23 && mm <= 59;
}

/* "hh:mm[:ss[.fff]]" then a zone, from s[i]. A leap second (:60) is kept. */
static bool parse_clock(const char *s, size_t n, size_t i, civil *c) {
    c->second = c->millis = 0;
    if (!read_fixed(s, n, &i, 2, &c->hour) || !expect(s, n, &i, ':') ||
        !read_fixed(s, n, &i, 2, &c->minute))
        return false;
    if (i < n && s[i] == ':') {
        i++;
        if (!read_fixed(s, n, &i, 2, &c->second)) return false;
        if (i < n && (s[i] == '.' || s[i] == ',')) {
            size_t start = ++i;
            i = skip_digits(s, n, i);
            if (i == start) return false;
            for (size_t k = start; k < start + 3; k++) /* milliseconds; finer digits dropped */
                c->millis = c->millis * 10 + (k < i ? s[k] - '0' : 0);
        }
    }
    c->has_time = true;
    return c->hour <= 23 && c->minute <= 59 && c->second <= 60 && parse_zone(s, n, i, c);
}

static bool parse_iso(const char *s, size_t n, civil *c) {
    size_t i = 0;
    if (!read_fixed(s, n, &i, 4, &c->year) || !expect(s, n, &i, '-') ||
        !read_fixed(s, n, &i, 2, &c->month) || !expect(s, n, &i, '-') ||
        !read_fixed(s, n, &i, 2, &c->day))
        return false;
    if (c->month < 1 || c->month > 12 || c->day < 1 || c->day > days_in_month(c->year, c->month))
        return false;
    c->has_time = false;
    c->hour = c->minute = c->second = c->millis = c->offset = 0;
    if (i == n) return true;
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return false;
    return parse_clock(s, n, i + 1, c);
}

/* Epoch seconds, or milliseconds once past 1e11 (which as seconds would be
   the year 5138), read as UTC. */
static bool parse_epoch(const char *s, size_t n, civil *c) {
    if (n == 0 || n > 18 || skip_digits(s, n, 0) != n) return false;
    long long v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    c->millis = 0;
    if (v > 100000000000LL) {
        c->millis = (int)(v % 1000);
        v /= 1000;
    }
    long y;
    civil_from_days(v / 86400, &y, &c->month, &c->day);
    c->year = (int)y;
    c->hour = (int)(v % 86400 / 3600);
    c->minute = (int)(v % 3600 / 60);
    c->second = (int)(v % 60);
    c->offset = 0;
    c->has_time = true;
    return true;
}

bool sv_time_part(const char *s, size_t n, unsigned part, int *out) {
    civil c;
    if (!parse_epoch(s, n, &c) && !parse_iso(s, n, &c)) return false;
    switch (part) {
    case 0: *out = c.minute; return c.has_time; /* a bare date states no time of day */
    case 1: *out = c.hour; return c.has_time;
    case 2: *out = c.day; return true;
    case 3: *out = iso_week(c.year, c.month, c.day); return true;
    case 4: *out = c.month; return true;
    case 5: *out = c.year; return true;
    default: return false;
    }
}

bool sv_parse_time(const char *s, size_t n, int64_t *ms) {
    civil c;
    if (!parse_epoch(s, n, &c) && !parse_iso(s, n, &c)) return false;
    long long secs = days_from_civil(c.year, c.month, c.day) * 86400LL + c.hour * 3600LL +
                     c.minute * 60LL + c.second - c.offset * 60LL;
    *ms = secs * 1000 + c.millis;
    return true;
}
