#!/usr/bin/env bash
# Stop the versitygw started by start.sh and delete its run folder (only if start.sh made it;
# BERTH_S3_KEEP=1 keeps it, e.g. to read logs/).
#
#   scripts/s3/stop.sh [RUN_DIR]      # default: $BERTH_S3_DIR
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

if [ -n "${1:-}" ]; then BERTH_S3_DIR="$1"; fi
[ -n "${BERTH_S3_DIR:-}" ] || s3_die "BERTH_S3_DIR is not set (eval the output of start.sh, or pass the folder)"
[ -d "$BERTH_S3_DIR" ] || s3_die "no such folder: $BERTH_S3_DIR"
s3_stop TERM
if [ "${BERTH_S3_KEEP:-0}" != 1 ] && [ -f "$BERTH_S3_DIR/.berth-s3" ]; then
  rm -rf "$BERTH_S3_DIR"
  s3_log "removed $BERTH_S3_DIR"
fi
