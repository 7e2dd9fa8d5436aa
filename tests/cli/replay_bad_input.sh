# Nothing lost: the CloudTrail NDJSON with garbage lines mixed in gives the
# matches of the clean file, reports every bad line where it is, and the
# summary adds up; a truncated or corrupt compressed input is reported, the
# other inputs are read all the same, and nothing crashes.
source "$(dirname "$0")/lib.sh"
need_shared
EVENTS=$SHARED/corpus/events
AWS_RULES=$SIGMA/rules/cloud/aws
[ -f "$EVENTS/invictus_aws_cloudtrail.ndjson.gz" ] || { echo "SKIPPED: no CloudTrail events" >&2; exit 77; }
{ zcat "$EVENTS/invictus_aws_cloudtrail.ndjson.gz"; cat "$EVENTS/otrf_aws_cloudtrail.ndjson"; } >"$TMP/clean.ndjson"
good=$(wc -l <"$TMP/clean.ndjson")

# After every 250th event, the next kind of garbage; the expected messages
# ("LINE: reason") are written alongside.
garbage() { # KIND LINE_OF_A_GOOD_EVENT
    case $1 in
    0) echo 'not json at all' ;;
    1) printf '%s\n' "${2:0:70}" ;;                                        # a truncated object
    2) printf '%s\n' "$2" | sed 's/"eventName":"/"eventName":"\xff\xfe/' ;; # invalid UTF-8
    3) head -c 1000000 /dev/zero | tr '\0' '['; echo ;;                     # a million [
    4) printf '{"eventName":"a\0b"}\n' ;;                                   # a NUL byte
    5) echo '"a JSON string"' ;;
    6) echo '12345' ;;
    7) printf '\0\0\0\n' ;;
    esac
}
reasons=("event is not a JSON object" "truncated document" "invalid UTF-8 in string"
         "event is not a JSON object" "control character in string" "event is not a JSON object"
         "event is not a JSON object" "unexpected byte 0x00")
line=0 kind=0 n=0
: >"$TMP/want_errors"
while IFS= read -r event; do
    printf '%s\n' "$event"
    line=$((line + 1)) n=$((n + 1))
    if [ $((n % 250)) -eq 0 ]; then
        garbage $((kind % 8)) "$event"
        line=$((line + 1))
        echo "$line: ${reasons[$((kind % 8))]}" >>"$TMP/want_errors"
        kind=$((kind + 1))
    fi
done <"$TMP/clean.ndjson" >"$TMP/dirty.ndjson"
nbad=$kind
echo "garbage: $nbad bad lines among $good events"

"$SIGVM" run -r "$AWS_RULES" "$TMP/clean.ndjson" 2>/dev/null | jq -c '[.rule_id, .event]' | sort >"$TMP/want"
"$SIGVM" run -r "$AWS_RULES" "$TMP/dirty.ndjson" >"$TMP/out" 2>"$TMP/err"
rc=$?; [ $rc -eq 1 ] && ok || bad "skipped lines give exit 1 (exit $rc)"
jq -c '[.rule_id, .event]' "$TMP/out" | sort | cmp -s "$TMP/want" - && ok ||
    bad "the good events' matches changed"
# Each bad line reported once, with its line number and reason (a line of
# '[' opens a list, whose first element is what is wrong).
LC_ALL=C sed -En "s|^$TMP/dirty.ndjson:([0-9]+): (element 1: )?(.*) at byte [0-9]+; (line )?skipped\$|\1: \3|p" \
    "$TMP/err" >"$TMP/got_errors"
cmp -s "$TMP/want_errors" "$TMP/got_errors" && ok ||
    bad "bad-line messages: $(diff "$TMP/want_errors" "$TMP/got_errors" | head -20)"
# read = evaluated + skipped, for the input and for the run.
total=$((good + nbad))
grep -q "dirty.ndjson: $total events read = $good evaluated + $nbad skipped + 0 filtered" "$TMP/err" && ok ||
    bad "per-input summary: $(grep -v '^/' "$TMP/err" | tail -3)"
grep -q "sigvm run: $total events read = $good evaluated + $nbad skipped + 0 filtered; $(wc -l <"$TMP/want") matches" \
    "$TMP/err" && ok || bad "summary: $(tail -1 "$TMP/err")"

# One input shared by several threads: matches, record numbers, messages and
# counts as with one (bad lines in several of its batches).
for j in 1 2 4; do
    "$SIGVM" run -j $j --stats -r "$AWS_RULES" "$TMP/dirty.ndjson" >"$TMP/out.j$j" 2>"$TMP/err.j$j"
done
[ "$(wc -l <"$TMP/out.j1")" -gt 0 ] && cmp -s "$TMP/out.j1" "$TMP/out.j2" && cmp -s "$TMP/out.j1" "$TMP/out.j4" &&
    ok || bad "matches of one input depend on --jobs"
