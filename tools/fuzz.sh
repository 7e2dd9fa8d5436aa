#!/usr/bin/env bash
# Fuzzes every parser with libFuzzer: builds the targets of tests/fuzz with
# clang under ASan + UBSan into build-fuzz/, makes seed corpora from the
# project's rules and tests/fuzz/seeds/ and from real rules, events and packs
# in ../shared (generated here at run time, never committed), then runs each
# target for SECONDS (default 60) with its dictionary, one after the other on
# one core. Inputs that add coverage collect in build-fuzz/corpus/TARGET;
# a crash leaves its input in build-fuzz/artifacts/ and fails the script.
#
# usage: tools/fuzz.sh [SECONDS] [TARGET...]   (TARGET: NAME of tests/fuzz/fuzz_NAME.c; all by default)
set -euo pipefail
# shellcheck disable=SC2317 # the seed_* functions are called as "seed_$t"
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
    for src in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$src" .c | sed 's/^fuzz_//')"); done
fi
shared=${SIGVM_SHARED_DIR:-../shared}
sigma=$shared/corpus/sigma
events=$shared/corpus/events
out=build-fuzz

SETUP_EXTRA_PACKAGES="clang libclang-rt-14-dev" tools/setup.sh "$out" -DSIGVM_FUZZ=ON \
    -DSIGVM_TESTS=OFF -DCMAKE_C_COMPILER=clang
rm -rf "$out/seeds"
mkdir -p "$out"/{seeds,corpus,artifacts,logs}

# Every 12th SigmaHQ rule, in a stable order: about 250 rules of every kind.
sample_rules() {
    [ -d "$sigma/rules" ] || return 0
    find "$sigma/rules" -name '*.yml' | sort | awk 'NR % 12 == 1'
}

seed_rule() {
    local dir=$out/seeds/rule
    mkdir -p "$dir"
    find corpus/rules -name '*.yml' -exec cp {} "$dir/" \;
    sample_rules | while read -r f; do cp "$f" "$dir/"; done
    return 0
}

# "identifiers\ncondition" per rule, the input fuzz_condition.c expects;
# SigmaHQ's layout (search identifiers indented by four) is regular enough.
seed_condition() {
    local dir=$out/seeds/condition i=0
    mkdir -p "$dir"
    sample_rules | while read -r f; do
        i=$((i + 1))
        awk '/^detection:/ { in_det = 1; next }
             in_det && /^[^ ]/ { in_det = 0 }
             in_det && /^    [^ #-][^:]*:/ {
                 key = $1; sub(/:$/, "", key)
                 if (key == "condition") {
                     cond = $0; sub(/^    condition: */, "", cond); gsub(/^'\''|'\''$/, "", cond)
                 } else if (key != "timeframe") ids = ids " " key
             }
             END { if (cond != "") printf "%s\n%s", substr(ids, 2), cond }' "$f" >"$dir/$i"
        [ -s "$dir/$i" ] || rm -f "$dir/$i"
    done
    return 0
}

# One event per file: real Windows, CloudTrail and vendor sample events.
seed_scan() {
    local dir=$out/seeds/scan
    mkdir -p "$dir"
    {
        cat corpus/events/*.ndjson
        if [ -d "$events" ]; then
            head -n 100 "$events"/*.ndjson
            for f in "$events"/panther_samples/*.ndjson; do head -n 3 "$f"; done
            for f in "$events"/*.ndjson.gz; do gzip -dc "$f" 2>/dev/null | head -n 50 || true; done
        fi
    } | grep '^{' | split -l 1 -a 4 -d - "$dir/event"
}

# Packs written by the compiler: the project's rules, and SigmaHQ rules in
# packs of 20 (with placeholders, so |expand is in some of them).
seed_pack() {
    local dir=$out/seeds/pack
    mkdir -p "$dir"
    "$out/sigvm" compile -q -k -o "$dir/corpus" corpus/rules 2>/dev/null || true
    sample_rules | split -l 20 -d - "$out/seeds/rules-"
    for list in "$out"/seeds/rules-*; do
        [ -e "$list" ] || continue # no SigmaHQ rules here: no lists
        xargs "$out/sigvm" compile -q -k -o "$dir/${list##*/}" <"$list" 2>/dev/null || true
        rm -f "$list"
    done
    if [ -d "$sigma/rules-placeholder" ]; then
        "$out/sigvm" compile -q -k -P tests/data/placeholders.yml -o "$dir/placeholders" \
            "$sigma/rules-placeholder" 2>/dev/null || true
    fi
}

seed_placeholders() {
    mkdir -p "$out/seeds/placeholders"
    cp tests/data/placeholders.yml "$out/seeds/placeholders/"
}

# Regex atoms: the committed seeds are enough (tests/fuzz/seeds/atom).
seed_atom() {
    mkdir -p "$out/seeds/atom"
}

# Literal sets: the committed seeds are enough (tests/fuzz/seeds/lits).
seed_lits() {
    mkdir -p "$out/seeds/lits"
}

# Spans: the committed seeds are enough (tests/fuzz/seeds/spans).
seed_spans() {
    mkdir -p "$out/seeds/spans"
}

seed_mapping() {
    mkdir -p "$out/seeds/mapping"
    cp sigma/profiles/*.yml "$out/seeds/mapping/"
}

failed=0
for t in "${targets[@]}"; do
    "seed_$t"
    mkdir -p "$out/corpus/$t"
    log=$out/logs/$t.log
    if "$out/tests/fuzz/fuzz_$t" "$out/corpus/$t" "tests/fuzz/seeds/$t" "$out/seeds/$t" \
        -dict="tests/fuzz/$t.dict" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" >"$log" 2>&1; then
        status=ok
    else
        status="FAILED (see $log and $out/artifacts/)"
        failed=1
        grep -m 20 -E 'ERROR|SUMMARY|invariant|#0 |#1 |#2 |#3 ' "$log" >&2 || true
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz_$t: ${runs:-?} executions in ${secs}s, corpus $(ls "$out/corpus/$t" | wc -l) inputs: $status"
done
exit "$failed"
