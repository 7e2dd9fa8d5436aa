# SigmaHQ's own regression events (evtx_dump JSON) against their rules, with
# the evtx-json profile given and with the profile chosen from the events:
# every test must reach its match_count (at least one match where it is null).
source "$(dirname "$0")/lib.sh"
need_shared
ORACLE=$SIGMA/regression_oracle.ndjson
n=0
declare -A good=([evtx-json]=0 [auto]=0)
while IFS=$'\t' read -r path id want events; do
    n=$((n + 1))
    base64 -d <<<"$events" | jq -c '.[]' >"$TMP/ev.ndjson"
    for profile in evtx-json auto; do
        got=$("$SIGVM" run -q --profile "$profile" -r "$SIGMA/$path" "$TMP/ev.ndjson" |
            grep -c "^{\"rule_id\":\"$id\"")
        if [ "$got" -ge "$want" ]; then
            good[$profile]=$((good[$profile] + 1))
        else
            bad "$profile: $path: $got of $want"
        fi
    done
done < <(jq -r 'select(.test_type == "evtx")
                | [.rule_path, .rule_id, (.match_count // 1), (.events | tojson | @base64)] | @tsv' "$ORACLE")
for profile in evtx-json auto; do
    echo "profile $profile: ${good[$profile]}/$n regression tests"
    [ "$n" -eq 202 ] && [ "${good[$profile]}" -eq "$n" ] && ok || bad "profile $profile"
done
finish
