#!/usr/bin/env bash
# The integration suites that need real services: a real single-node HDFS (NameNode + DataNode from
# Hadoop jars resolved through Maven) and a real S3-compatible server (versitygw built with
# `go install`) and a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager
# built from the Go module proxy by scripts/kube/build.sh). All cache their downloads under
# ${BERTH_CACHE:-$HOME/.cache/berth} and listen on 127.0.0.1 only; all are stopped however the tests
# end. The training suite also needs the sklearn example's venv (scripts/train-venvs/setup.sh, from
# PyPI, cached under the same root), and the dashboard's browser suite Debian's chromium
# (scripts/browser/setup.sh, from apt). In CI a suite that skips because its server or venv is missing
# counts as a failure: a green run must have talked to the real servers and trained for real.
# First, needing no service: the golden Kubernetes manifests (deploy/golden/) are validated against
# the official schemas with kubectl-validate, and deploy/docker/*.Dockerfile are linted with
# BuildKit's `docker build --check` rules; either failing fails CI.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/k8s/validate.sh
scripts/k8s/lint-dockerfiles.sh

cleanup() {
  if [ -n "${BERTH_HDFS_DIR:-}" ]; then scripts/hdfs/stop.sh >&2 || true; fi
  if [ -n "${BERTH_S3_DIR:-}" ]; then scripts/s3/stop.sh >&2 || true; fi
  if [ -n "${BERTH_KUBE_DIR:-}" ]; then scripts/kube/stop.sh >&2 || true; fi
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
start scripts/kube/start.sh
start scripts/train-venvs/setup.sh
start scripts/browser/setup.sh
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

log="$(mktemp)"
status=0
npm run test:integration 2>&1 | tee "$log" || status=$?
if grep -E "# SKIP no (S3 server|HDFS|kube-apiserver|kube-controller-manager|training venv|chromium)" "$log" >/dev/null; then
  echo "ci-integration: some suites skipped because a real server or the training venv was missing" >&2
  status=1
fi
rm -f "$log"

# The HTTP API against its own /openapi.json: no 5xx, every answer as documented.
scripts/schemathesis/run.sh || status=$?
exit "$status"
