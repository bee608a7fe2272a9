#!/usr/bin/env bash
# Runs every benchmark under dist/bench (or those whose name contains $1).
# Each benchmark prints its figures and its ratio against its anchor.
set -euo pipefail
cd "$(dirname "$0")/.."
export TANDEM_LOG_LEVEL=${TANDEM_LOG_LEVEL:-silent}
status=0
for bench in $(find dist/bench -maxdepth 2 \( -path 'dist/bench/*/main.js' -o -path 'dist/bench/*.js' \) | sort); do
  [[ -n "${1:-}" && "$bench" != *"$1"* ]] && continue
  echo "== $bench"
  node "$bench" || status=1
done
exit $status
