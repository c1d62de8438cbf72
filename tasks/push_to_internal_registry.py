"""push-to-internal-registry: the cluster's own registry, which KServe pulls from."""

from modelcar_dsl import Steps, task
from tasks.images import SKOPEO_IMAGE
from tasks.push import (
    PUSH_RESULTS,
    PUSH_WORKSPACES,
    ExpectedDigest,
    ImageDir,
    ImageRef,
    Retries,
    TlsVerify,
    push_steps,
)


@task(
    image=SKOPEO_IMAGE,
    workspaces=PUSH_WORKSPACES,
    results=PUSH_RESULTS,
    timeout="2h",
)
def push_to_internal_registry(
    image_ref: ImageRef,
    expected_digest: ExpectedDigest,
    image_dir: ImageDir = "oci",
    tls_verify: TlsVerify = True,
    retries: Retries = 3,
) -> Steps:
    """Copy the validated ModelCar image to the internal registry and verify its digest."""
    return push_steps()
