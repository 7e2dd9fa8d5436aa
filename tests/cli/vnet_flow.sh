# Azure VNet flow logs: the six flow tuples of seed 002, in the flattened
# "flow.0" records of the seed's raw samples and as version 4 records in a
# {"records":[...]} blob, become events whose fields are those the seed's
# transformed samples show (tests/data/vnet_flow_expected.tsv).
source "$(dirname "$0")/lib.sh"
DATA=$SRC/tests/data
cat >"$TMP/flows.yml" <<'YML'
title: Any flow
id: 7c6a3c1e-8f0e-4d5e-9b1a-2f4e6d8c0a11
level: informational
logsource: {product: azure, service: flowlogs}
detection:
    sel:
        network.direction: [inbound, outbound]
    condition: sel
YML
grep -v '^#' "$DATA/vnet_flow_expected.tsv" >"$TMP/want"
fields() {
    jq -r '.event | [.["@timestamp"], .source.ip, .source.port, .source.bytes, .source.packets,
        .destination.ip, .destination.port, .destination.bytes, .destination.packets,
        .network.iana_number, .network.direction, .event.type[0], .flow.state, .rule.name] | @tsv' "$1"
}
for input in vnet_flow_flat.ndjson vnet_flow_v4.json; do
    "$SIGVM" run -r "$TMP/flows.yml" "$DATA/$input" >"$TMP/out" 2>"$TMP/err"
    rc=$?; [ $rc -eq 0 ] && ok || bad "$input: exit $rc $(cat "$TMP/err")"
    fields "$TMP/out" | sort >"$TMP/got"
    sort "$TMP/want" | cmp -s - "$TMP/got" && ok ||
        bad "$input: fields differ from the seed's: $(sort "$TMP/want" | diff - "$TMP/got")"
    grep -q "6 events read = 6 evaluated" "$TMP/err" && ok || bad "$input: $(tail -1 "$TMP/err")"
done
# The record's own fields come along; the tuple's time is the event's time.
"$SIGVM" run -r "$TMP/flows.yml" --format csv --fields event_time,macAddress,aclID,flowLogVersion,flow.tuple \
    "$DATA/vnet_flow_v4.json" >"$TMP/csv" 2>/dev/null
grep -qx '2022-09-14T08:59:58.065Z,112233445566,aclID2,4,"1663145998065,8.7.6.5,1.2.3.4,55188,22,6,I,D,NX,0,0,0,0"' \
    "$TMP/csv" && ok || bad "record fields and time: $(cat "$TMP/csv")"
"$SIGVM" run -q -r "$TMP/flows.yml" --since 2022-09-14T09:00:00Z "$DATA/vnet_flow_flat.ndjson" | jq -s length |
    grep -qx 3 && ok || bad "--since over flow times"
# --expand none keeps records as they are (no network.direction: no match);
# --expand vnet-flow expands even when the first record is something else.
"$SIGVM" run -q -r "$TMP/flows.yml" --expand none "$DATA/vnet_flow_flat.ndjson" >"$TMP/out"
[ ! -s "$TMP/out" ] && ok || bad "--expand none expanded"
{ echo '{"time":"2025-04-30T09:00:00Z","category":"NetworkSecurityGroupEvent"}'; cat "$DATA/vnet_flow_flat.ndjson"; } \
    >"$TMP/mixed.ndjson"
[ "$("$SIGVM" run -q -r "$TMP/flows.yml" "$TMP/mixed.ndjson" | wc -l)" -eq 0 ] && ok ||
    bad "auto expanded an input whose first event is no flow-log record"
[ "$("$SIGVM" run -q -r "$TMP/flows.yml" --expand vnet-flow "$TMP/mixed.ndjson" | wc -l)" -eq 6 ] && ok ||
    bad "--expand vnet-flow"
# A bad tuple is reported with its number and skipped; the others go on.
sed '2s/"flow.0":"1663146003606,/"flow.1":"x,1.2.3.4","flow.0":"1663146003606,/' "$DATA/vnet_flow_flat.ndjson" \
    >"$TMP/badtuple.ndjson"
"$SIGVM" run -r "$TMP/flows.yml" "$TMP/badtuple.ndjson" >"$TMP/out" 2>"$TMP/err"
rc=$?; [ $rc -eq 1 ] && ok || bad "bad tuple: exit $rc"
grep -q "badtuple.ndjson:2: flow tuple 1: a flow tuple has 13 comma-separated fields; skipped" "$TMP/err" &&
    ok || bad "bad tuple message: $(cat "$TMP/err")"
[ "$(wc -l <"$TMP/out")" -eq 6 ] && ok || bad "the good tuples of a record with a bad one"
grep -q "7 events read = 6 evaluated + 1 skipped" "$TMP/err" && ok || bad "bad tuple summary: $(tail -1 "$TMP/err")"
finish
