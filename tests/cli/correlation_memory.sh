# 1,000,000 generated events through a correlation grouped by a field with
# a distinct value in every event: the correlation state stays bounded by
# the live groups (README "Correlations": about 400 bytes per live group),
# and the live-group limit, when hit, is reported.
source "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
command -v /usr/bin/time >/dev/null || { echo "SKIPPED: /usr/bin/time not found" >&2; exit 77; }
# One event every 10 ms (2.8 hours), each from a user of its own.
python3 -c '
import sys
w = sys.stdout.write
for i in range(1000000):
    ms = 1704067200000 + i * 10
    w("{\"timestamp\":%d,\"action\":\"login\",\"user\":\"user-%07d\",\"n\":%d}\n" % (ms, i, i))
' >events.jsonl
cat >base.yml <<'EOF2'
title: login
id: login
detection: {sel: {action: login}, condition: sel}
EOF2
cat >corr.yml <<'EOF2'
title: repeated logins
id: repeated-logins
correlation:
  type: event_count
  rules: [login]
  group-by: [user]
  timespan: 1m
  condition: {gte: 2}
EOF2
rss() { /usr/bin/time -f %M -o "$1" "${@:2}"; }
rss base.rss "$SIGVM" run --profile none -j 1 --no-event -r base.yml events.jsonl >/dev/null 2>/dev/null
rss corr.rss "$SIGVM" run --profile none -j 1 --lateness 1m -r base.yml -r corr.yml events.jsonl \
    >out.jsonl 2>err
check "run succeeds" test "$(tail -n 1 corr.rss)" -gt 0
check "every match fed" grep -q "correlations: 1000000 matches fed, 0 correlation matches" err
peak=$(sed -n 's/.*at most \([0-9]*\) groups live.*/\1/p' err)
# Live groups: the events of one timespan and one lateness (12,000), and
# those of one sweep interval (4,096).
check "live groups bounded ($peak)" test "$peak" -le 16200
base_kb=$(tail -n 1 base.rss)
corr_kb=$(tail -n 1 corr.rss)
bound_kb=$((base_kb + peak * 400 / 1024 + 8192))
echo "peak RSS: ${corr_kb} KiB with the correlation, ${base_kb} KiB without; bound ${bound_kb} KiB; peak live groups ${peak}"
# AddressSanitizer's shadow memory and quarantine of freed blocks dwarf the
# state measured here: under it only the live-group bound above is checked.
ldd "$SIGVM" >ldd.txt 2>/dev/null || true
if grep -q libasan ldd.txt; then
    echo "peak RSS bound not checked under AddressSanitizer"
else
    check "peak RSS within the bound" test "$corr_kb" -le "$bound_kb"
fi
check "no output for unmatched windows" test ! -s out.jsonl
# With a lateness longer than the input, every group stays live: the limit
# stops them, and says so.
"$SIGVM" run --profile none -j 1 --lateness 1y --max-groups 10000 -r base.yml -r corr.yml \
    events.jsonl >/dev/null 2>err2
check "limit reported" grep -q "990000 matches were not correlated: 10000 groups live at once (--max-groups)" err2
finish
