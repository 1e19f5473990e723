#!/usr/bin/env bash
# A real Prometheus on loopback, serving a past incident, for the tests.
#
#   scripts/prometheus-fixture.sh DIR OPENMETRICS_FILE OWNER_PID
#
# Backfills a TSDB in DIR/data from OPENMETRICS_FILE (`promtool tsdb create-blocks-from
# openmetrics`), starts `prometheus` on 127.0.0.1 at a free port with no scrape target, waits
# until it answers, and prints its URL. It stops when OWNER_PID (the test process) exits: a
# watchdog kills it, so a test that fails or panics leaves no server behind. DIR is the caller's
# to remove. Exit 2 when prometheus or promtool is missing (scripts/install-validators.sh
# installs them).
set -euo pipefail

dir=$1 fixture=$2 owner=$3
for tool in prometheus promtool curl; do
    command -v "$tool" >/dev/null || { echo "prometheus-fixture: $tool is missing" >&2; exit 2; }
done
mkdir -p "$dir"
promtool tsdb create-blocks-from openmetrics "$fixture" "$dir/data" >"$dir/backfill.log" 2>&1
# No scrape target: the server only serves what was backfilled.
printf 'global:\n  evaluation_interval: 1m\n' >"$dir/prometheus.yml"

for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    # A long retention: the incident is in the past, and must not be deleted at start.
    prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
        --storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$port" \
        >"$dir/prometheus.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do
        if curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
            # The watchdog: stop the server with the test process.
            (
                trap '' HUP
                while kill -0 "$owner" 2>/dev/null && kill -0 "$server" 2>/dev/null; do sleep 1; done
                kill "$server" 2>/dev/null || true
            ) </dev/null >/dev/null 2>&1 &
            echo "http://127.0.0.1:$port"
            exit 0
        fi
        kill -0 "$server" 2>/dev/null || break # the port was taken: try another
        sleep 0.1
    done
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
done
echo "prometheus-fixture: prometheus did not start; see $dir/prometheus.log" >&2
exit 1
