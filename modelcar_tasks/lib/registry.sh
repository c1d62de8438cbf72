# shellcheck shell=bash
# What every step that reaches an image registry checks and how it signs in, so a push and the
# release check before it name, trust and read a registry the same way. Needs inputs.sh and
# trust.sh.

# require_registry_tag HOST_VAR REPOSITORY_VAR TAG_VAR TLS_VERIFY_VAR: the variables spell a
# registry host, a repository on it and a tag, and the TLS switch is off only for a host the
# project lists as insecure (a warning then says so).
require_registry_tag() {
  local host=${!1-}
  require_match "$1" '[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?(:[0-9]{1,5})?' \
    "a registry host, like quay.io or registry.example:5000"
  require_match "$2" '[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*' \
    "a repository path, like org/name (lowercase)"
  require_match "$3" '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}' "a tag (letters, digits, '_', '.', '-')"
  require_choice "$4" true false
  if [[ ${!4} == false ]]; then
    if ! insecure_host "$host"; then
      input_error "$(param_of "$4") is false for ${host@Q}, which the project does not list as insecure ([tool.modelcar] insecure_registries); trust its CA through the ca-bundle workspace instead"
    fi
    echo "WARNING: not verifying the TLS certificate of $host ($(param_of "$4") is false)." >&2
  fi
}

# registry_authfile HOST FILE SERVICE_ACCOUNT_AUTH: sets REGISTRY_AUTHFILE to the credentials
# skopeo signs in to HOST with: the registry-auth workspace's .dockerconfigjson when it is bound;
# else, when SERVICE_ACCOUNT_AUTH is true (the internal registry) and the pod has a token, FILE,
# written to sign in as the pod's ServiceAccount; else empty (no credentials).
# shellcheck disable=SC2034 # the variable is read by the scripts that source this file
registry_authfile() {
  local auth
  REGISTRY_AUTHFILE=
  if workspace_bound REGISTRY_AUTH; then
    REGISTRY_AUTHFILE=$WORKSPACE_REGISTRY_AUTH_PATH/.dockerconfigjson
  elif [[ $3 == true && -r $SERVICE_ACCOUNT_DIR/token ]]; then
    echo "Signing in to $1 with this pod's ServiceAccount token"
    auth=$(printf 'serviceaccount:%s' "$(cat "$SERVICE_ACCOUNT_DIR/token")" | base64 -w0)
    printf '{"auths":{"%s":{"auth":"%s"}}}' "$1" "$auth" > "$2"
    REGISTRY_AUTHFILE=$2
  fi
}
