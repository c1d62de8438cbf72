#!/usr/bin/env bash
# Flush the image to storage and prove skopeo can read it before any push starts.
# Inputs: WORKSPACE_SOURCE_PATH, IMAGE_DIR, RESULT_IMAGE_DIGEST_PATH, RESULT_IMAGE_PATH_PATH.
set -euo pipefail

layout="$WORKSPACE_SOURCE_PATH/$IMAGE_DIR"
sync
if ! skopeo inspect "oci:$layout:modelcar" > /dev/null; then
  echo "The image in $layout is broken: skopeo cannot read it. Rebuild; do not push it." >&2
  exit 1
fi
digest=$(skopeo inspect --format '{{.Digest}}' "oci:$layout:modelcar")
chmod -R g+rX "$layout"
echo "Validated oci:$layout:modelcar, digest $digest"
printf '%s' "$digest" > "$RESULT_IMAGE_DIGEST_PATH"
printf '%s' "$IMAGE_DIR" > "$RESULT_IMAGE_PATH_PATH"
