#!/usr/bin/env bash
# make demo: a two-node cluster in network namespaces with the whole service
# stack (two nbdkit arrays, the mirrored volume, ext4, PostgreSQL, an HTTP
# app, a virtual IP), then a kill -9 failover. The program is scripts/demo.ts
# (built by make build); it cleans up after itself, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f dist/scripts/demo.js ]]; then
  echo "demo: dist/scripts/demo.js is missing: run make build (make demo does)" >&2
  exit 1
fi
exec node dist/scripts/demo.js "$@"
