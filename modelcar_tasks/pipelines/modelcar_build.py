"""modelcar-build-deploy (pipeline A): weights -> validated ModelCar image -> registries.

The download, the build and both pushes share the `source` workspace, so the compiler chains
them in this order. check-release reads both registries and the Model Registry between the
build and the pushes, which take the digest it cleared; register-model waits for the pushes'
results. No `.after()` is written here.
"""

from typing import Annotated

from modelcar_dsl import PipelineWorkspace, PulledImage, pipeline
from modelcar_tasks.build_modelcar_image import build_modelcar_image
from modelcar_tasks.catalogue import ModelVersion
from modelcar_tasks.check_release import check_release
from modelcar_tasks.download_model import download_model
from modelcar_tasks.images import MODELCAR_BASE_IMAGE
from modelcar_tasks.push_to_internal_registry import (
    INTERNAL_REGISTRY_HOST,
    push_to_internal_registry,
)
from modelcar_tasks.push_to_quay import QUAY_HOST, push_to_quay
from modelcar_tasks.register_model import register_model


@pipeline(
    workspaces=[
        # No default: each run sizes the PVC for its model (weights and image, about twice
        # the weights).
        PipelineWorkspace("source", "Fresh PVC for the weights and the image."),
        PipelineWorkspace("registry-auth", "dockerconfigjson Secret for both registries."),
        PipelineWorkspace("ca-bundle", "ConfigMap with the CAs to trust.", True),
    ]
)
def modelcar_build_deploy(
    model: ModelVersion,
    internal_repository: Annotated[str, "Internal registry repository (namespace/name)."],
    quay_repository: Annotated[str, "Quay repository (organization/name)."],
    registry_url: Annotated[str, "Model Registry REST base URL."],
    hf_endpoint: Annotated[
        str, "Hugging Face endpoint; a mirror for a cluster that cannot reach huggingface.co."
    ] = "https://huggingface.co",
    base_image: Annotated[
        str,
        PulledImage(),
        "The ModelCar's base image: a registry reference or an oci: layout; a disconnected "
        "cluster's mirror follows [tool.modelcar] image_mirrors.",
    ] = MODELCAR_BASE_IMAGE,
    internal_registry_host: Annotated[
        str, "The internal registry's address, where a cluster exposes it elsewhere."
    ] = INTERNAL_REGISTRY_HOST,
    quay_host: Annotated[str, "Quay's address: quay.io, or a team's self-hosted Quay."] = QUAY_HOST,
) -> None:
    """Package a catalogue model version as a ModelCar image, push it and register it."""
    download = download_model(source=model.source, include=model.include, hf_endpoint=hf_endpoint)
    build = build_modelcar_image(
        base_image=base_image,
        model_source=model.source,
        model_revision=download.results.revision,
        model_created=download.results.revision_date,
        model_name=model.registry_name,
        model_version=model.version,
    )
    # Before any push: a tag of a version the Model Registry records is never moved.
    release = check_release(
        expected_digest=build.results.image_digest,
        tag=model.version,
        internal_repository=internal_repository,
        quay_repository=quay_repository,
        registry_url=registry_url,
        model_name=model.registry_name,
        version_name=model.version,
        internal_registry_host=internal_registry_host,
        quay_host=quay_host,
    )
    internal = push_to_internal_registry(
        repository=internal_repository,
        registry_host=internal_registry_host,
        tag=model.version,
        expected_digest=release.results.image_digest,
        image_path=build.results.image_path,
    )
    quay = push_to_quay(
        repository=quay_repository,
        registry_host=quay_host,
        tag=model.version,
        expected_digest=release.results.image_digest,
        image_path=build.results.image_path,
    )
    register_model(
        registry_url=registry_url,
        model_name=model.registry_name,
        version_name=model.version,
        image_ref=quay.results.image_ref,
        internal_image_ref=internal.results.image_ref,
        model_revision=download.results.revision,
        sbom_ref=quay.results.sbom_ref,
    )
