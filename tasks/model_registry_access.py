"""What register-model and publish-results share: how they reach the Model Registry."""

from typing import Annotated

from modelcar_dsl import SecretEnv

REGISTRY_TOKEN = SecretEnv(
    "MODEL_REGISTRY_TOKEN", secret="model-registry-token", key="token", optional=True
)
"""A bearer token for the registry; without it the tasks use the pod's ServiceAccount token."""

RegistryUrl = Annotated[str, "Model Registry REST base URL (https://host:port)."]
ModelName = Annotated[str, "RegisteredModel name, from the model catalogue."]
VersionName = Annotated[str, "ModelVersion name, from the model catalogue."]
