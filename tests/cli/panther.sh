# Panther-style YAML detections: every Tests: block of the Panther fixtures
# passes, each invalid fixture is refused with FILE:LINE:COL, and the JUnit
# report of the run is well-formed with the counts of the summary line.
source "$(dirname "$0")/lib.sh"
PANTHER=$SHARED/corpus/panther
[ -d "$PANTHER/simple-detections" ] || { echo "SKIPPED: $PANTHER not found" >&2; exit 77; }

# xml_ok FILE: well-formed XML (python3's parser, or xmllint).
xml_ok() {
    if command -v python3 >/dev/null; then
        python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$1"
    else
        xmllint --noout "$1"
    fi
}

"$SIGVM" test --junit "$TMP/junit.xml" "$PANTHER/simple-detections/valid" "$PANTHER/rules" \
    >"$TMP/out" 2>"$TMP/err"
rc=$?; [ $rc -eq 0 ] && ok || bad "fixtures: exit $rc: $(tail -n 20 "$TMP/out") $(cat "$TMP/err")"
last=$(tail -n 1 "$TMP/out")
[ "$last" = "104 passed, 0 failed" ] && ok || bad "fixtures: '$last'"
xml_ok "$TMP/junit.xml" && ok || bad "JUnit XML not well-formed"
grep -q '<testsuites name="sigvm test" tests="104" failures="0">' "$TMP/junit.xml" && ok ||
    bad "JUnit counts: $(head -n 2 "$TMP/junit.xml")"
[ "$(grep -c '<testcase ' "$TMP/junit.xml")" -eq 104 ] && ok || bad "JUnit testcases"

# Each invalid file: refused by test and compile, with a message naming the place.
declare -A why=(
    [invalid_asana_team_privacy.yml]="DeepKey is a list of keys"
    [invalid_gcp_gcs_public.yml]="a rule has a Detection (YAML) or a Filename (Python), not both"
)
for f in "$PANTHER"/simple-detections/invalid/*.yml; do
    name=$(basename "$f")
    "$SIGVM" test "$f" >"$TMP/out" 2>"$TMP/err"
    rc=$?; [ $rc -eq 3 ] && ok || bad "$name: test exit $rc"
    grep -q "^$f:[0-9]*:[0-9]*: error: ${why[$name]:-}" "$TMP/err" && ok || bad "$name: $(cat "$TMP/err")"
    [ "$(tail -n 1 "$TMP/out")" = "0 passed, 1 failed" ] && ok || bad "$name: $(tail -n 1 "$TMP/out")"
    expect_status 3 "$name: compile" "$SIGVM" compile -q "$f" 2>/dev/null
done
grep -q "unknown key 'Extra' in a match expression" <("$SIGVM" test \
    "$PANTHER/simple-detections/invalid/invalid_asana_team_privacy.yml" 2>&1) && ok ||
    bad "asana: the extra key is named too"

# A Panther rule runs like any other: its InlineFilters let through events
# that pass them or lack their field, AlertTitle and DynamicSeverities shape
# the match record.
printf '%s\n' '{"userAgent":"Max","actionName":"Beans"}' '{"userAgent":"Max","actionName":"Tea"}' \
    '{"userAgent":"Max"}' '{"userAgent":"John","actionName":"Beans"}' >"$TMP/ev.ndjson"
"$SIGVM" run --profile none -r "$PANTHER/simple-detections/valid/test.rule.with.dynamic.funcs.yml" \
    "$TMP/ev.ndjson" >"$TMP/out" 2>"$TMP/err"
[ "$(jq -r .record "$TMP/out" | tr '\n' ' ')" = "1 3 " ] && ok || bad "matches: $(cat "$TMP/out")"
jq -se '.[0].rule_id == "basic.rule.with.dynamic.funcs" and .[0].title == "The user agent was Max"
        and .[0].level == "high" and .[1].level == "medium"' "$TMP/out" >/dev/null && ok ||
    bad "match records: $(cat "$TMP/out")"
finish
