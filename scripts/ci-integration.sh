#!/usr/bin/env bash
# The integration suites that need real services: a real single-node HDFS (NameNode + DataNode from
# Hadoop jars resolved through Maven) and a real S3-compatible server (versitygw built with
# `go install`). Both cache their downloads under ${BERTH_CACHE:-$HOME/.cache/berth} and listen on
# 127.0.0.1 only; both are stopped however the tests end. The training suite also needs the
# sklearn example's venv (scripts/train-venvs/setup.sh, from PyPI, cached under the same root). In
# CI a suite that skips because its server or venv is missing counts as a failure: a green run must
# have talked to the real servers and trained for real.
set -euo pipefail
cd "$(dirname "$0")/.."

cleanup() {
  if [ -n "${BERTH_HDFS_DIR:-}" ]; then scripts/hdfs/stop.sh >&2 || true; fi
  if [ -n "${BERTH_S3_DIR:-}" ]; then scripts/s3/stop.sh >&2 || true; fi
}
trap cleanup EXIT

# Start a service and import its exports; one retry, since a first start also builds or downloads.
start() {
  local script=$1 exports
  if ! exports="$("$script")"; then
    echo "ci-integration: $script failed; retrying once" >&2
    exports="$("$script")"
  fi
  eval "$exports"
}

start scripts/s3/start.sh
start scripts/hdfs/start.sh
start scripts/train-venvs/setup.sh
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

log="$(mktemp)"
status=0
npm run test:integration 2>&1 | tee "$log" || status=$?
if grep -E "# SKIP no (S3 server|HDFS|training venv)" "$log" >/dev/null; then
  echo "ci-integration: some suites skipped because a real server or the training venv was missing" >&2
  status=1
fi
rm -f "$log"
exit "$status"
