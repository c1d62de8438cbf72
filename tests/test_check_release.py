"""check-release, run for real between the build and the pushes, as modelcar-build-deploy runs it.

The registries are one Debian docker-registry on loopback (TLS from a CA these tests make,
htpasswd sign-in) holding an internal and a Quay repository; skopeo is the real one; the Model
Registry is the stand-in held to the published contract. `release` runs the pipeline's tail the
way Tekton would: check-release, then both pushes with the digest it cleared, then
register-model; a failed task ends it, so what a failed check leaves is what the registries show.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from modelcar_dsl.project.local_run import run_task
from modelcar_dsl.running.local import TaskResult
from modelcar_tasks.check_release import check_release
from modelcar_tasks.push_to_internal_registry import push_to_internal_registry
from modelcar_tasks.push_to_quay import push_to_quay
from modelcar_tasks.register_model import register_model
from tests.model_registry_server import TOKEN, ModelRegistryStandIn, running_model_registry
from tests.oci_images import busybox_base, require_tool
from tests.registry_server import (
    PASSWORD,
    SERVICE_ACCOUNT_TOKEN,
    USER,
    Registry,
)
from tests.test_push_tasks import build_into
from tests.tls import LoopbackAuthority, free_port, make_authority

MODEL = "Mistral-24B-Instruct"
VERSION = "24b-w4a16-1gpu"
SECRETS = {"model-registry-token": {"token": TOKEN}}


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> LoopbackAuthority:
    return make_authority(tmp_path_factory.mktemp("tls"))


@attrs.frozen
class Build:
    """A workspace holding a built image, and its digest."""

    workspace: Path
    digest: str


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Build, Build]:
    """The same model at two upstream revisions: two images with different digests."""
    require_tool("skopeo", "skopeo")
    base = busybox_base(tmp_path_factory.mktemp("busybox"))
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    return (
        Build(first, build_into(first, base, weights=b"\x11")),
        Build(second, build_into(second, base, weights=b"\x12")),
    )


@attrs.frozen
class Stage:
    """One test's registries: its own repositories on the shared registry, a fresh Model
    Registry, and the credentials and CAs the tasks are given."""

    registry: Registry
    model_registry: ModelRegistryStandIn
    internal: str
    quay: str
    auth: Path
    ca_bundle: Path

    def params(self, digest: str) -> dict[str, str]:
        return {
            "expected-digest": digest,
            "tag": VERSION,
            "internal-registry-host": self.registry.host,
            "internal-repository": self.internal,
            "quay-host": self.registry.host,
            "quay-repository": self.quay,
            "registry-url": self.model_registry.base_url,
            "model-name": MODEL,
            "version-name": VERSION,
        }

    def held(self) -> tuple[str | None, str | None]:
        """What the internal and the Quay tag hold (None: absent), read past the tasks."""
        return (self._held(self.internal), self._held(self.quay))

    def _held(self, repository: str) -> str | None:
        try:
            return self.registry.digest(repository, VERSION)
        except subprocess.CalledProcessError as error:
            assert "manifest unknown" in error.stderr, error.stderr
            return None

    def copy_to_tags(self, build: Build, *repositories: str) -> None:
        """Tag `build` by hand, past the pipeline (an earlier run's push, or a person's)."""
        for repository in repositories:
            subprocess.run(
                [
                    *("skopeo", "copy", "--preserve-digests"),
                    *("--dest-creds", f"{USER}:{PASSWORD}"),
                    *("--dest-cert-dir", str(self.registry.authority.trust_dir)),
                    f"oci:{build.workspace / 'image'}:modelcar",
                    f"docker://{self.registry.host}/{repository}:{VERSION}",
                ],
                check=True,
                capture_output=True,
            )


@pytest.fixture
def stage(
    registry: Registry,
    authority: LoopbackAuthority,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Stage]:
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[-60:]
    bundle = tmp_path / "ca-bundle"
    bundle.mkdir()
    (bundle / "ca-bundle.crt").write_bytes(
        registry.authority.ca_cert.read_bytes() + authority.ca_cert.read_bytes()
    )
    with running_model_registry(authority) as model_registry:
        yield Stage(
            registry,
            model_registry,
            f"private-ai-demo/{slug}",
            f"modelcar/{slug}",
            registry.write_authfile(tmp_path / "auth"),
            bundle,
        )
        assert model_registry.violations == []


def check(
    stage: Stage,
    digest: str,
    *,
    workspaces: dict[str, Path | None] | None = None,
    env: dict[str, str] | None = None,
    **params: str,
) -> TaskResult:
    return run_task(
        check_release,
        {**stage.params(digest), **params},
        workspaces or {"registry-auth": stage.auth, "ca-bundle": stage.ca_bundle},
        secrets=SECRETS,
        env={"SERVICE_ACCOUNT_DIR": "/nonexistent", **(env or {})},
    )


def release(stage: Stage, build: Build) -> dict[str, TaskResult]:
    """The pipeline after the build, in its order; the tasks that ran, by name."""
    ran = {"check-release": check(stage, build.digest)}
    if ran["check-release"].exit_code != 0:
        return ran
    cleared = ran["check-release"].results["image-digest"]
    for task, repository in [
        (push_to_internal_registry, stage.internal),
        (push_to_quay, stage.quay),
    ]:
        ran[task.spec.name] = run_task(
            task,
            {
                "registry-host": stage.registry.host,
                "repository": repository,
                "tag": VERSION,
                "expected-digest": cleared,
            },
            {
                "source": build.workspace,
                "registry-auth": stage.auth,
                "ca-bundle": stage.ca_bundle,
            },
            env={"SERVICE_ACCOUNT_DIR": "/nonexistent"},
        )
        if ran[task.spec.name].exit_code != 0:
            return ran
    ran["register-model"] = run_task(
        register_model,
        {
            "registry-url": stage.model_registry.base_url,
            "model-name": MODEL,
            "version-name": VERSION,
            "image-ref": ran["push-to-quay"].results["image-ref"],
            "internal-image-ref": ran["push-to-internal-registry"].results["image-ref"],
        },
        {"ca-bundle": stage.ca_bundle},
        secrets=SECRETS,
        env={"SERVICE_ACCOUNT_DIR": "/nonexistent"},
    )
    return ran


def released(stage: Stage, build: Build) -> None:
    ran = release(stage, build)
    assert all(run.exit_code == 0 for run in ran.values()), [r.log for r in ran.values()]
    assert list(ran) == [
        "check-release",
        "push-to-internal-registry",
        "push-to-quay",
        "register-model",
    ]


def test_a_first_release_finds_nothing_anywhere_and_is_cleared(
    stage: Stage, builds: tuple[Build, Build]
) -> None:
    build = builds[0]
    run = check(stage, build.digest)
    assert run.exit_code == 0, run.log
    assert run.results == {
        "internal-tag-digest": "absent",
        "quay-tag-digest": "absent",
        "registered-image": "none",
        "tag-moves": "none",
        "image-digest": build.digest,
    }
    assert f"internal registry: {stage.registry.host}/{stage.internal}:{VERSION} is absent" in (
        run.log
    )
    assert f"Model Registry: {MODEL}/{VERSION} is not registered" in run.log
    assert stage.model_registry.writes() == [], "the check only reads"
    assert stage.held() == (None, None)


def test_a_rerun_of_the_released_build_is_cleared_and_changes_nothing(
    stage: Stage, builds: tuple[Build, Build]
) -> None:
    build = builds[0]
    released(stage, build)
    writes = stage.model_registry.writes()
    again = release(stage, build)
    assert all(run.exit_code == 0 for run in again.values())
    assert again["check-release"].results == {
        "internal-tag-digest": build.digest,
        "quay-tag-digest": build.digest,
        "registered-image": f"oci://{stage.registry.host}/{stage.quay}@{build.digest}",
        "tag-moves": "none",
        "image-digest": build.digest,
    }
    assert stage.model_registry.writes() == writes
    assert stage.held() == (build.digest, build.digest)


def test_a_build_whose_upstream_moved_stops_before_any_push_and_moves_nothing(
    stage: Stage, builds: tuple[Build, Build]
) -> None:
    """The failure this task exists for: the same catalogue version built again after the
    upstream revision moved. Before, both tags were overwritten before register-model refused."""
    old, new = builds
    released(stage, old)
    writes = stage.model_registry.writes()
    ran = release(stage, new)
    run = ran["check-release"]
    assert list(ran) == ["check-release"], "no push ran"
    assert (run.exit_code, run.failed_step) == (1, "check"), run.log
    host = stage.registry.host
    assert (
        f"Not pushing: {MODEL}/{VERSION} is released as oci://{host}/{stage.quay}@{old.digest}, "
        f"and this build is {new.digest}, another image"
    ) in run.log
    for name, repository in [("internal registry", stage.internal), ("Quay registry", stage.quay)]:
        assert (
            f"The {name} tag {host}/{repository}:{VERSION} holds {old.digest}; the push would "
            f"move it to {new.digest}."
        ) in run.log
    assert "Give this build a new version name in pipelines/catalogue.py" in run.log
    assert f"change the uri of its ModelArtifact to oci://{host}/{stage.quay}@{new.digest}" in (
        run.log
    )
    assert "image-digest" not in run.written_results and "tag-moves" not in run.written_results
    assert run.written_results["registered-image"] == f"oci://{host}/{stage.quay}@{old.digest}"
    assert run.results == {}, "Tekton passes no result of a failed task on"
    assert stage.held() == (old.digest, old.digest)
    assert stage.model_registry.writes() == writes


def test_a_tag_moved_outside_the_pipeline_is_not_moved_again(
    stage: Stage, builds: tuple[Build, Build]
) -> None:
    registered, other = builds
    released(stage, registered)
    stage.copy_to_tags(other, stage.quay)
    ran = release(stage, registered)
    run = ran["check-release"]
    assert list(ran) == ["check-release"]
    assert (run.exit_code, run.failed_step) == (1, "check"), run.log
    host = stage.registry.host
    assert f"is released as oci://{host}/{stage.quay}@{registered.digest}, this build" in (run.log)
    assert f"the Quay registry tag {host}/{stage.quay}:{VERSION} holds {other.digest}" in (run.log)
    assert "internal registry tag" not in run.log.split("Not pushing")[1]
    assert (
        f"(to put it back: skopeo copy docker://{host}/{stage.quay}@{registered.digest} "
        f"docker://{host}/{stage.quay}:{VERSION})"
    ) in run.log
    assert stage.held() == (registered.digest, other.digest)


def test_tags_an_unregistered_run_left_are_moved_with_a_warning(
    stage: Stage, builds: tuple[Build, Build]
) -> None:
    """Both pushes of an earlier run succeeded and its registration did not: nothing was
    released, so this run finishes the release, and says which tags it moves from what."""
    earlier, build = builds
    stage.copy_to_tags(earlier, stage.internal, stage.quay)
    ran = release(stage, build)
    assert all(run.exit_code == 0 for run in ran.values()), ran["check-release"].log
    run = ran["check-release"]
    host = stage.registry.host
    assert run.results["tag-moves"] == (
        f"{host}/{stage.internal}:{VERSION} {earlier.digest} -> {build.digest}; "
        f"{host}/{stage.quay}:{VERSION} {earlier.digest} -> {build.digest}"
    )
    assert (
        f"WARNING: the Quay registry tag {host}/{stage.quay}:{VERSION} holds {earlier.digest}, "
        f"which the Model Registry does not record for {MODEL}/{VERSION}"
    ) in run.log
    assert stage.held() == (build.digest, build.digest)


def test_the_same_image_registered_from_another_repository_stops_before_the_pushes(
    stage: Stage, builds: tuple[Build, Build]
) -> None:
    """register-model compares the whole uri: a check that compared digests only would clear
    pushes that register-model then refuses."""
    build = builds[0]
    elsewhere = f"{stage.registry.host}/modelcar/elsewhere@{build.digest}"
    registered = run_task(
        register_model,
        {
            "registry-url": stage.model_registry.base_url,
            "model-name": MODEL,
            "version-name": VERSION,
            "image-ref": elsewhere,
        },
        {"ca-bundle": stage.ca_bundle},
        secrets=SECRETS,
        env={"SERVICE_ACCOUNT_DIR": "/nonexistent"},
    )
    assert registered.exit_code == 0, registered.log
    run = check(stage, build.digest)
    assert (run.exit_code, run.failed_step) == (1, "check"), run.log
    assert f"is registered as oci://{elsewhere}: this build's image, from another" in (run.log)
    assert f"register-model would refuse oci://{stage.registry.host}/{stage.quay}@" in run.log
    assert stage.held() == (None, None)


def unreachable(stage: Stage) -> dict[str, Any]:
    return {"internal-registry-host": f"127.0.0.1:{free_port()}"}


def untrusted(stage: Stage) -> dict[str, Any]:
    bundle = stage.ca_bundle.parent / "model-registry-ca-only"
    bundle.mkdir()
    certificates = (stage.ca_bundle / "ca-bundle.crt").read_bytes()
    ours = stage.registry.authority.ca_cert.read_bytes()
    (bundle / "ca-bundle.crt").write_bytes(certificates.replace(ours, b""))
    return {"workspaces": {"registry-auth": stage.auth, "ca-bundle": bundle}}


def anonymous(stage: Stage) -> dict[str, Any]:
    return {"workspaces": {"registry-auth": None, "ca-bundle": stage.ca_bundle}}


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (unreachable, "connect: connection refused"),
        (untrusted, "certificate signed by unknown authority"),
        (anonymous, "The registry refused to show it"),
    ],
    ids=["unreachable", "untrusted", "no-credentials"],
)
def test_a_registry_that_cannot_be_read_fails_the_check_and_is_never_absent(
    stage: Stage, builds: tuple[Build, Build], make: Callable[[Stage], dict[str, Any]], says: str
) -> None:
    run = check(stage, builds[0].digest, **make(stage))
    assert (run.exit_code, run.failed_step) == (1, "read-tags"), run.log
    assert says in run.log
    assert "not pushing. A tag that cannot be read is not taken for an absent one." in run.log
    assert "absent" not in run.written_results.values()
    assert "image-digest" not in run.written_results


def test_an_unreachable_model_registry_fails_the_check(
    stage: Stage, builds: tuple[Build, Build]
) -> None:
    nowhere: dict[str, Any] = {"registry-url": f"https://localhost:{free_port()}"}
    run = check(stage, builds[0].digest, **nowhere)
    assert (run.exit_code, run.failed_step) == (1, "check"), run.log
    assert "cannot reach the Model Registry at https://localhost:" in run.log
    assert (
        "image-digest" not in run.written_results and "registered-image" not in run.written_results
    )


def test_the_internal_registry_is_read_with_the_service_account_as_its_push_signs_in(
    stage: Stage, builds: tuple[Build, Build], tmp_path: Path
) -> None:
    """Without registry-auth, the internal registry is read as push-to-internal-registry
    writes it: with the pod's ServiceAccount token, trusting the service CA. Quay gets no
    such credentials, so its tag cannot be read: the check fails rather than guess."""
    build = builds[0]
    stage.copy_to_tags(build, stage.internal)
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text(SERVICE_ACCOUNT_TOKEN)
    (account / "service-ca.crt").write_bytes(stage.registry.authority.ca_cert.read_bytes())
    run = check(
        stage,
        build.digest,
        workspaces={"registry-auth": None, "ca-bundle": None},
        env={"SERVICE_ACCOUNT_DIR": str(account)},
    )
    assert f"Signing in to {stage.registry.host} with this pod's ServiceAccount token" in (run.log)
    assert run.written_results == {"internal-tag-digest": build.digest}
    assert (run.exit_code, run.failed_step) == (1, "read-tags"), run.log
    assert f"Cannot read {stage.registry.host}/{stage.quay}:{VERSION} from the Quay" in run.log


def test_an_index_under_the_tag_is_read_as_the_digest_of_its_own_bytes(
    stage: Stage, builds: tuple[Build, Build], tmp_path: Path
) -> None:
    """A multi-platform image: the tag holds an index, whose digest is what a push of it
    reports; reading through to one platform's manifest would call a re-run a conflict."""
    layout = tmp_path / "indexed"
    shutil.copytree(builds[0].workspace / "image", layout)
    index_path = layout / "index.json"
    manifest = json.loads(index_path.read_text())["manifests"][0]
    body = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    **manifest,
                    "annotations": {},
                    "platform": {"os": "linux", "architecture": "amd64"},
                }
            ],
        }
    ).encode()
    digest = hashlib.sha256(body).hexdigest()
    (layout / "blobs" / "sha256" / digest).write_bytes(body)
    index_path.write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "manifests": [
                    {
                        "mediaType": "application/vnd.oci.image.index.v1+json",
                        "digest": f"sha256:{digest}",
                        "size": len(body),
                        "annotations": {"org.opencontainers.image.ref.name": "modelcar"},
                    }
                ],
            }
        )
    )
    subprocess.run(
        [
            *("skopeo", "copy", "--all", "--preserve-digests"),
            *("--dest-creds", f"{USER}:{PASSWORD}"),
            *("--dest-cert-dir", str(stage.registry.authority.trust_dir)),
            f"oci:{layout}:modelcar",
            f"docker://{stage.registry.host}/{stage.internal}:{VERSION}",
        ],
        check=True,
        capture_output=True,
    )
    run = check(stage, f"sha256:{digest}")
    assert run.exit_code == 0, run.log
    assert run.results["internal-tag-digest"] == f"sha256:{digest}"
    assert run.results["tag-moves"] == "none"
