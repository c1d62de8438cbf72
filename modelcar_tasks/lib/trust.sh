# shellcheck shell=bash
# The CAs a step trusts, on top of the system's: the ca-bundle workspace's ca-bundle.crt and the
# cluster's service CA. Verification is never switched off here, and reaching a host without
# verified TLS (plain http://, or a tls-verify param set to false) is refused unless the project
# lists it as insecure: INSECURE_HOSTS, from [tool.modelcar] insecure_registries, which the
# compiler writes into each Task. Needs inputs.sh.

SERVICE_ACCOUNT_DIR=${SERVICE_ACCOUNT_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}

ca_bundle_file() {
  if ! workspace_bound CA_BUNDLE; then return 0; fi
  if [[ ! -r $WORKSPACE_CA_BUNDLE_PATH/ca-bundle.crt ]]; then
    input_error "the ca-bundle workspace has no readable ca-bundle.crt; bind a ConfigMap with that key"
  fi
  printf '%s\n' "$WORKSPACE_CA_BUNDLE_PATH/ca-bundle.crt"
}

# trust_cert_dir DIR: DIR holds the extra CAs, as skopeo's --src-cert-dir / --dest-cert-dir.
trust_cert_dir() {
  local bundle
  mkdir -p "$1"
  bundle=$(ca_bundle_file)
  if [[ -n $bundle ]]; then cp "$bundle" "$1/ca-bundle.crt"; fi
  if [[ -r $SERVICE_ACCOUNT_DIR/service-ca.crt ]]; then
    cp "$SERVICE_ACCOUNT_DIR/service-ca.crt" "$1/service-ca.crt"
  fi
}

# trust_ca_file FILE: one PEM file with the system's CAs and the extra ones, for Python tools
# (SSL_CERT_FILE, REQUESTS_CA_BUNDLE), which read a single file.
trust_ca_file() {
  local file bundle
  bundle=$(ca_bundle_file)
  : > "$1"
  for file in /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/certs/ca-certificates.crt \
    "$SERVICE_ACCOUNT_DIR/service-ca.crt" "$bundle"; do
    if [[ -n $file && -r $file ]]; then cat "$file" >> "$1"; fi
  done
}

# insecure_host HOST: true when the project lists HOST as reachable without verified TLS.
insecure_host() {
  [[ ,${INSECURE_HOSTS:-}, == *",$1,"* ]]
}

# require_secure_url VARIABLE: the URL is https://, or http:// to a host the project lists.
require_secure_url() {
  local url=${!1-} host
  if [[ ${url,,} == http://* ]]; then
    host=${url#*://}
    host=${host%%/*}
    if ! insecure_host "$host"; then
      input_error "$(param_of "$1") ${url@Q} is plain http://: credentials and data would cross the network without TLS. Use https://, or list the host in [tool.modelcar] insecure_registries"
    fi
  fi
}
