#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the examples, the test fixtures and the golive blocks of the
# docs. The corpus grows while fuzzing and is not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
for target in check emit parse_agree; do
    corpus=fuzz/corpus/$target
    mkdir -p "$corpus"
    for file in examples/*.golive $(find tests/fixtures stdlib src/cli/starters -name '*.golive' | sort); do
        cp "$file" "$corpus/$(echo "$file" | tr '/' '_')"
    done
    # Each ```golive block of the docs becomes one seed.
    for doc in docs/*.md README.md; do
        awk -v prefix="$corpus/$(basename "$doc" .md)-" '
            /^```golive/ { inside = 1; count++; file = prefix count ".golive"; next }
            /^```/ && inside { inside = 0; close(file); next }
            inside { print > file }
        ' "$doc"
    done
done
ls fuzz/corpus/check | wc -l
