#!/usr/bin/env bash
# The real browser for the dashboard's browser tests: Debian's own `chromium` package, driven by
# playwright-core (which downloads no browser). Installs it with apt when it is missing and prints
# the export that tells the tests where it is: eval "$(scripts/browser/setup.sh)".
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  echo "browser: installing Debian's chromium" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
fi
path="$(command -v chromium)"
echo "browser: $("$path" --version 2>/dev/null || echo chromium)" >&2
echo "export BERTH_CHROMIUM=$path"
