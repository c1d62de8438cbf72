"""build-modelcar-image: package the model as a ModelCar OCI image and validate it."""

from typing import Annotated

from modelcar_dsl import Result, Steps, script_step, task
from tasks.images import MODELCAR_BASE_IMAGE, PYTHON_IMAGE, SKOPEO_IMAGE
from tasks.workspaces import CA_BUNDLE, SOURCE


@task(
    image=SKOPEO_IMAGE,
    workspaces=[SOURCE, CA_BUNDLE],
    results=[
        Result("image-digest", "Manifest digest of the built image (sha256:...)."),
        Result("image-path", "OCI layout holding the image, relative to the workspace."),
    ],
    timeout="6h",
)
def build_modelcar_image(
    model_dir: Annotated[str, "Directory in the workspace that holds the model."] = "model",
    base_image: Annotated[
        str, "Base image with /models, ln and sleep: a registry reference or an oci: layout."
    ] = MODELCAR_BASE_IMAGE,
    image_dir: Annotated[str, "OCI layout directory to write, relative to the workspace."] = "oci",
) -> Steps:
    """Put the model under /models in a ModelCar image (OCI layout), then sync and validate it.

    Files are group-readable with GID 0 and fixed mtimes, so any UID can read them and the same
    model always gives the same digest.
    """
    return [
        script_step("build_modelcar_image.sh", name="build"),
        script_step("add_model_layer.py", name="add-model-layer", image=PYTHON_IMAGE),
        script_step("validate_image.sh", name="validate"),
    ]
