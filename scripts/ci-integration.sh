#!/usr/bin/env bash
# The integration suites that need real services: a real single-node HDFS (NameNode + DataNode from
# Hadoop jars resolved through Maven) and a real S3-compatible server (versitygw built with
# `go install`). Both cache their downloads under ${BERTH_CACHE:-$HOME/.cache/berth} and listen on
# 127.0.0.1 only; both are stopped however the tests end.
set -euo pipefail
cd "$(dirname "$0")/.."

cleanup() {
  [ -n "${BERTH_HDFS_DIR:-}" ] && scripts/hdfs/stop.sh >&2 || true
  [ -n "${BERTH_S3_DIR:-}" ] && scripts/s3/stop.sh >&2 || true
}
trap cleanup EXIT

eval "$(scripts/s3/start.sh)"
eval "$(scripts/hdfs/start.sh)"
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

npm run test:integration
