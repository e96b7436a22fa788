#!/usr/bin/env bash
# Fault injection for tests: stop, kill or restart only the DataNode of the HDFS that start.sh
# started (found through $BERTH_HDFS_DIR). The NameNode keeps running.
#
#   scripts/hdfs/datanode.sh stop        # SIGTERM (clean shutdown), waits for the process to end
#   scripts/hdfs/datanode.sh kill        # SIGKILL (crash)
#   scripts/hdfs/datanode.sh start       # start it again on the same ports and blocks; waits until
#                                        # the NameNode counts it live; prints export BERTH_TEST_HDFS_DN_PID=...
#   scripts/hdfs/datanode.sh wait-dead   # wait until the NameNode has declared it dead (about 20 s
#                                        # after it stopped: 2 x 5 s recheck + 10 x 1 s heartbeat)
#   scripts/hdfs/datanode.sh status      # prints "<live> <dead>" DataNode counts and the pid
#
# Until the NameNode declares the DataNode dead, and even after, WebHDFS still answers OPEN and
# CREATE with a 307 to 127.0.0.1:$BERTH_HDFS_DN_HTTP_PORT; the client then gets "connection refused".
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

hdfs_attach "${2:-}"
timeout_s="${BERTH_HDFS_START_TIMEOUT}"

case "${1:-}" in
  stop) hdfs_stop_role datanode TERM ;;
  kill) hdfs_stop_role datanode KILL ;;
  start)
    pid="$(hdfs_read_pid datanode || true)"
    hdfs_pid_is "$pid" datanode && hdfs_die "the DataNode is already running (pid $pid)"
    hdfs_port_busy "$BERTH_HDFS_DN_HTTP_PORT" && hdfs_die "port $BERTH_HDFS_DN_HTTP_PORT is still in use"
    before="$(hdfs_dn_counts || true)"
    pid="$(hdfs_spawn datanode)"
    deadline=$(($(date +%s) + timeout_s))
    while :; do
      hdfs_pid_is "$pid" datanode || { tail -n 30 "$BERTH_HDFS_DIR/logs/datanode.log" >&2; hdfs_die "the DataNode exited during start-up"; }
      counts="$(hdfs_dn_counts || true)"
      # Live again, and a write through WebHDFS (redirected to the new DataNode) succeeds.
      if [ -n "$counts" ] && [ "${counts%% *}" -ge 1 ] &&
        curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$BERTH_HDFS_DN_HTTP_PORT/" &&
        hdfs_probe_write; then
        break
      fi
      if [ "$(date +%s)" -ge "$deadline" ]; then
        hdfs_stop_role datanode KILL
        hdfs_die "DataNode not live after ${timeout_s}s (counts before: ${before:-?})"
      fi
      sleep 0.3
    done
    hdfs_log "DataNode pid $pid live"
    printf 'export BERTH_TEST_HDFS_DN_PID=%q\n' "$pid"
    ;;
  wait-dead)
    deadline=$(($(date +%s) + timeout_s))
    while :; do
      counts="$(hdfs_dn_counts || true)"
      if [ -n "$counts" ] && [ "${counts%% *}" = 0 ] && [ "${counts##* }" -ge 1 ]; then break; fi
      [ "$(date +%s)" -lt "$deadline" ] || hdfs_die "DataNode not declared dead after ${timeout_s}s (counts: ${counts:-?})"
      sleep 0.5
    done
    hdfs_log "NameNode counts the DataNode dead"
    ;;
  status)
    printf '%s %s\n' "$(hdfs_dn_counts || echo '? ?')" "$(hdfs_read_pid datanode || echo -)"
    ;;
  *)
    echo "usage: $0 start|stop|kill|wait-dead|status [RUN_DIR]" >&2
    exit 2
    ;;
esac
