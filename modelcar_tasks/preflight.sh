#!/usr/bin/env bash
# Show who this pod is and what it can read before pushing, and say plainly when the image is
# unreadable for this uid and groups (the missing-fsGroup symptom).
# Inputs: WORKSPACE_SOURCE_PATH, IMAGE_PATH, EXPECTED_DIGEST (the image skopeo reads must have
# it).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/inputs.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/inputs.sh"
# shellcheck source=SCRIPTDIR/lib/oci.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/oci.sh"

require_match EXPECTED_DIGEST 'sha256:[a-f0-9]{64}' "a sha256:... digest"
image=$(confined_path IMAGE_PATH)
echo "== id"
id
echo "== ls -la $WORKSPACE_SOURCE_PATH"
ls -la "$WORKSPACE_SOURCE_PATH" || true
echo "== stat $image"
stat "$image" || true

if [[ ! -e "$image" ]]; then
  echo "There is no image at $image. build-modelcar-image writes it to the same workspace;" >&2
  echo "check that this task and the build share one PVC (the source workspace)." >&2
  exit 1
fi
blocked=$(find "$image" \( ! -readable -o -type d ! -executable \) -print -quit 2>/dev/null || true)
if [[ -n "$blocked" ]]; then
  cat >&2 <<MESSAGE
This pod cannot read the image: $blocked
is $(stat -c '%A owned by %u:%g' "$blocked"), and this pod runs as uid $(id -u) with groups $(id -G).
The build wrote it with the pod's fsGroup as group; this pod lacks that group, so the PipelineRun
has no fsGroup. Set taskRunTemplate.podTemplate.securityContext.fsGroup (v1beta1: podTemplate) to
the namespace's supplemental group (openshift.io/sa.scc.supplemental-groups, e.g. 1000970000):
fs_group= in pipeline_run() or in [tool.modelcar].
MESSAGE
  exit 1
fi

trap 'rm -rf "${SKOPEO_TMPDIR:-}"' EXIT
image_reference "$image"
echo "== skopeo inspect $IMAGE_REFERENCE"
inspected=$(skopeo "${SKOPEO_OPTIONS[@]}" inspect "$IMAGE_REFERENCE")
printf '%s\n' "$inspected"
# The image skopeo will push must be the one the build verified, as skopeo itself reads it: a
# file another reader parses differently (a key in another case) must not reach a registry.
digest=""
if [[ $inspected =~ \"Digest\":\ \"(sha256:[a-f0-9]{64})\" ]]; then digest=${BASH_REMATCH[1]}; fi
if [[ $digest != "$EXPECTED_DIGEST" ]]; then
  echo "Not pushing: skopeo reads $image as ${digest:-an image without a digest}, but build-modelcar-image validated $EXPECTED_DIGEST." >&2
  cat >&2 <<MESSAGE
This workspace holds another image than the one this run built: is another run's PVC bound, or
did something rewrite the image after the build?
MESSAGE
  exit 1
fi
