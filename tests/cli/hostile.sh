# Hostile input end to end: every case below ends in a clear message or the
# right result, quickly, with no crash (and, in the sanitizer build, no
# sanitizer report, which would change the exit status).
source "$(dirname "$0")/lib.sh"

cat >"$TMP/rule.yml" <<'YML'
title: hostile
id: hostile-1
logsource: {product: test}
detection:
    tail:
        CommandLine|endswith: needle
    big:
        EventID|gt: 1000
    condition: tail or big
---
title: catastrophic
id: hostile-2
logsource: {product: test}
detection:
    re:
        Payload|re: '^(a+)+$'
    condition: re
YML
run() { "$SIGVM" run --profile none -r "$TMP/rule.yml" "$@"; }
# matches FILE: the rule ids matched, in order, one per line (not with jq,
# which refuses the lone surrogates of an event copied verbatim).
matches() { run "$1" 2>"$TMP/err" | LC_ALL=C sed -n 's/^{"rule_id":"\([^"]*\)".*/\1/p'; }

# Nesting a million deep: a message naming the limit, the line skipped.
{ printf '{"a":'; head -c 1000000 /dev/zero | tr '\0' '['; echo; echo '{"CommandLine":"a needle"}'; } \
    >"$TMP/deep.ndjson"
[ "$(matches "$TMP/deep.ndjson")" = hostile-1 ] && ok || bad "deep nesting: the next line still matches"
grep -q "deep.ndjson:1: nesting deeper than 512 at byte" "$TMP/err" && ok || bad "deep: $(head -c 300 "$TMP/err")"
expect_status 1 "deep nesting counts as a skipped line" run "$TMP/deep.ndjson" >/dev/null 2>&1

# A 50 MB string is an ordinary value.
{ printf '{"CommandLine":"'; head -c 50000000 /dev/zero | tr '\0' x; echo ' needle"}'; } >"$TMP/big.ndjson"
[ "$(matches "$TMP/big.ndjson")" = hostile-1 ] && ok || bad "50 MB string: $(head -c 300 "$TMP/err")"

# A line over the line limit (64 MiB) is reported and skipped, not buffered forever.
{ printf '{"CommandLine":"'; head -c 70000000 /dev/zero | tr '\0' x; echo ' needle"}'; echo '{"EventID":4688}'; } \
    >"$TMP/long.ndjson"
[ "$(matches "$TMP/long.ndjson")" = hostile-1 ] && ok || bad "over-long line: the next line still matches"
grep -q "long.ndjson:1: line longer than the limit" "$TMP/err" && ok || bad "long: $(head -c 300 "$TMP/err")"

# A last line without its newline that fills the read buffer (1 MiB)
# exactly was read from the buffer the reader had just reallocated.
{ printf '{"CommandLine":"'; head -c $((1048576 - 25)) /dev/zero | tr '\0' x; printf ' needle"}'; } >"$TMP/exact.ndjson"
[ "$(matches "$TMP/exact.ndjson")" = hostile-1 ] && ok || bad "1 MiB last line: $(head -c 300 "$TMP/err")"

# Invalid UTF-8 is a damaged event, reported and skipped (issue 6); lone
# surrogates are values like any other (the third value ends in a NUL, not
# in the needle).
printf '{"CommandLine":"\xff\xfe\xc3 needle"}\n{"CommandLine":"\\ud800 \\udfff needle"}\n{"CommandLine":"\\ud83d needle\\u0000"}\n' \
    >"$TMP/utf8.ndjson"
[ "$(matches "$TMP/utf8.ndjson" | tr '\n' ' ')" = "hostile-1 " ] && ok ||
    bad "invalid UTF-8 and surrogates: $(matches "$TMP/utf8.ndjson" | tr '\n' ' ') $(cat "$TMP/err")"
grep -q "utf8.ndjson:1: invalid UTF-8 in string at byte 17; line skipped" "$TMP/err" && ok ||
    bad "invalid UTF-8: $(cat "$TMP/err")"

# A raw NUL byte is a control character inside a string: a message, skipped.
printf '{"CommandLine":"a\0 needle"}\n' >"$TMP/nul.ndjson"
[ -z "$(matches "$TMP/nul.ndjson")" ] && ok || bad "raw NUL matched"
grep -q "nul.ndjson:1: control character in string at byte 18; line skipped" "$TMP/err" && ok ||
    bad "NUL: $(cat "$TMP/err")"

