# shellcheck shell=bash
# How skopeo reads the image build-modelcar-image wrote: an OCI layout directory (oci:), or an
# archive (oci-archive:), which skopeo unpacks before reading. That copy goes to a fresh
# directory on the workspace (skopeo's --tmpdir: it does not read TMPDIR), never to the pod's
# own disk, and never through a link planted on the workspace. Needs inputs.sh.

# image_reference IMAGE [TAG]: sets IMAGE_REFERENCE to skopeo's reference of IMAGE's TAG
# (modelcar, or sbom), and SKOPEO_OPTIONS to the global options reading it takes (for an archive,
# --tmpdir SKOPEO_TMPDIR, one directory the caller removes). Variables, not output: the caller's
# shell keeps them. IMAGE comes from confined_path, so it holds no ':' that skopeo would read as
# the start of a tag.
# shellcheck disable=SC2034 # the variables are read by the scripts that source this file
image_reference() {
  SKOPEO_OPTIONS=()
  if [[ -d $1 ]]; then
    IMAGE_REFERENCE="oci:$1:${2:-modelcar}"
  else
    SKOPEO_TMPDIR=${SKOPEO_TMPDIR:-$(mktemp -d "$WORKSPACE_SOURCE_PATH/.skopeo-tmp.XXXXXX")}
    SKOPEO_OPTIONS=(--tmpdir "$SKOPEO_TMPDIR")
    IMAGE_REFERENCE="oci-archive:$1:${2:-modelcar}"
  fi
}

# platform_options PLATFORM: sets PLATFORM_OPTIONS to skopeo's global options that choose
# PLATFORM (os/architecture[/variant], checked by the caller) from an index; none when empty.
platform_options() {
  PLATFORM_OPTIONS=()
  [[ -n $1 ]] || return 0
  local os architecture variant
  IFS=/ read -r os architecture variant <<< "$1"
  PLATFORM_OPTIONS=(--override-os "$os" --override-arch "$architecture")
  [[ -z $variant ]] || PLATFORM_OPTIONS+=(--override-variant "$variant")
}
