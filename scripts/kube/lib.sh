# shellcheck shell=bash
# Shared by build.sh, start.sh and stop.sh. Sourced, not run.
#
# Environment (all optional):
#   BERTH_CACHE               cache root (default $HOME/.cache/berth); binaries go to $BERTH_CACHE/kube/<version>/bin
#   BERTH_KUBE_DIR            run folder: pki/, etcd/, logs/, *.pid, kubeconfig (start.sh makes a temporary one if unset)
#   BERTH_KUBE_ETCD_PORT      etcd client port on 127.0.0.1 (default 12379; the peer port is this + 1)
#   BERTH_KUBE_API_PORT       kube-apiserver secure port on 127.0.0.1 (default 16443)
#   BERTH_KUBE_KCM_PORT       kube-controller-manager secure port on 127.0.0.1 (default 20257)
#   BERTH_KUBE_CONTROLLERS    1 (default) starts kube-controller-manager; 0 runs the API server alone
#   BERTH_KUBE_START_TIMEOUT  seconds to wait for /readyz (default 180)
# shellcheck source=../lib/process.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/process.sh"

BERTH_KUBE_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

: "${BERTH_KUBE_ETCD_PORT:=12379}"
: "${BERTH_KUBE_API_PORT:=16443}"
: "${BERTH_KUBE_KCM_PORT:=20257}"
: "${BERTH_KUBE_CONTROLLERS:=1}"
: "${BERTH_KUBE_START_TIMEOUT:=180}"
export BERTH_KUBE_ETCD_PORT BERTH_KUBE_API_PORT BERTH_KUBE_KCM_PORT

kube_log() { printf '[kube] %s\n' "$*" >&2; }
kube_die() { kube_log "error: $*"; exit 1; }

# The version pinned by the wrapper module (k8s.io/kubernetes vX.Y.Z).
kube_version() { sed -n 's/^\(require\)\{0,1\}[[:space:]]*k8s.io\/kubernetes \(v[0-9.]*\)$/\2/p' "$BERTH_KUBE_SCRIPTS/kubernetes/go.mod"; }
etcd_version() { sed -n 's/^\(require\)\{0,1\}[[:space:]]*go.etcd.io\/etcd\/server\/v3 \(v[0-9.]*\)$/\2/p' "$BERTH_KUBE_SCRIPTS/etcd/go.mod"; }

kube_cache_dir() { printf '%s\n' "${BERTH_CACHE:-$HOME/.cache/berth}/kube/$(kube_version)"; }
kube_bin() { printf '%s\n' "$(kube_cache_dir)/bin/$1"; }

kube_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
kube_read_pid() { [ -f "$BERTH_KUBE_DIR/$1.pid" ] && cat "$BERTH_KUBE_DIR/$1.pid"; }

# Alive, and really our binary (not a recycled pid).
kube_pid_is() {
  local pid="$1" name="$2"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "/$name "
}

kube_stop_one() {
  local name="$1" sig="${2:-TERM}" pid
  pid="$(kube_read_pid "$name" || true)"
  if ! kube_pid_is "$pid" "$name"; then
    rm -f "$BERTH_KUBE_DIR/$name.pid"
    return 0
  fi
  stop_pid "$pid" "$name" "$sig" 15 kube_log
  rm -f "$BERTH_KUBE_DIR/$name.pid"
}

# Stops in reverse start order: the controllers, then the API server, then its storage.
kube_stop_all() {
  local sig="${1:-TERM}"
  kube_stop_one kube-controller-manager "$sig"
  kube_stop_one kube-apiserver "$sig"
  kube_stop_one etcd "$sig"
}

kube_tail_logs() {
  local f
  for f in "$BERTH_KUBE_DIR"/logs/*.log; do
    [ -f "$f" ] || continue
    kube_log "--- last lines of $(basename "$f")"
    tail -n 25 "$f" >&2
  done
}
