# SigmaHQ's VPC flow-log deletion rule on CloudTrail events, and the CLI
# contract around it: output fields, record numbers, bad lines, packs.
source "$(dirname "$0")/lib.sh"
need_shared
RULE=$(find "$SIGMA/rules" -name aws_cloudtrail_vpc_flow_logs_deleted.yml)
cat >"$TMP/ev.ndjson" <<'JSON'
{"eventSource":"ec2.amazonaws.com","eventName":"DeleteFlowLogs","awsRegion":"us-east-1"}
{"eventSource":"ec2.amazonaws.com","eventName":"DeleteFlowLogs","errorCode":"Client.UnauthorizedOperation"}
JSON
"$SIGVM" run -r "$RULE" "$TMP/ev.ndjson" >"$TMP/out" 2>"$TMP/err"
rc=$?; [ $rc -eq 0 ] && ok || bad "run exit status (exit $rc)"
[ "$(wc -l <"$TMP/out")" -eq 1 ] && ok || bad "one match expected: $(cat "$TMP/out")"
jq -e '.rule_id == "e386b9b5-af12-450e-afff-761730fb8a98" and .record == 1 and .input != null
       and .title == "AWS VPC Flow Logs Deleted" and .level == "high"
       and .event.eventName == "DeleteFlowLogs" and (.event | has("errorCode") | not)' \
    "$TMP/out" >/dev/null && ok || bad "match record: $(cat "$TMP/out")"

# stdin, a bad line in the middle: reported with input:line, counted, skipped.
printf '%s\n' '{"eventName":"x"}' 'not json' '' \
    '{"eventSource":"ec2.amazonaws.com","eventName":"DeleteFlowLogs"}' >"$TMP/mixed.ndjson"
"$SIGVM" run -r "$RULE" <"$TMP/mixed.ndjson" >"$TMP/out" 2>"$TMP/err"
rc=$?; [ $rc -eq 1 ] && ok || bad "bad line gives exit 1 (exit $rc)"
grep -q '^-:2: ' "$TMP/err" && ok || bad "bad line message: $(cat "$TMP/err")"
grep -q '3 events read = 2 evaluated + 1 skipped + 0 filtered' "$TMP/err" && ok || bad "summary: $(cat "$TMP/err")"
jq -e '.record == 2 and .line == 4 and .input == "-"' "$TMP/out" >/dev/null && ok ||
    bad "record/line after a bad line: $(cat "$TMP/out")"

# compile -o then run -p gives the same matches as run -r.
expect_status 0 "compile -o" "$SIGVM" compile -q -o "$TMP/r.pack" "$RULE"
"$SIGVM" run -q -p "$TMP/r.pack" "$TMP/ev.ndjson" >"$TMP/out_p"
"$SIGVM" run -q -r "$RULE" "$TMP/ev.ndjson" >"$TMP/out_r"
cmp -s "$TMP/out_p" "$TMP/out_r" && ok || bad "pack and rules disagree"

# gzip input is recognised by content.
gzip -c "$TMP/ev.ndjson" >"$TMP/ev.data"
"$SIGVM" run -q -r "$RULE" "$TMP/ev.data" | jq -e '.record == 1' >/dev/null && ok || bad "gzip input"
finish
