"""What push-to-internal-registry and push-to-quay share: params, workspaces and steps."""

from typing import Annotated

from modelcar_dsl import Result, Steps, script_step
from tasks.preflight import preflight
from tasks.workspaces import CA_BUNDLE, REGISTRY_AUTH, SOURCE

PUSH_WORKSPACES = [SOURCE, REGISTRY_AUTH, CA_BUNDLE]
PUSH_RESULTS = [
    Result("image-ref", "The pushed reference with its digest (repo@sha256:...)."),
    Result("image-digest", "The digest the registry reports for the pushed manifest."),
]

ImageRef = Annotated[str, "Repository to push to, with a tag (host/org/repo:tag)."]
ExpectedDigest = Annotated[str, "The digest build-modelcar-image produced; the push must match."]
ImageDir = Annotated[str, "OCI layout directory in the workspace."]
TlsVerify = Annotated[bool, "Verify the registry's certificate. Turn off only for a test registry."]
Retries = Annotated[int, "Copy attempts before giving up, with doubling backoff."]


def push_steps() -> Steps:
    return [preflight(), script_step("push_image.sh", name="push")]