cmp -s "$TMP/err.j1" "$TMP/err.j2" && cmp -s "$TMP/err.j1" "$TMP/err.j4" && ok ||
    bad "messages of one input depend on --jobs: $(diff "$TMP/err.j1" "$TMP/err.j4" | head -5)"

# Threads cut spans of lines from a guess of where each starts: the same
# answers where a line is too long for a span (read document by document)
# and where a list opened mid-file makes every guess after it wrong.
{
    cat "$TMP/clean.ndjson"
    printf '{"eventName":"Long","pad":"%s"}\n' "$(head -c 20000000 /dev/zero | tr '\0' x)"
    cat "$TMP/clean.ndjson"
    echo '['
    sed 's/$/,/' "$TMP/clean.ndjson"
    echo '{"eventName":"last"}]'
    head -c 300000 "$TMP/clean.ndjson"
} >"$TMP/spans.ndjson"
for j in 1 2 4; do
    "$SIGVM" run -j $j --stats -r "$AWS_RULES" "$TMP/spans.ndjson" >"$TMP/out.j$j" 2>"$TMP/err.j$j"
done
[ "$(wc -l <"$TMP/out.j1")" -gt "$(wc -l <"$TMP/want")" ] && cmp -s "$TMP/out.j1" "$TMP/out.j2" &&
    cmp -s "$TMP/out.j1" "$TMP/out.j4" && ok || bad "matches of spans depend on --jobs"
cmp -s "$TMP/err.j1" "$TMP/err.j2" && cmp -s "$TMP/err.j1" "$TMP/err.j4" && ok ||
    bad "messages of spans depend on --jobs: $(diff "$TMP/err.j1" "$TMP/err.j4" | head -5)"
# ... and through a pipe, read in spans as it arrives (the file named by
# its path is mapped, the pipe read: both give the same).
cat "$TMP/spans.ndjson" | "$SIGVM" run -j 4 -r "$AWS_RULES" - 2>/dev/null | jq -c 'del(.input)' >"$TMP/out.pipe"
jq -c 'del(.input)' "$TMP/out.j1" | cmp -s - "$TMP/out.pipe" && ok || bad "matches of spans through a pipe differ"

# A truncated .gz between two good inputs: reported with the input's name,
# counted, and the inputs on either side are read whole.
gzip -c "$TMP/clean.ndjson" >"$TMP/whole.gz"
head -c $(($(stat -c %s "$TMP/whole.gz") / 2)) "$TMP/whole.gz" >"$TMP/cut.gz"
jq -c -s '{Records: .}' "$TMP/clean.ndjson" | zstd -q -c >"$TMP/whole.zst"
head -c 20000 "$TMP/whole.zst" >"$TMP/cut.zst"
cp "$TMP/whole.gz" "$TMP/corrupt.gz"
printf '\xde\xad\xbe\xef\xde\xad\xbe\xef' | dd of="$TMP/corrupt.gz" bs=1 seek=5000 conv=notrunc status=none
"$SIGVM" run -j 3 -r "$AWS_RULES" "$TMP/clean.ndjson" "$TMP/cut.gz" "$TMP/cut.zst" "$TMP/corrupt.gz" \
    "$TMP/whole.gz" >"$TMP/out" 2>"$TMP/err"
rc=$?; [ $rc -eq 1 ] && ok || bad "damaged inputs give exit 1 (exit $rc): $(tail -3 "$TMP/err")"
grep -q "cut.gz: after line [0-9]*: truncated gzip stream" "$TMP/err" && ok || bad "truncated gzip: $(cat "$TMP/err")"
grep -q "cut.zst: after line 1: truncated zstd stream" "$TMP/err" && ok || bad "truncated zstd: $(cat "$TMP/err")"
grep -q "corrupt.gz: after line [0-9]*: corrupt gzip data" "$TMP/err" && ok || bad "corrupt gzip: $(cat "$TMP/err")"
for whole in clean.ndjson whole.gz; do
    jq -c --arg i "$TMP/$whole" 'select(.input == $i) | [.rule_id, .event]' "$TMP/out" | sort |
        cmp -s "$TMP/want" - && ok || bad "$whole not read whole next to damaged inputs"
done
grep -q "3 of 5 inputs unreadable or damaged" "$TMP/err" && ok || bad "damaged count: $(tail -1 "$TMP/err")"
"$SIGVM" run -r "$AWS_RULES" "$TMP/nonexistent.ndjson" "$TMP/clean.ndjson" >/dev/null 2>"$TMP/err"
rc=$?; [ $rc -eq 1 ] && ok || bad "missing input: exit $rc"
grep -q "nonexistent.ndjson: No such file or directory" "$TMP/err" && ok || bad "missing input: $(cat "$TMP/err")"
finish
