"""check-release: before any push, make sure no push moves a tag of a released version."""

from typing import Annotated

from modelcar_dsl import Result, Steps, VerifiesTls, script_step, task
from modelcar_tasks.images import PYTHON_IMAGE, SKOPEO_IMAGE
from modelcar_tasks.model_registry_access import REGISTRY_TOKEN, ModelName, RegistryUrl, VersionName
from modelcar_tasks.push import ExpectedDigest, Tag
from modelcar_tasks.push_to_internal_registry import INTERNAL_REGISTRY_HOST
from modelcar_tasks.push_to_quay import QUAY_HOST
from modelcar_tasks.resources import LIGHT, SKOPEO
from modelcar_tasks.workspaces import CA_BUNDLE, REGISTRY_AUTH

TLS_HELP = (
    "Verify the registry's certificate, as its push does; false compiles only for a host in "
    "[tool.modelcar] insecure_registries."
)


@task(
    image=SKOPEO_IMAGE,
    workspaces=[REGISTRY_AUTH, CA_BUNDLE],
    results=[
        Result(
            "internal-tag-digest", "What the internal registry's tag holds: a digest, or absent."
        ),
        Result("quay-tag-digest", "What Quay's tag holds: a digest, or absent."),
        Result(
            "registered-image", "The image the Model Registry records for the version, or none."
        ),
        Result("tag-moves", "Tags the pushes will move (host/repository:tag old -> new), or none."),
        Result("image-digest", "The build's digest, cleared for both pushes."),
    ],
    env=[REGISTRY_TOKEN],
    timeout="10m",
    retries=2,
)
def check_release(
    expected_digest: ExpectedDigest,
    tag: Tag,
    internal_repository: Annotated[str, "push-to-internal-registry's repository (namespace/name)."],
    quay_repository: Annotated[str, "push-to-quay's repository (organization/name)."],
    registry_url: RegistryUrl,
    model_name: ModelName,
    version_name: VersionName,
    internal_registry_host: Annotated[
        str, "The internal registry's address, as push-to-internal-registry has it."
    ] = INTERNAL_REGISTRY_HOST,
    quay_host: Annotated[str, "Quay's address, as push-to-quay has it."] = QUAY_HOST,
    internal_tls_verify: Annotated[bool, VerifiesTls("internal_registry_host"), TLS_HELP] = True,
    quay_tls_verify: Annotated[bool, VerifiesTls("quay_host"), TLS_HELP] = True,
) -> Steps:
    """Read the tag in both registries and the version in the Model Registry; stop before any
    push that would move a tag of a registered version to another digest.

    A tag at the build's digest is a re-run, a missing one is created; one at another digest is
    moved only while the Model Registry records no image for the version (a failed earlier run).
    """
    return [
        script_step("release_tags.sh", name="read-tags", resources=SKOPEO),
        script_step("release_check.py", name="check", image=PYTHON_IMAGE, resources=LIGHT),
    ]
