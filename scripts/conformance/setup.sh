#!/usr/bin/env bash
# Prepares the conformance suite's backends, idempotently, in git-ignored folders:
#   .venv/          Python venv with moto[server] and schemathesis (exact pins in requirements.txt)
#   .conformance/   DynamoDB Local from the amplify-dynamodb-simulator npm tarball (never committed:
#                   its licence forbids redistribution), integrity-checked, unpacked, jar not installed
#                   through npm (its dependency tree is 347 MB)
# and makes sure Java is there (Debian's default-jre-headless when root with apt-get).
set -euo pipefail
cd "$(dirname "$0")/../.."

here=scripts/conformance
simulator=amplify-dynamodb-simulator@2.9.30
# sha512 of the tarball as the registry published it; setup also checks the registry still says so.
simulator_integrity="sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ=="
cache=.conformance
emulator="$cache/amplify-dynamodb-simulator-2.9.30/package/emulator"

log() { echo "conformance setup: $*"; }

# --- Java -------------------------------------------------------------------------------------------
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "installing default-jre-headless"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null
  else
    echo "conformance setup: java is missing and cannot be installed here (need root and apt-get)" >&2
    exit 1
  fi
fi

# --- Python venv -------------------------------------------------------------------------------------
wanted="$(cat "$here/requirements.txt" "$here/constraints.txt" | sha256sum | cut -c1-64)"
stamp=.venv/.conformance-requirements
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] \
  && .venv/bin/python -c "import moto.server, schemathesis.cli" >/dev/null 2>&1; then
  log "venv up to date"
else
  command -v python3 >/dev/null 2>&1 || { echo "conformance setup: python3 is missing" >&2; exit 1; }
  python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
    || { echo "conformance setup: need Python >= 3.10, found $(python3 --version)" >&2; exit 1; }
  # A venv moved or built by another Python is rebuilt rather than patched.
  if ! .venv/bin/python -c "" >/dev/null 2>&1; then rm -rf .venv; fi
  [ -d .venv ] || python3 -m venv .venv
  log "installing $(grep -v '^#' "$here/requirements.txt" | tr '\n' ' ')"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    -r "$here/requirements.txt" -c "$here/constraints.txt"
  echo "$wanted" >"$stamp"
fi

# --- DynamoDB Local ----------------------------------------------------------------------------------
if [ -f "$emulator/DynamoDBLocal.jar" ] && [ -f "$cache/.verified-2.9.30" ]; then
  log "DynamoDB Local up to date"
else
  mkdir -p "$cache"
  published="$(npm view "$simulator" dist.integrity 2>/dev/null | tail -n 1)"
  if [ "$published" != "$simulator_integrity" ]; then
    echo "conformance setup: the registry's integrity for $simulator is '$published', expected $simulator_integrity" >&2
    exit 1
  fi
  tarball="$cache/amplify-dynamodb-simulator-2.9.30.tgz"
  if [ ! -f "$tarball" ]; then
    log "fetching $simulator (npm pack, no install)"
    npm pack "$simulator" --pack-destination "$cache" --silent >/dev/null
  fi
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w 0)"
  if [ "$actual" != "$simulator_integrity" ]; then
    rm -f "$tarball"
    echo "conformance setup: $tarball has integrity $actual, expected $simulator_integrity; removed it" >&2
    exit 1
  fi
  rm -rf "$cache/amplify-dynamodb-simulator-2.9.30"
  mkdir -p "$cache/amplify-dynamodb-simulator-2.9.30"
  tar -xzf "$tarball" -C "$cache/amplify-dynamodb-simulator-2.9.30" package/emulator
  [ -f "$emulator/DynamoDBLocal.jar" ] || { echo "conformance setup: no DynamoDBLocal.jar in $tarball" >&2; exit 1; }
  rm -f "$tarball"
  touch "$cache/.verified-2.9.30"
  log "DynamoDB Local ready in $emulator"
fi
