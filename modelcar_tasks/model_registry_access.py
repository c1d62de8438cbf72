"""What register-model and publish-results share: how they reach the Model Registry."""

from typing import Annotated

from modelcar_dsl import CatalogueName, SecretEnv

REGISTRY_TOKEN = SecretEnv(
    "MODEL_REGISTRY_TOKEN", secret="model-registry-token", key="token", optional=True
)
"""A bearer token for the registry; without it the tasks use the pod's ServiceAccount token."""


class RegisteredModelName(CatalogueName):
    """A RegisteredModel's name in the Model Registry; only a catalogue record carries one."""

    __slots__ = ()


class ModelVersionName(CatalogueName):
    """A ModelVersion's name in the Model Registry; only a catalogue record carries one."""

    __slots__ = ()


RegistryUrl = Annotated[str, "Model Registry REST base URL (https://host:port)."]
ModelName = Annotated[RegisteredModelName, "RegisteredModel name, from the model catalogue."]
VersionName = Annotated[ModelVersionName, "ModelVersion name, from the model catalogue."]
