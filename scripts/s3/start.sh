#!/usr/bin/env bash
# Start a real S3-compatible server for integration tests: versitygw (Apache-2.0) serving a POSIX
# folder through its `posix` backend, on 127.0.0.1 only, with one root account.
#
#   eval "$(scripts/s3/start.sh)"      # progress goes to stderr, `export` lines to stdout
#   ...tests use $BERTH_TEST_S3_ENDPOINT, $BERTH_TEST_S3_BUCKET and the AWS_* variables...
#   scripts/s3/stop.sh                  # uses $BERTH_S3_DIR
#
# The first run builds versitygw with `go install` (module proxy) into
# ${BERTH_CACHE:-$HOME/.cache/berth}/s3/versitygw-<version>/bin; later runs reuse the binary.
#
# Environment (all optional):
#   BERTH_VERSITYGW_VERSION  module version to build (default v1.8.0)
#   BERTH_S3_DIR             run folder: root/ (the buckets), logs/, versitygw.pid (default: a new temporary one)
#   BERTH_S3_PORT            listen port on 127.0.0.1 (default 19000)
#   BERTH_S3_BUCKETS         buckets to create once it answers, space-separated (default "berth-test"; "" for none)
#   ROOT_ACCESS_KEY / ROOT_SECRET_KEY   root credentials (default berthtest / berthtestsecret)
#   BERTH_S3_START_TIMEOUT   seconds to wait for it to answer (default 30)
#   BERTH_S3_ARGS            extra global versitygw options (e.g. "--log-level debug")
#   BERTH_S3_POSIX_ARGS      extra `posix` options (e.g. "--sidecar DIR" where the folder has no xattrs)
# Needs bash, curl (7.75 or later, for --aws-sigv4) and, for the first run only, Go 1.25 or later.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

ensure_binary() {
  local dir tmp t0
  dir="$(s3_install_dir)"
  if [ -x "$dir/bin/versitygw" ]; then
    return 0
  fi
  mkdir -p "$(dirname "$dir")"
  exec 9>"$dir.lock"
  flock 9
  if [ -x "$dir/bin/versitygw" ]; then
    exec 9>&-
    return 0
  fi
  command -v go >/dev/null || s3_die "Go is needed once to build versitygw"
  s3_log "building versitygw $S3_VERSION into $dir (first run only, about 2 minutes on 2 cores)"
  t0="$(date +%s)"
  tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp/bin"
  CGO_ENABLED=0 GOBIN="$tmp/bin" \
    go install "github.com/versity/versitygw/cmd/versitygw@$S3_VERSION" >&2 ||
    s3_die "go install github.com/versity/versitygw/cmd/versitygw@$S3_VERSION failed"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  exec 9>&-
  s3_log "built in $(($(date +%s) - t0)) s"
}

started_ok=0
created_dir=0
cleanup_on_failure() {
  if [ "$started_ok" != 1 ] && [ -n "${BERTH_S3_DIR:-}" ]; then
    if [ -f "$BERTH_S3_DIR/logs/versitygw.log" ]; then tail -n 30 "$BERTH_S3_DIR/logs/versitygw.log" >&2; fi
    s3_stop KILL
    if [ "$created_dir" = 1 ]; then rm -rf "$BERTH_S3_DIR"; fi
  fi
}

