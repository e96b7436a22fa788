# shellcheck shell=bash
# Certificates and keys for a throw-away cluster, made with openssl. Sourced by start.sh.
# One CA signs the API server's serving certificate and the client certificates (admin in
# system:masters, the controller manager as system:kube-controller-manager, as kubeadm does);
# a separate RSA pair signs and verifies service-account tokens.

pki_sign() {
  # pki_sign NAME SUBJECT EXTFILE: a 2048-bit key and a certificate signed by the CA, valid 2 days.
  local name="$1" subject="$2" ext="$3" d="$BERTH_KUBE_DIR/pki"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$d/$name.key" -subj "$subject" -out "$d/$name.csr" 2>/dev/null
  openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$ext" -out "$d/$name.crt" 2>/dev/null
  rm -f "$d/$name.csr"
}

pki_make() {
  local d="$BERTH_KUBE_DIR/pki"
  mkdir -p "$d"
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$d/ca.key" -subj "/CN=berth-test-ca" -days 2 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$d/ca.crt" 2>/dev/null || kube_die "openssl could not make the CA"
  cat >"$d/server.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EXT
  cat >"$d/client.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
EXT
  pki_sign apiserver "/CN=kube-apiserver" "$d/server.ext"
  pki_sign admin "/O=system:masters/CN=berth-admin" "$d/client.ext"
  pki_sign controller-manager "/CN=system:kube-controller-manager" "$d/client.ext"
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  chmod 600 "$d"/*.key
}

# kubeconfig FILE USER: a kubeconfig for the given client certificate, certificates inline.
pki_kubeconfig() {
  local file="$1" user="$2" d="$BERTH_KUBE_DIR/pki"
  cat >"$file" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: berth-test
    cluster:
      server: https://127.0.0.1:$BERTH_KUBE_API_PORT
      certificate-authority-data: $(base64 -w0 <"$d/ca.crt")
users:
  - name: $user
    user:
      client-certificate-data: $(base64 -w0 <"$d/$user.crt")
      client-key-data: $(base64 -w0 <"$d/$user.key")
contexts:
  - name: berth-test
    context:
      cluster: berth-test
      user: $user
      namespace: default
current-context: berth-test
YAML
  chmod 600 "$file"
}
