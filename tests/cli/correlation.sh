# Sigma correlation rules and Panther thresholds end to end: the examples of
# the Sigma correlation specification on events crafted for them, generate
# on and off, aliases, chains, out-of-order input, inputs on several
# threads, and errors with file:line:col.
source "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

# ev FILE USER|- ...: events from "second:field=value,field=value" words;
# times are seconds after 2024-01-01T00:00:00Z.
ev() {
    python3 - "$@" <<'PY'
import json, sys, datetime
out = open(sys.argv[1], "w")
base = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
for w in sys.argv[2:]:
    t, _, kv = w.partition(":")
    e = {"@timestamp": (base + datetime.timedelta(seconds=int(t))).strftime("%Y-%m-%dT%H:%M:%SZ")}
    for p in kv.split(","):
        k, _, v = p.partition("=")
        e[k] = v
    out.write(json.dumps(e) + "\n")
PY
}
run() { "$SIGVM" run -q --profile none -j 1 "$@"; }
# corr FILE: the correlation records of a run's output, compacted.
corr() { jq -c 'select(.correlation) | [.rule_id, .group, .value, .events, .window_start]' "$1"; }

cat >base.yml <<'EOF2'
title: failed logon
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
name: failed_logon
logsource: {product: test}
detection:
  sel: {EventID: '4625'}
  condition: sel
---
title: successful logon
name: successful_login
logsource: {product: test}
detection:
  sel: {EventID: '4624'}
  condition: sel
EOF2

# ---- event_count (the specification's "Many failed logins", threshold 5) ----
cat >count.yml <<'EOF2'
title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
correlation:
    type: event_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - ComputerName
    timespan: 1h
    condition:
        gte: 5
level: high
EOF2
args=()
for i in 0 600 1200 1800 3600; do args+=("$i:EventID=4625,ComputerName=dc1"); done  # 5 in 1h exactly
for i in 0 600 1200 1800 3601; do args+=("$i:EventID=4625,ComputerName=dc2"); done  # last 1 s outside
ev count.jsonl "${args[@]}"
run -r base.yml -r count.yml count.jsonl >out.jsonl
check "event_count: one match, dc1" test "$(corr out.jsonl)" = \
    '["0e95725d-7320-415d-80f7-004da920fc11",{"ComputerName":"dc1"},5,5,"2024-01-01T00:00:00.000Z"]'
check "generate false: no base matches" test "$(jq -c 'select(.correlation|not)' out.jsonl | wc -l)" -eq 0
check "level of the correlation" test "$(jq -r 'select(.correlation) | .level' out.jsonl)" = high
# out of order: the same events reversed
tac count.jsonl >reversed.jsonl
run --lateness 2h -r base.yml -r count.yml reversed.jsonl >out2.jsonl
check "event_count out of order" test "$(corr out2.jsonl)" = "$(corr out.jsonl)"
# spread over two inputs read on two threads
head -n 5 count.jsonl >a.jsonl
tail -n 5 count.jsonl >b.jsonl
"$SIGVM" run -q --profile none -j 2 --lateness 2h -r base.yml -r count.yml b.jsonl a.jsonl >out3.jsonl
check "event_count over two inputs, -j 2" test "$(corr out3.jsonl)" = "$(corr out.jsonl)"
# generate: true keeps the base rule's matches
sed 's/^level: high/level: high\ngenerate: true/' count.yml >gen.yml
run -r base.yml -r gen.yml count.jsonl >out4.jsonl
check "generate true: base matches too" test "$(jq -c 'select(.correlation|not)' out4.jsonl | wc -l)" -eq 10
# references bounded by --correlation-refs
run --correlation-refs 2 -r base.yml -r count.yml count.jsonl >out5.jsonl
check "refs bounded" test "$(jq -c 'select(.correlation) | [(.refs|length), .refs_truncated]' out5.jsonl)" = '[2,true]'
# lateness: with 0, the reversed input is all late
"$SIGVM" run --profile none -j 1 --lateness 0 -r base.yml -r count.yml reversed.jsonl >out6.jsonl 2>err6
check "late events reported" grep -q "matches came more than --lateness" err6
check "late events not correlated" test "$(corr out6.jsonl | wc -l)" -eq 0

# ---- value_count (the specification's example, at least 3 users) ----
cat >vcount.yml <<'EOF2'
title: Failed login
id: 0e95725d-7320-415d-80f7-004da920fc12
correlation:
    type: value_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - ComputerName
        - WorkstationName
    timespan: 1d
    condition:
        field: User
        gte: 3
