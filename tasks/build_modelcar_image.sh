#!/usr/bin/env bash
# Fetch the base image into a fresh OCI layout beside the final image path; add_model_layer.py
# adds the weights and moves it into place, so an interrupted build never leaves a half image.
# Inputs: BASE_IMAGE (registry reference or oci:DIR[:TAG]), IMAGE_PATH and MODEL_DIR (inside the
# workspace, apart from each other), WORKSPACE_SOURCE_PATH, WORKSPACE_REGISTRY_AUTH_PATH/_BOUND
# and WORKSPACE_CA_BUNDLE_PATH/_BOUND (optional).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/inputs.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/inputs.sh"
# shellcheck source=SCRIPTDIR/lib/trust.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/trust.sh"

registry_reference='[a-z0-9][a-z0-9.-]*(:[0-9]{1,5})?(/[a-z0-9]+([._-]+[a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?'
layout_reference='oci:/([A-Za-z0-9_.+-]+/)*[A-Za-z0-9_.+-]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?'
require_match BASE_IMAGE "$registry_reference|$layout_reference" \
  "a registry reference (host/repository:tag) or an oci:/absolute/layout[:tag]"
if [[ $BASE_IMAGE == oci:* && $BASE_IMAGE =~ /\.\.?(/|:|$) ]]; then
  input_error "base-image ${BASE_IMAGE@Q} must not have '.' or '..' parts"
fi
image=$(confined_path IMAGE_PATH)
model=$(confined_path MODEL_DIR)
for written in "$image" "$image.partial" "$image.tar.partial"; do
  if [[ $written == "$model" || $written == "$model"/* || $model == "$written"/* ]]; then
    input_error "image-path ${IMAGE_PATH@Q} and model-dir ${MODEL_DIR@Q} overlap: the build would replace the model; give them separate directories"
  fi
done

options=()
if workspace_bound REGISTRY_AUTH; then
  options+=(--src-authfile "$WORKSPACE_REGISTRY_AUTH_PATH/.dockerconfigjson")
fi
certs=$(mktemp -d)
trap 'rm -rf "$certs"' EXIT
trust_cert_dir "$certs"
options+=(--src-cert-dir "$certs")

# Every input is checked; only now is anything removed. A link at the staging name is removed
# as a link: rm never follows it.
staging="$image.partial"
rm -rf "$staging"

case "$BASE_IMAGE" in
  oci:*) source_ref="$BASE_IMAGE" ;;
  *) source_ref="docker://$BASE_IMAGE" ;;
esac
echo "Copying base image $source_ref"
skopeo copy "${options[@]}" "$source_ref" "oci:$staging:base"