main() {
  local t0 pid deadline code posix_args bucket first_bucket elapsed
  t0="$(date +%s%N)"
  ensure_binary

  if [ -z "${BERTH_S3_DIR:-}" ]; then
    s3_port_busy "$BERTH_S3_PORT" && s3_die "port $BERTH_S3_PORT on 127.0.0.1 is already in use (set BERTH_S3_PORT)"
    BERTH_S3_DIR="$(mktemp -d "${TMPDIR:-/tmp}/berth-s3.XXXXXX")"
    created_dir=1
  fi
  mkdir -p "$BERTH_S3_DIR"
  BERTH_S3_DIR="$(cd "$BERTH_S3_DIR" && pwd)"
  export BERTH_S3_DIR
  if s3_pid_alive "$(s3_read_pid || true)"; then
    s3_die "versitygw already running from $BERTH_S3_DIR (run scripts/s3/stop.sh first)"
  fi
  s3_port_busy "$BERTH_S3_PORT" && s3_die "port $BERTH_S3_PORT on 127.0.0.1 is already in use (set BERTH_S3_PORT)"
  : >"$BERTH_S3_DIR/.berth-s3"
  rm -rf "$BERTH_S3_DIR/root" "$BERTH_S3_DIR/logs" "$BERTH_S3_DIR/meta"
  mkdir -p "$BERTH_S3_DIR/root" "$BERTH_S3_DIR/logs"
  trap cleanup_on_failure EXIT

  posix_args="${BERTH_S3_POSIX_ARGS:-}"
  # The posix backend keeps object metadata (ETag, content type, ...) in user xattrs. Where the
  # folder's file system has none, keep it in a sidecar folder instead.
  if [ -z "$posix_args" ] && command -v python3 >/dev/null &&
    ! python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.berth", b"1"); os.removexattr(sys.argv[1], "user.berth")' \
      "$BERTH_S3_DIR/root" 2>/dev/null; then
    mkdir -p "$BERTH_S3_DIR/meta"
    posix_args="--sidecar $BERTH_S3_DIR/meta"
    s3_log "no user xattrs under $BERTH_S3_DIR: using a metadata sidecar folder"
  fi

  # Credentials go through the environment, not the command line.
  # shellcheck disable=SC2086
  ROOT_ACCESS_KEY="$S3_ACCESS_KEY" ROOT_SECRET_KEY="$S3_SECRET_KEY" \
    nohup "$(s3_install_dir)/bin/versitygw" --port "127.0.0.1:$BERTH_S3_PORT" --region us-east-1 \
    --keep-alive ${BERTH_S3_ARGS:-} posix ${posix_args} "$BERTH_S3_DIR/root" \
    </dev/null >>"$BERTH_S3_DIR/logs/versitygw.log" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$BERTH_S3_DIR/versitygw.pid"
  s3_log "versitygw pid $pid, run folder $BERTH_S3_DIR"

  deadline=$(($(date +%s) + BERTH_S3_START_TIMEOUT))
  while :; do
    s3_pid_alive "$pid" || s3_die "versitygw exited during start-up"
    # A signed ListBuckets: proves the listener and the credentials.
    code="$(s3_curl -o /dev/null -w '%{http_code}' "$(s3_endpoint)/" || true)"
    [ "$code" = 200 ] && break
    [ "$(date +%s)" -lt "$deadline" ] || s3_die "versitygw did not answer within ${BERTH_S3_START_TIMEOUT}s (last status: ${code:-none})"
    sleep 0.1
  done

  first_bucket=""
  for bucket in ${BERTH_S3_BUCKETS-berth-test}; do
    code="$(s3_curl -o "$BERTH_S3_DIR/logs/create-bucket.xml" -w '%{http_code}' -X PUT "$(s3_endpoint)/$bucket" || true)"
    [ "$code" = 200 ] || s3_die "CreateBucket $bucket answered $code: $(cat "$BERTH_S3_DIR/logs/create-bucket.xml" 2>/dev/null)"
    [ -n "$first_bucket" ] || first_bucket="$bucket"
  done
  rm -f "$BERTH_S3_DIR/logs/create-bucket.xml"

  started_ok=1
  printf 'BERTH_S3_PORT=%q\n' "$BERTH_S3_PORT" >"$BERTH_S3_DIR/ports.env"
  elapsed=$((($(date +%s%N) - t0) / 1000000))
  s3_log "ready in ${elapsed} ms: $(s3_endpoint) (buckets: ${BERTH_S3_BUCKETS-berth-test})"

  printf 'export BERTH_S3_DIR=%q\n' "$BERTH_S3_DIR"
  printf 'export BERTH_S3_PORT=%q\n' "$BERTH_S3_PORT"
  printf 'export BERTH_TEST_S3_ENDPOINT=%q\n' "$(s3_endpoint)"
  printf 'export BERTH_TEST_S3_BUCKET=%q\n' "$first_bucket"
  printf 'export BERTH_TEST_S3_PID=%q\n' "$pid"
  printf 'export AWS_ACCESS_KEY_ID=%q\n' "$S3_ACCESS_KEY"
  printf 'export AWS_SECRET_ACCESS_KEY=%q\n' "$S3_SECRET_KEY"
  printf 'export AWS_REGION=us-east-1\n'
}

main "$@"
