"""register-model: record the pushed image in the Model Registry (REST API v1alpha3)."""

from typing import Annotated

import attrs

from modelcar_dsl import Result, SecretEnv, Steps, script_step, task
from tasks.images import PYTHON_IMAGE
from tasks.workspaces import CA_BUNDLE, SOURCE

READ_ONLY_SOURCE = attrs.evolve(SOURCE, read_only=True)


@task(
    image=PYTHON_IMAGE,
    workspaces=[READ_ONLY_SOURCE, CA_BUNDLE],
    results=[
        Result("registered-model-id", "Id of the RegisteredModel."),
        Result("model-version-id", "Id of the ModelVersion."),
        Result("model-artifact-id", "Id of the ModelArtifact holding the image URI."),
    ],
    env=[
        SecretEnv("MODEL_REGISTRY_TOKEN", secret="model-registry-token", key="token", optional=True)
    ],
    retries=2,
)
def register_model(
    registry_url: Annotated[str, "Model Registry REST base URL (https://host)."],
    model_name: Annotated[str, "RegisteredModel name, from the model catalogue."],
    version_name: Annotated[str, "ModelVersion name, from the model catalogue."],
    image_ref: Annotated[str, "Pushed image with digest; registered as oci://<image_ref>."],
    internal_image_ref: Annotated[
        str, "The same image in the internal registry, kept as a custom property."
    ] = "",
) -> Steps:
    """Find or create the RegisteredModel, ModelVersion and ModelArtifact (idempotent)."""
    return [script_step("register_model_api.py", name="register")]
