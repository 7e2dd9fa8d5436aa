# Legacy v1 aggregations are refused with a message naming the construct;
# nothing in unsupported/ crashes.
source "$(dirname "$0")/lib.sh"
need_shared
n=0
while IFS= read -r f; do
    n=$((n + 1))
    "$SIGVM" compile -o /dev/null "$f" 2>"$TMP/err"
    rc=$?
    [ $rc -eq 3 ] && ok || bad "$f: exit $rc"
    grep -qE "legacy (aggregation '\| [a-z]+|'near')" "$TMP/err" && ok || bad "$f: $(cat "$TMP/err")"
done < <(grep -lrE '\|\s*(count|min|max|avg|sum)\(|\bnear\b' "$SIGMA/unsupported" --include='*.yml')
[ "$n" -eq 54 ] && ok || bad "expected 54 legacy-aggregation files, found $n"
for f in $(find "$SIGMA/unsupported" "$SIGMA/deprecated" -name '*.yml'); do
    "$SIGVM" compile -q -o /dev/null "$f" 2>/dev/null
    rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 3 ] && ok || bad "$f: exit $rc"
done
finish
