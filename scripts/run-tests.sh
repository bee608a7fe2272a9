#!/usr/bin/env bash
# Runs every compiled test file with node's test runner: unit tests beside
# their modules (src/**/*.test.ts) and cross-room tests under test/.
# Arguments narrow the run to files whose path contains one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find dist/src dist/agents dist/test -name '*.test.js' 2>/dev/null | sort)
if [[ $# -gt 0 ]]; then
  selected=()
  for file in "${files[@]}"; do
    for pattern in "$@"; do [[ "$file" == *"$pattern"* ]] && { selected+=("$file"); break; }; done
  done
  files=("${selected[@]}")
fi
[[ ${#files[@]} -gt 0 ]] || { echo "run-tests: no test files found" >&2; exit 1; }
export TANDEM_LOG_LEVEL=${TANDEM_LOG_LEVEL:-silent}
exec node --test --test-reporter=spec --test-concurrency=${TEST_CONCURRENCY:-2} --test-timeout=${TEST_TIMEOUT_MS:-900000} "${files[@]}"
