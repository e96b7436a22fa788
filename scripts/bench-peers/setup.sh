#!/usr/bin/env bash
# Installs what `npm run bench` runs beside Berth, idempotently, under ${BERTH_CACHE:-~/.cache/berth}:
#   wrk                  HTTP load generator (Debian package; needs root and apt-get)
#   bench-bin/ghz        gRPC load generator (Go module proxy; needs go)
#   bench-venv/          FastAPI + uvicorn + onnxruntime, and Ray Serve   (Python peers)
#   bench-venv-mlserver/ MLServer + onnxruntime (a venv of its own: its fastapi pin excludes Ray Serve's)
#   bench-venv-triton/   nvidia-pytriton (tritonserver + python backend) + onnxruntime (needs numpy<2)
#   bench-venv-kserve/   KServe's Python model server + onnxruntime (its fastapi/protobuf pins are its own)
# Each part that cannot be installed is recorded as "unavailable: <reason>" in bench-tools.json and the
# benchmark reports it instead of failing. A venv is rebuilt only when its requirement files change.
# Usage: scripts/bench-peers/setup.sh [--force]
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${BERTH_CACHE:-$HOME/.cache/berth}"
python="${BENCH_PYTHON:-python3}"
force=0
[[ "${1:-}" == "--force" ]] && force=1
mkdir -p "$cache"
status_file="$cache/bench-tools.json"
declare -A status=()

log() { printf 'bench-setup: %s\n' "$*" >&2; }
last_line() { grep -v '^\s*$' "$1" | tail -n 1 | tr -d '"\\' | cut -c1-300; }

install_wrk() {
  if command -v wrk >/dev/null 2>&1; then
    status[wrk]="ok $(wrk --version 2>&1 | head -n 1 | awk '{print $2}')"
    return
  fi
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    status[wrk]="unavailable: not installed and apt-get as root is not possible here (autocannon is used)"
    return
  fi
  log "installing wrk with apt-get"
  local out="$cache/bench-wrk-install.log"
  if timeout 600 bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk' >"$out" 2>&1; then
    status[wrk]="ok $(wrk --version 2>&1 | head -n 1 | awk '{print $2}')"
  else
    status[wrk]="unavailable: apt-get install wrk failed: $(last_line "$out")"
  fi
}

# ghz: the newest version the Go module proxy serves for this module path.
GHZ_VERSION=v0.93.0
install_ghz() {
  local bin="$cache/bench-bin"
  if [[ -x "$bin/ghz" && -f "$bin/ghz.version" && "$(cat "$bin/ghz.version")" == "$GHZ_VERSION" && $force -eq 0 ]]; then
    status[ghz]="ok $GHZ_VERSION"
    return
  fi
  if ! command -v go >/dev/null 2>&1; then
    status[ghz]="unavailable: go is not installed (the Node gRPC load loop is used)"
    return
  fi
  log "building ghz $GHZ_VERSION with go install"
  mkdir -p "$bin"
  local out="$cache/bench-ghz-install.log"
  if timeout 900 env GOBIN="$bin" GOFLAGS=-mod=mod go install "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION" >"$out" 2>&1; then
    echo "$GHZ_VERSION" >"$bin/ghz.version"
    status[ghz]="ok $GHZ_VERSION"
  else
    status[ghz]="unavailable: go install ghz failed: $(last_line "$out")"
  fi
}

# make_venv DIR LOCK REQUIREMENTS...: (re)creates DIR unless its stamp matches the files. Installs each
# requirement file in turn, with LOCK (every transitive version, from `pip freeze`) as constraints.
make_venv() {
  local dir="$1" lock="$2"
  shift 2
  local stamp_want
  stamp_want="$("$python" --version 2>&1) $(cat "$@" "$lock" 2>/dev/null | sha256sum | cut -c1-16)"
  if [[ $force -eq 0 && -f "$dir/.berth-stamp" && "$(cat "$dir/.berth-stamp")" == "$stamp_want" ]]; then
    for req in "$@"; do
      status[$(basename "$req" .txt)]="$(cat "$dir/.status-$(basename "$req" .txt)")"
    done
    return
  fi
  log "creating $dir"
  rm -rf "$dir"
  if ! "$python" -m venv "$dir" >"$cache/bench-venv.log" 2>&1; then
    for req in "$@"; do
      status[$(basename "$req" .txt)]="unavailable: python -m venv failed: $(last_line "$cache/bench-venv.log")"
    done
    return
  fi
  "$dir/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
  local all_ok=1
  for req in "$@"; do
    local key out
    key="$(basename "$req" .txt)"
    out="$dir/pip-$key.log"
    log "pip install -r $(basename "$req") into $dir"
    if timeout 1200 "$dir/bin/pip" install -r "$req" -c "$lock" >"$out" 2>&1; then
      status[$key]="ok"
    else
      status[$key]="unavailable: pip install -r $(basename "$req") failed: $(last_line "$out")"
      all_ok=0
    fi
    echo "${status[$key]}" >"$dir/.status-$key"
  done
  "$dir/bin/pip" freeze >"$dir/freeze.txt" 2>/dev/null || true
  # Failed installs are retried on the next run; a complete one is not repeated.
  if [[ $all_ok -eq 1 ]]; then echo "$stamp_want" >"$dir/.berth-stamp"; fi
}

# check_triton DIR: the wheel installs on any Linux, but tritonserver must also start here (glibc, the
# stub for this Python): `tritonserver --help` prints its usage (it exits 1) with the wheel's libraries.
check_triton() {
  local dir="$1"
  [[ "${status[requirements-triton]:-}" == ok* ]] || return
  local wheel
  wheel="$(echo "$dir"/lib/python3*/site-packages/pytriton/tritonserver)"
  local py
  py="$("$dir/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  if [[ ! -x "$wheel/python_backend_stubs/$py/triton_python_backend_stub" ]]; then
    status[requirements-triton]="unavailable: nvidia-pytriton has no python backend stub for Python $py"
  elif ! { LD_LIBRARY_PATH="$wheel/../../nvidia_pytriton.libs" "$wheel/bin/tritonserver" --help \
    >"$dir/tritonserver-help.log" 2>&1; grep -q '^Usage: tritonserver' "$dir/tritonserver-help.log"; }; then
    status[requirements-triton]="unavailable: tritonserver does not start here: $(last_line "$dir/tritonserver-help.log")"
  fi
}

install_wrk
install_ghz
if command -v "$python" >/dev/null 2>&1; then
  make_venv "$cache/bench-venv" "$here/lock-main.txt" "$here/requirements-core.txt" "$here/requirements-ray.txt"
  make_venv "$cache/bench-venv-mlserver" "$here/lock-mlserver.txt" "$here/requirements-mlserver.txt"
  make_venv "$cache/bench-venv-triton" "$here/lock-triton.txt" "$here/requirements-triton.txt"
  check_triton "$cache/bench-venv-triton"
  make_venv "$cache/bench-venv-kserve" "$here/lock-kserve.txt" "$here/requirements-kserve.txt"
else
  for key in requirements-core requirements-ray requirements-mlserver requirements-triton requirements-kserve; do
    status[$key]="unavailable: $python is not installed"
  done
fi

{
  echo "{"
  first=1
  for key in "${!status[@]}"; do
    [[ $first -eq 1 ]] || echo ","
    first=0
    printf '  "%s": "%s"' "$key" "${status[$key]}"
  done
  echo
  echo "}"
} >"$status_file"
log "status in $status_file"
cat "$status_file"
