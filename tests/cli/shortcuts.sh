# Rule guards and the literal prefilter change how much work an event costs,
# never what matches: a slice of real Windows and CloudTrail events gives
# byte-identical output with them (the default) and without (--no-shortcuts).
source "$(dirname "$0")/lib.sh"
need_shared
EVENTS=$SHARED/corpus/events
zcat "$EVENTS/otrf_windows_flat.ndjson.gz" | head -n 20000 >"$TMP/win.ndjson" || true
"$SIGVM" compile -q --profile windows-flat -P "$SRC/tests/data/placeholders.yml" -o "$TMP/win.pack" \
    "$SIGMA/rules/windows" "$SIGMA/rules-emerging-threats" "$SIGMA/rules-threat-hunting/windows"
"$SIGVM" compile -q --profile cloudtrail -o "$TMP/aws.pack" "$SIGMA/rules/cloud/aws"
same() { # pack events
    "$SIGVM" run -q -j1 -p "$1" "$2" >"$TMP/fast"
    "$SIGVM" run -q -j1 --no-shortcuts -p "$1" "$2" >"$TMP/slow"
    local n
    n=$(wc -l <"$TMP/fast")
    echo "$(basename "$1"): $n matches either way"
    [ "$n" -gt 0 ] && cmp -s "$TMP/fast" "$TMP/slow" && ok || bad "$1: outputs differ ($n vs $(wc -l <"$TMP/slow"))"
}
same "$TMP/win.pack" "$TMP/win.ndjson"
same "$TMP/aws.pack" "$EVENTS/invictus_aws_cloudtrail.ndjson.gz"
# The guards are in the pack for everyone to see.
"$SIGVM" disasm "$TMP/aws.pack" >"$TMP/d"
grep -q "^  guard: t[0-9]" "$TMP/d" && ok || bad "no guard in the listing"
finish
