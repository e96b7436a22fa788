#!/usr/bin/env bash
# Start a real Kubernetes control plane for integration tests, no kubelet: etcd, kube-apiserver
# (TLS on 127.0.0.1, client-certificate users, RBAC) and kube-controller-manager (Deployments get
# ReplicaSets and Pods, Jobs get Pods; the Pods stay Pending, since no node runs them).
#
#   eval "$(scripts/kube/start.sh)"    # progress goes to stderr, `export` lines to stdout
#   ...kubectl / berth k8s use $KUBECONFIG (admin, system:masters)...
#   scripts/kube/stop.sh                # uses $BERTH_KUBE_DIR
#
# The first run builds the binaries (build.sh). Settings: see lib.sh. Needs bash, curl, openssl.
set -euo pipefail
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
# shellcheck source=pki.sh
. "$BERTH_KUBE_SCRIPTS/pki.sh"

# Controllers that act on what `berth k8s` renders, plus the ones those need (service accounts for
# Pods, the garbage collector for cascading deletes, namespace clean-up).
KCM_CONTROLLERS="deployment-controller,replicaset-controller,job-controller,cronjob-controller"
KCM_CONTROLLERS="$KCM_CONTROLLERS,statefulset-controller,horizontal-pod-autoscaler-controller,disruption-controller"
KCM_CONTROLLERS="$KCM_CONTROLLERS,garbage-collector-controller,namespace-controller,serviceaccount-controller"
KCM_CONTROLLERS="$KCM_CONTROLLERS,serviceaccount-token-controller,root-ca-certificate-publisher-controller"
KCM_CONTROLLERS="$KCM_CONTROLLERS,endpointslice-controller,ttl-after-finished-controller,pod-garbage-collector-controller"

spawn() {
  # spawn NAME ARGS...: runs a binary from the cache in the background, logs to logs/NAME.log.
  local name="$1" pid
  shift
  nohup "$(kube_bin "$name")" "$@" </dev/null >>"$BERTH_KUBE_DIR/logs/$name.log" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$BERTH_KUBE_DIR/$name.pid"
  printf '%s\n' "$pid"
}

api_get() {
  curl -s --max-time 5 --cacert "$BERTH_KUBE_DIR/pki/ca.crt" --cert "$BERTH_KUBE_DIR/pki/admin.crt" \
    --key "$BERTH_KUBE_DIR/pki/admin.key" "https://127.0.0.1:$BERTH_KUBE_API_PORT$1"
}

# wait_for NAME PID CHECK...: until CHECK succeeds, dying if the process exits or time runs out.
wait_for() {
  local name="$1" pid="$2" deadline
  shift 2
  deadline=$(($(date +%s) + BERTH_KUBE_START_TIMEOUT))
  until "$@"; do
    kube_pid_is "$pid" "$name" || kube_die "$name exited during start-up"
    [ "$(date +%s)" -lt "$deadline" ] || kube_die "$name not ready after ${BERTH_KUBE_START_TIMEOUT}s"
    sleep 0.5
  done
}

