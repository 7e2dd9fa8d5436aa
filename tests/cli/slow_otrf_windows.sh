# Every active SigmaHQ Windows rule over the OTRF Windows corpus (993,827
# events, every field at the top level) with the windows-flat profile: the
# replay completes, nothing is skipped, and the rules that fire most fire on
# events of their own logsource.
source "$(dirname "$0")/lib.sh"
need_shared
EVENTS=$SHARED/corpus/events/otrf_windows_flat.ndjson.gz
"$SIGVM" run --profile windows-flat -P "$SRC/tests/data/placeholders.yml" \
    -r "$SIGMA/rules/windows" -r "$SIGMA/rules-emerging-threats" \
    -r "$SIGMA/rules-threat-hunting/windows" -r "$SIGMA/rules-compliance" \
    -r "$SIGMA/rules-placeholder/windows" "$EVENTS" >"$TMP/out" 2>"$TMP/err"
rc=$?
tail -1 "$TMP/err"
[ $rc -eq 0 ] && ok || bad "exit $rc: $(tail -3 "$TMP/err")"
grep -q "sigvm run: 993827 events read = 993827 evaluated + 0 skipped + 0 filtered; [0-9]* matches; 0 of 1 inputs unreadable" "$TMP/err" &&
    ok || bad "summary: $(tail -1 "$TMP/err")"
echo "most frequent rules:"
jq -r '.title' "$TMP/out" | sort | uniq -c | sort -rn | head -20
# Sysmon-category rules fire on Sysmon events only, Security rules on the
# Security channel only.
jq -r 'select(.title | test("^(Potential Credential Dumping Attempt Via PowerShell|Scheduled Task Created - Registry)$"))
       | .event.Channel' "$TMP/out" | sort -u >"$TMP/ch"
[ "$(cat "$TMP/ch")" = "Microsoft-Windows-Sysmon/Operational" ] && ok || bad "sysmon rules on: $(cat "$TMP/ch")"
jq -r 'select(.title | test("^(User Logoff Event|Password Policy Enumerated)$")) | .event.Channel' \
    "$TMP/out" | sort -u | tr 'A-Z' 'a-z' | sort -u >"$TMP/ch"
[ "$(cat "$TMP/ch")" = "security" ] && ok || bad "security rules on: $(cat "$TMP/ch")"
finish
