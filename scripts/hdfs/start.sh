#!/usr/bin/env bash
# Start a real single-node HDFS for integration tests: one NameNode JVM and one DataNode JVM,
# loopback only, security off, WebHDFS on, a freshly formatted namespace every time.
#
#   eval "$(scripts/hdfs/start.sh)"     # progress goes to stderr, `export` lines to stdout
#   ...tests use $BERTH_TEST_WEBHDFS...
#   scripts/hdfs/stop.sh                 # uses $BERTH_HDFS_DIR
#
# The first run resolves Hadoop's jars with Maven (pom.xml beside this script) into
# ${BERTH_CACHE:-$HOME/.cache/berth}/hdfs/<version>/lib and compiles the launcher; later runs reuse them.
# Settings: see lib.sh. Needs bash, curl, Java 17 and (first run only) Maven.
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

ensure_jars() {
  local cache stamp want tmp java
  cache="$(hdfs_cache_dir)"
  want="$(hdfs_version) $(cat "$BERTH_HDFS_SCRIPTS/pom.xml" "$BERTH_HDFS_SCRIPTS"/src/main/java/dev/berth/hdfs/*.java | cksum)"
  stamp="$cache/.stamp"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  mkdir -p "$(dirname "$cache")"
  # One builder at a time; a second caller waits, then finds the stamp.
  exec 9>"$cache.lock"
  flock 9
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exec 9>&-
    return 0
  fi
  command -v "${BERTH_MVN:-mvn}" >/dev/null || hdfs_die "Maven (mvn) is needed once to fetch Hadoop's jars"
  hdfs_log "resolving Hadoop $(hdfs_version) jars into $cache (first run only)"
  tmp="$cache.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # shellcheck disable=SC2086
  "${BERTH_MVN:-mvn}" -B -q -Dstyle.color=never ${MAVEN_ARGS:-} -f "$BERTH_HDFS_SCRIPTS/pom.xml" \
    -Dhadoop.version="$(hdfs_version)" -Dberth.build.dir="$tmp/build" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/lib" >&2 ||
    hdfs_die "mvn dependency:copy-dependencies failed"
  java="$(hdfs_java)"
  "$(dirname "$java")/javac" -nowarn -d "$tmp/classes" -cp "$tmp/lib/*" \
    "$BERTH_HDFS_SCRIPTS"/src/main/java/dev/berth/hdfs/*.java >&2 || hdfs_die "javac failed"
  rm -rf "$tmp/build"
  printf '%s\n' "$want" >"$tmp/.stamp"
  rm -rf "$cache"
  mv "$tmp" "$cache"
  exec 9>&-
}

hdfs_check_ports() {
  local p
  for p in "$BERTH_HDFS_NN_RPC_PORT" "$BERTH_HDFS_NN_HTTP_PORT" "$BERTH_HDFS_DN_PORT" \
    "$BERTH_HDFS_DN_HTTP_PORT" "$BERTH_HDFS_DN_IPC_PORT"; do
    if hdfs_port_busy "$p"; then
      hdfs_die "port $p on 127.0.0.1 is already in use (set BERTH_HDFS_*_PORT)"
    fi
  done
}

started_ok=0
created_dir=0
cleanup_on_failure() {
  if [ "$started_ok" != 1 ] && [ -n "${BERTH_HDFS_DIR:-}" ]; then
    hdfs_tail_logs
    hdfs_stop_role datanode KILL
    hdfs_stop_role namenode KILL
    if [ "$created_dir" = 1 ]; then rm -rf "$BERTH_HDFS_DIR"; fi
  fi
}

main() {
  local t0 java deadline nn dn counts probe_ok code elapsed
  t0="$(date +%s%N)"
  ensure_jars

  if [ -z "${BERTH_HDFS_DIR:-}" ]; then
    hdfs_check_ports
    BERTH_HDFS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/berth-hdfs.XXXXXX")"
    created_dir=1
  fi
  mkdir -p "$BERTH_HDFS_DIR"
  BERTH_HDFS_DIR="$(cd "$BERTH_HDFS_DIR" && pwd)"
  export BERTH_HDFS_DIR
  if hdfs_pid_is "$(hdfs_read_pid namenode || true)" namenode ||
    hdfs_pid_is "$(hdfs_read_pid datanode || true)" datanode; then
    hdfs_die "HDFS already running from $BERTH_HDFS_DIR (run scripts/hdfs/stop.sh first)"
  fi
  hdfs_check_ports
  # Marks the folder as ours, so that stop.sh may delete it.
  : >"$BERTH_HDFS_DIR/.berth-hdfs"
  rm -rf "$BERTH_HDFS_DIR/conf" "$BERTH_HDFS_DIR/data" "$BERTH_HDFS_DIR/logs"
  mkdir -p "$BERTH_HDFS_DIR/logs"
  trap cleanup_on_failure EXIT
  trap 'exit 130' INT TERM

  java="$(hdfs_java)"
  "$java" -cp "$(hdfs_cache_dir)/classes:$(hdfs_cache_dir)/lib/*" dev.berth.hdfs.BerthHdfs \
    conf "$BERTH_HDFS_DIR/conf" "$BERTH_HDFS_DIR/data" >"$BERTH_HDFS_DIR/logs/conf.log" 2>&1 ||
    hdfs_die "writing the configuration failed: $(cat "$BERTH_HDFS_DIR/logs/conf.log")"
  rm -f "$BERTH_HDFS_DIR/logs/conf.log"
  "$java" -Xmx"$BERTH_HDFS_HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true \
    -cp "$(hdfs_classpath)" dev.berth.hdfs.BerthHdfs format \
    </dev/null >"$BERTH_HDFS_DIR/logs/format.log" 2>&1 || hdfs_die "NameNode -format failed"

  nn="$(hdfs_spawn namenode)"
  dn="$(hdfs_spawn datanode)"
  hdfs_log "NameNode pid $nn, DataNode pid $dn, run folder $BERTH_HDFS_DIR"

  deadline=$(($(date +%s) + BERTH_HDFS_START_TIMEOUT))
  probe_ok=0
  while [ "$(date +%s)" -lt "$deadline" ]; do
    hdfs_pid_is "$nn" namenode || hdfs_die "the NameNode exited during start-up"
    hdfs_pid_is "$dn" datanode || hdfs_die "the DataNode exited during start-up"
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
      "$(hdfs_nn_http)/webhdfs/v1/?op=GETFILESTATUS" 2>/dev/null || true)"
    counts="$(hdfs_dn_counts || true)"
    if [ "$code" = 200 ] && [ -n "$counts" ] && [ "${counts%% *}" -ge 1 ] && hdfs_safemode_off &&
      hdfs_probe_write; then
      probe_ok=1
      break
    fi
    sleep 0.5
  done
  [ "$probe_ok" = 1 ] || hdfs_die "HDFS not usable after ${BERTH_HDFS_START_TIMEOUT}s"
  started_ok=1
  {
    printf 'BERTH_HDFS_NN_RPC_PORT=%q\n' "$BERTH_HDFS_NN_RPC_PORT"
    printf 'BERTH_HDFS_NN_HTTP_PORT=%q\n' "$BERTH_HDFS_NN_HTTP_PORT"
    printf 'BERTH_HDFS_DN_PORT=%q\n' "$BERTH_HDFS_DN_PORT"
    printf 'BERTH_HDFS_DN_HTTP_PORT=%q\n' "$BERTH_HDFS_DN_HTTP_PORT"
    printf 'BERTH_HDFS_DN_IPC_PORT=%q\n' "$BERTH_HDFS_DN_IPC_PORT"
    printf 'BERTH_HDFS_HEAP=%q\n' "$BERTH_HDFS_HEAP"
  } >"$BERTH_HDFS_DIR/ports.env"
  elapsed=$((($(date +%s%N) - t0) / 1000000))
  hdfs_log "ready in ${elapsed} ms: WebHDFS $(hdfs_nn_http)/webhdfs/v1, fs hdfs://127.0.0.1:$BERTH_HDFS_NN_RPC_PORT"

  printf 'export BERTH_HDFS_DIR=%q\n' "$BERTH_HDFS_DIR"
  printf 'export BERTH_TEST_WEBHDFS=%q\n' "$(hdfs_nn_http)"
  printf 'export BERTH_TEST_HDFS_URI=%q\n' "hdfs://127.0.0.1:$BERTH_HDFS_NN_RPC_PORT"
  printf 'export BERTH_TEST_HDFS_DN_HTTP=%q\n' "http://127.0.0.1:$BERTH_HDFS_DN_HTTP_PORT"
  printf 'export BERTH_TEST_HDFS_NN_PID=%q\n' "$nn"
  printf 'export BERTH_TEST_HDFS_DN_PID=%q\n' "$dn"
  printf 'export BERTH_HDFS_NN_RPC_PORT=%q\n' "$BERTH_HDFS_NN_RPC_PORT"
  printf 'export BERTH_HDFS_NN_HTTP_PORT=%q\n' "$BERTH_HDFS_NN_HTTP_PORT"
  printf 'export BERTH_HDFS_DN_PORT=%q\n' "$BERTH_HDFS_DN_PORT"
  printf 'export BERTH_HDFS_DN_HTTP_PORT=%q\n' "$BERTH_HDFS_DN_HTTP_PORT"
  printf 'export BERTH_HDFS_DN_IPC_PORT=%q\n' "$BERTH_HDFS_DN_IPC_PORT"
}

main "$@"
