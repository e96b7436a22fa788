#!/usr/bin/env bash
# Validate rendered manifests against the official Kubernetes OpenAPI schemas, offline, with
# kubectl-validate (SIG CLI), which carries the schemas of every Kubernetes release it knows.
#
#   scripts/k8s/validate.sh                      # every deploy/golden/*.yaml
#   scripts/k8s/validate.sh a.yaml b.yaml        # given files
#
# The first run builds kubectl-validate with `go install` (module proxy) into
# ${BERTH_CACHE:-$HOME/.cache/berth}/bin (about 10 minutes on 2 cores); later runs reuse it.
# Unknown fields, wrong types and missing required fields fail; the exit status is non-zero then.
#
# Environment (all optional):
#   BERTH_KUBECTL_VALIDATE_VERSION  module version (default: a pseudo-version of main carrying 1.35 schemas;
#                                   the newest tag, v0.0.4, stops at 1.30)
#   BERTH_K8S_VERSIONS              Kubernetes versions to validate against (default "1.34 1.35")
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION="${BERTH_KUBECTL_VALIDATE_VERSION:-v0.0.5-0.20260105161640-a97ccfaca20b}"
K8S_VERSIONS="${BERTH_K8S_VERSIONS:-1.34 1.35}"
BIN_DIR="${BERTH_CACHE:-$HOME/.cache/berth}/bin"
BIN="$BIN_DIR/kubectl-validate-$VERSION"

log() { printf '[k8s-validate] %s\n' "$*" >&2; }

if [ ! -x "$BIN" ]; then
  command -v go >/dev/null || { log "error: Go is needed once to build kubectl-validate"; exit 1; }
  mkdir -p "$BIN_DIR"
  exec 9>"$BIN.lock"
  flock 9
  if [ ! -x "$BIN" ]; then
    log "building sigs.k8s.io/kubectl-validate@$VERSION (first run only)"
    tmp="$(mktemp -d)"
    CGO_ENABLED=0 GOBIN="$tmp" go install "sigs.k8s.io/kubectl-validate@$VERSION" >&2
    mv "$tmp/kubectl-validate" "$BIN"
    rmdir "$tmp"
  fi
  exec 9>&-
fi

if [ "$#" -eq 0 ]; then
  shopt -s nullglob
  set -- deploy/golden/*.yaml
  [ "$#" -gt 0 ] || { log "error: no deploy/golden/*.yaml to validate"; exit 1; }
fi

status=0
for k8s in $K8S_VERSIONS; do
  log "Kubernetes $k8s: $# files"
  # No kubeconfig on purpose: the built-in schemas of that release are used, never a cluster.
  rc=0
  out="$(KUBECONFIG=/dev/null "$BIN" --version "$k8s" "$@" 2>&1)" || rc=$?
  printf '%s\n' "$out" | grep -v 'failed to load kubeconfig' >&2 || true
  [ "$rc" = 0 ] || status=1
done
[ "$status" = 0 ] && log "all valid" || log "error: invalid manifests (see above)"
exit "$status"
