"""The model catalogue: one record per model version, the only place names are written.

Both pipelines and every run take registry names, versions and InferenceService names from
here, so the build pipeline registers exactly what the testing pipeline looks up. The two
Model Registry names are types of their own: register-model and publish-results accept them
from a record's field only (a compile error and a mypy error otherwise).
"""

from typing import Literal

import attrs

from tasks.model_registry_access import ModelVersionName, RegisteredModelName


@attrs.frozen
class ModelVersion:
    """One model version as the build registers it and the tests find it."""

    registry_name: RegisteredModelName = attrs.field(converter=RegisteredModelName)
    version: ModelVersionName = attrs.field(converter=ModelVersionName)
    source: str
    tokenizer: str
    inference_service: str
    quantization: Literal["none", "w4a16", "w8a8", "fp8"]


MISTRAL_24B_QUANTIZED = ModelVersion(
    registry_name="Mistral-24B-Instruct",
    version="24b-w4a16-1gpu",
    source="hf://RedHatAI/Mistral-Small-24B-Instruct-2501-quantized.w4a16",
    tokenizer="RedHatAI/Mistral-Small-24B-Instruct-2501-quantized.w4a16",
    inference_service="mistral-24b-quantized",
    quantization="w4a16",
)

MISTRAL_24B_FULL = ModelVersion(
    registry_name="Mistral-24B-Instruct",
    version="24b-bf16-4gpu",
    source="hf://mistralai/Mistral-Small-24B-Instruct-2501",
    tokenizer="mistralai/Mistral-Small-24B-Instruct-2501",
    inference_service="mistral-24b",
    quantization="none",
)

CATALOGUE = (MISTRAL_24B_QUANTIZED, MISTRAL_24B_FULL)
