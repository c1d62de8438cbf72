"""What push-to-internal-registry and push-to-quay share: params, results and steps."""

from typing import Annotated

from modelcar_dsl import Between, Result, Steps, VerifiesTls, WorkspacePath, script_step
from modelcar_tasks.images import PYTHON_IMAGE
from modelcar_tasks.preflight import preflight
from modelcar_tasks.resources import HASH_BLOBS, SKOPEO

PUSH_RESULTS = [
    Result("image-ref", "The pushed reference with its digest (host/repository@sha256:...)."),
    Result("image-digest", "The digest the registry reports for the pushed manifest."),
    Result("IMAGE_URL", "The pushed image (host/repository:tag), for Tekton Chains to sign."),
    Result(
        "IMAGE_DIGEST",
        "The pushed manifest digest, for Tekton Chains to sign.",
        env="RESULT_CHAINS_IMAGE_DIGEST_PATH",
    ),
    Result(
        "sbom-ref",
        "The image's SPDX SBOM as pushed (host/repository@sha256:...), tagged "
        "sha256-<image hex>.sbom, its subject the image.",
    ),
]

Repository = Annotated[str, "Repository on the registry, without host or tag (org/name)."]
Tag = Annotated[str, "Tag to push; the catalogue's version name."]
ExpectedDigest = Annotated[str, "The digest build-modelcar-image validated; the push must match."]
ImagePath = Annotated[
    WorkspacePath, "The image build-modelcar-image wrote, relative to the workspace."
]
TlsVerify = Annotated[
    bool,
    VerifiesTls("registry_host"),
    "Verify the registry's certificate. Trust a CA through ca-bundle instead of turning off; "
    "false compiles only for a host in [tool.modelcar] insecure_registries.",
]
Retries = Annotated[
    int, Between(1, 20), "Copy attempts before giving up, with doubling backoff from 5s."
]


def push_steps(*, service_account_auth: bool) -> Steps:
    """The preflight, every blob checked against its digest, then the copy;
    `service_account_auth` signs in with the pod's token."""
    return [
        preflight(),
        script_step("verify_image.py", name="verify", image=PYTHON_IMAGE, resources=HASH_BLOBS),
        script_step(
            "push_image.sh",
            name="push",
            env={"SERVICE_ACCOUNT_AUTH": "true" if service_account_auth else "false"},
            resources=SKOPEO,
        ),
    ]
