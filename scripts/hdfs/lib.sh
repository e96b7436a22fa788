# shellcheck shell=bash
# Shared by start.sh, stop.sh and datanode.sh. Sourced, not run.
#
# Environment (all optional):
#   BERTH_CACHE              cache root (default $HOME/.cache/berth); jars go to $BERTH_CACHE/hdfs/<version>
#   BERTH_HADOOP_VERSION     Hadoop version (default: the pom's, 3.5.0)
#   BERTH_HDFS_DIR           run folder: conf/, data/, logs/, *.pid (start.sh makes a temporary one if unset)
#   BERTH_HDFS_NN_RPC_PORT   NameNode RPC          (default 18020)
#   BERTH_HDFS_NN_HTTP_PORT  NameNode HTTP/WebHDFS (default 19870)
#   BERTH_HDFS_DN_PORT       DataNode data transfer (default 19866)
#   BERTH_HDFS_DN_HTTP_PORT  DataNode HTTP, the target of WebHDFS 307 redirects (default 19864)
#   BERTH_HDFS_DN_IPC_PORT   DataNode IPC          (default 19867)
#   BERTH_HDFS_BLOCKSIZE     dfs.blocksize (default 1048576, the smallest allowed: multi-block files)
#   BERTH_HDFS_LS_LIMIT      dfs.ls.limit, entries per LISTSTATUS_BATCH page (default 1000)
#   BERTH_HDFS_HEAP          -Xmx of each JVM      (default 384m)
#   BERTH_HDFS_JAVA_OPTS     extra JVM options for both JVMs
#   BERTH_HDFS_START_TIMEOUT seconds to wait for a usable cluster (default 180)
#   JAVA_HOME                Java to use (default: java on PATH); Java 17 is what this was verified on
# shellcheck source=../lib/process.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/process.sh"

BERTH_HDFS_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

: "${BERTH_HDFS_NN_RPC_PORT:=18020}"
: "${BERTH_HDFS_NN_HTTP_PORT:=19870}"
: "${BERTH_HDFS_DN_PORT:=19866}"
: "${BERTH_HDFS_DN_HTTP_PORT:=19864}"
: "${BERTH_HDFS_DN_IPC_PORT:=19867}"
: "${BERTH_HDFS_HEAP:=384m}"
: "${BERTH_HDFS_START_TIMEOUT:=180}"
export BERTH_HDFS_NN_RPC_PORT BERTH_HDFS_NN_HTTP_PORT BERTH_HDFS_DN_PORT BERTH_HDFS_DN_HTTP_PORT BERTH_HDFS_DN_IPC_PORT

# Hadoop 3.4.x's WebHDFS (Jersey 1) needs java.lang opened on Java 17, like Hadoop's own launch
# scripts do; 3.5.0 runs without, and the flags do no harm there.
HDFS_ADD_OPENS=(
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
)

hdfs_log() { printf '[hdfs] %s\n' "$*" >&2; }
hdfs_die() { hdfs_log "error: $*"; exit 1; }

hdfs_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  else
    command -v java || hdfs_die "java not found (install a JDK 17, or set JAVA_HOME)"
  fi
}

hdfs_version() {
  if [ -n "${BERTH_HADOOP_VERSION:-}" ]; then
    printf '%s\n' "$BERTH_HADOOP_VERSION"
  else
    sed -n 's:.*<hadoop.version>\(.*\)</hadoop.version>.*:\1:p' "$BERTH_HDFS_SCRIPTS/pom.xml" | head -n 1
  fi
}

hdfs_cache_dir() { printf '%s\n' "${BERTH_CACHE:-$HOME/.cache/berth}/hdfs/$(hdfs_version)"; }

# Classpath of the NameNode / DataNode JVMs: the generated conf folder first (like HADOOP_CONF_DIR),
# then the launcher, then every jar.
hdfs_classpath() {
  local cache
  cache="$(hdfs_cache_dir)"
  printf '%s:%s:%s\n' "$BERTH_HDFS_DIR/conf" "$cache/classes" "$cache/lib/*"
}

# Is the given pid alive and one of our JVMs for the given role?
hdfs_pid_is() {
  local pid="$1" role="$2"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "dev.berth.hdfs.BerthHdfs $role"
}

hdfs_read_pid() { [ -f "$BERTH_HDFS_DIR/$1.pid" ] && cat "$BERTH_HDFS_DIR/$1.pid"; }

