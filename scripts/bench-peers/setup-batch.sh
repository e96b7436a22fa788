#!/usr/bin/env bash
# Installs the offline batch peers of `npm run bench:batch`, idempotently, under ${BERTH_CACHE:-~/.cache/berth}:
#   bench-venv-batch/  pyarrow + onnxruntime, and PySpark + pandas (requirements-batch.txt, lock-batch.txt)
# What cannot be installed is recorded as "unavailable: <reason>" in bench-batch-tools.json and the
# benchmark reports it instead of failing. The venv is rebuilt only when its requirement files change.
# Usage: scripts/bench-peers/setup-batch.sh [--force]
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${BERTH_CACHE:-$HOME/.cache/berth}"
python="${BENCH_PYTHON:-python3}"
force=0
[[ "${1:-}" == "--force" ]] && force=1
mkdir -p "$cache"
status_file="$cache/bench-batch-tools.json"
dir="$cache/bench-venv-batch"
req="$here/requirements-batch.txt"
lock="$here/lock-batch.txt"

log() { printf 'bench-setup-batch: %s\n' "$*" >&2; }
last_line() { grep -v '^\s*$' "$1" | tail -n 1 | tr -d '"\\' | cut -c1-300; }

venv_status=""
java_status=""
make_venv() {
  local stamp_want
  stamp_want="$("$python" --version 2>&1) $(cat "$req" "$lock" 2>/dev/null | sha256sum | cut -c1-16)"
  if [[ $force -eq 0 && -f "$dir/.berth-stamp" && "$(cat "$dir/.berth-stamp")" == "$stamp_want" ]]; then
    venv_status="$(cat "$dir/.status")"
    return
  fi
  log "creating $dir"
  rm -rf "$dir"
  if ! "$python" -m venv "$dir" >"$cache/bench-venv-batch.log" 2>&1; then
    venv_status="unavailable: python -m venv failed: $(last_line "$cache/bench-venv-batch.log")"
    return
  fi
  "$dir/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
  local constraints=()
  [[ -f "$lock" ]] && constraints=(-c "$lock")
  log "pip install -r $(basename "$req") into $dir"
  if timeout 1500 "$dir/bin/pip" install -r "$req" "${constraints[@]}" >"$dir/pip.log" 2>&1; then
    venv_status="ok"
    echo "$stamp_want" >"$dir/.berth-stamp"
  else
    venv_status="unavailable: pip install -r $(basename "$req") failed: $(last_line "$dir/pip.log")"
  fi
  echo "$venv_status" >"$dir/.status"
  "$dir/bin/pip" freeze >"$dir/freeze.txt" 2>/dev/null || true
}

if command -v "$python" >/dev/null 2>&1; then
  make_venv
else
  venv_status="unavailable: $python is not installed"
fi
if command -v java >/dev/null 2>&1; then
  java_status="ok $(java -version 2>&1 | head -n 1 | tr -d '"\\')"
else
  java_status="unavailable: java is not installed (PySpark needs Java 17 or later)"
fi
printf '{\n  "requirements-batch": "%s",\n  "java": "%s"\n}\n' "$venv_status" "$java_status" >"$status_file"
log "status in $status_file"
cat "$status_file"
