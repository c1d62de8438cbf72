#!/usr/bin/env bash
# Prove skopeo reads the image verify_image.py found whole, let the fsGroup read it, and report
# its digest: the one every push must reproduce.
# Inputs: WORKSPACE_SOURCE_PATH, IMAGE_PATH, RESULT_PLATFORMS_PATH (the platforms built, when
# add_model_layer.py ran), RESULT_IMAGE_DIGEST_PATH, RESULT_IMAGE_PATH_PATH.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/inputs.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/inputs.sh"
# shellcheck source=SCRIPTDIR/lib/oci.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/oci.sh"

image=$(confined_path IMAGE_PATH)
trap 'rm -rf "${SKOPEO_TMPDIR:-}"' EXIT
image_reference "$image"
# An index's instances need not include this node's platform: inspect the first one built.
first_platform=""
if [[ -s ${RESULT_PLATFORMS_PATH:-} ]]; then
  first_platform=$(cut -d, -f1 "$RESULT_PLATFORMS_PATH")
fi
platform_options "$first_platform"
if ! digest=$(skopeo "${SKOPEO_OPTIONS[@]}" "${PLATFORM_OPTIONS[@]}" inspect --format '{{.Digest}}' "$IMAGE_REFERENCE" 2>&1); then
  echo "The image at $image is broken: skopeo cannot read it: $digest" >&2
  echo "Rebuild it; do not push it. A full disk or an interrupted build leaves images like this." >&2
  exit 1
fi
if [[ -d $image ]]; then
  chmod -R g+rX "$image"
else
  chmod g+r "$image"
fi
echo "Validated $IMAGE_REFERENCE, digest $digest"
printf '%s' "$digest" > "$RESULT_IMAGE_DIGEST_PATH"
printf '%s' "$IMAGE_PATH" > "$RESULT_IMAGE_PATH_PATH"
