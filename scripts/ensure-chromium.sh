#!/usr/bin/env bash
# Installs Debian's Chromium for the browser end-to-end test when it is missing and this machine can
# (root with apt-get). Never fails: the test skips with a visible message where Chromium is absent.
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium) >/dev/null 2>&1 \
    || echo "ensure-chromium: could not install chromium; the browser test will be skipped"
else
  echo "ensure-chromium: chromium is missing and cannot be installed here; the browser test will be skipped"
fi
exit 0
