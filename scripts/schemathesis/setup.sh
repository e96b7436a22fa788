#!/usr/bin/env bash
# Makes the venv schemathesis runs from, with scripts/schemathesis/requirements.txt (every package
# pinned), under ${BERTH_CACHE:-$HOME/.cache/berth}/venvs/schemathesis:
#
#   eval "$(scripts/schemathesis/setup.sh)"   # sets BERTH_SCHEMATHESIS
#
# The venv is reused while the Python version and the requirements' sha256 are unchanged; the stamp
# that marks it done is written last, so a failed or killed install is redone. Progress on stderr.
# Settings: BERTH_SCHEMATHESIS_PYTHON (the interpreter to make the venv with; default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${BERTH_CACHE:-$HOME/.cache/berth}"
python="${BERTH_SCHEMATHESIS_PYTHON:-python3}"
venv="$cache/venvs/schemathesis"
export PIP_CACHE_DIR="$cache/pip" PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf 'schemathesis-setup: %s\n' "$*" >&2; }
command -v "$python" >/dev/null || { log "$python is not installed (set BERTH_SCHEMATHESIS_PYTHON)"; exit 1; }

want="$("$python" --version 2>&1) $(cat "$here/requirements.txt" - <<<"${PIP_INDEX_URL:-}" | sha256sum | cut -c1-64)"
mkdir -p "$cache/venvs"
exec 9>"$venv.lock"
flock 9
if [ -f "$venv/.berth-stamp" ] && [ "$(cat "$venv/.berth-stamp")" = "$want" ]; then
  log "reusing $venv"
else
  rm -rf "$venv"
  log "pip install -r scripts/schemathesis/requirements.txt into $venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --no-input -q -r "$here/requirements.txt" >&2
  printf '%s\n' "$want" >"$venv/.berth-stamp"
fi
exec 9>&-
printf 'export BERTH_SCHEMATHESIS=%q\n' "$venv/bin/schemathesis"
