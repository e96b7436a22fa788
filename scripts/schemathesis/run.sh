#!/usr/bin/env bash
# schemathesis against a real server: `berth serve` of the demo store (explicit model control, so
# load and unload are exercised too), fuzzed from its own /openapi.json with every check
# schemathesis has (schemathesis.toml says the one it skips, and why). Fails on any 5xx, any status,
# content type, header or body the document does not describe, a request the document refuses that
# the server takes (or the reverse), a wrong answer to an undeclared method, or a server that died.
#
#   scripts/schemathesis/run.sh              # after `npm run build`
#
# Settings: BERTH_SCHEMATHESIS_EXAMPLES (examples per operation, default 25), BERTH_SCHEMATHESIS_SEED
# (default 20261204, so a failure reproduces), BERTH_SCHEMATHESIS_REPORT (a folder for the JUnit
# report, default a temporary one). Needs python3 for the venv (scripts/schemathesis/setup.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."

log() { printf 'schemathesis: %s\n' "$*" >&2; }
eval "$("$here/setup.sh")"

work="$(mktemp -d)"
report="${BERTH_SCHEMATHESIS_REPORT:-$work/report}"
server_pid=""
stop() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap stop EXIT

# Port 0 would be simpler, but the server must be reachable at a URL known before it starts.
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
BERTH_CACHE_DIR="$work/cache" node bin/berth.js serve --store examples/demo-store --model recommender \
  --model-control-mode explicit --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  if curl -fsS "$base/v2/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; log "the server exited before it was ready"; exit 1; }
  sleep 0.5
done
curl -fsS "$base/v2/health/ready" >/dev/null || { cat "$work/server.log" >&2; log "the server never became ready"; exit 1; }

# Two passes, so every 5xx is a finding: loading and unloading make the model briefly not READY,
# and a 503 then is the documented answer, not a fault. First every other route against the READY
# model, then the repository routes alone, concurrently, until the server is left as it was.
fuzz() {
  local name=$1 max_time=$2 workers=$3
  shift 3
  log "$name: fuzzing $base/openapi.json"
  "$BERTH_SCHEMATHESIS" --config-file "$here/schemathesis.toml" run "$base/openapi.json" "$@" \
    --max-examples "${BERTH_SCHEMATHESIS_EXAMPLES:-25}" \
    --seed "${BERTH_SCHEMATHESIS_SEED:-20261204}" --workers "$workers" --max-time "$max_time" --request-timeout 10 \
    --no-color --report junit --report-dir "$report/$name"
}
status=0
# One worker for the serving pass: with two, hypothesis's lambda-source cache races (a KeyError
# inside the tool, not a finding). The repository pass needs two, to send loads and unloads together.
fuzz serving 150 1 --exclude-path-regex '^/v2/repository/models/' || status=$?
fuzz repository 60 2 --include-path-regex '^/v2/repository/' || status=$?
curl -fsS -X POST "$base/v2/repository/models/recommender/load" >/dev/null || { log "could not load the model back"; status=1; }
curl -fsS "$base/v2/health/ready" >/dev/null || { log "the server is not ready after the run"; status=1; }

if ! kill -0 "$server_pid" 2>/dev/null; then
  tail -50 "$work/server.log" >&2
  log "the server died during the run"
  status=1
fi
[ "$status" -eq 0 ] && log "passed: no 5xx, every answer as documented" || log "failed (report in $report)"
exit "$status"
