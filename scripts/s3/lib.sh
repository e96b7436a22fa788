# shellcheck shell=bash
# Shared by start.sh and stop.sh. Sourced, not run.
# shellcheck source=../lib/process.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)/process.sh"

S3_VERSION="${BERTH_VERSITYGW_VERSION:-v1.8.0}"
S3_ACCESS_KEY="${ROOT_ACCESS_KEY:-berthtest}"
S3_SECRET_KEY="${ROOT_SECRET_KEY:-berthtestsecret}"
: "${BERTH_S3_PORT:=19000}"
: "${BERTH_S3_START_TIMEOUT:=30}"

s3_log() { printf '[s3] %s\n' "$*" >&2; }
s3_die() { s3_log "error: $*"; exit 1; }

s3_install_dir() { printf '%s\n' "${BERTH_CACHE:-$HOME/.cache/berth}/s3/versitygw-$S3_VERSION"; }
s3_endpoint() { printf 'http://127.0.0.1:%s\n' "$BERTH_S3_PORT"; }
s3_read_pid() { [ -f "$BERTH_S3_DIR/versitygw.pid" ] && cat "$BERTH_S3_DIR/versitygw.pid"; }
s3_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Alive, and really a versitygw (not a recycled pid).
s3_pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q versitygw
}

# curl with an AWS Signature V4 (root credentials, us-east-1). Body unsigned.
s3_curl() {
  curl -s --max-time 10 --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}

s3_stop() {
  local sig="${1:-TERM}" pid
  pid="$(s3_read_pid || true)"
  if ! s3_pid_alive "$pid"; then
    rm -f "$BERTH_S3_DIR/versitygw.pid"
    return 0
  fi
  stop_pid "$pid" versitygw "$sig" 10 s3_log
  rm -f "$BERTH_S3_DIR/versitygw.pid"
}
