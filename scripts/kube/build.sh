#!/usr/bin/env bash
# Build kube-apiserver, kube-controller-manager and etcd from the Go module proxy into
# ${BERTH_CACHE:-$HOME/.cache/berth}/kube/<version>/bin; does nothing when they are there and were
# built from the wrapper modules as they are now (go.mod, go.sum and main.go files: a stamp).
#
#   scripts/kube/build.sh          # progress on stderr; prints the bin folder on stdout
#
# No Kubernetes release binary can be downloaded here, so the wrapper modules beside this script
# (kubernetes/, etcd/) pin the sources; go.sum makes the build reproducible. First build: about
# 10 minutes on 2 cores, then cached. Needs Go (the version the go.mod files name, or later).
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

main() {
  local dir want stamp tmp t0 v ld
  dir="$(kube_cache_dir)"
  want="$(kube_version) $(etcd_version) $(cat "$BERTH_KUBE_SCRIPTS"/kubernetes/go.* "$BERTH_KUBE_SCRIPTS"/kubernetes/*/main.go \
    "$BERTH_KUBE_SCRIPTS"/etcd/go.* "$BERTH_KUBE_SCRIPTS"/etcd/main.go | cksum)"
  stamp="$dir/bin/.stamp"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    printf '%s\n' "$dir/bin"
    return 0
  fi
  mkdir -p "$(dirname "$dir")"
  # One builder at a time; a second caller waits, then finds the stamp.
  exec 9>"$dir.lock"
  flock 9
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exec 9>&-
    printf '%s\n' "$dir/bin"
    return 0
  fi
  command -v go >/dev/null || kube_die "Go is needed once to build kube-apiserver and etcd"
  v="$(kube_version)"
  tmp="$dir/bin.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # Without these the binaries report v0.0.0-master, and clients that read /version see no release.
  ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$v -X $pkg.gitMajor=$(echo "$v" | cut -d. -f1 | tr -d v)"
    ld="$ld -X $pkg.gitMinor=$(echo "$v" | cut -d. -f2) -X $pkg.gitTreeState=clean"
  done
  t0="$(date +%s)"
  kube_log "building kube-apiserver and kube-controller-manager $v into $dir/bin (first run only, ~10 min on 2 cores)"
  (cd "$BERTH_KUBE_SCRIPTS/kubernetes" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "$ld" \
    -o "$tmp/" ./kube-apiserver ./kube-controller-manager) >&2 || kube_die "building Kubernetes $v failed"
  kube_log "Kubernetes built in $(($(date +%s) - t0)) s"
  t0="$(date +%s)"
  kube_log "building etcd $(etcd_version)"
  (cd "$BERTH_KUBE_SCRIPTS/etcd" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$tmp/etcd" .) >&2 ||
    kube_die "building etcd $(etcd_version) failed"
  kube_log "etcd built in $(($(date +%s) - t0)) s"
  printf '%s\n' "$want" >"$tmp/.stamp"
  rm -rf "$dir/bin"
  mv "$tmp" "$dir/bin"
  exec 9>&-
  printf '%s\n' "$dir/bin"
}

main "$@"
