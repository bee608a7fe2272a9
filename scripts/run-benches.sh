#!/usr/bin/env bash
# Runs every benchmark under dist/bench (or those whose name contains $1).
# Each benchmark prints its figures and its ratio against its anchor.
set -euo pipefail
cd "$(dirname "$0")/.."
export TANDEM_LOG_LEVEL=${TANDEM_LOG_LEVEL:-silent}
status=0
# A benchmark is dist/bench/NAME.js or dist/bench/NAME/main.js; other files in its folder are its helpers.
for bench in $( (find dist/bench -mindepth 1 -maxdepth 1 -name '*.js'; find dist/bench -mindepth 2 -maxdepth 2 -name main.js) | sort); do
  [[ -n "${1:-}" && "$bench" != *"$1"* ]] && continue
  echo "== $bench"
  node "$bench" || status=1
done
exit $status
