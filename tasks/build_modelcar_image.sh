#!/usr/bin/env bash
# Fetch the base image into a fresh OCI layout beside the final image path; add_model_layer.py
# adds the weights and moves it into place, so an interrupted build never leaves a half image.
# Inputs: BASE_IMAGE (registry reference or oci:DIR[:TAG]), IMAGE_PATH, WORKSPACE_SOURCE_PATH,
# WORKSPACE_REGISTRY_AUTH_PATH/_BOUND and WORKSPACE_CA_BUNDLE_PATH/_BOUND (optional).
set -euo pipefail

: "${BASE_IMAGE:?BASE_IMAGE is required}" "${IMAGE_PATH:?IMAGE_PATH is required}"
: "${WORKSPACE_SOURCE_PATH:?WORKSPACE_SOURCE_PATH is required}"
staging="$WORKSPACE_SOURCE_PATH/$IMAGE_PATH.partial"
rm -rf "$staging"

options=()
if [[ -n "${WORKSPACE_REGISTRY_AUTH_PATH:-}" && "${WORKSPACE_REGISTRY_AUTH_BOUND:-true}" == "true" ]]; then
  options+=(--src-authfile "$WORKSPACE_REGISTRY_AUTH_PATH/.dockerconfigjson")
fi
if [[ -n "${WORKSPACE_CA_BUNDLE_PATH:-}" && "${WORKSPACE_CA_BUNDLE_BOUND:-true}" == "true" ]]; then
  options+=(--src-cert-dir "$WORKSPACE_CA_BUNDLE_PATH")
fi

case "$BASE_IMAGE" in
  oci:*) source_ref="$BASE_IMAGE" ;;
  *) source_ref="docker://$BASE_IMAGE" ;;
esac
echo "Copying base image $source_ref"
skopeo copy "${options[@]}" "$source_ref" "oci:$staging:base"
