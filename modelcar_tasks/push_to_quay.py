"""push-to-quay: the external registry other clusters pull from."""

from typing import Annotated

import attrs

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

QUAY_AUTH = attrs.evolve(REGISTRY_AUTH, optional=False)
QUAY_HOST = "quay.io"


@task(
    image=SKOPEO_IMAGE,
    workspaces=[SOURCE, QUAY_AUTH, CA_BUNDLE],
    results=PUSH_RESULTS,
    timeout="3h",
)
def push_to_quay(
    repository: Repository,
    tag: Tag,
    expected_digest: ExpectedDigest,
    image_path: ImagePath = "image",
    registry_host: Annotated[str, "Quay's address: quay.io or a private Quay."] = QUAY_HOST,
    tls_verify: TlsVerify = True,
    retries: Retries = 5,
) -> Steps:
    """Copy the validated ModelCar image to Quay and verify its digest.

    Quay needs credentials: a robot account's dockerconfigjson in the registry-auth workspace.
    """
    return push_steps(service_account_auth=False)
