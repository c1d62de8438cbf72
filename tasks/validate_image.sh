#!/usr/bin/env bash
# Flush the image to storage and prove it is whole before any push starts: skopeo must read it,
# and every layer blob must be on disk at the size its manifest records.
# Inputs: WORKSPACE_SOURCE_PATH, IMAGE_PATH, RESULT_IMAGE_DIGEST_PATH, RESULT_IMAGE_PATH_PATH.
set -euo pipefail

: "${IMAGE_PATH:?IMAGE_PATH is required}" "${WORKSPACE_SOURCE_PATH:?WORKSPACE_SOURCE_PATH is required}"
image="$WORKSPACE_SOURCE_PATH/$IMAGE_PATH"
if [[ -d "$image" ]]; then
  reference="oci:$image:modelcar"
else
  # skopeo unpacks an archive before reading it: keep that copy on the workspace, not in the pod.
  export TMPDIR="$WORKSPACE_SOURCE_PATH/.tmp"
  mkdir -p "$TMPDIR"
  reference="oci-archive:$image:modelcar"
fi

broken() {
  echo "The image at $image is broken: $1" >&2
  echo "Rebuild it; do not push it. A full disk or an interrupted build leaves images like this." >&2
  exit 1
}

sync
if ! digest=$(skopeo inspect --format '{{.Digest}}' "$reference" 2>&1); then
  broken "skopeo cannot read it: $digest"
fi
if [[ -d "$image" ]]; then
  # add_model_layer.py writes the manifest as compact JSON with sorted keys: digest, mediaType, size.
  manifest=$(skopeo inspect --raw "$reference")
  blob_pattern='"digest":"sha256:[0-9a-f]{64}","mediaType":"[^"]*","size":[0-9]+'
  while read -r entry; do
    hex=$(sed -E 's/.*sha256:([0-9a-f]{64}).*/\1/' <<< "$entry")
    expected=$(sed -E 's/.*"size":([0-9]+)$/\1/' <<< "$entry")
    actual=$(stat -c %s "$image/blobs/sha256/$hex" 2>/dev/null || echo "no")
    if [[ "$actual" != "$expected" ]]; then
      broken "blob sha256:$hex is $actual bytes on disk, its manifest says $expected"
    fi
  done < <(grep -oE "$blob_pattern" <<< "$manifest")
  chmod -R g+rX "$image"
else
  chmod g+r "$image"
fi
echo "Validated $reference, digest $digest"
printf '%s' "$digest" > "$RESULT_IMAGE_DIGEST_PATH"
printf '%s' "$IMAGE_PATH" > "$RESULT_IMAGE_PATH_PATH"
