"""The model catalogue: one record per model version, the only place names are written.

Both pipelines and every run take registry names, versions and InferenceService names from
here, so the build pipeline registers exactly what the testing pipeline looks up. The two
Model Registry names are types of their own: register-model and publish-results accept them
from a record's field only (a compile error and a mypy error otherwise). `modelcar compile`
checks each record's download fields at its line: the source is pinned to a Hub commit (a
branch or tag only with a written `MovingRevision`), the include patterns take one naming
scheme of weights.
"""

from typing import Annotated, Literal

import attrs

from modelcar_dsl import SourceLocation, where_defined
from tasks.model_registry_access import ModelVersionName, RegisteredModelName
from tasks.model_source import MovingRevision, OneWeightScheme, PinnedRevision


@attrs.frozen
class ModelVersion:
    """One model version as the build registers it and the tests find it."""

    registry_name: RegisteredModelName = attrs.field(converter=RegisteredModelName)
    version: ModelVersionName = attrs.field(converter=ModelVersionName)
    source: Annotated[str, PinnedRevision()]
    include: Annotated[tuple[str, ...], OneWeightScheme()]
    tokenizer: str
    inference_service: str
    quantization: Literal["none", "w4a16", "w8a8", "fp8"]
    moving_revision: MovingRevision | None = None
    defined_at: SourceLocation = attrs.field(
        factory=where_defined, eq=False, repr=False, kw_only=True
    )


CONFIG_TOKENIZER_AND_SHARDS = ("*.json", "tokenizer.model", "model-*.safetensors", "README.md")
"""Config, tokenizer, the sharded weights vLLM loads, and the model card with its licence;
never Mistral's consolidated.safetensors, the same weights a second time."""
COMMIT_NOT_LOOKED_UP = MovingRevision(
    "the commit sha has not been looked up yet: write the source as hf://<repo>@<sha> (the sha "
    "of the Hub's /api/models/<repo>/revision/main, or download-model's revision result) and "
    "remove this"
)


MISTRAL_24B_QUANTIZED = ModelVersion(
    registry_name="Mistral-24B-Instruct",
    version="24b-w4a16-1gpu",
    source="hf://RedHatAI/Mistral-Small-24B-Instruct-2501-quantized.w4a16@main",
    moving_revision=COMMIT_NOT_LOOKED_UP,
    include=CONFIG_TOKENIZER_AND_SHARDS,
    tokenizer="RedHatAI/Mistral-Small-24B-Instruct-2501-quantized.w4a16",
    inference_service="mistral-24b-quantized",
    quantization="w4a16",
)

MISTRAL_24B_FULL = ModelVersion(
    registry_name="Mistral-24B-Instruct",
    version="24b-bf16-4gpu",
    source="hf://mistralai/Mistral-Small-24B-Instruct-2501@main",
    moving_revision=COMMIT_NOT_LOOKED_UP,
    include=CONFIG_TOKENIZER_AND_SHARDS,
    tokenizer="mistralai/Mistral-Small-24B-Instruct-2501",
    inference_service="mistral-24b",
    quantization="none",
)

CATALOGUE = (MISTRAL_24B_QUANTIZED, MISTRAL_24B_FULL)
