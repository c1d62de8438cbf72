#!/usr/bin/env bash
# Copy the validated image to a registry and fail unless the registry holds the build's digest.
# Inputs: REGISTRY_HOST, REPOSITORY, TAG, EXPECTED_DIGEST, IMAGE_PATH, TLS_VERIFY, RETRIES,
# WORKSPACE_SOURCE_PATH, WORKSPACE_REGISTRY_AUTH_PATH/_BOUND, WORKSPACE_CA_BUNDLE_PATH/_BOUND,
# RESULT_IMAGE_REF_PATH, RESULT_IMAGE_DIGEST_PATH; SERVICE_ACCOUNT_AUTH=true (the internal
# registry) signs in with the pod's ServiceAccount token and trusts the cluster's service CA when
# no registry-auth is bound; SERVICE_ACCOUNT_DIR and RETRY_DELAY_SECONDS for tests.
set -euo pipefail

: "${REGISTRY_HOST:?REGISTRY_HOST is required}" "${REPOSITORY:?REPOSITORY is required}"
: "${TAG:?TAG is required}" "${EXPECTED_DIGEST:?EXPECTED_DIGEST is required}"
: "${IMAGE_PATH:?IMAGE_PATH is required}" "${WORKSPACE_SOURCE_PATH:?WORKSPACE_SOURCE_PATH is required}"
image="$WORKSPACE_SOURCE_PATH/$IMAGE_PATH"
destination="$REGISTRY_HOST/$REPOSITORY:$TAG"
service_account="${SERVICE_ACCOUNT_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}"
private=$(mktemp -d)
trap 'rm -rf "$private"' EXIT

if [[ -d "$image" ]]; then
  source_ref="oci:$image:modelcar"
else
  export TMPDIR="$WORKSPACE_SOURCE_PATH/.tmp"
  mkdir -p "$TMPDIR"
  source_ref="oci-archive:$image:modelcar"
fi

options=(--preserve-digests --digestfile "$private/digest")
if [[ -n "${WORKSPACE_REGISTRY_AUTH_PATH:-}" && "${WORKSPACE_REGISTRY_AUTH_BOUND:-true}" == "true" ]]; then
  options+=(--dest-authfile "$WORKSPACE_REGISTRY_AUTH_PATH/.dockerconfigjson")
elif [[ "${SERVICE_ACCOUNT_AUTH:-false}" == "true" && -r "$service_account/token" ]]; then
  echo "Signing in to $REGISTRY_HOST with this pod's ServiceAccount token"
  auth=$(printf 'serviceaccount:%s' "$(cat "$service_account/token")" | base64 -w0)
  printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY_HOST" "$auth" > "$private/auth.json"
  options+=(--dest-authfile "$private/auth.json")
fi

mkdir "$private/certs"
if [[ -n "${WORKSPACE_CA_BUNDLE_PATH:-}" && "${WORKSPACE_CA_BUNDLE_BOUND:-true}" == "true" ]]; then
  cp "$WORKSPACE_CA_BUNDLE_PATH/ca-bundle.crt" "$private/certs/ca-bundle.crt"
fi
if [[ "${SERVICE_ACCOUNT_AUTH:-false}" == "true" && -r "$service_account/service-ca.crt" ]]; then
  cp "$service_account/service-ca.crt" "$private/certs/service-ca.crt"
fi
options+=(--dest-cert-dir "$private/certs")
if [[ "${TLS_VERIFY:-true}" == "false" ]]; then
  echo "WARNING: not verifying the TLS certificate of $REGISTRY_HOST (tls-verify=false)." >&2
  options+=(--dest-tls-verify=false)
fi

local_digest=$(skopeo inspect --format '{{.Digest}}' "$source_ref")
if [[ "$local_digest" != "$EXPECTED_DIGEST" ]]; then
  cat >&2 <<MESSAGE
Not pushing: $image holds $local_digest, but build-modelcar-image validated $EXPECTED_DIGEST.
This workspace holds another image than the one this run built: is another run's PVC bound,
or did something rewrite the image after the build?
MESSAGE
  exit 1
fi

attempt=1
delay="${RETRY_DELAY_SECONDS:-5}"
echo "Pushing $source_ref to docker://$destination"
until skopeo copy "${options[@]}" "$source_ref" "docker://$destination"; do
  if ((attempt >= ${RETRIES:-3})); then
    echo "Push to $destination failed after $attempt attempts; see skopeo's message above." >&2
    exit 1
  fi
  echo "Push attempt $attempt failed; retrying in ${delay}s" >&2
  sleep "$delay"
  attempt=$((attempt + 1))
  delay=$((delay * 2))
done

pushed=$(cat "$private/digest")
if [[ "$pushed" != "$EXPECTED_DIGEST" ]]; then
  echo "The registry reports $pushed for $destination, not the build's $EXPECTED_DIGEST." >&2
  exit 1
fi
reference="$REGISTRY_HOST/$REPOSITORY@$pushed"
echo "Pushed $reference"
printf '%s' "$reference" > "$RESULT_IMAGE_REF_PATH"
printf '%s' "$pushed" > "$RESULT_IMAGE_DIGEST_PATH"
