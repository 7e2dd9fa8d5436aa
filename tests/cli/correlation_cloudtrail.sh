# A correlation over real CloudTrail events (Invictus' Stratus Red Team
# capture): at least 5 access errors per principal within 10 minutes,
# checked against an independent computation in Python of the documented
# window semantics (windows anchored at each error in time order, reported
# windows using up their events).
source "$(dirname "$0")/lib.sh"
EVENTS=$SHARED/corpus/events/invictus_aws_cloudtrail.ndjson.gz
[ -f "$EVENTS" ] || { echo "SKIPPED: $EVENTS not found" >&2; exit 77; }
cd "$TMP" || exit 1
cat >rules.yml <<'EOF2'
title: AWS access error
id: aws-access-error
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    errorCode: [AccessDenied, Client.UnauthorizedOperation]
  condition: sel
---
title: Many access errors by one principal
id: aws-access-errors-burst
correlation:
  type: event_count
  rules: [aws-access-error]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {gte: 5}
level: medium
EOF2
"$SIGVM" run -r rules.yml "$EVENTS" >out.jsonl 2>err
check "run succeeds" test $? -eq 0
check "no late events" grep -q " 0 late," err
jq -r 'select(.correlation) | [.group["userIdentity.arn"], .value, .window_start] | @tsv' out.jsonl |
    sort >got.tsv
zcat "$EVENTS" | python3 -c '
import sys, json, datetime, collections
def ms(s):
    return int(datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)
by = collections.defaultdict(list)
for line in sys.stdin:
    e = json.loads(line)
    arn = (e.get("userIdentity") or {}).get("arn")
    if e.get("errorCode") in ("AccessDenied", "Client.UnauthorizedOperation") and arn:
        by[arn].append(ms(e["eventTime"]))
for arn, ts in by.items():
    ts.sort()
    i = 0
    while i < len(ts):
        j = i
        while j < len(ts) and ts[j] <= ts[i] + 600000:
            j += 1
        if j - i >= 5:
            start = datetime.datetime.fromtimestamp(ts[i] / 1000, datetime.timezone.utc)
            print("%s\t%d\t%s.000Z" % (arn, j - i, start.strftime("%Y-%m-%dT%H:%M:%S")))
            i = j
        else:
            i += 1
' | sort >want.tsv
check "some bursts found" test -s want.tsv
check "correlation matches the independent computation" diff want.tsv got.tsv
echo "correlation matches: $(wc -l <got.tsv)"
finish