# Huge numbers: overflowing exponents and a million digits compare as numbers.
{ echo '{"EventID":1e999999}'; echo '{"EventID":-1e999999}'; printf '{"EventID":'; head -c 1000000 /dev/zero | tr '\0' 9; echo '}'; } \
    >"$TMP/num.ndjson"
[ "$(matches "$TMP/num.ndjson" | tr '\n' ' ')" = "hostile-1 hostile-1 " ] && ok ||
    bad "huge numbers: $(matches "$TMP/num.ndjson" | tr '\n' ' ') $(cat "$TMP/err")"

# ^(a+)+$ against a..ab: a non-match within seconds, and the summary says
# how many regex matches gave up.
{ printf '{"Payload":"'; head -c 100000 /dev/zero | tr '\0' a; echo 'b"}'; echo '{"Payload":"aaaa"}'; } >"$TMP/re.ndjson"
start=$(date +%s)
[ "$(matches "$TMP/re.ndjson")" = hostile-2 ] && ok || bad "catastrophic regex: only the short line matches"
[ $(($(date +%s) - start)) -lt 20 ] && ok || bad "catastrophic regex took $(($(date +%s) - start)) s"
grep -q "sigvm run: 1 regex matches gave up at the PCRE2 limits" "$TMP/err" && ok || bad "regex summary: $(cat "$TMP/err")"
# ... counted once when the event matches another rule (a matching event is
# evaluated a second time when its batch is committed).
{ printf '{"EventID":4688,"Payload":"'; head -c 100000 /dev/zero | tr '\0' a; echo 'b"}'; } >"$TMP/re2.ndjson"
[ "$(matches "$TMP/re2.ndjson")" = hostile-1 ] && ok || bad "give-up next to a match: $(cat "$TMP/err")"
grep -q "sigvm run: 1 regex matches gave up at the PCRE2 limits" "$TMP/err" && ok || bad "regex summary with a match: $(cat "$TMP/err")"
# ... and once with two threads when the events are elements of a list
# opened mid-file, which threads cut from a wrong guess first.
{
    for i in $(seq 20000); do printf '{"n":%d,"pad":"%0100d"}\n' "$i" 0; done
    echo '['
    for i in $(seq 30000); do printf '{"n":%d,"pad":"%0100d"},\n' "$i" 0; done
    for i in 1 2 3; do printf '{"Payload":"'; head -c 20000 /dev/zero | tr '\0' a; echo 'b"},'; done
    echo '{"Payload":"aaaa"}]'
} >"$TMP/re3.ndjson"
for j in 1 2; do
    run -j $j "$TMP/re3.ndjson" >/dev/null 2>"$TMP/err.j$j"
    grep -q "sigvm run: 3 regex matches gave up at the PCRE2 limits" "$TMP/err.j$j" && ok ||
        bad "give-ups in a list with -j $j: $(cat "$TMP/err.j$j")"
done

# Rules: an alias bomb and a condition nested a million deep are refused.
{
    echo 'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'
    prev=a
    for l in b c d e f g h i; do echo "$l: &$l [$(printf "*$prev,%.0s" 1 2 3 4 5 6 7 8 9)*$prev]"; prev=$l; done
    echo 'title: bomb'
    echo 'detection: {s: {f: *i}, condition: s}'
} >"$TMP/bomb.yml"
expect_status 3 "alias bomb refused" "$SIGVM" compile "$TMP/bomb.yml" 2>"$TMP/err"
grep -q "bomb.yml:.*: error: YAML aliases expand to more than 1000000 nodes" "$TMP/err" && ok ||
    bad "bomb: $(cat "$TMP/err")"
{ printf "title: deep\ndetection: {s: {f: x}, condition: '"; head -c 1000000 /dev/zero | tr '\0' '(';
  printf s; head -c 1000000 /dev/zero | tr '\0' ')'; printf "'}\n"; } >"$TMP/cond.yml"
expect_status 3 "deep condition refused" "$SIGVM" compile "$TMP/cond.yml" 2>"$TMP/err"
grep -q "cond.yml:2:.*: error: condition: condition nested too deeply" "$TMP/err" && ok ||
    bad "deep condition: $(head -c 300 "$TMP/err")"

# A pack file past the size limit is refused before it is read whole.
head -c 300000000 /dev/zero >"$TMP/huge.pack"
expect_status 3 "huge pack refused" "$SIGVM" run -p "$TMP/huge.pack" /dev/null 2>"$TMP/err"
grep -q "larger than the limit of 268435456 bytes" "$TMP/err" && ok || bad "huge pack: $(cat "$TMP/err")"
finish
