"""The model catalogue: one record per model version, the only place names are written.

Both pipelines and every run take registry names, versions and InferenceService names from
here, so the build pipeline registers exactly what the testing pipeline looks up (the record
type and its checks: `modelcar_tasks.catalogue`).
"""

from modelcar_tasks import COMMIT_NOT_LOOKED_UP, ModelVersion

CONFIG_TOKENIZER_AND_SHARDS = ("*.json", "tokenizer.model", "model-*.safetensors", "README.md")
"""Config, tokenizer, the sharded weights vLLM loads, and the model card with its licence;
never Mistral's consolidated.safetensors, the same weights a second time."""


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
