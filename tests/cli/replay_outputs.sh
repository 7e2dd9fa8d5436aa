# What a replay gives back: --stats, CSV with --fields, the table, --no-event,
# --since/--until, and the progress line (in a pseudo-terminal, and never
# when stderr is not one).
source "$(dirname "$0")/lib.sh"
need_shared
EVENTS=$SHARED/corpus/events
AWS_RULES=$SIGMA/rules/cloud/aws
[ -f "$EVENTS/invictus_aws_cloudtrail.ndjson.gz" ] || { echo "SKIPPED: no CloudTrail events" >&2; exit 77; }
zcat "$EVENTS/invictus_aws_cloudtrail.ndjson.gz" >"$TMP/ct.ndjson"
"$SIGVM" run -r "$AWS_RULES" "$TMP/ct.ndjson" >"$TMP/all.jsonl" 2>/dev/null
nm=$(wc -l <"$TMP/all.jsonl")

# --stats: one row per rule that matched, the busiest first, with the
# earliest and latest eventTime of its matches.
"$SIGVM" run -r "$AWS_RULES" --stats "$TMP/ct.ndjson" >/dev/null 2>"$TMP/err"
rc=$?; [ $rc -eq 0 ] && ok || bad "--stats: exit $rc"
jq -r '[.rule_id, .level, .event.eventTime] | @tsv' "$TMP/all.jsonl" | sort -t$'\t' -k1,1 -k3,3 |
    awk -F'\t' '{n[$1]++; if (!($1 in f)) f[$1]=$3; l[$1]=$3; lv[$1]=$2}
                END {for (r in n) printf "%d %s %s %s %s\n", n[r], lv[r], f[r], l[r], r}' |
    sort -k1,1nr -k5 >"$TMP/want_stats"
sed -n '/^  *MATCHES/,$p' "$TMP/err" | tail -n +2 |
    sed -E 's/^ *([0-9]+) +([a-z]+) +([0-9T:.-]+)Z +([0-9T:.-]+)Z +.*\(([^)]*)\)$/\1 \2 \3Z \4Z \5/' |
    sed -E 's/\.000Z/Z/g' >"$TMP/got_stats"
cmp -s "$TMP/want_stats" "$TMP/got_stats" && ok ||
    bad "--stats rows: $(diff "$TMP/want_stats" "$TMP/got_stats" | head -10)"
grep -q "ct.ndjson: 2900 events read = 2900 evaluated + 0 skipped + 0 filtered; $nm matches" "$TMP/err" && ok ||
    bad "--stats per-input counts: $(cat "$TMP/err")"

# CSV: the chosen fields, quoted where they must be; read back by Python's
# csv module, it gives the same values as the JSONL.
"$SIGVM" run -q -r "$AWS_RULES" --format csv --fields rule_id,title,record,eventName,userIdentity.arn,requestParameters \
    "$TMP/ct.ndjson" >"$TMP/out.csv"
head -1 "$TMP/out.csv" | grep -qx 'rule_id,title,record,eventName,userIdentity.arn,requestParameters' && ok ||
    bad "CSV header: $(head -1 "$TMP/out.csv")"
jq -c '[.rule_id, .title, (.record|tostring), .event.eventName, (.event.userIdentity.arn // ""),
        (.event.requestParameters | if . == null then "" else tojson end)]' "$TMP/all.jsonl" >"$TMP/want_csv"
python3 -c '
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))[1:]
for r in rows:
    if r[5]: r[5] = json.dumps(json.loads(r[5]), separators=(",", ":"))
    print(json.dumps(r, separators=(",", ":"), ensure_ascii=False))' "$TMP/out.csv" >"$TMP/got_csv"
cmp -s "$TMP/want_csv" "$TMP/got_csv" && ok || bad "CSV values: $(diff "$TMP/want_csv" "$TMP/got_csv" | head -6)"

# --no-event; the table when asked for (the default on a terminal).
"$SIGVM" run -q -r "$AWS_RULES" --no-event "$TMP/ct.ndjson" | jq -e -s 'length > 0 and all(has("event") | not)' \
    >/dev/null && ok || bad "--no-event"
"$SIGVM" run -q -r "$AWS_RULES" --format table "$TMP/ct.ndjson" >"$TMP/table"
head -1 "$TMP/table" | grep -q '^EVENT_TIME  *LEVEL  *TITLE  *INPUT  *RECORD$' && ok || bad "table header: $(head -1 "$TMP/table")"
[ "$(wc -l <"$TMP/table")" -eq $((nm + 1)) ] && ok || bad "table rows"

# --since/--until: [since, until) on eventTime; the others counted as filtered.
since=2023-07-10T10:00:00Z until=2023-07-10T12:00:00Z
want=$(jq -c --arg s "$since" --arg u "$until" 'select(.event.eventTime >= $s and .event.eventTime < $u)' \
    "$TMP/all.jsonl" | wc -l)
inside=$(jq -c --arg s "$since" --arg u "$until" 'select(.eventTime >= $s and .eventTime < $u)' "$TMP/ct.ndjson" | wc -l)
"$SIGVM" run -r "$AWS_RULES" --since "$since" --until "$until" "$TMP/ct.ndjson" >"$TMP/win" 2>"$TMP/err"
rc=$?; [ $rc -eq 0 ] && ok || bad "--since/--until: exit $rc"
echo "window: $inside of 2900 events, $want of $nm matches"
[ "$want" -gt 0 ] && [ "$want" -lt "$nm" ] && [ "$(wc -l <"$TMP/win")" -eq "$want" ] && ok ||
    bad "--since/--until kept $(wc -l <"$TMP/win") matches, want $want"
grep -q "2900 events read = $inside evaluated + 0 skipped + $((2900 - inside)) filtered" "$TMP/err" && ok ||
    bad "filtered count: $(tail -1 "$TMP/err")"
expect_status 2 "a bad --since" "$SIGVM" run -r "$AWS_RULES" --since yesterday "$TMP/ct.ndjson" 2>/dev/null

# Progress: on a terminal, a line with bytes, events, events/s and matches;
# never when stderr is a file or a pipe.
if command -v script >/dev/null; then
    script -qfec "'$SIGVM' run -r '$AWS_RULES' -o '$TMP/pty.jsonl' '$TMP/ct.ndjson' '$EVENTS/invictus_aws_cloudtrail.ndjson.gz'" \
        /dev/null >"$TMP/pty" 2>&1
    rc=$?; [ $rc -eq 0 ] && ok || bad "run in a pseudo-terminal: exit $rc"
    tr '\r' '\n' <"$TMP/pty" | grep -Eq "[0-9.]+ [kM]B of [0-9.]+ [kM]B \(100%\), 5800 events, [0-9]+ events/s, $((2 * nm)) matches" &&
        ok || bad "progress line: $(tr '\r' '\n' <"$TMP/pty" | head -5)"
else
    echo "SKIPPED: progress in a pseudo-terminal (no script)" >&2
fi
"$SIGVM" run -r "$AWS_RULES" "$TMP/ct.ndjson" 2>"$TMP/err" >/dev/null
! grep -q "events/s" "$TMP/err" && ! grep -q $'\r' "$TMP/err" && ok || bad "progress shown on a file"
finish