EOF2
ev vcount.jsonl 0:EventID=4625,ComputerName=h,WorkstationName=w,User=a \
    10:EventID=4625,ComputerName=h,WorkstationName=w,User=a \
    20:EventID=4625,ComputerName=h,WorkstationName=w,User=b \
    86400:EventID=4625,ComputerName=h,WorkstationName=w,User=c \
    0:EventID=4625,ComputerName=h,WorkstationName=x,User=a \
    5:EventID=4625,ComputerName=h,WorkstationName=x,User=b \
    6:EventID=4625,ComputerName=h,WorkstationName=x,User=c
run --lateness 2d -r base.yml -r vcount.yml vcount.jsonl >out.jsonl
check "value_count: distinct users per (computer, workstation)" test "$(corr out.jsonl)" = \
    '["0e95725d-7320-415d-80f7-004da920fc12",{"ComputerName":"h","WorkstationName":"w"},3,4,"2024-01-01T00:00:00.000Z"]
["0e95725d-7320-415d-80f7-004da920fc12",{"ComputerName":"h","WorkstationName":"x"},3,3,"2024-01-01T00:00:00.000Z"]'
cat >vbad.yml <<'EOF2'
title: no group
correlation:
    type: value_count
    rules: [failed_logon]
    timespan: 1d
    condition: {field: User, gte: 3}
EOF2
expect_status 3 "value_count without group-by refused" "$SIGVM" compile -o /dev/null base.yml vbad.yml 2>err
check "value_count without group-by: file:line:col" grep -q "vbad.yml:3:5: error: 'group-by' must be a list of field names (value_count needs one)" err

# ---- temporal (recon commands a, b, c by ComputerName and User in 5m) ----
cat >recon.yml <<'EOF2'
title: recon a
name: recon_cmd_a
detection: {sel: {Image: whoami.exe}, condition: sel}
---
title: recon b
name: recon_cmd_b
detection: {sel: {Image: ipconfig.exe}, condition: sel}
---
title: recon c
name: recon_cmd_c
detection: {sel: {Image: net.exe}, condition: sel}
---
title: recon burst
id: recon-temporal
correlation:
    type: temporal
    rules:
        - recon_cmd_a
        - recon_cmd_b
        - recon_cmd_c
    group-by:
        - ComputerName
        - User
    timespan: 5m
EOF2
ev recon.jsonl 0:Image=net.exe,ComputerName=pc,User=u 100:Image=whoami.exe,ComputerName=pc,User=u \
    300:Image=ipconfig.exe,ComputerName=pc,User=u \
    0:Image=net.exe,ComputerName=pc,User=v 100:Image=whoami.exe,ComputerName=pc,User=v \
    301:Image=ipconfig.exe,ComputerName=pc,User=v
run -r recon.yml recon.jsonl >out.jsonl
check "temporal: any order, in 5m, same computer and user" test "$(corr out.jsonl)" = \
    '["recon-temporal",{"ComputerName":"pc","User":"u"},3,3,"2024-01-01T00:00:00.000Z"]'
sed 's/type: temporal$/type: temporal_ordered/; s/id: recon-temporal/id: recon-ordered/' recon.yml >ordered.yml
run -r ordered.yml recon.jsonl >out.jsonl
check "temporal_ordered: net before whoami is not a, b, c" test "$(corr out.jsonl | wc -l)" -eq 0
ev recon2.jsonl 0:Image=whoami.exe,ComputerName=pc,User=u 100:Image=ipconfig.exe,ComputerName=pc,User=u \
    200:Image=net.exe,ComputerName=pc,User=u
tac recon2.jsonl >recon2r.jsonl
run -r ordered.yml recon2r.jsonl >out.jsonl
check "temporal_ordered: in order by time, though read backwards" test "$(corr out.jsonl)" = \
    '["recon-ordered",{"ComputerName":"pc","User":"u"},3,3,"2024-01-01T00:00:00.000Z"]'

# ---- chain: many failed logins followed by a successful login (spec) ----
cat >chain.yml <<'EOF2'
title: Many failed logins
name: many_failed_logins
correlation:
    type: event_count
    rules:
        - failed_logon
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 3
---
title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
status: experimental
correlation:
    type: temporal_ordered
    rules:
        - many_failed_logins
        - successful_login
    group-by:
        - User
    timespan: 1h
level: high
EOF2
ev chain.jsonl 0:EventID=4625,User=eve 60:EventID=4625,User=eve 120:EventID=4625,User=eve \
    900:EventID=4624,User=eve \
    0:EventID=4625,User=bob 60:EventID=4625,User=bob 900:EventID=4624,User=bob \
    0:EventID=4624,User=amy 60:EventID=4625,User=amy 70:EventID=4625,User=amy 80:EventID=4625,User=amy
