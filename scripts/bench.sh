#!/usr/bin/env bash
# `npm run bench`: on Node 24, the line AWS Lambda runs (scripts/fetch-lambda-node.sh), so cold starts
# and CPU per request are measured on the runtime the functions are deployed on; on the machine's own
# Node where that build cannot run (BENCHMARKS.md's first line says which Node ran).
set -euo pipefail
cd "$(dirname "$0")/.."

rc=0
node=$(bash scripts/fetch-lambda-node.sh) || rc=$?
if [ "$rc" = 2 ]; then
  node=node
elif [ "$rc" != 0 ]; then
  exit "$rc"
fi
exec "$node" --expose-gc --import tsx bench/index.ts "$@"
