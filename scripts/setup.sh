#!/usr/bin/env bash
# Installs what the test suite needs beyond Go itself, idempotently:
# staticcheck (Go module proxy) and Debian's Chromium for the browser test.
# A missing Chromium is not fatal: the browser test then skips with a message.
set -uo pipefail
export PATH="$(go env GOPATH)/bin:$PATH"
if ! command -v staticcheck >/dev/null 2>&1; then
  echo "setup: installing staticcheck"
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2 || echo "setup: staticcheck could not be installed"
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing chromium (Debian package) for the browser test"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
      || echo "setup: chromium could not be installed; the browser test will skip"
  else
    echo "setup: no chromium and no root apt-get; the browser test will skip"
  fi
fi
exit 0
