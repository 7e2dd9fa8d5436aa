# Every SigmaHQ rule file compiles on its own; the whole active pack compiles
# in one command; placeholder rules need a placeholder file and say so.
source "$(dirname "$0")/lib.sh"
need_shared
P=$SRC/tests/data/placeholders.yml
n=0
while IFS= read -r f; do
    n=$((n + 1))
    if grep -qE '\|expand' "$f"; then
        # Rules with placeholders: refused with a clear message, fine with a file.
        "$SIGVM" compile -o /dev/null "$f" 2>"$TMP/err" && bad "$f compiled without placeholders"
        grep -q "placeholder %.*% needs a placeholder file" "$TMP/err" && ok || bad "$f: message"
        expect_status 0 "$f with placeholders" "$SIGVM" compile -q -P "$P" -o /dev/null "$f"
    else
        "$SIGVM" compile -q -o /dev/null "$f" 2>"$TMP/err" && ok || bad "$f: $(head -1 "$TMP/err")"
    fi
done < <(find "$SIGMA/rules" "$SIGMA/rules-emerging-threats" "$SIGMA/rules-threat-hunting" \
              "$SIGMA/rules-compliance" -name '*.yml' | sort)
echo "rule files: $n"
[ "$n" -ge 3757 ] && ok || bad "expected at least 3757 rule files, found $n"

while IFS= read -r f; do
    expect_status 3 "$f without placeholders" "$SIGVM" compile -q -o /dev/null "$f" 2>/dev/null
    expect_status 0 "$f with placeholders" "$SIGVM" compile -q -P "$P" -o /dev/null "$f"
done < <(find "$SIGMA/rules-placeholder" -name '*.yml' | sort)

# All active rules into one pack with one command.
expect_status 0 "whole pack" "$SIGVM" compile -P "$P" -o "$TMP/all.pack" "$SIGMA/rules" \
    "$SIGMA/rules-emerging-threats" "$SIGMA/rules-threat-hunting" "$SIGMA/rules-compliance" \
    "$SIGMA/rules-placeholder"
"$SIGVM" disasm "$TMP/all.pack" >"$TMP/all.txt"
grep -c '^rule ' "$TMP/all.txt" | grep -qx 3780 && ok || bad "pack should hold 3780 rules"
finish
