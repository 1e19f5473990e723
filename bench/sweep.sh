#!/usr/bin/env bash
# Size sweep: `golivec check` on synthetic plans doubling in size, then a whole-process
# comparison on the examples against the tools a user would otherwise run on hand-written files.
# Prints per size: nodes, bytes, wall and CPU time, MB/s, peak RSS (and over the source size),
# and the wall time ratio of each doubling.
# Usage: bench/sweep.sh [MAX_NODES]   (default 64000; 0 times only the examples). Needs GNU time.
# GOLIVEC=path/to/golivec measures another build (say, of an earlier commit) on the same plans.
set -euo pipefail
cd "$(dirname "$0")/.."
max=${1:-64000}
cargo build --quiet --release --bin golivec --example synth
bin=${GOLIVEC:-target/release/golivec}
synth=target/release/examples/synth
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '%8s %12s %9s %9s %9s %10s %7s %7s\n' nodes bytes seconds 'cpu s' 'MB/s' 'peak RSS' 'RSS/src' ratio
previous=''
nodes=1000
while ((nodes <= max)); do
    plan="$work/plan-$nodes.golive"
    "$synth" "$nodes" 7 > "$plan"
    bytes=$(wc -c < "$plan")
    # Wall time: the best of five runs on a nanosecond clock (the machine has other work, and
    # /usr/bin/time's 10 ms resolution would blur the doubling ratio at these sizes). CPU time
    # (user + system) and peak RSS: the best of three runs under GNU time.
    best=''
    for _ in 1 2 3 4 5; do
        start=$(date +%s%N)
        "$bin" check "$plan" > /dev/null
        end=$(date +%s%N)
        elapsed=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", (e - s) / 1e9 }')
        if [[ -z $best ]] || awk -v a="$elapsed" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$elapsed; fi
    done
    cpu=''
    rss=0
    for _ in 1 2 3; do
        /usr/bin/time -f '%U %S %M' -o "$work/time" "$bin" check "$plan" > /dev/null
        read -r user system kilobytes < "$work/time"
        used=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.2f", u + s }')
        if [[ -z $cpu ]] || awk -v a="$used" -v b="$cpu" 'BEGIN { exit !(a < b) }'; then cpu=$used; fi
        rss=$kilobytes
    done
    speed=$(awk -v b="$bytes" -v s="$best" 'BEGIN { printf "%.1f", (s > 0 ? b / s / 1e6 : 0) }')
    ratio=$(awk -v a="$best" -v p="${previous:-0}" 'BEGIN { if (p > 0) printf "%.2f", a / p; else printf "-" }')
    # Peak RSS over source size, both in bytes (GNU time reports KiB).
    over_source=$(awk -v k="$rss" -v b="$bytes" 'BEGIN { printf "%.1f", k * 1024 / b }')
    printf '%8d %12d %9s %9s %9s %8.1fMB %7s %7s\n' "$nodes" "$bytes" "$best" "$cpu" "$speed" "$(awk -v k="$rss" 'BEGIN { print k * 1024 / 1e6 }')" "$over_source" "$ratio"
    previous=$best
    nodes=$((nodes * 2))
done

echo
echo "Whole process on the examples (milliseconds per run, best of 5 rounds of 10 runs):"
# The mean of ten back-to-back runs, timed with a nanosecond clock: /usr/bin/time's resolution
# (10 ms) is coarser than a golivec run.
best_of() {
    local best='' start end elapsed
    for _ in 1 2 3 4 5; do
        start=$(date +%s%N)
        for _ in 1 2 3 4 5 6 7 8 9 10; do "$@" > /dev/null 2>&1 || true; done
        end=$(date +%s%N)
        elapsed=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", (e - s) / 10 / 1e6 }')
        if [[ -z $best ]] || awk -v a="$elapsed" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$elapsed; fi
    done
    printf '%s' "$best"
}
printf '%-26s %12s %12s %12s %12s\n' example 'golivec lint' 'build+lint' actionlint shellcheck
for example in examples/*.golive; do
    name=$(basename "$example" .golive)
    "$bin" build "$example" --target workflow -o "$work/$name.yml" 2> /dev/null
    "$bin" build "$example" --target shell -o "$work/$name.sh" 2> /dev/null
    both=$(best_of bash -c "'$bin' build '$example' --target workflow > /dev/null 2>&1 && '$bin' lint '$example' > /dev/null 2>&1")
    printf '%-26s %12s %12s %12s %12s\n' "$name" "$(best_of "$bin" lint "$example")" "$both" \
        "$(best_of actionlint "$work/$name.yml")" "$(best_of shellcheck "$work/$name.sh")"
done