etcd_healthy() {
  curl -s --max-time 3 "http://127.0.0.1:$BERTH_KUBE_ETCD_PORT/health" | grep -q '"health":"true"'
}
api_ready() { [ "$(api_get /readyz || true)" = ok ]; }
kcm_healthy() {
  [ "$(curl -sk --max-time 3 "https://127.0.0.1:$BERTH_KUBE_KCM_PORT/healthz" || true)" = ok ]
}
# The serviceaccount controller has made `default` in the default namespace: Pods can be admitted.
default_sa_exists() { api_get /api/v1/namespaces/default/serviceaccounts/default | grep -q '"kind": *"ServiceAccount"'; }

started_ok=0
created_dir=0
cleanup_on_failure() {
  if [ "$started_ok" != 1 ] && [ -n "${BERTH_KUBE_DIR:-}" ]; then
    kube_tail_logs
    kube_stop_all KILL
    if [ "$created_dir" = 1 ]; then rm -rf "$BERTH_KUBE_DIR"; fi
  fi
}

check_ports() {
  local p
  for p in "$BERTH_KUBE_ETCD_PORT" "$((BERTH_KUBE_ETCD_PORT + 1))" "$BERTH_KUBE_API_PORT" "$BERTH_KUBE_KCM_PORT"; do
    kube_port_busy "$p" && kube_die "port $p on 127.0.0.1 is already in use (set BERTH_KUBE_*_PORT)"
  done
  return 0
}

main() {
  local t0 etcd api kcm d elapsed
  t0="$(date +%s%N)"
  command -v openssl >/dev/null || kube_die "openssl is needed to make the cluster's certificates"
  "$BERTH_KUBE_SCRIPTS/build.sh" >/dev/null

  if [ -z "${BERTH_KUBE_DIR:-}" ]; then
    check_ports
    BERTH_KUBE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/berth-kube.XXXXXX")"
    created_dir=1
  fi
  mkdir -p "$BERTH_KUBE_DIR"
  BERTH_KUBE_DIR="$(cd "$BERTH_KUBE_DIR" && pwd)"
  export BERTH_KUBE_DIR
  for d in etcd kube-apiserver kube-controller-manager; do
    if kube_pid_is "$(kube_read_pid "$d" || true)" "$d"; then
      kube_die "$d already running from $BERTH_KUBE_DIR (run scripts/kube/stop.sh first)"
    fi
  done
  check_ports
  # Marks the folder as ours, so that stop.sh may delete it.
  : >"$BERTH_KUBE_DIR/.berth-kube"
  rm -rf "$BERTH_KUBE_DIR/pki" "$BERTH_KUBE_DIR/etcd" "$BERTH_KUBE_DIR/logs"
  mkdir -p "$BERTH_KUBE_DIR/logs"
  trap cleanup_on_failure EXIT
  trap 'exit 130' INT TERM
  pki_make
  pki_kubeconfig "$BERTH_KUBE_DIR/kubeconfig" admin
  pki_kubeconfig "$BERTH_KUBE_DIR/controller-manager.kubeconfig" controller-manager

  # Loopback only; no fsync: the data is thrown away with the run folder, and fsync on shared CI
  # disks is what makes etcd slow.
  etcd="$(spawn etcd --name berth-test --data-dir "$BERTH_KUBE_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$BERTH_KUBE_ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$BERTH_KUBE_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((BERTH_KUBE_ETCD_PORT + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((BERTH_KUBE_ETCD_PORT + 1))" \
    --initial-cluster "berth-test=http://127.0.0.1:$((BERTH_KUBE_ETCD_PORT + 1))" \
    --unsafe-no-fsync --log-level warn)"
  wait_for etcd "$etcd" etcd_healthy
  kube_log "etcd pid $etcd ready"

  d="$BERTH_KUBE_DIR/pki"
  api="$(spawn kube-apiserver --etcd-servers "http://127.0.0.1:$BERTH_KUBE_ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$BERTH_KUBE_API_PORT" \
    --tls-cert-file "$d/apiserver.crt" --tls-private-key-file "$d/apiserver.key" --client-ca-file "$d/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$d/sa.pub" --service-account-signing-key-file "$d/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 --authorization-mode RBAC --anonymous-auth=false \
    --profiling=false --v 1)"
  wait_for kube-apiserver "$api" api_ready
  kube_log "kube-apiserver pid $api ready on https://127.0.0.1:$BERTH_KUBE_API_PORT"

  kcm=""
  if [ "$BERTH_KUBE_CONTROLLERS" = 1 ]; then
    # Each controller runs as its own service account (kubeadm's default), so RBAC is exercised.
    kcm="$(spawn kube-controller-manager --kubeconfig "$BERTH_KUBE_DIR/controller-manager.kubeconfig" \
      --authentication-kubeconfig "$BERTH_KUBE_DIR/controller-manager.kubeconfig" \
      --authorization-kubeconfig "$BERTH_KUBE_DIR/controller-manager.kubeconfig" \
      --bind-address 127.0.0.1 --secure-port "$BERTH_KUBE_KCM_PORT" --leader-elect=false \
      --use-service-account-credentials --service-account-private-key-file "$d/sa.key" \
      --root-ca-file "$d/ca.crt" --controllers "$KCM_CONTROLLERS" --profiling=false --v 1)"
    wait_for kube-controller-manager "$kcm" kcm_healthy
    wait_for kube-controller-manager "$kcm" default_sa_exists
    kube_log "kube-controller-manager pid $kcm ready"
  fi
  started_ok=1
  elapsed=$((($(date +%s%N) - t0) / 1000000))
  kube_log "ready in ${elapsed} ms: $(kube_version), kubeconfig $BERTH_KUBE_DIR/kubeconfig"

  printf 'export BERTH_KUBE_DIR=%q\n' "$BERTH_KUBE_DIR"
  printf 'export KUBECONFIG=%q\n' "$BERTH_KUBE_DIR/kubeconfig"
  printf 'export BERTH_TEST_KUBE_CONTROLLERS=%q\n' "$BERTH_KUBE_CONTROLLERS"
}

main "$@"
