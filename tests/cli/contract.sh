# The command line: help, exit statuses, diagnostics, damaged packs.
source "$(dirname "$0")/lib.sh"
for c in compile run disasm; do
    "$SIGVM" $c --help >"$TMP/h" && grep -q "usage: sigvm $c" "$TMP/h" && ok || bad "$c --help"
done
"$SIGVM" --help >"$TMP/h"
grep -q "exit status" "$TMP/h" && ok || bad "--help lists exit statuses"
expect_status 2 "unknown command" "$SIGVM" frobnicate 2>/dev/null
expect_status 2 "run without rules" "$SIGVM" run /dev/null 2>/dev/null
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
[ "$(wc -l <"$TMP/out")" -eq 3 ] && ok || bad "bundled samples: $(wc -l <"$TMP/out") matches"
grep -q "aws_cloudtrail.ndjson: profile cloudtrail" "$TMP/err" && ok || bad "profile: $(cat "$TMP/err")"
grep -q "azure_activity.ndjson: profile azure-activity" "$TMP/err" && ok || bad "profile: $(cat "$TMP/err")"
finish
