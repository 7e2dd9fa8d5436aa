#!/usr/bin/env bash
# Replay benchmark: prints a markdown table of events/s, MB/s and peak RSS for
# packs of 10, 100, 1,000 and all active SigmaHQ rules (windows-flat profile)
# over an unpacked event corpus, next to baselines measured in the same run:
# `wc -l` on the same file and `jq` as a one-rule filter.
#
#   tools/bench.sh [EVENTS.ndjson.gz] [MAX_EVENTS]
#
# SIGVM names the binary (default build/sigvm, built if missing), BENCH_THREADS
# the thread counts to measure (default "1 2"), BENCH_RUNS how many times each
# command runs (default 3; the fastest counts). The thread counts of a pack
# take turns, and each must write the same matches. With every rule loaded, the
# input is also streamed through a pipe (peak RSS), and the times to compile
# the pack and to load it are printed under the table.
# Defaults: ../shared/corpus/events/otrf_windows_flat.ndjson.gz, every event.
# The file is unpacked once into $BENCH_DIR (default /tmp/sigvm-bench) and
# read from the page cache (a warm-up read precedes each measurement). Each
# run first puts it in the cache as logs already on disk get there: its pages
# are written out, dropped and read back once, which leaves it in the 2 MB
# folios of the kernel's readahead, mapped whole by sigvm. Otherwise the state
# of the cache is an accident of its history: zcat's writes leave the file in
# 32 KB folios (one core with every rule 2-3% slower), and a cache pruned
# over hours holds parts of it in 4 KB pages, each mapped on its own (7%).
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-../shared/corpus/events/otrf_windows_flat.ndjson.gz}
max=${2:-0}
dir=${BENCH_DIR:-/tmp/sigvm-bench}
sigma=../shared/corpus/sigma
mkdir -p "$dir"
sigvm=${SIGVM:-build/sigvm}
[ -x "$sigvm" ] || tools/setup.sh build
events=$dir/events.ndjson
# What was unpacked last (file and event count), so that a run asking for
# every event never reuses a cut-down copy.
made="$(realpath "$src") $max"
if [ ! -s "$events" ] || [ "$src" -nt "$events" ] || [ "$(cat "$dir/events.made" 2>/dev/null)" != "$made" ]; then
    if [ "$max" -gt 0 ]; then zcat -f "$src" | head -n "$max" >"$events" || true; else zcat -f "$src" >"$events"; fi
    echo "$made" >"$dir/events.made"
fi
sync "$events"
dd if="$events" iflag=nocache count=0 status=none
cat "$events" >/dev/null
bytes=$(stat -c %s "$events")
nev=$(wc -l <"$events")

# One run of a command: its output in $dir/out, "seconds max_rss_kb" on stdout.
run_once() {
    cat "$events" >/dev/null
    /usr/bin/time -f "%e %M" -o "$dir/time" "$@" >"$dir/out" 2>"$dir/err" || true
    tail -n 1 "$dir/time"
}

# "seconds max_rss_kb" of $3 (and $4) folded into the best so far ($1, $2).
fold_best() {
    awk -v b="$1" -v r="$2" -v s="$3" -v k="$4" 'BEGIN {
        if (b == "" || s < b) b = s
        if (k > r) r = k
        print b, r }'
}

# One line per measured command: "seconds max_rss_kb", the fastest of
# BENCH_RUNS runs (default 3: a shared machine has slow moments) and the
# largest peak.
measure() {
    local best="" rss=0 s k
    for ((run = 0; run < ${BENCH_RUNS:-3}; run++)); do
        read -r s k < <(run_once "$@")
        read -r best rss < <(fold_best "$best" "$rss" "$s" "$k")
    done
    echo "$best $rss"
}
row() { # name rules matches seconds rss_kb
    awk -v n="$1" -v r="$2" -v m="$3" -v s="$4" -v k="$5" -v ev="$nev" -v b="$bytes" 'BEGIN {
        if (s <= 0) s = 0.01
        printf "| %s | %s | %.0f | %.0f | %.1f | %s | %.2f |\n", n, r, ev / s, b / s / 1e6, k / 1024, m, s }'
}

find "$sigma/rules" "$sigma/rules-emerging-threats" "$sigma/rules-threat-hunting" \
    "$sigma/rules-compliance" -name '*.yml' | sort >"$dir/all_rules"
echo "events: $nev ($(awk -v b="$bytes" 'BEGIN { printf "%.2f GB", b / 1e9 }')), $(nproc) cores, $(date -u +%F)"
echo
echo "| command | rules | events/s | MB/s | peak RSS MB | matches | seconds |"
echo "|---|---|---|---|---|---|---|"
read -r s k < <(measure wc -l "$events")
row "wc -l" - - "$s" "$k"
if command -v jq >/dev/null; then
    read -r s k < <(measure jq -c 'select(.EventID == 1)' "$events")
    row "jq -c 'select(.EventID == 1)'" 1 "$(wc -l <"$dir/out")" "$s" "$k"
fi
for n in 10 100 1000 all; do
    if [ "$n" = all ]; then cp "$dir/all_rules" "$dir/rules"; else head -n "$n" "$dir/all_rules" >"$dir/rules"; fi
    rm -rf "$dir/pack_rules" && mkdir -p "$dir/pack_rules"
    i=0
    while IFS= read -r f; do i=$((i + 1)); ln -s "$(realpath "$f")" "$dir/pack_rules/$i.yml"; done <"$dir/rules"
    "$sigvm" compile -q -k --profile windows-flat -P tests/data/placeholders.yml \
        -o "$dir/pack" "$dir/pack_rules" 2>/dev/null || true
    loaded=$("$sigvm" disasm "$dir/pack" | grep -c '^rule ')
    # The thread counts take turns, round after round, so that their
    # ratio is of runs made in the same minutes; each must write what the
    # first wrote.
    threads=(${BENCH_THREADS:-1 2})
    declare -A best=() rss=()
    for ((run = 0; run < ${BENCH_RUNS:-3}; run++)); do
        for j in "${threads[@]}"; do
            read -r s k < <(run_once "$sigvm" run -q -j "$j" -p "$dir/pack" "$events")
            read -r best[$j] rss[$j] < <(fold_best "${best[$j]:-}" "${rss[$j]:-0}" "$s" "$k")
            if [ "$j" = "${threads[0]}" ]; then
                cp "$dir/out" "$dir/out.first"
            elif ! cmp -s "$dir/out" "$dir/out.first"; then
                echo "sigvm run -j $j wrote other matches than -j ${threads[0]}" >&2
                exit 1
            fi
        done
    done
    for j in "${threads[@]}"; do
        row "sigvm run -j $j" "$loaded" "$(wc -l <"$dir/out.first")" "${best[$j]}" "${rss[$j]}"
    done
    unset best rss
done
read -r s k < <(measure sh -c 'cat "$3" | "$1" run -q -j 2 -p "$2" -' sh "$sigvm" "$dir/pack" "$events")
row "cat \| sigvm run -j 2 -" "$loaded" "$(wc -l <"$dir/out")" "$s" "$k"
echo
/usr/bin/time -f "%e" -o "$dir/time" "$sigvm" compile -q -k --profile windows-flat \
    -P tests/data/placeholders.yml -o "$dir/pack" "$dir/pack_rules" 2>/dev/null || true
echo "compile all $loaded rules into a pack: $(cat "$dir/time") s"
: >"$dir/empty.ndjson"
/usr/bin/time -f "%e" -o "$dir/time" "$sigvm" run -q -p "$dir/pack" "$dir/empty.ndjson" || true
echo "load that pack and read an empty input: $(cat "$dir/time") s"
