#!/usr/bin/env bash
# The editor path at the floor: whole-process `golivec check` of each example, side by side
# with a Rust process that only reads the same file, runs interleaved, median of RUNS (200).
# Usage: bench/editor-floor.sh [RUNS] [GOLIVEC...]  (default: the release binary of this tree).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-200}"
shift || true
target="${CARGO_TARGET_DIR:-target}"
if [ "$#" -eq 0 ]; then
  cargo build --release --quiet
  set -- "$target/release/golivec"
fi
reader="$(mktemp -d)/read"
cat > "$reader.rs" <<'RS'
fn main() {
    let path = std::env::args().nth(1).expect("a path");
    let text = std::fs::read_to_string(path).expect("a readable file");
    std::process::exit(i32::from(text.is_empty()));
}
RS
rustc -O "$reader.rs" -o "$reader"
for example in examples/*.golive; do
  commands=("$reader $example")
  for golivec in "$@"; do commands+=("$golivec check $example"); done
  python3 - "$runs" "${commands[@]}" <<'PY'
import statistics, subprocess, sys, time
runs, commands = int(sys.argv[1]), [command.split() for command in sys.argv[2:]]
times = [[] for _ in commands]
for _ in range(runs):
    for index, command in enumerate(commands):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times[index].append(time.perf_counter() - start)
floor = statistics.median(times[0])
for command, measured in zip(commands, times):
    median = statistics.median(measured)
    print(f"{median * 1000:6.2f} ms  {median / floor:4.1f}x  {' '.join(command)}")
print()
PY
done
