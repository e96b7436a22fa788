#!/usr/bin/env bash
# Makes the Python venvs the training examples run in, from each example's requirements.txt:
#
#   eval "$(scripts/train-venvs/setup.sh)"            # sklearn (the default)
#   eval "$(scripts/train-venvs/setup.sh sklearn pytorch tensorflow)"
#
# <name> is examples/train/<name>-ranker; its venv is ${BERTH_CACHE:-$HOME/.cache/berth}/venvs/<name>,
# pip's cache ${BERTH_CACHE:-$HOME/.cache/berth}/pip. A venv is reused while the Python version and
# the requirements file's sha256 are unchanged, and rebuilt otherwise; the stamp that marks a venv
# done is written last, so a failed or killed install is rebuilt on the next run. Progress goes to stderr;
# stdout gets one line per venv: export BERTH_TRAIN_PYTHON_<NAME>=<venv>/bin/python
# pip uses its own configuration (PIP_INDEX_URL etc. in the environment are honoured).
# Settings: BERTH_TRAIN_VENV_PYTHON (the interpreter to make venvs with; default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
examples="$(cd "$here/../../examples/train" && pwd)"
cache="${BERTH_CACHE:-$HOME/.cache/berth}"
python="${BERTH_TRAIN_VENV_PYTHON:-python3}"
export PIP_CACHE_DIR="$cache/pip" PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf 'train-venvs: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

make_venv() {
  local name=$1 req venv want
  req="$examples/$name-ranker/requirements.txt"
  [ -f "$req" ] || die "no example examples/train/$name-ranker (known: $(known))"
  venv="$cache/venvs/$name"
  # The index settings count too: a venv made from another index (PyTorch's CPU wheels) differs.
  want="$("$python" --version 2>&1) $(cat "$req" - <<<"${PIP_INDEX_URL:-} ${PIP_EXTRA_INDEX_URL:-}" | sha256sum | cut -c1-64)"
  if [ -f "$venv/.berth-stamp" ] && [ "$(cat "$venv/.berth-stamp")" = "$want" ]; then
    log "$name: reusing $venv"
  else
    mkdir -p "$cache/venvs"
    # One builder per venv at a time; a second caller waits, then finds the stamp.
    exec 9>"$venv.lock"
    flock 9
    if [ ! -f "$venv/.berth-stamp" ] || [ "$(cat "$venv/.berth-stamp")" != "$want" ]; then
      rm -rf "$venv"
      log "$name: pip install -r $(basename "$(dirname "$req")")/requirements.txt into $venv"
      "$python" -m venv "$venv" >&2 || die "$name: $python -m venv failed"
      "$venv/bin/python" -m pip install --no-input -q -r "$req" >&2 || die "$name: pip install -r $req failed"
      printf '%s\n' "$want" >"$venv/.berth-stamp"
    fi
    exec 9>&-
  fi
  printf 'export BERTH_TRAIN_PYTHON_%s=%q\n' "$(printf '%s' "$name" | tr '[:lower:]-' '[:upper:]_')" \
    "$venv/bin/python"
}

known() {
  local dir names=()
  for dir in "$examples"/*-ranker; do names+=("$(basename "$dir" -ranker)"); done
  printf '%s' "${names[*]}"
}

command -v "$python" >/dev/null || die "$python is not installed (set BERTH_TRAIN_VENV_PYTHON)"
[ "$#" -gt 0 ] || set -- sklearn
for name in "$@"; do make_venv "$name"; done
