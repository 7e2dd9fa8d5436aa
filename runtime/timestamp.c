/* timestamp.c: an event's time, from the field its log format keeps it in,
   for --since/--until and the per-rule first and last match times. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "runtime.h"

/* The event's own time comes before times of collection: OTRF's CloudTrail
   carries Logstash's @timestamp beside eventTime, and an expanded VNet flow
   has the flow's @timestamp beside its record's time. */
const char *const rt_time_paths[] = {
    "eventTime",                                       /* CloudTrail */
    "Event.System.TimeCreated.#attributes.SystemTime", /* evtx_dump, Hayabusa, Chainsaw */
    "Event.System.TimeCreated.SystemTime",             /* other XML-to-JSON converters */
    "TimeCreated",                                     /* PowerShell Get-WinEvent */
    "EventTime",                                       /* NXLog */
    "winlog.time_created",                             /* Winlogbeat */
    "@timestamp",                                      /* ECS, Logstash */
    "timestamp",                                       /* GCP audit, many others */
    "time",                                            /* Azure diagnostic logs */
    "TimeGenerated",                                   /* Azure Log Analytics */
    "published",                                       /* Okta */
    "requestReceivedTimestamp",                        /* Kubernetes audit */
    "created_at",                                      /* GitHub audit (epoch ms) */
    "EventReceivedTime",                               /* NXLog, time of collection */
};
const size_t rt_time_path_count = sizeof rt_time_paths / sizeof *rt_time_paths;

/* PowerShell's ConvertTo-Json writes dates as "/Date(1600000000000)/". */
static bool parse_dotnet_date(const char *s, size_t n, int64_t *ms) {
    static const char open[] = "/Date(", close[] = ")/";
    if (n < sizeof open + sizeof close - 1 || memcmp(s, open, sizeof open - 1) ||
        memcmp(s + n - 2, close, 2))
        return false;
    return sv_parse_time(s + sizeof open - 1, n - sizeof open - 1, ms);
}

bool rt_event_time(sv_event *ev, uint32_t first, int64_t *ms) {
    for (size_t i = 0; i < rt_time_path_count; i++)
        for (sv_value *v = sv_event_get(ev, first + (uint32_t)i); v; v = sv_event_next(ev, v)) {
            const char *s;
            size_t n;
            if (sv_value_text(ev, v, &s, &n) &&
                (sv_parse_time(s, n, ms) || parse_dotnet_date(s, n, ms)))
                return true;
        }
    return false;
}

void rt_format_time(int64_t ms, char out[RT_TIME_LEN]) {
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
        snprintf(out, RT_TIME_LEN, "%lld", (long long)ms); /* beyond ISO-8601's four digits */
        return;
    }
    /* The remainders only tell the compiler how wide each number can be. */
    snprintf(out, RT_TIME_LEN, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
             (unsigned)(tm.tm_year + 1900) % 10000, (unsigned)(tm.tm_mon + 1) % 100,
             (unsigned)tm.tm_mday % 100, (unsigned)tm.tm_hour % 100, (unsigned)tm.tm_min % 100,
             (unsigned)tm.tm_sec % 100, (unsigned)(ms - secs * 1000) % 1000);
}
