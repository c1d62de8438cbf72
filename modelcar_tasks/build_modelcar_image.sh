#!/usr/bin/env bash
# Resolve the base image to a digest and fetch exactly that, with every platform it has (or the
# one PLATFORM names), into a fresh OCI layout beside the final image path; add_model_layer.py
# adds the weights and moves it into place, so an interrupted build never leaves a half image.
# Inputs: BASE_IMAGE (registry reference or oci:DIR[:TAG]), PLATFORM (all or os/arch[/variant]),
# IMAGE_PATH and MODEL_DIR (inside the workspace, apart from each other), WORKSPACE_SOURCE_PATH,
# WORKSPACE_REGISTRY_AUTH_PATH/_BOUND and WORKSPACE_CA_BUNDLE_PATH/_BOUND (optional).
# Result: RESULT_BASE_IMAGE_REF_PATH, the base as name@sha256:digest.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/inputs.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/inputs.sh"
# shellcheck source=SCRIPTDIR/lib/trust.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/trust.sh"
# shellcheck source=SCRIPTDIR/lib/oci.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/oci.sh"

registry_reference='[a-z0-9][a-z0-9.-]*(:[0-9]{1,5})?(/[a-z0-9]+([._-]+[a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?'
layout_reference='oci:/([A-Za-z0-9_.+-]+/)*[A-Za-z0-9_.+-]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?'
require_match BASE_IMAGE "$registry_reference|$layout_reference" \
  "a registry reference (host/repository:tag) or an oci:/absolute/layout[:tag]"
if [[ $BASE_IMAGE == oci:* && $BASE_IMAGE =~ /\.\.?(/|:|$) ]]; then
  input_error "base-image ${BASE_IMAGE@Q} must not have '.' or '..' parts"
fi
require_match PLATFORM 'all|[a-z0-9]{1,32}/[a-z0-9_]{1,32}(/[a-z0-9]{1,32})?' \
  "all, or one platform as os/architecture[/variant] (linux/amd64, linux/arm64/v8)"
image=$(confined_path IMAGE_PATH)
model=$(confined_path MODEL_DIR)
for written in "$image" "$image.partial" "$image.tar.partial"; do
  if [[ $written == "$model" || $written == "$model"/* || $model == "$written"/* ]]; then
    input_error "image-path ${IMAGE_PATH@Q} and model-dir ${MODEL_DIR@Q} overlap: the build would replace the model; give them separate directories"
  fi
done

private=$(mktemp -d)
trap 'rm -rf "$private"' EXIT
trust_cert_dir "$private/certs"
inspect_options=(--cert-dir "$private/certs")
copy_options=(--src-cert-dir "$private/certs")
if workspace_bound REGISTRY_AUTH; then
  inspect_options+=(--authfile "$WORKSPACE_REGISTRY_AUTH_PATH/.dockerconfigjson")
  copy_options+=(--src-authfile "$WORKSPACE_REGISTRY_AUTH_PATH/.dockerconfigjson")
fi
if [[ $PLATFORM == all ]]; then
  copy_options+=(--all)
  platform_options ""
else
  platform_options "$PLATFORM"
fi

# Every input is checked; only now is anything removed. A link at the staging name is removed
# as a link: rm never follows it.
staging="$image.partial"
rm -rf "$staging"

# The digest of what the reference names now; the copy then reads that digest, never a tag that
# may move in between. (A layout is on this volume: it is read by its tag.)
case "$BASE_IMAGE" in
  oci:*) source_ref="$BASE_IMAGE" name="$BASE_IMAGE" ;;
  *)
    name=${BASE_IMAGE%@*}
    if [[ ${name##*/} == *:* ]]; then name=${name%:*}; fi
    source_ref="docker://$BASE_IMAGE"
    ;;
esac
skopeo inspect --raw "${inspect_options[@]}" "$source_ref" > "$private/manifest"
digest="sha256:$(sha256sum < "$private/manifest" | cut -d' ' -f1)"
if [[ $source_ref == docker://* ]]; then source_ref="docker://$name@$digest"; fi
echo "Copying base image $BASE_IMAGE ($name@$digest, platform $PLATFORM)"
skopeo "${PLATFORM_OPTIONS[@]}" copy "${copy_options[@]}" "$source_ref" "oci:$staging:base"
printf '%s' "$name@$digest" > "$RESULT_BASE_IMAGE_REF_PATH"
