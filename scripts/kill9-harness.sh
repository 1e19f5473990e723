#!/usr/bin/env bash
# The kill -9 harness of the runbook (issue 16): kills the runbook with SIGKILL at a random
# moment (between steps, inside a step, inside a rollback step), runs it again until the run
# ends, and counts each step's side effects. Every step must leave its effect exactly once;
# twice only when the runbook asked whether the interrupted command may run again (the answers
# file says yes to every question). The trace and the state file must stay well formed.
#
#   scripts/kill9-harness.sh [TRIALS]      (default 200; CI runs a short version)
#
# Needs a built golivec (target/debug or target/release, or GOLIVEC=path) and setsid.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-200}
golivec=${GOLIVEC:-}
for candidate in target/debug/golivec target/release/golivec; do
  # The newest build.
  if [[ -x $candidate ]] && { [[ -z $golivec ]] || [[ $candidate -nt $golivec ]]; }; then golivec=$candidate; fi
done
[[ -n $golivec ]] || { echo "kill9-harness: build golivec first (cargo build)" >&2; exit 2; }
work=$(mktemp -d)
trap 'if [[ -z ${KEEP:-} ]]; then rm -rf "$work"; fi' EXIT
"$golivec" build tests/fixtures/runbook/kill9.golive --target shell -o "$work/run.sh" 2>/dev/null
steps=(one.1 one.2 one.3 two.1 two.2 undo.all.1 undo.all.2 undo.all.3)
failures=0 asked_total=0 killed_in_steps=0 kills=0
for ((trial = 1; trial <= trials; trial++)); do
  dir="$work/trial"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$work/run.sh" "$dir/run.sh"
  # shellcheck disable=SC2016 # the stub's own variable, expanded when it runs
  printf '#!/usr/bin/env bash\nsleep 0.%d\necho "$GOLIVE_STEP" >> effects\n' "$((RANDOM % 3 + 1))" >"$dir/effect.sh"
  chmod +x "$dir/effect.sh"
  : >"$dir/answers"
  # Every command may run again, the failing one (two.3, no effect) included.
  for step in "${steps[@]}" two.3; do echo "$step rerun-by harness" >>"$dir/answers"; done
  # setsid, not a group leader here, makes the session itself: the runbook's main process is
  # the one started here. Kill it, and only it: what it ran lives on, as after a crash.
  (cd "$dir" && exec setsid ./run.sh --now --approvals answers >/dev/null 2>&1) &
  runner=$!
  sleep "$((RANDOM % 2)).$((RANDOM % 900 + 50))"
  # Odd trials kill the main process alone (its nodes' processes live on); even ones its whole
  # process group, as a lost session or the OOM killer would (commands, in groups of their own,
  # live on).
  target=$runner
  if ((trial % 2 == 0)); then target=-$runner; fi
  if kill -9 -- "$target" 2>/dev/null; then
    kills=$((kills + 1))
    if grep -q '^started ' "$dir/.golive-kill9/done" 2>/dev/null; then killed_in_steps=$((killed_in_steps + 1)); fi
  fi
  wait "$runner" 2>/dev/null || true
  sleep 0.$((RANDOM % 5))
  final=''
  for ((attempt = 0; attempt < 200; attempt++)); do
    rc=0
    (cd "$dir" && setsid -w ./run.sh --now --approvals answers >/dev/null 2>&1) || rc=$?
    case $rc in
      75) sleep 0.1 ;;        # a survivor of the killed run still holds the lock
      3) final=3; break ;;
      *) final=$rc; break ;;
    esac
  done
  problem=''
  if [[ $final != 3 ]]; then problem="ended with $final, not 3 (rolled back)"; fi
  for step in "${steps[@]}"; do
    count=$(grep -cx -- "$step" "$dir/effects" 2>/dev/null || true)
    asked=$(grep -c " question $step\$" "$dir/.golive-kill9/trace" 2>/dev/null || true)
    asked_total=$((asked_total + asked))
    if ((count == 1)) || ((count == 2 && asked > 0)); then continue; fi
    problem+=" $step ran $count times (asked $asked)"
  done
  if grep -qvE '^-?[0-9]+ [a-z_]+( [A-Za-z0-9_.-]+)*$' "$dir/.golive-kill9/trace"; then problem+=" a malformed trace line"; fi
  if grep -qvE '^(node:[a-z0-9_]+|started [a-z0-9_.]+ [0-9.]+|[a-z0-9_]+\.[a-z0-9_.]+|rollback-level [0-9]+ [0-9]+|tree-entered [0-9]+ [a-z0-9_]+|level-done [0-9]+ [0-9]+ [a-z_]+|rolled-back)$' "$dir/.golive-kill9/done"; then
    problem+=" a malformed state line"
  fi
  if [[ -n $problem ]]; then
    failures=$((failures + 1))
    echo "trial $trial:$problem" >&2
  fi
done
echo "kill9-harness: $trials trials, $kills kills ($killed_in_steps inside a started command), $asked_total questions to rerun, $failures failures"
((failures == 0))
