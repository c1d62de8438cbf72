"""build-modelcar-image: package the model as a ModelCar OCI image and validate it."""

from typing import Annotated, Literal

from modelcar_dsl import Result, Steps, WorkspacePath, script_step, task
from tasks.images import MODELCAR_BASE_IMAGE, PYTHON_IMAGE, SKOPEO_IMAGE
from tasks.resources import HASH_BLOBS, SKOPEO, STREAM_WEIGHTS
from tasks.workspaces import CA_BUNDLE, REGISTRY_AUTH, SOURCE


@task(
    image=SKOPEO_IMAGE,
    workspaces=[SOURCE, REGISTRY_AUTH, CA_BUNDLE],
    results=[
        Result("image-digest", "Manifest digest of the built image (sha256:...)."),
        Result("image-path", "The image (OCI layout or archive), relative to the workspace."),
    ],
    timeout="6h",
)
def build_modelcar_image(
    model_dir: Annotated[
        WorkspacePath, "Directory in the workspace that holds the model."
    ] = "model",
    base_image: Annotated[
        str, "Base image with sh, ln and sleep: a registry reference or an oci: layout."
    ] = MODELCAR_BASE_IMAGE,
    image_path: Annotated[
        WorkspacePath, "Where to write the image, relative to the workspace."
    ] = "image",
    image_format: Annotated[
        Literal["oci", "oci-archive"],
        "oci: a layout directory (one copy of the weights); oci-archive: a tarball, which "
        "skopeo unpacks again before every read.",
    ] = "oci",
) -> Steps:
    """Put the model under /models in a ModelCar image, then sync and verify it.

    Files are owned by 0:0, world-readable, with fixed mtimes, so any UID can read them and the
    same model always gives the same digest. The image replaces the previous one only when whole;
    after sync, every blob is read back and checked against its sha256 before the digest is
    reported.
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
