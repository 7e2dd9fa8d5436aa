# `sigvm test`: the bundled seed pack passes its own tests; a deliberately
# broken copy of a seed rule fails with an explain trace; JUnit XML agrees
# with the summary line; SigmaHQ's regression data is run and reported.
source "$(dirname "$0")/lib.sh"
CLOUD=$SRC/corpus/rules/cloud

xml_ok() {
    if command -v python3 >/dev/null; then
        python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$1"
    else
        xmllint --noout "$1"
    fi
}
# junit_counts FILE: "N M" from the <testsuites> element.
junit_counts() {
    sed -n 's/^<testsuites name="sigvm test" tests="\([0-9]*\)" failures="\([0-9]*\)">$/\1 \2/p' "$1"
}

"$SIGVM" test --help | grep -q "usage: sigvm test" && ok || bad "test --help"
"$SIGVM" --help | grep -q "  test " && ok || bad "top-level usage names test"
expect_status 2 "test without a path" "$SIGVM" test 2>/dev/null

# The seed pack: every rule has tests, all pass.
"$SIGVM" test -v --junit "$TMP/seed.xml" "$SRC/corpus" >"$TMP/out" 2>"$TMP/err"
rc=$?; [ $rc -eq 0 ] && ok || bad "seed pack: exit $rc: $(cat "$TMP/out" "$TMP/err")"
read -r pass fail < <(tail -n 1 "$TMP/out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
[ "${pass:-0}" -ge 10 ] && [ "${fail:-1}" -eq 0 ] && ok || bad "seed pack: $(tail -n 1 "$TMP/out")"
for f in "$CLOUD"/*.yml; do # every rule file has at least one positive and one negative test
    grep -q "^ok   $f: " "$TMP/out" && ok || bad "no passing test for $f"
done
xml_ok "$TMP/seed.xml" && ok || bad "seed JUnit not well-formed"
[ "$(junit_counts "$TMP/seed.xml")" = "$pass 0" ] && ok || bad "seed JUnit: $(junit_counts "$TMP/seed.xml")"

# A broken copy of a Sigma seed rule: the failure names the test and shows
# which search held.
mkdir "$TMP/broken"
sed 's/eventName: DeleteFlowLogs/eventName: DeleteFlowLog/' "$CLOUD/aws_vpc_flow_logs_deleted.yml" \
    >"$TMP/broken/aws_vpc_flow_logs_deleted.yml"
cp "$CLOUD"/aws_vpc_flow_logs_deleted.*match.ndjson "$TMP/broken/"
"$SIGVM" test --junit "$TMP/broken.xml" "$TMP/broken" >"$TMP/out" 2>"$TMP/err"
rc=$?; [ $rc -eq 1 ] && ok || bad "broken rule: exit $rc"
[ "$(tail -n 1 "$TMP/out")" = "2 passed, 1 failed" ] && ok || bad "broken: $(tail -n 1 "$TMP/out")"
grep -q "^FAIL $TMP/broken/aws_vpc_flow_logs_deleted.yml: AWS VPC Flow Logs Deleted: .*match.ndjson:1$" \
    "$TMP/out" && ok || bad "FAIL line: $(cat "$TMP/out")"
grep -q "^    expected a match, got none$" "$TMP/out" && ok || bad "message: $(cat "$TMP/out")"
grep -q "^    condition: false$" "$TMP/out" && ok || bad "trace root: $(cat "$TMP/out")"
grep -q "^      selection (line 19): false$" "$TMP/out" && ok || bad "trace: $(cat "$TMP/out")"
grep -q "^      failed (line 22): false$" "$TMP/out" && ok || bad "trace: $(cat "$TMP/out")"
xml_ok "$TMP/broken.xml" && ok || bad "broken JUnit not well-formed"
[ "$(junit_counts "$TMP/broken.xml")" = "3 1" ] && ok || bad "broken JUnit: $(junit_counts "$TMP/broken.xml")"
grep -q '<failure message="expected a match, got none">' "$TMP/broken.xml" && ok || bad "JUnit failure"

# A broken copy of the Panther seed rule: the trace names each expression.
sed 's/Condition: IsNullOrEmpty/Condition: IsNotNullOrEmpty/' \
    "$CLOUD/aws_vpc_flow_logs_deleted.panther.yml" >"$TMP/broken/panther.yml"
"$SIGVM" test "$TMP/broken/panther.yml" >"$TMP/out" 2>"$TMP/err"
rc=$?; [ $rc -eq 1 ] && ok || bad "broken Panther rule: exit $rc"
grep -q "^FAIL $TMP/broken/panther.yml: AWS VPC Flow Logs Removed: Logs Deleted$" "$TMP/out" && ok ||
    bad "Panther FAIL line: $(cat "$TMP/out")"
grep -q "^      Key eventName Equals DeleteFlowLogs (line 28): true$" "$TMP/out" && ok ||
    bad "Panther trace: $(cat "$TMP/out")"
grep -q "^      Key errorCode IsNotNullOrEmpty (line 34): false$" "$TMP/out" && ok ||
    bad "Panther trace: $(cat "$TMP/out")"

# SigmaHQ: every rule file read with its regression data, the results
# reported (run through the evtx-json profile, the layout of those events).
need_shared
"$SIGVM" test -q -P "$SRC/tests/data/placeholders.yml" --junit "$TMP/sigmahq.xml" \
    "$SIGMA"/rules* >"$TMP/out" 2>"$TMP/err"
line=$(tail -n 1 "$TMP/out")
echo "SigmaHQ regression data: $line"
read -r pass fail < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' <<<"$line")
n=$(jq -c 'select(.test_type == "evtx")' "$SIGMA/regression_oracle.ndjson" | wc -l)
[ "$((${pass:-0} + ${fail:-0}))" -eq "$n" ] && ok || bad "SigmaHQ: '$line', expected $n tests"
[ "${fail:-1}" -eq 0 ] && ok || bad "SigmaHQ regression failures: $(grep -A3 '^FAIL' "$TMP/out" | head -40)"
xml_ok "$TMP/sigmahq.xml" && ok || bad "SigmaHQ JUnit not well-formed"
[ "$(junit_counts "$TMP/sigmahq.xml")" = "$pass $fail" ] && ok || bad "SigmaHQ JUnit counts"
finish
