#!/usr/bin/env python3
"""Decide, before either push, whether this build may be pushed to its tags (check-release).

A version the Model Registry records is released, and a tag of a released version is never moved
to another digest. With the tags the read-tags step found and the version's ModelArtifacts, this
step stops before any push, naming the registry, the tag, both digests and the fix, when:

- the version is registered with another image than this build (the source's revision moved
  upstream, or the build changed): both pushes would move released tags, and register-model
  would refuse the build only after they had;
- the version is registered with this build, but a tag holds another digest: it was moved
  outside the pipeline, and the pipeline does not move a released tag, even back.

A tag holding this build's digest is a re-run; a missing tag is created. A tag holding another
digest while the Model Registry records no image for the version is moved, with a warning naming
both digests (also in the tag-moves result). Nothing was released under it: register-model
records a version only after both pushes succeeded, and publish-results refuses a version the
registry lacks, so such a tag is what an interrupted earlier run left, and this run finishes that
release. Refusing it would leave every failed run to be repaired by deleting tags by hand.

Inputs (environment): EXPECTED_DIGEST, TAG, INTERNAL_REGISTRY_HOST, INTERNAL_REPOSITORY,
QUAY_HOST, QUAY_REPOSITORY, REGISTRY_URL, MODEL_NAME, VERSION_NAME, and the read-tags step's
RESULT_INTERNAL_TAG_DIGEST_PATH and RESULT_QUAY_TAG_DIGEST_PATH files (a digest, or "absent").
Credentials and trust as register-model's. Results: RESULT_REGISTERED_IMAGE_PATH,
RESULT_TAG_MOVES_PATH, and RESULT_IMAGE_DIGEST_PATH, written only when the pushes are cleared.
"""

import os
import re
import sys
from pathlib import Path
from typing import Any, NamedTuple

from modelcar_tasks.lib.model_registry_api import Registry, bearer_token, model_artifacts, names
from modelcar_tasks.lib.step_inputs import StepError, failed, text
from modelcar_tasks.lib.trust import ssl_context, url_param

DIGEST = r"sha256:[a-f0-9]{64}"
HOST = r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?(:[0-9]{1,5})?"
REPOSITORY = r"[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*"
TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
ABSENT = "absent"


class FoundTag(NamedTuple):
    """A tag a push will write, and what it holds now: a digest, or ABSENT."""

    registry: str
    repository: str
    reference: str
    holds: str


def found_tag(registry: str, host: str, repository: str, found: str, tag: str) -> FoundTag:
    """The tag of one registry, as the params `host` and `repository` name it and the
    read-tags step found it (its result `found`)."""
    host = text(host, HOST, "a registry host, like quay.io or registry.example:5000")
    repository = text(repository, REPOSITORY, "a repository path, like org/name")
    result = Path(os.environ[f"RESULT_{found}_PATH"])
    holds = result.read_text() if result.is_file() else ""
    if not re.fullmatch(f"{ABSENT}|{DIGEST}", holds):
        raise StepError(
            f"the read-tags step left {holds!r} for the {registry}, not a digest or "
            f"{ABSENT!r}; it must run first, in this task"
        )
    return FoundTag(registry, f"{host}/{repository}", f"{host}/{repository}:{tag}", holds)


def registered_uris(registry: Registry, model_name: str, version_name: str) -> list[str]:
    """The image uris the Model Registry records for the version: none when the model, the
    version or its ModelArtifact is missing (register-model creates all three)."""
    model = registry.find("/registered_model", {"name": model_name})
    version: dict[str, Any] | None = None
    if model is not None:
        version = registry.find(
            "/model_version", {"name": version_name, "parentResourceId": model["id"]}
        )
    if version is None:
        return []
    return [str(artifact.get("uri")) for artifact in model_artifacts(registry, version)]


