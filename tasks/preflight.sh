#!/usr/bin/env bash
# Show the security context and the image before pushing, and say plainly when this pod cannot
# read the image (the fsGroup symptom). Inputs: WORKSPACE_SOURCE_PATH, IMAGE_DIR.
set -euo pipefail

layout="$WORKSPACE_SOURCE_PATH/$IMAGE_DIR"
echo "== id"
id
echo "== workspace"
ls -la "$WORKSPACE_SOURCE_PATH"
echo "== image layout"
stat "$layout/index.json" || true
if ! find "$layout" ! -readable -print -quit | grep -q . && [[ -r "$layout/index.json" ]]; then
  skopeo inspect "oci:$layout:modelcar"
  exit 0
fi
cat >&2 <<MESSAGE
The image in $layout is not readable by uid $(id -u) with groups $(id -G).
Its files must be readable by a group this pod has. Set the PipelineRun's
taskRunTemplate.podTemplate.securityContext.fsGroup to the namespace's supplemental group
(openshift.io/sa.scc.supplemental-groups), e.g. fs_group= in pipeline_run or [tool.modelcar].
MESSAGE
exit 1
