#!/usr/bin/env bash
# Every example, for real, through its generated workflow on the test executor, in its healthy
# world (tests/it/workflow_e2e.rs, `every_example_runs_through_its_workflow`): days of each plan's
# time at 300 times real speed, about twenty minutes. The test suite runs the shortest example
# (`the_kill_switch_example_runs_through_its_workflow`). Figures: bench/README.md.
#
#   scripts/examples-e2e.sh [NAME]      (only the examples whose name has NAME)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n ${1:-} ]]; then export GOLIVEC_E2E_ONLY=$1; fi
exec cargo test --test it -- --ignored workflow_e2e::every_example_runs_through_its_workflow --nocapture
