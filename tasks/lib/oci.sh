# shellcheck shell=bash
# How skopeo reads the image build-modelcar-image wrote: an OCI layout directory (oci:), or an
# archive (oci-archive:), which skopeo unpacks before reading; that copy goes to the workspace,
# never to the pod's own disk. Needs inputs.sh.

# image_reference IMAGE: sets IMAGE_REFERENCE to skopeo's reference of IMAGE (exports TMPDIR
# for an archive). A variable, not output: TMPDIR must be set in the caller's shell.
# shellcheck disable=SC2034 # IMAGE_REFERENCE is read by the scripts that source this file
image_reference() {
  if [[ $1 == *:* ]]; then
    input_error "image-path ${1@Q} has a ':', which skopeo would read as the start of a tag"
  fi
  if [[ -d $1 ]]; then
    IMAGE_REFERENCE="oci:$1:modelcar"
  else
    export TMPDIR="$WORKSPACE_SOURCE_PATH/.tmp"
    mkdir -p "$TMPDIR"
    IMAGE_REFERENCE="oci-archive:$1:modelcar"
  fi
}
