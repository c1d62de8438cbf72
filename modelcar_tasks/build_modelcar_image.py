"""build-modelcar-image: package the model as a ModelCar OCI image and validate it."""

from typing import Annotated, Literal

from modelcar_dsl import PulledImage, Result, Steps, WorkspacePath, script_step, task
from modelcar_tasks.images import MODELCAR_BASE_IMAGE, PYTHON_IMAGE, SKOPEO_IMAGE
from modelcar_tasks.resources import HASH_BLOBS, SKOPEO, STREAM_WEIGHTS
from modelcar_tasks.workspaces import CA_BUNDLE, REGISTRY_AUTH, SOURCE


@task(
    image=SKOPEO_IMAGE,
    workspaces=[SOURCE, REGISTRY_AUTH, CA_BUNDLE],
    results=[
        Result("image-digest", "Manifest digest of the built image (sha256:...)."),
        Result("image-path", "The image (OCI layout or archive), relative to the workspace."),
        Result("platforms", "The image's platforms, comma-separated (linux/amd64,linux/arm64)."),
        Result("BASE_IMAGE_REF", "The base image as built on: name@sha256:digest."),
    ],
    timeout="6h",
)
def build_modelcar_image(
    model_dir: Annotated[
        WorkspacePath, "Directory in the workspace that holds the model."
    ] = "model",
    base_image: Annotated[
        str,
        PulledImage(),
        "Base image with sh, ln and sleep: a registry reference or an oci: layout.",
    ] = MODELCAR_BASE_IMAGE,
    image_path: Annotated[
        WorkspacePath, "Where to write the image, relative to the workspace."
    ] = "image",
    image_format: Annotated[
        Literal["oci", "oci-archive"],
        "oci: a layout directory (one copy of the weights); oci-archive: a tarball, which "
        "skopeo unpacks again before every read.",
    ] = "oci",
    platform: Annotated[
        str,
        "all: every platform of the base, the model layers shared by all; or one platform "
        "(linux/amd64).",
    ] = "all",
    model_source: Annotated[str, "The model's source (hf://org/repo@commit), for labels."] = "",
    model_revision: Annotated[str, "The commit download-model fetched, for labels."] = "",
    model_created: Annotated[
        str, "The commit's date (RFC 3339 UTC): the image's created time, so digests repeat."
    ] = "",
    model_name: Annotated[str, "The image's title: the catalogue's registered model name."] = "",
    model_version: Annotated[str, "The image's version: the catalogue's version name."] = "",
) -> Steps:
    """Put the model under /models in a ModelCar image with its provenance and SBOM, then sync
    and verify it.

    One layer per large file (small files share one, the model card has its own), appended to
    every platform of the base resolved to a digest. Files are owned by 0:0, world-readable, with
    fixed mtimes, so any UID can read them and the same model always gives the same digest. The
    image replaces the previous one only when whole; after sync, every blob is read back and
    checked against its sha256 before the digest is reported.
    """
    return [
        script_step("build_modelcar_image.sh", name="fetch-base", resources=SKOPEO),
        script_step(
            "add_model_layer.py",
            name="add-model-layer",
            image=PYTHON_IMAGE,
            resources=STREAM_WEIGHTS,
        ),
        script_step("verify_image.py", name="verify", image=PYTHON_IMAGE, resources=HASH_BLOBS),
        script_step("validate_image.sh", name="validate", resources=SKOPEO),
    ]