run -r base.yml -r chain.yml chain.jsonl >out.jsonl
check "chain: failures then success, per user" test "$(corr out.jsonl)" = \
    '["b180ead8-d58f-40b2-ae54-c8940995b9b6",{"User":"eve"},2,2,"2024-01-01T00:02:00.000Z"]'
check "chain: successful_login matches not generated" test "$(jq -c 'select(.correlation|not)' out.jsonl | wc -l)" -eq 0
check "chain: inner correlation not generated" test "$(jq -r 'select(.correlation) | .rule_id' out.jsonl | sort -u)" = b180ead8-d58f-40b2-ae54-c8940995b9b6

# ---- aliases (the specification's example) ----
cat >alias.yml <<'EOF2'
title: internal error
name: internal_error
detection:
    selection:
        http.response.status_code: 500
    condition: selection
---
title: new connection
name: new_network_connection
detection:
    selection:
        event.category: network
        event.type: connection
        event.outcome: success
    condition: selection
---
title: error then connection back
id: alias-temporal
correlation:
    type: temporal
    rules:
        - internal_error
        - new_network_connection
    group-by:
        - internal_ip
        - remote_ip
    timespan: 10s
    aliases:
        internal_ip:
            internal_error: destination.ip
            new_network_connection: source.ip
        remote_ip:
            internal_error: source.ip
            new_network_connection: destination.ip
EOF2
cat >alias.jsonl <<'EOF2'
{"@timestamp":"2024-01-01T00:00:00Z","http":{"response":{"status_code":500}},"destination":{"ip":"10.0.0.5"},"source":{"ip":"1.2.3.4"}}
{"@timestamp":"2024-01-01T00:00:05Z","event":{"category":"network","type":"connection","outcome":"success"},"source":{"ip":"10.0.0.5"},"destination":{"ip":"1.2.3.4"}}
{"@timestamp":"2024-01-01T00:00:06Z","event":{"category":"network","type":"connection","outcome":"success"},"source":{"ip":"1.2.3.4"},"destination":{"ip":"10.0.0.5"}}
{"@timestamp":"2024-01-01T00:01:00Z","http":{"response":{"status_code":500}},"destination":{"ip":"10.0.0.6"},"source":{"ip":"1.2.3.4"}}
{"@timestamp":"2024-01-01T00:01:11Z","event":{"category":"network","type":"connection","outcome":"success"},"source":{"ip":"10.0.0.6"},"destination":{"ip":"1.2.3.4"}}
EOF2
run -r alias.yml alias.jsonl >out.jsonl
check "aliases: fields differ per rule" test "$(corr out.jsonl)" = \
    '["alias-temporal",{"internal_ip":"10.0.0.5","remote_ip":"1.2.3.4"},2,2,"2024-01-01T00:00:00.000Z"]'

# ---- value_sum, value_avg, value_percentile, and condition ranges ----
cat >bytes.yml <<'EOF2'
title: transfer
name: transfer
detection: {sel: {action: put}, condition: sel}
---
title: big sum
id: sum
correlation: {type: value_sum, rules: [transfer], group-by: [host], timespan: 1m,
              condition: {field: bytes, gt: 100, lte: 1000}}
---
title: big average
id: avg
correlation: {type: value_avg, rules: [transfer], group-by: [host], timespan: 1m,
              condition: {field: bytes, gte: 300}}
---
title: big p90
id: p90
correlation: {type: value_percentile, rules: [transfer], group-by: [host], timespan: 1m,
              condition: {field: bytes, percentile: 90, neq: 100}}
EOF2
ev bytes.jsonl 0:action=put,host=a,bytes=100 10:action=put,host=a,bytes=200 20:action=put,host=a,bytes=600 \
    0:action=put,host=b,bytes=100 10:action=put,host=b,bytes=100 \
    0:action=put,host=c,bytes=2000
run -r bytes.yml bytes.jsonl >out.jsonl
check "value_sum with a range" test "$(corr out.jsonl | grep '"sum"' | jq -c '[.[1].host, .[2]]' | sort)" = '["a",900]
["b",200]'
check "value_avg" test "$(corr out.jsonl | grep '"avg"' | jq -c '[.[1].host, .[2]]' | sort)" = '["a",300]
["c",2000]'
check "value_percentile" test "$(corr out.jsonl | grep '"p90"' | jq -c '[.[1].host, .[2]]' | sort)" = '["a",600]
["c",2000]'

# ---- timespans w M y ----
for span in 2w 1M 1y; do
    sed "s/timespan: 1h/timespan: $span/" count.yml >span.yml
    check "timespan $span accepted" "$SIGVM" compile -q -o /dev/null base.yml span.yml
done

# ---- errors: file:line:col ----
cat >bad.yml <<'EOF2'
title: bad refs
correlation:
    type: event_count
    rules:
        - no_such_rule
    group-by: [User]
    timespan: 10x
    condition: {gte: 1}
