#!/usr/bin/env bash
# Fetch the base image into an OCI layout in the workspace, ready for the model layer.
# Inputs: BASE_IMAGE (registry reference or oci:DIR[:TAG]), IMAGE_DIR, WORKSPACE_SOURCE_PATH,
# WORKSPACE_CA_BUNDLE_PATH / WORKSPACE_CA_BUNDLE_BOUND (optional trust for the base registry).
set -euo pipefail

: "${BASE_IMAGE:?BASE_IMAGE is required}" "${IMAGE_DIR:?IMAGE_DIR is required}"
: "${WORKSPACE_SOURCE_PATH:?WORKSPACE_SOURCE_PATH is required}"
layout="$WORKSPACE_SOURCE_PATH/$IMAGE_DIR"
rm -rf "$layout"

tls=()
if [[ "${WORKSPACE_CA_BUNDLE_BOUND:-false}" == "true" ]]; then
  tls=(--src-cert-dir "$WORKSPACE_CA_BUNDLE_PATH")
fi

case "$BASE_IMAGE" in
  oci:*) source_ref="$BASE_IMAGE" ;;
  *) source_ref="docker://$BASE_IMAGE" ;;
esac
echo "Copying base image $source_ref"
skopeo copy "${tls[@]}" "$source_ref" "oci:$layout:base"