def released_elsewhere(release: str, uris: list[str], digest: str, tags: list[FoundTag]) -> str:
    """Why the version's registered image forbids pushing this build, and what to do."""
    quay = tags[-1].repository
    if any(uri.endswith(f"@{digest}") for uri in uris):
        return (
            f"Not pushing: {release} is registered as {', '.join(uris)}: this build's image, "
            "from another "
            f"repository than {quay}, so register-model would refuse oci://{quay}@{digest} "
            "after both pushes. Push to the repository the version was registered from, or "
            "give this build a new version name in pipelines/catalogue.py."
        )
    lines = [
        f"Not pushing: {release} is released as {uris[0]}, and this build is {digest}, "
        "another image (did the source's revision move upstream?)."
    ]
    lines += [
        f"The {tag.registry} tag {tag.reference} holds {tag.holds}; the push would move it "
        f"to {digest}."
        for tag in tags
        if tag.holds not in (ABSENT, digest)
    ]
    lines.append(
        "Give this build a new version name in pipelines/catalogue.py: it gets tags of its own "
        "and is registered beside the released version. To replace the released image under "
        "the same name on purpose, do it yourself (the Model Registry's REST API v1alpha3 "
        "cannot delete a version): change the uri of its ModelArtifact to "
        f"oci://{quay}@{digest}, remove both tags, then run again."
    )
    return "\n".join(lines)


def moved_tags(release: str, uri: str, digest: str, moved: list[FoundTag]) -> str:
    """Why a tag moved away from the registered image stops the pushes, and what to do."""
    lines = [f"Not pushing: {release} is released as {uri}, this build ({digest}), but"]
    lines += [
        f"  the {tag.registry} tag {tag.reference} holds {tag.holds} (to put it back: skopeo "
        f"copy docker://{tag.repository}@{digest} docker://{tag.reference})"
        for tag in moved
    ]
    lines.append(
        "A released tag was moved outside this pipeline, which never moves one, not even back. "
        "If the registered image is the right one, put the tag back as shown and run again; if "
        "the image the tag holds is to be released, give it a version name of its own in "
        "pipelines/catalogue.py."
    )
    return "\n".join(lines)


def check(registry: Registry) -> None:
    model_name, version_name = names()
    digest = text("EXPECTED_DIGEST", DIGEST, "a sha256:... digest")
    tag = text("TAG", TAG, "a tag (letters, digits, '_', '.', '-')")
    tags = [
        found_tag(
            "internal registry",
            "INTERNAL_REGISTRY_HOST",
            "INTERNAL_REPOSITORY",
            "INTERNAL_TAG_DIGEST",
            tag,
        ),
        found_tag("Quay registry", "QUAY_HOST", "QUAY_REPOSITORY", "QUAY_TAG_DIGEST", tag),
    ]
    release = f"{model_name}/{version_name}"
    uris = registered_uris(registry, model_name, version_name)
    print(f"This build: {digest}")
    print(
        f"Model Registry: {release} is "
        + (f"registered as {', '.join(uris)}" if uris else "not registered")
    )
    write_result("REGISTERED_IMAGE", ", ".join(uris) or "none")
    uri = f"oci://{tags[-1].repository}@{digest}"
    if uris and uri not in uris:
        raise StepError(released_elsewhere(release, uris, digest, tags))
    moved = [found for found in tags if found.holds not in (ABSENT, digest)]
    if uris and moved:
        raise StepError(moved_tags(release, uri, digest, moved))
    for found in moved:
        print(
            f"WARNING: the {found.registry} tag {found.reference} holds {found.holds}, which "
            f"the Model Registry does not record for {release} (an interrupted earlier run "
            f"left it); the push moves it to {digest}."
        )
    write_result(
        "TAG_MOVES",
        "; ".join(f"{found.reference} {found.holds} -> {digest}" for found in moved) or "none",
    )
    print(
        f"Cleared: the pushes write {digest} to {tags[0].reference} and {tags[1].reference}"
        + (", moving a tag no registered version holds." if moved else ".")
    )
    write_result("IMAGE_DIGEST", digest)


def write_result(name: str, value: str) -> None:
    Path(os.environ[f"RESULT_{name}_PATH"]).write_text(value)


def main() -> int:
    try:
        check(Registry(url_param("REGISTRY_URL"), bearer_token(), ssl_context()))
    except StepError as error:
        sys.stdout.flush()  # what was found, then why it stops
        return failed(error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
