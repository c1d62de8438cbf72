"""What push-to-internal-registry and push-to-quay share: params, results and steps."""

from typing import Annotated

from modelcar_dsl import Result, Steps, script_step
from tasks.preflight import preflight

PUSH_RESULTS = [
    Result("image-ref", "The pushed reference with its digest (host/repository@sha256:...)."),
    Result("image-digest", "The digest the registry reports for the pushed manifest."),
]

Repository = Annotated[str, "Repository on the registry, without host or tag (org/name)."]
Tag = Annotated[str, "Tag to push; the catalogue's version name."]
ExpectedDigest = Annotated[str, "The digest build-modelcar-image validated; the push must match."]
ImagePath = Annotated[str, "The image build-modelcar-image wrote, relative to the workspace."]
TlsVerify = Annotated[
    bool, "Verify the registry's certificate. Trust a CA through ca-bundle instead of turning off."
]
Retries = Annotated[int, "Copy attempts before giving up, with doubling backoff from 5s."]


def push_steps(*, service_account_auth: bool) -> Steps:
    """The preflight, then the copy; `service_account_auth` signs in with the pod's token."""
    return [
        preflight(),
        script_step(
            "push_image.sh",
            name="push",
            env={"SERVICE_ACCOUNT_AUTH": "true" if service_account_auth else "false"},
        ),
    ]
