"""Build and test runs for the two Mistral 24B versions of the catalogue."""

from modelcar_dsl import ConfigMapVolume, RunSpec, SecretVolume, VolumeClaim, pipeline_run
from modelcar_tasks import ModelVersion
from modelcar_tasks.pipelines import model_testing, modelcar_build_deploy
from pipelines.catalogue import MISTRAL_24B_FULL, MISTRAL_24B_QUANTIZED

NAMESPACE = "private-ai-demo"
QUAY_ORGANIZATION = "private-ai-demo"
MODEL_REGISTRY_URL = "https://private-ai-model-registry-rest.rhoai-model-registries.svc:8443"


def build_run(model: ModelVersion, disk: str, timeout: str) -> RunSpec:
    """A build run of `model` on a fresh PVC of `disk`, trusting the cluster's CA bundle."""
    return pipeline_run(
        f"{model.inference_service}-build",
        modelcar_build_deploy,
        params={
            "model": model,
            "internal_repository": f"{NAMESPACE}/{model.inference_service}",
            "quay_repository": f"{QUAY_ORGANIZATION}/{model.inference_service}",
            "registry_url": MODEL_REGISTRY_URL,
        },
        workspaces={
            "source": VolumeClaim(size=disk),
            "registry-auth": SecretVolume("modelcar-registry-auth"),
            "ca-bundle": ConfigMapVolume("trusted-ca-bundle"),
        },
        service_account="pipeline",
        timeout=timeout,
    )


mistral_24b_quantized_build = build_run(MISTRAL_24B_QUANTIZED, disk="60Gi", timeout="4h")
mistral_24b_full_build = build_run(MISTRAL_24B_FULL, disk="150Gi", timeout="12h")


def testing_run(model: ModelVersion) -> RunSpec:
    """A test run of `model`'s InferenceService, publishing to the registry the build wrote to."""
    return pipeline_run(
        f"{model.inference_service}-test",
        model_testing,
        params={
            "model": model,
            "registry_url": MODEL_REGISTRY_URL,
            "lm_eval_tasks": ["arc_easy", "hellaswag"],
            "lm_eval_limit": 500,
        },
        workspaces={"ca-bundle": ConfigMapVolume("trusted-ca-bundle")},
        service_account="pipeline",
        timeout="6h",
    )


mistral_24b_quantized_test = testing_run(MISTRAL_24B_QUANTIZED)
mistral_24b_full_test = testing_run(MISTRAL_24B_FULL)
