#!/usr/bin/env bash
# Stop the HDFS started by start.sh: DataNode, then NameNode (SIGTERM, SIGKILL after 15 s), then
# delete the run folder (only if start.sh made it; BERTH_HDFS_KEEP=1 keeps it, e.g. to read logs/).
#
#   scripts/hdfs/stop.sh [RUN_DIR]      # default: $BERTH_HDFS_DIR
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

hdfs_attach "${1:-}"
hdfs_stop_role datanode
hdfs_stop_role namenode
if [ "${BERTH_HDFS_KEEP:-0}" != 1 ] && [ -f "$BERTH_HDFS_DIR/.berth-hdfs" ]; then
  rm -rf "$BERTH_HDFS_DIR"
  hdfs_log "removed $BERTH_HDFS_DIR"
fi
