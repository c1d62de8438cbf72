#!/usr/bin/env bash
# Copy the validated image to a registry and check the registry holds the build's digest.
# Inputs: IMAGE_REF, EXPECTED_DIGEST, IMAGE_DIR, TLS_VERIFY, RETRIES, WORKSPACE_SOURCE_PATH,
# WORKSPACE_REGISTRY_AUTH_PATH/_BOUND, WORKSPACE_CA_BUNDLE_PATH/_BOUND, RESULT_*_PATH.
set -euo pipefail

: "${IMAGE_REF:?IMAGE_REF is required}" "${EXPECTED_DIGEST:?EXPECTED_DIGEST is required}"
layout="$WORKSPACE_SOURCE_PATH/$IMAGE_DIR"
digestfile="$WORKSPACE_SOURCE_PATH/.push-digest"

options=(--dest-tls-verify="${TLS_VERIFY:-true}" --digestfile "$digestfile")
if [[ "${WORKSPACE_REGISTRY_AUTH_BOUND:-false}" == "true" ]]; then
  options+=(--dest-authfile "$WORKSPACE_REGISTRY_AUTH_PATH/.dockerconfigjson")
fi
if [[ "${WORKSPACE_CA_BUNDLE_BOUND:-false}" == "true" ]]; then
  options+=(--dest-cert-dir "$WORKSPACE_CA_BUNDLE_PATH")
fi

attempt=1
delay=5
until skopeo copy "${options[@]}" "oci:$layout:modelcar" "docker://$IMAGE_REF"; do
  if (( attempt >= ${RETRIES:-3} )); then
    echo "Push to $IMAGE_REF failed after $attempt attempts" >&2
    exit 1
  fi
  echo "Push attempt $attempt failed; retrying in ${delay}s" >&2
  sleep "$delay"
  attempt=$((attempt + 1))
  delay=$((delay * 2))
done

pushed=$(cat "$digestfile")
if [[ "$pushed" != "$EXPECTED_DIGEST" ]]; then
  echo "Pushed digest $pushed is not the build's digest $EXPECTED_DIGEST:" >&2
  echo "this workspace holds another image than the one build-modelcar-image validated." >&2
  exit 1
fi
repository="${IMAGE_REF%:*}"
echo "Pushed $repository@$pushed"
printf '%s' "$repository@$pushed" > "$RESULT_IMAGE_REF_PATH"
printf '%s' "$pushed" > "$RESULT_IMAGE_DIGEST_PATH"
