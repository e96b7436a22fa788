#!/usr/bin/env bash
# Lint deploy/docker/*.Dockerfile with the checks of `docker build --check` (BuildKit's Dockerfile
# linter), without a Docker engine: scripts/k8s/dockerfile-lint/ is a small Go main around
# BuildKit's dockerfile2llb.DockerfileLint that resolves base images offline.
#
#   scripts/k8s/lint-dockerfiles.sh              # every deploy/docker/*.Dockerfile
#   scripts/k8s/lint-dockerfiles.sh a.Dockerfile # given files
#
# The first run builds the linter (go build, module proxy; about 2 minutes on 2 cores) into
# ${BERTH_CACHE:-$HOME/.cache/berth}/bin, keyed by the hash of its go.mod and main.go.
set -euo pipefail
cd "$(dirname "$0")/../.."

SRC=scripts/k8s/dockerfile-lint
BIN_DIR="${BERTH_CACHE:-$HOME/.cache/berth}/bin"
KEY="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" | sha256sum | cut -c1-12)"
BIN="$BIN_DIR/dockerfile-lint-$KEY"

if [ ! -x "$BIN" ]; then
  command -v go >/dev/null || { echo "[dockerfile-lint] error: Go is needed once to build the linter" >&2; exit 1; }
  mkdir -p "$BIN_DIR"
  echo "[dockerfile-lint] building $SRC (first run only)" >&2
  (cd "$SRC" && CGO_ENABLED=0 go build -o "$BIN.tmp.$$" .)
  mv "$BIN.tmp.$$" "$BIN"
fi

if [ "$#" -eq 0 ]; then set -- deploy/docker/*.Dockerfile; fi
exec "$BIN" "$@"