---
title: bad ref
correlation:
    type: event_count
    rules:
        - no_such_rule
    group-by: [User]
    timespan: 10m
    condition: {gte: 1}
---
title: bad type
correlation:
    type: event_sum
    rules: [failed_logon]
    timespan: 10m
    condition: {gte: 1}
---
title: bad condition
correlation:
    type: event_count
    rules: [failed_logon]
    timespan: 10m
    condition: {more: 1}
EOF2
expect_status 3 "bad correlations refused" "$SIGVM" compile -o /dev/null base.yml bad.yml 2>err
check "bad timespan" grep -q "bad.yml:7:15: error: bad timespan '10x'" err
check "unknown rule" grep -q "bad.yml:14:11: error: correlation refers to 'no_such_rule', which is no loaded rule" err
check "unknown type" grep -q "bad.yml:21:11: error: correlation type must be" err
check "unknown condition" grep -q "bad.yml:31:17: error: unknown condition 'more'" err

cat >loop.yml <<'EOF2'
title: loop a
name: loop_a
correlation: {type: event_count, rules: [loop_b], group-by: [User], timespan: 1m, condition: {gte: 2}}
---
title: loop b
name: loop_b
correlation: {type: event_count, rules: [loop_a], group-by: [User], timespan: 1m, condition: {gte: 2}}
---
title: chain on a field the inner one has not
correlation: {type: temporal, rules: [many_failed_logins], group-by: [Host], timespan: 1m}
EOF2
expect_status 3 "cyclic correlations refused" "$SIGVM" compile -o /dev/null base.yml chain.yml loop.yml 2>err
check "cycle" grep -q "loop.yml:1:1: error: correlation 'loop a' refers to itself through its rules" err
check "chain group-by" grep -q "loop.yml:10:39: error: group-by 'Host' is not a group-by field of correlation 'many_failed_logins'" err
check "a correlation feeds one other" grep -q "loop.yml:10:39: error: correlation 'many_failed_logins' already feeds" err

# ---- Panther Threshold / DedupPeriodMinutes / GroupBy ----
cat >panther.yml <<'EOF2'
AnalysisType: rule
RuleID: Brute.Force
DisplayName: Console login failures
Enabled: true
Severity: High
LogTypes: [AWS.CloudTrail]
Threshold: 3
DedupPeriodMinutes: 10
GroupBy:
  - Key: sourceIPAddress
Detection:
  - Key: eventName
    Condition: Equals
    Value: ConsoleLogin
---
AnalysisType: rule
RuleID: Key.Deleted
DisplayName: Key deleted
AlertTitle: "Key deleted by {userIdentity.arn}"
Severity: Medium
Threshold: 2
DedupPeriodMinutes: 5
Detection:
  - Key: eventName
    Condition: Equals
    Value: DeleteAccessKey
EOF2
ev p.jsonl 0:eventName=ConsoleLogin,sourceIPAddress=1.1.1.1 300:eventName=ConsoleLogin,sourceIPAddress=1.1.1.1 \
    600:eventName=ConsoleLogin,sourceIPAddress=1.1.1.1 0:eventName=ConsoleLogin,sourceIPAddress=2.2.2.2 \
    300:eventName=ConsoleLogin,sourceIPAddress=2.2.2.2 601:eventName=ConsoleLogin,sourceIPAddress=2.2.2.2
# eventTime is CloudTrail's time field; the AlertTitle path is nested
cat >>p.jsonl <<'EOF2'
{"eventTime":"2024-01-01T00:00:00Z","eventName":"DeleteAccessKey","userIdentity":{"arn":"arn:a"}}
{"eventTime":"2024-01-01T00:05:00Z","eventName":"DeleteAccessKey","userIdentity":{"arn":"arn:a"}}
{"eventTime":"2024-01-01T00:01:00Z","eventName":"DeleteAccessKey","userIdentity":{"arn":"arn:b"}}
EOF2
run -r panther.yml p.jsonl >out.jsonl
check "Panther: Threshold per GroupBy in DedupPeriodMinutes" test "$(corr out.jsonl | grep Brute)" = \
    '["Brute.Force",{"sourceIPAddress":"1.1.1.1"},3,3,"2024-01-01T00:00:00.000Z"]'
check "Panther: Threshold per rendered AlertTitle" test "$(corr out.jsonl | grep Key.Deleted)" = \
    '["Key.Deleted",{"title":"Key deleted by arn:a"},2,2,"2024-01-01T00:00:00.000Z"]'
check "Panther: single matches not reported" test "$(jq -c 'select(.correlation|not)' out.jsonl | wc -l)" -eq 0
finish
