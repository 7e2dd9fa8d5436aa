# Real CloudTrail events (Invictus and OTRF) as S3 delivers them: several
# gzip-compressed {"Records":[...]} files in a folder tree. They must give
# exactly the matches of the same events as NDJSON with SigmaHQ's CloudTrail
# rules; so must other framings (pretty-printed, a JSON array, zstd), and
# the output must not depend on the number of threads.
source "$(dirname "$0")/lib.sh"
need_shared
EVENTS=$SHARED/corpus/events
AWS_RULES=$SIGMA/rules/cloud/aws
[ -f "$EVENTS/invictus_aws_cloudtrail.ndjson.gz" ] || { echo "SKIPPED: no CloudTrail events" >&2; exit 77; }

{ zcat "$EVENTS/invictus_aws_cloudtrail.ndjson.gz"; cat "$EVENTS/otrf_aws_cloudtrail.ndjson"; } >"$TMP/all.ndjson"
total=$(wc -l <"$TMP/all.ndjson")
# The Records files, 400 events each, spread over two days' folders, with
# files that --include/--exclude must leave out.
mkdir -p "$TMP/s3/2023/07/10" "$TMP/s3/2023/07/11" "$TMP/s3/digests"
split -l 400 -d -a 2 "$TMP/all.ndjson" "$TMP/part_"
n=0
for part in "$TMP"/part_*; do
    day=10
    [ $n -ge 4 ] && day=11
    jq -c -s '{Records: .}' "$part" | gzip >"$TMP/s3/2023/07/$day/123456789012_CloudTrail_us-east-1_$n.json.gz"
    n=$((n + 1))
done
echo '{"Records":[{"eventName":"DeleteTrail","eventSource":"cloudtrail.amazonaws.com"}]}' \
    | gzip >"$TMP/s3/digests/digest.json.gz"
echo 'not events' >"$TMP/s3/2023/07/10/README.txt"
echo "CloudTrail: $total events, as NDJSON and as $n Records files"

# matches OUTPUT: "rule_id event" per match (the event re-serialised by jq,
# so that the framing's spacing does not count), sorted.
matches() { jq -c '[.rule_id, .event]' "$1" | sort; }

"$SIGVM" run -r "$AWS_RULES" "$TMP/all.ndjson" >"$TMP/m_ndjson" 2>"$TMP/err_ndjson"
rc=$?; [ $rc -eq 0 ] && ok || bad "NDJSON run: exit $rc $(tail -2 "$TMP/err_ndjson")"
matches "$TMP/m_ndjson" >"$TMP/want"
nm=$(wc -l <"$TMP/want")
echo "NDJSON: $nm matches"
[ "$nm" -ge 100 ] && ok || bad "too few matches over the CloudTrail events: $nm"

"$SIGVM" run -r "$AWS_RULES" --include '*.json.gz' --exclude digests "$TMP/s3" \
    >"$TMP/m_records" 2>"$TMP/err_records"
rc=$?; [ $rc -eq 0 ] && ok || bad "Records run: exit $rc $(tail -2 "$TMP/err_records")"
matches "$TMP/m_records" >"$TMP/got"
cmp -s "$TMP/want" "$TMP/got" && ok ||
    bad "Records files and NDJSON differ: $(diff "$TMP/want" "$TMP/got" | head -c 600)"
grep -q "sigvm run: $total events read = $total evaluated + 0 skipped + 0 filtered; $nm matches; 0 of $n inputs" \
    "$TMP/err_records" && ok || bad "Records summary: $(tail -1 "$TMP/err_records")"
! grep -q "README.txt\|digest" "$TMP/err_records" "$TMP/m_records" && ok || bad "--include/--exclude not applied"
# Inputs come in name order; record is the element's place in its file.
jq -r '.input' "$TMP/m_records" | awk '!seen[$0]++' >"$TMP/order"
sort -c "$TMP/order" && ok || bad "inputs not in name order: $(cat "$TMP/order")"
bad_record=0
while read -r input record; do
    want_event=$(zcat "$input" | jq -c ".Records[$((record - 1))]")
    got_event=$(jq -c --arg i "$input" --argjson r "$record" 'select(.input == $i and .record == $r) | .event' \
        "$TMP/m_records" | head -1)
    [ "$want_event" = "$got_event" ] || bad_record=$((bad_record + 1))
done < <(jq -r '"\(.input) \(.record)"' "$TMP/m_records" | sort -u)
[ $bad_record -eq 0 ] && ok || bad "$bad_record matches whose record is not their element's place"

# The same tree read with one thread and with four: byte for byte the same.
"$SIGVM" run -q -j 1 -r "$AWS_RULES" --include '*.json.gz' --exclude digests "$TMP/s3" >"$TMP/j1"
"$SIGVM" run -q -j 4 -r "$AWS_RULES" --include '*.json.gz' --exclude digests "$TMP/s3" >"$TMP/j4"
cmp -s "$TMP/j1" "$TMP/j4" && ok || bad "output depends on --jobs"
cmp -s "$TMP/j1" "$TMP/m_records" && ok || bad "-q changes the output"

# One pretty-printed Records document, a JSON array compressed with zstd,
# and the NDJSON through stdin: the same matches.
jq -s '{Records: .}' "$TMP/all.ndjson" >"$TMP/pretty.json"
jq -c -s '.' "$TMP/all.ndjson" | zstd -q -c >"$TMP/array.data"
for input in pretty.json array.data; do
    "$SIGVM" run -q -r "$AWS_RULES" "$TMP/$input" >"$TMP/m_$input"
    matches "$TMP/m_$input" | cmp -s "$TMP/want" - && ok || bad "$input: different matches"
done
"$SIGVM" run -q -r "$AWS_RULES" <"$TMP/all.ndjson" | matches /dev/stdin | cmp -s "$TMP/want" - && ok ||
    bad "stdin: different matches"
jq -e -s 'map(.line) | max > 1000' "$TMP/m_pretty.json" >/dev/null && ok || bad "lines in the pretty-printed document"
finish
