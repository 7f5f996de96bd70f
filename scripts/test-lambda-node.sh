#!/usr/bin/env bash
# Runs the unit, API and integration tests again on Node 24, the line AWS Lambda runs, with the
# build scripts/fetch-lambda-node.sh caches in the git-ignored .cache/. Development here is on
# Node 20; this proves the code runs on Lambda's Node as well.
set -euo pipefail
cd "$(dirname "$0")/.."

rc=0
node24=$(bash scripts/fetch-lambda-node.sh) || rc=$?
if [ "$rc" = 2 ]; then
  echo "Node 24 tests: skipped, the npm registry's build is for Linux x86_64 only"
  exit 0
fi
[ "$rc" = 0 ] || exit "$rc"
echo "Node $("$node24" --version): unit, API and integration tests"
PATH="$(dirname "$node24"):$PATH" node node_modules/vitest/vitest.mjs run --project unit --project api --project integration "$@"
