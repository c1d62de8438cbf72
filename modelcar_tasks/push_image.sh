#!/usr/bin/env bash
# Copy the verified image, every platform of it, to a registry and fail unless the registry holds
# the build's digest; then its SBOM, whose subject is the image, under the tag sha256-<hex>.sbom
# (a registry with the referrers API also lists it under the image). skopeo sends the layers in
# parallel, and a retry sends only the layers the registry does not hold yet.
# Inputs: REGISTRY_HOST, REPOSITORY, TAG, EXPECTED_DIGEST, IMAGE_PATH, TLS_VERIFY, RETRIES,
# WORKSPACE_SOURCE_PATH, WORKSPACE_REGISTRY_AUTH_PATH/_BOUND, WORKSPACE_CA_BUNDLE_PATH/_BOUND,
# RESULT_IMAGE_REF_PATH, RESULT_IMAGE_DIGEST_PATH, RESULT_IMAGE_URL_PATH and
# RESULT_CHAINS_IMAGE_DIGEST_PATH (Tekton Chains' IMAGE_URL and IMAGE_DIGEST), RESULT_SBOM_REF_PATH;
# SERVICE_ACCOUNT_AUTH=true (the internal registry) signs in with the pod's ServiceAccount token
# when no registry-auth is bound; SERVICE_ACCOUNT_DIR and RETRY_DELAY_SECONDS for tests.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/inputs.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/inputs.sh"
# shellcheck source=SCRIPTDIR/lib/trust.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/trust.sh"
# shellcheck source=SCRIPTDIR/lib/oci.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/oci.sh"
# shellcheck source=SCRIPTDIR/lib/registry.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/registry.sh"

require_registry_tag REGISTRY_HOST REPOSITORY TAG TLS_VERIFY
require_match EXPECTED_DIGEST 'sha256:[a-f0-9]{64}' "a sha256:... digest"
require_count RETRIES 1 20
RETRY_DELAY_SECONDS=${RETRY_DELAY_SECONDS:-5}
require_count RETRY_DELAY_SECONDS 0 300
image=$(confined_path IMAGE_PATH)

destination="$REGISTRY_HOST/$REPOSITORY:$TAG"
private=$(mktemp -d)
trap 'rm -rf "$private" "${SKOPEO_TMPDIR:-}"' EXIT
image_reference "$image"

options=(--preserve-digests --digestfile "$private/digest")
registry_authfile "$REGISTRY_HOST" "$private/auth.json" "${SERVICE_ACCOUNT_AUTH:-false}"
if [[ -n $REGISTRY_AUTHFILE ]]; then options+=(--dest-authfile "$REGISTRY_AUTHFILE"); fi
trust_cert_dir "$private/certs"
options+=(--dest-cert-dir "$private/certs" "--dest-tls-verify=$TLS_VERIFY")

# copy_with_retries SOURCE DESTINATION (host/repository:tag): skopeo copy, retried with doubling backoff; the digest
# the registry holds ends up in $private/digest.
copy_with_retries() {
  local attempt=1 delay=$RETRY_DELAY_SECONDS
  echo "Pushing $1 to $2"
  until skopeo "${SKOPEO_OPTIONS[@]}" copy --all "${options[@]}" "$1" "docker://$2" 2> "$private/stderr"; do
    cat "$private/stderr" >&2
    if grep -q 'Digest did not match' "$private/stderr"; then
      echo "The image at $image no longer matches its digests: Rebuild it; do not push it." >&2
      exit 1
    fi
    if ((attempt >= RETRIES)); then
      echo "Push to $2 failed after $attempt attempts; see skopeo's message above." >&2
      exit 1
    fi
    echo "Push attempt $attempt failed; retrying in ${delay}s" >&2
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2 > 300 ? 300 : delay * 2))
  done
  cat "$private/stderr" >&2
}

copy_with_retries "$IMAGE_REFERENCE" "$destination"
pushed=$(cat "$private/digest")
if [[ "$pushed" != "$EXPECTED_DIGEST" ]]; then
  echo "The registry reports $pushed for $destination, not the build's $EXPECTED_DIGEST." >&2
  exit 1
fi
reference="$REGISTRY_HOST/$REPOSITORY@$pushed"
echo "Pushed $reference"
printf '%s' "$reference" > "$RESULT_IMAGE_REF_PATH"
printf '%s' "$pushed" > "$RESULT_IMAGE_DIGEST_PATH"
printf '%s' "$destination" > "$RESULT_IMAGE_URL_PATH"
printf '%s' "$pushed" > "$RESULT_CHAINS_IMAGE_DIGEST_PATH"

image_reference "$image" sbom
copy_with_retries "$IMAGE_REFERENCE" "$REGISTRY_HOST/$REPOSITORY:${pushed/:/-}.sbom"
sbom="$REGISTRY_HOST/$REPOSITORY@$(cat "$private/digest")"
echo "Pushed the SBOM $sbom"
printf '%s' "$sbom" > "$RESULT_SBOM_REF_PATH"