hdfs_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Start one role in the background, detached from the caller's stdout (so that
# eval "$(scripts/hdfs/start.sh)" returns), and write its pid.
hdfs_spawn() {
  local role="$1" java pid
  java="$(hdfs_java)"
  mkdir -p "$BERTH_HDFS_DIR/logs"
  # shellcheck disable=SC2086
  nohup "$java" -Xmx"$BERTH_HDFS_HEAP" -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Djava.net.preferIPv4Stack=true -Dhadoop.log.dir="$BERTH_HDFS_DIR/logs" \
    "${HDFS_ADD_OPENS[@]}" ${BERTH_HDFS_JAVA_OPTS:-} -cp "$(hdfs_classpath)" dev.berth.hdfs.BerthHdfs "$role" \
    </dev/null >>"$BERTH_HDFS_DIR/logs/$role.log" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$BERTH_HDFS_DIR/$role.pid"
  # Until the forked shell has exec'd java, /proc/<pid>/cmdline is still the shell's: wait for it,
  # so that hdfs_pid_is works from here on.
  for _ in $(seq 1 100); do
    hdfs_pid_is "$pid" "$role" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  printf '%s\n' "$pid"
}

# Stop one role: SIGTERM (or the given signal), then SIGKILL after 15 s.
hdfs_stop_role() {
  local role="$1" sig="${2:-TERM}" pid
  pid="$(hdfs_read_pid "$role" || true)"
  if ! hdfs_pid_is "$pid" "$role"; then
    rm -f "$BERTH_HDFS_DIR/$role.pid"
    return 0
  fi
  stop_pid "$pid" "$role" "$sig" 15 hdfs_log
  rm -f "$BERTH_HDFS_DIR/$role.pid"
}

hdfs_nn_http() { printf 'http://127.0.0.1:%s\n' "$BERTH_HDFS_NN_HTTP_PORT"; }

# Prints "<live> <dead>" DataNode counts from the NameNode's JMX, or nothing.
hdfs_dn_counts() {
  local j live dead
  j="$(curl -sf --max-time 5 "$(hdfs_nn_http)/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState" 2>/dev/null)" || return 0
  live="$(printf '%s' "$j" | grep -o '"NumLiveDataNodes" *: *[0-9]*' | grep -o '[0-9]*$')"
  dead="$(printf '%s' "$j" | grep -o '"NumDeadDataNodes" *: *[0-9]*' | grep -o '[0-9]*$')"
  [ -n "$live" ] && printf '%s %s\n' "$live" "${dead:-0}"
}

# True when the NameNode is out of safe mode ("Safemode" is the empty string in NameNodeInfo).
hdfs_safemode_off() {
  curl -sf --max-time 5 "$(hdfs_nn_http)/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo" 2>/dev/null |
    grep -q '"Safemode" *: *""'
}

hdfs_tail_logs() {
  local f
  for f in "$BERTH_HDFS_DIR"/logs/*.log; do
    [ -f "$f" ] || continue
    hdfs_log "---- last lines of $f"
    tail -n 30 "$f" >&2
  done
}

# For stop.sh and datanode.sh: find the run folder (argument, else $BERTH_HDFS_DIR) and the ports
# that start.sh used.
hdfs_attach() {
  if [ -n "${1:-}" ]; then BERTH_HDFS_DIR="$1"; fi
  [ -n "${BERTH_HDFS_DIR:-}" ] || hdfs_die "BERTH_HDFS_DIR is not set (eval the output of start.sh, or pass the folder)"
  [ -d "$BERTH_HDFS_DIR" ] || hdfs_die "no such folder: $BERTH_HDFS_DIR"
  BERTH_HDFS_DIR="$(cd "$BERTH_HDFS_DIR" && pwd)"
  export BERTH_HDFS_DIR
  if [ -f "$BERTH_HDFS_DIR/ports.env" ]; then
    # shellcheck disable=SC1091
    . "$BERTH_HDFS_DIR/ports.env"
  fi
}

# A real write through WebHDFS (NameNode 307, then the DataNode's HTTP server, then its block
# pipeline), deleted again: proves the DataNode takes blocks.
# A fresh name per try: a failed try may leave its file open under a lease.
hdfs_probe_write() {
  local loc code path="/.berth-probe-$$-$RANDOM"
  loc="$(curl -s -o /dev/null -w '%{redirect_url}' --max-time 10 -X PUT \
    "$(hdfs_nn_http)/webhdfs/v1$path?op=CREATE&overwrite=true&user.name=berth" || true)"
  [ -n "$loc" ] || return 1
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -X PUT --data-binary probe "$loc" || true)"
  curl -s -o /dev/null --max-time 10 -X DELETE \
    "$(hdfs_nn_http)/webhdfs/v1$path?op=DELETE&user.name=berth" || true
  [ "$code" = 201 ]
}
