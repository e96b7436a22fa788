# shellcheck shell=bash
# Process helpers shared by the real-service scripts (hdfs/, s3/, kube/). Sourced, not run.

# stop_pid PID LABEL SIGNAL GRACE_SECONDS LOG_FUNCTION
# Sends SIGNAL, waits up to GRACE_SECONDS for the process to go, then SIGKILLs it; logs through
# LOG_FUNCTION (each service prefixes its own lines).
stop_pid() {
  local pid="$1" label="$2" sig="$3" grace="$4" log="$5"
  kill -s "$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    "$log" "$label ($pid) still running after $grace s: SIGKILL"
    kill -s KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  "$log" "$label ($pid) stopped"
}
