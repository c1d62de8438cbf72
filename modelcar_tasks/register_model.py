"""register-model: record the pushed image in the Model Registry (REST API v1alpha3)."""

from typing import Annotated

from modelcar_dsl import Result, Steps, script_step, task
from modelcar_tasks.images import PYTHON_IMAGE
from modelcar_tasks.model_registry_access import REGISTRY_TOKEN, ModelName, RegistryUrl, VersionName
from modelcar_tasks.resources import LIGHT
from modelcar_tasks.workspaces import CA_BUNDLE


@task(
    image=PYTHON_IMAGE,
    workspaces=[CA_BUNDLE],
    results=[
        Result("registered-model-id", "Id of the RegisteredModel."),
        Result("model-version-id", "Id of the ModelVersion."),
        Result("model-artifact-id", "Id of the ModelArtifact holding the image URI."),
    ],
    env=[REGISTRY_TOKEN],
    timeout="10m",
    retries=2,
)
def register_model(
    registry_url: RegistryUrl,
    model_name: ModelName,
    version_name: VersionName,
    image_ref: Annotated[str, "Pushed image with digest; registered as oci://<image_ref>."],
    internal_image_ref: Annotated[
        str, "The same image in the internal registry, kept as a custom property."
    ] = "",
    model_format: Annotated[str, "The serving runtime's model format name."] = "vLLM",
    model_revision: Annotated[
        str, "The model commit the image holds, kept on the version as `revision`."
    ] = "",
    sbom_ref: Annotated[
        str, "The image's SBOM as pushed (host/repository@sha256:...), kept as `sbom`."
    ] = "",
) -> Steps:
    """Find or create the RegisteredModel, ModelVersion and ModelArtifact (idempotent).

    A version names one image: registering a different digest under an existing version fails.
    The version records the model's revision and the image's SBOM.
    """
    return [
        script_step(
            "model_registry.py",
            name="register",
            env={
                "ACTION": "register",
                "TASK_RUN_NAME": "$(context.taskRun.name)",
                "TASK_RUN_NAMESPACE": "$(context.taskRun.namespace)",
            },
            resources=LIGHT,
        )
    ]
