#!/usr/bin/env bash
# Stop the control plane started by start.sh and delete its run folder (only if start.sh made it;
# BERTH_KUBE_KEEP=1 keeps it, e.g. to read logs/).
#
#   scripts/kube/stop.sh [RUN_DIR]      # default: $BERTH_KUBE_DIR
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

if [ -n "${1:-}" ]; then BERTH_KUBE_DIR="$1"; fi
[ -n "${BERTH_KUBE_DIR:-}" ] || kube_die "BERTH_KUBE_DIR is not set (eval the output of start.sh, or pass the folder)"
[ -d "$BERTH_KUBE_DIR" ] || kube_die "no such folder: $BERTH_KUBE_DIR"
kube_stop_all TERM
if [ "${BERTH_KUBE_KEEP:-0}" != 1 ] && [ -f "$BERTH_KUBE_DIR/.berth-kube" ]; then
  rm -rf "$BERTH_KUBE_DIR"
  kube_log "removed $BERTH_KUBE_DIR"
fi
