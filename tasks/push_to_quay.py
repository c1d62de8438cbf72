"""push-to-quay: the external registry other clusters pull from."""

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
    timeout="3h",
)
def push_to_quay(
    image_ref: ImageRef,
    expected_digest: ExpectedDigest,
    image_dir: ImageDir = "oci",
    tls_verify: TlsVerify = True,
    retries: Retries = 5,
) -> Steps:
    """Copy the validated ModelCar image to Quay and verify its digest."""
    return push_steps()
