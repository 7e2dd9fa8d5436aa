# Field mappings and profiles: the same events in three layouts give the same
# matches; Winlogbeat 6 works through the example mapping file; pySigma
# pipelines; rules of unknown logsources are counted, skipped or run.
source "$(dirname "$0")/lib.sh"
need_shared
ORACLE=$SIGMA/regression_oracle.ndjson

# SigmaHQ's regression events as evtx_dump wrote them, flattened (NXLog
# style) and in Winlogbeat 6 layout; the rules those events test.
jq -c 'select(.test_type == "evtx") | .events[]' "$ORACLE" >"$TMP/evtx.ndjson"
jq -c '.Event as $e | ($e.System) as $s
       | ($e.EventData // {}) + (($e.UserData // {}) | [.[]] | add // {})
       + {EventID: $s.EventID, Channel: $s.Channel, Computer: $s.Computer,
          Provider_Name: $s.Provider["#attributes"].Name}' "$TMP/evtx.ndjson" >"$TMP/flat.ndjson"
jq -c '.Event as $e | ($e.System) as $s
       | {event_id: $s.EventID, log_name: $s.Channel, computer_name: $s.Computer,
          source_name: $s.Provider["#attributes"].Name, event_data: ($e.EventData // {}),
          user_data: (($e.UserData // {}) | [.[]] | add // {})}' "$TMP/evtx.ndjson" >"$TMP/wlb6.ndjson"
rules=()
while IFS= read -r p; do rules+=(-r "$SIGMA/$p"); done < <(jq -r 'select(.test_type == "evtx") | .rule_path' "$ORACLE" | sort -u)

matches() { # layout file, then sigvm options: "rule_id record" per match, sorted
    local file=$1
    shift
    "$SIGVM" run -q "$@" "${rules[@]}" "$file" | jq -r '"\(.rule_id) \(.record)"' | sort
}
matches "$TMP/evtx.ndjson" --profile evtx-json >"$TMP/m_evtx"
matches "$TMP/flat.ndjson" --profile windows-flat >"$TMP/m_flat"
matches "$TMP/wlb6.ndjson" --mapping "$SRC/corpus/mappings/winlogbeat6.yml" >"$TMP/m_wlb6"
n=$(wc -l <"$TMP/m_evtx")
echo "regression events: $n matches in evtx-json layout"
[ "$n" -ge 202 ] && ok || bad "too few matches: $n"
cmp -s "$TMP/m_evtx" "$TMP/m_flat" && ok || bad "evtx-json and windows-flat differ: $(diff "$TMP/m_evtx" "$TMP/m_flat" | head -5)"
cmp -s "$TMP/m_evtx" "$TMP/m_wlb6" && ok || bad "evtx-json and winlogbeat6 differ: $(diff "$TMP/m_evtx" "$TMP/m_wlb6" | head -5)"
# The flat layout is recognised without flags.
"$SIGVM" run "${rules[@]}" "$TMP/flat.ndjson" 2>"$TMP/err" >/dev/null
grep -q "flat.ndjson: profile windows-flat" "$TMP/err" && ok || bad "windows-flat not chosen"

# Winlogbeat 6 sample: the whole file through the example mapping.
"$SIGVM" run --mapping "$SRC/corpus/mappings/winlogbeat6.yml" -P "$SRC/tests/data/placeholders.yml" \
    -r "$SIGMA/rules/windows" "$SHARED/corpus/events/otrf_windows_winlogbeat6.ndjson.gz" \
    >"$TMP/wlb6_out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && ok || bad "winlogbeat6 run: exit $rc $(tail -2 "$TMP/err")"
grep -q "28473 events read = 28473 evaluated + 0 skipped + 0 filtered; [1-9][0-9]* matches" "$TMP/err" && ok || bad "winlogbeat6: $(tail -1 "$TMP/err")"
# Process-creation rules fire only on process-creation events (Sysmon 1, Security 4688).
jq -e -s 'map(select(.title | test("Whoami|Net.exe|Reg.exe"; "i")) | .event.event_id)
          | all(. == 1 or . == 4688)' "$TMP/wlb6_out" >/dev/null && ok || bad "process rules on other events"

# A pySigma pipeline: fields renamed and a condition added for one logsource.
mkdir -p "$TMP/r"
cat >"$TMP/r/proc.yml" <<'YAML'
title: whoami
logsource: {product: windows, category: process_creation}
detection:
    sel:
        Image|endswith: '\whoami.exe'
    condition: sel
YAML
printf '%s\n' '{"event":{"kind":"process_start"},"proc":{"path":"C:\\W\\whoami.exe"}}' \
    '{"event":{"kind":"file_write"},"proc":{"path":"C:\\W\\whoami.exe"}}' \
    '{"Image":"C:\\W\\whoami.exe"}' >"$TMP/edr.ndjson"
out=$("$SIGVM" run -q --profile none --mapping "$SRC/tests/data/pipeline.yml" -r "$TMP/r" "$TMP/edr.ndjson" | jq -r .record)
[ "$out" = "1" ] && ok || bad "pipeline mapping: records '$out'"

# Unknown logsource: counted and skipped by default, run with --unmapped=run.
cat >"$TMP/r/other.yml" <<'YAML'
title: other
logsource: {product: acme, service: widgets}
detection:
    sel:
        Image|endswith: '\whoami.exe'
    condition: sel
YAML
"$SIGVM" run --profile windows-flat -r "$TMP/r/other.yml" "$TMP/edr.ndjson" >"$TMP/o" 2>"$TMP/err"
grep -q "1 rules have a logsource that profile windows-flat does not know: skipped" "$TMP/err" && ok ||
    bad "unmapped message: $(cat "$TMP/err")"
[ ! -s "$TMP/o" ] && ok || bad "unmapped rule ran"
n=$("$SIGVM" run -q --profile windows-flat --unmapped=run -r "$TMP/r/other.yml" "$TMP/edr.ndjson" | wc -l)
[ "$n" -eq 1 ] && ok || bad "--unmapped=run: $n matches"
expect_status 3 "unknown profile" "$SIGVM" run -q --profile nope -r "$TMP/r" "$TMP/edr.ndjson"
expect_status 2 "bad --unmapped" "$SIGVM" run --unmapped=maybe -r "$TMP/r" "$TMP/edr.ndjson"
"$SIGVM" profiles >"$TMP/p"
grep -q "^evtx-json " "$TMP/p" && ok || bad "sigvm profiles"
finish
