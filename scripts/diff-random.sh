#!/usr/bin/env bash
# The real runbook against the simulator on N random worlds (tests/it/runbook_diff.rs,
# `random_worlds_agree`); the test suite runs 3. Figures of longer runs: bench/README.md.
#
#   scripts/diff-random.sh [N] [SEED]      (default 30 worlds, the test's seed)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOLIVEC_DIFF_RANDOM=${1:-30}
if [[ -n ${2:-} ]]; then export GOLIVEC_DIFF_SEED=$2; fi
exec cargo test --test it -- runbook_diff::random_worlds_agree --nocapture
