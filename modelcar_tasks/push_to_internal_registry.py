"""push-to-internal-registry: the cluster's own registry, which KServe pulls from."""

from typing import Annotated

from modelcar_dsl import Steps, task
from modelcar_tasks.images import SKOPEO_IMAGE
from modelcar_tasks.push import (
    PUSH_RESULTS,
    ExpectedDigest,
    ImagePath,
    Repository,
    Retries,
    Tag,
    TlsVerify,
    push_steps,
)
from modelcar_tasks.workspaces import CA_BUNDLE, REGISTRY_AUTH, SOURCE

INTERNAL_REGISTRY_HOST = "image-registry.openshift-image-registry.svc:5000"


@task(
    image=SKOPEO_IMAGE,
    workspaces=[SOURCE, REGISTRY_AUTH, CA_BUNDLE],
    results=PUSH_RESULTS,
    timeout="2h",
)
def push_to_internal_registry(
    repository: Repository,
    tag: Tag,
    expected_digest: ExpectedDigest,
    image_path: ImagePath = "image",
    registry_host: Annotated[
        str, "The internal registry's service address."
    ] = INTERNAL_REGISTRY_HOST,
    tls_verify: TlsVerify = True,
    retries: Retries = 3,
) -> Steps:
    """Copy the validated ModelCar image to the internal registry and verify its digest.

    Without a registry-auth workspace it signs in with the pod's ServiceAccount token and trusts
    the cluster's service CA, which is how the internal registry authenticates pipelines.
    """
    return push_steps(service_account_auth=True)
