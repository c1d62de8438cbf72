#!/usr/bin/env bash
# Read the tag both pushes are about to write, before either runs: the digest of what the tag
# holds in each registry (a manifest or an index: skopeo's digest of the raw bytes), or "absent"
# when the registry says the tag or the repository does not exist. Any other answer (refused
# credentials, an untrusted certificate, no route) stops the step with skopeo's message: a tag
# that could not be read is never taken for an absent one, or the check would let a push move it.
# Inputs: TAG, INTERNAL_REGISTRY_HOST, INTERNAL_REPOSITORY, INTERNAL_TLS_VERIFY, QUAY_HOST,
# QUAY_REPOSITORY, QUAY_TLS_VERIFY, WORKSPACE_REGISTRY_AUTH_PATH/_BOUND,
# WORKSPACE_CA_BUNDLE_PATH/_BOUND, SERVICE_ACCOUNT_DIR (tests); results
# RESULT_INTERNAL_TAG_DIGEST_PATH and RESULT_QUAY_TAG_DIGEST_PATH.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/inputs.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/inputs.sh"
# shellcheck source=SCRIPTDIR/lib/trust.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/trust.sh"
# shellcheck source=SCRIPTDIR/lib/registry.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/registry.sh"

require_registry_tag INTERNAL_REGISTRY_HOST INTERNAL_REPOSITORY TAG INTERNAL_TLS_VERIFY
require_registry_tag QUAY_HOST QUAY_REPOSITORY TAG QUAY_TLS_VERIFY

private=$(mktemp -d)
trap 'rm -rf "$private"' EXIT
trust_cert_dir "$private/certs"

# read_tag NAME HOST REPOSITORY TLS_VERIFY SERVICE_ACCOUNT_AUTH RESULT_FILE: writes what
# HOST/REPOSITORY:TAG holds to RESULT_FILE, signing in as the push to HOST does; NAME names the
# registry in messages.
read_tag() {
  local reference="$2/$3:$TAG" options=(--raw --cert-dir "$private/certs" "--tls-verify=$4") digest
  registry_authfile "$2" "$private/auth.json" "$5"
  if [[ -n $REGISTRY_AUTHFILE ]]; then options+=(--authfile "$REGISTRY_AUTHFILE"); fi
  if skopeo inspect "${options[@]}" "docker://$reference" > "$private/manifest" 2> "$private/stderr"; then
    digest=$(skopeo manifest-digest "$private/manifest")
    printf '%s' "$digest" > "$6"
    echo "$1: $reference holds $digest"
  elif grep -Eq ': (manifest|name) unknown' "$private/stderr"; then
    printf 'absent' > "$6"
    echo "$1: $reference is absent"
  else
    cat "$private/stderr" >&2
    echo "Cannot read $reference from the $1 (see skopeo's message above), so whether a push would move it is unknown; not pushing. A tag that cannot be read is not taken for an absent one." >&2
    if grep -q 'unauthorized\|denied' "$private/stderr"; then
      echo "The registry refused to show it: the credentials this task signs in with (registry-auth, or the ServiceAccount for the internal registry) must be allowed to pull from $2/$3. A registry that hides repositories from readers may answer so for one that does not exist yet: create it, then run again." >&2
    fi
    exit 1
  fi
}

read_tag "internal registry" "$INTERNAL_REGISTRY_HOST" "$INTERNAL_REPOSITORY" \
  "$INTERNAL_TLS_VERIFY" true "$RESULT_INTERNAL_TAG_DIGEST_PATH"
read_tag "Quay registry" "$QUAY_HOST" "$QUAY_REPOSITORY" "$QUAY_TLS_VERIFY" false \
  "$RESULT_QUAY_TAG_DIGEST_PATH"
