# The command line: help, exit statuses, diagnostics, damaged packs.
source "$(dirname "$0")/lib.sh"
for c in compile run disasm; do
    "$SIGVM" $c --help >"$TMP/h" && grep -q "usage: sigvm $c" "$TMP/h" && ok || bad "$c --help"
done
"$SIGVM" --help >"$TMP/h"
grep -q "exit status" "$TMP/h" && ok || bad "--help lists exit statuses"
expect_status 2 "unknown command" "$SIGVM" frobnicate 2>/dev/null
expect_status 2 "run without rules" "$SIGVM" run /dev/null 2>/dev/null
expect_status 3 "missing rule path" "$SIGVM" run -r "$TMP/no-such-rules" /dev/null 2>/dev/null
expect_status 2 "unknown option" "$SIGVM" compile --nope x 2>/dev/null

# A bad rule: file:line:col, exit 3; with -k the good rule still compiles.
mkdir -p "$TMP/rules"
cp "$SRC/corpus/rules/cloud/aws_vpc_flow_logs_deleted.yml" "$TMP/rules/good.yml"
printf 'title: bad\nlogsource: {product: x}\ndetection:\n  sel:\n    A|bogus: 1\n  condition: sel\n' \
    >"$TMP/rules/bad.yml"
"$SIGVM" compile -o "$TMP/p" "$TMP/rules" 2>"$TMP/err"
rc=$?; [ $rc -eq 3 ] && ok || bad "bad rule refused (exit $rc)"
grep -q "bad.yml:5:5: error: unknown modifier 'bogus'" "$TMP/err" && ok || bad "diag: $(cat "$TMP/err")"
[ ! -e "$TMP/p" ] && ok || bad "no pack without -k"
"$SIGVM" compile -k -o "$TMP/p" "$TMP/rules" 2>/dev/null
rc=$?; [ $rc -eq 3 ] && ok || bad "-k still reports (exit $rc)"
"$SIGVM" disasm "$TMP/p" >"$TMP/d"
grep -q "AWS VPC Flow Logs Deleted" "$TMP/d" && ok || bad "-k pack holds the good rule"

# Damaged packs are refused with a message, never run.
size=$(stat -c %s "$TMP/p")
for cut in 0 7 19 40 $((size / 2)) $((size - 1)); do
    head -c "$cut" "$TMP/p" >"$TMP/cut"
    "$SIGVM" run -p "$TMP/cut" /dev/null 2>"$TMP/err"
    rc=$?
    [ $rc -eq 3 ] && grep -q "pack" "$TMP/err" && ok || bad "truncated to $cut: exit $rc"
done
for at in 0 12 30 $((size / 2)) $((size - 1)); do
    cp "$TMP/p" "$TMP/flip"
    printf '\xff' | dd of="$TMP/flip" bs=1 seek="$at" conv=notrunc status=none
    "$SIGVM" run -p "$TMP/flip" /dev/null 2>"$TMP/err"
    rc=$?
    [ $rc -eq 3 ] && ok || bad "byte $at flipped: exit $rc"
done

# Quick start data: the bundled pack over the bundled samples, each file's
# profile chosen from its events.
"$SIGVM" run -r "$SRC/corpus/rules" "$SRC"/corpus/events/*.ndjson >"$TMP/out" 2>"$TMP/err"
[ "$(wc -l <"$TMP/out")" -eq 7 ] && ok || bad "bundled samples: $(wc -l <"$TMP/out") matches"
grep -q "aws_cloudtrail.ndjson: profile cloudtrail" "$TMP/err" && ok || bad "profile: $(cat "$TMP/err")"
grep -q "azure_activity.ndjson: profile azure-activity" "$TMP/err" && ok || bad "profile: $(cat "$TMP/err")"
grep -q "kubernetes_audit.ndjson: profile k8s-audit" "$TMP/err" && ok || bad "profile: $(cat "$TMP/err")"
# Every seed rule fires on the samples, the Panther-style one with its title.
for id in 43a8e7f1-416d-4114-858b-a4a82b9d09bc 0f5d7b3e-8c41-4a2e-9d6b-3e1f2a7c9b54 \
    AWS.VPCFlow.LogsDeleted b76c7a68-bbc5-4e0c-b56b-09f538e7c6d7 \
    699f5553-cf30-414a-91cc-b67bad960ecb 5c2e9a41-7d3b-4f68-a1e0-8b6d4c2f7e19; do
    jq -se --arg id "$id" 'any(.[]; .rule_id == $id)' "$TMP/out" >/dev/null && ok || bad "$id did not fire"
done
jq -se 'any(.[]; .rule_id == "AWS.VPCFlow.LogsDeleted" and
                 (.title | startswith("VPC flow logs deleted by arn:")))' "$TMP/out" >/dev/null && ok ||
    bad "rendered alert title"
finish
