"""push-to-internal-registry and push-to-quay, run for real against a registry on loopback.

The registry is Debian's docker-registry serving TLS with a certificate from a CA these tests
make, and htpasswd sign-in; skopeo is the real one. Trust always comes from the CA bundle or the
service CA path, never from turning verification off.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelcar_dsl import Task
from modelcar_dsl.project.local_run import run_task
from modelcar_dsl.running.local import TaskResult
from modelcar_tasks.build_modelcar_image import build_modelcar_image
from modelcar_tasks.push_to_internal_registry import push_to_internal_registry
from modelcar_tasks.push_to_quay import push_to_quay
from tests.oci_images import busybox_base, flip_byte, require_tool
from tests.registry_server import SERVICE_ACCOUNT_TOKEN, Registry

NOBODY = (65534, 65534)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> str:
    require_tool("skopeo", "skopeo")
    return busybox_base(tmp_path_factory.mktemp("busybox"))


def build_into(
    workspace: Path, base: str, weights: bytes = b"\x01", params: dict[str, str] | None = None
) -> str:
    """A built image of 300 kB of `weights` in `workspace` (which other users can traverse);
    its digest. Tests that corrupt an image use weights of their own: a registry that already
    holds a layer is not sent it again, and would never see the corruption."""
    workspace.chmod(0o755)
    (workspace / "model").mkdir()
    (workspace / "model" / "weights.safetensors").write_bytes(weights * 300_000)
    run = run_task(
        build_modelcar_image,
        {"base-image": base, **(params or {})},
        {"source": workspace, "registry-auth": None, "ca-bundle": None},
    )
    assert run.exit_code == 0, run.log
    return str(run.results["image-digest"])


@pytest.fixture(scope="module")
def built(base: str) -> Iterator[tuple[Path, str]]:
    """A workspace holding a built image, shared by the tests that do not change it."""
    with tempfile.TemporaryDirectory(prefix="modelcar-push-") as directory:
        yield Path(directory), build_into(Path(directory), base)


def push(
    task: Task[Any],
    registry: Registry,
    workspace: Path,
    digest: str,
    *,
    auth: Path | None,
    ca_bundle: Path | None,
    tag: str = "24b-w4a16-1gpu",
    image_path: str = "image",
    **kwargs: object,
) -> TaskResult:
    return run_task(
        task,
        {
            "registry-host": registry.host,
            "repository": "private-ai-demo/mistral-24b-quantized",
            "tag": tag,
            "expected-digest": digest,
            "image-path": image_path,
            "retries": "1",
        },
        {"source": workspace, "registry-auth": auth, "ca-bundle": ca_bundle},
        env={"RETRY_DELAY_SECONDS": "0"},
        **kwargs,  # type: ignore[arg-type]
    )


def test_push_to_quay_copies_the_build_and_reports_its_digest(
    registry: Registry, built: tuple[Path, str], tmp_path: Path
) -> None:
    workspace, digest = built
    run = push(
        push_to_quay,
        registry,
        workspace,
        digest,
        auth=registry.write_authfile(tmp_path / "auth"),
        ca_bundle=registry.write_ca_bundle(tmp_path / "ca"),
    )
    assert run.exit_code == 0, run.log
    assert run.results == {
        "image-digest": digest,
        "image-ref": f"{registry.host}/private-ai-demo/mistral-24b-quantized@{digest}",
        "IMAGE_URL": f"{registry.host}/private-ai-demo/mistral-24b-quantized:24b-w4a16-1gpu",
        "IMAGE_DIGEST": digest,
        "sbom-ref": run.results["sbom-ref"],
    }
    repository = "private-ai-demo/mistral-24b-quantized"
    assert registry.digest(repository, "24b-w4a16-1gpu") == digest
    sbom_digest = str(run.results["sbom-ref"]).removeprefix(f"{registry.host}/{repository}@")
    raw = registry.manifest(repository, f"{digest.replace(':', '-')}.sbom")
    assert f"sha256:{hashlib.sha256(raw).hexdigest()}" == sbom_digest
    sbom = json.loads(raw)
    assert sbom["artifactType"] == "application/spdx+json"
    assert sbom["subject"]["digest"] == digest
    assert "== id" in run.log and "== skopeo inspect" in run.log


def test_the_internal_push_signs_in_with_the_service_account_and_trusts_the_service_ca(
    registry: Registry, built: tuple[Path, str], tmp_path: Path
) -> None:
    workspace, digest = built
    service_account = tmp_path / "serviceaccount"
    service_account.mkdir()
    (service_account / "token").write_text(SERVICE_ACCOUNT_TOKEN)
    (service_account / "service-ca.crt").write_bytes(registry.authority.ca_cert.read_bytes())
    run = run_task(
        push_to_internal_registry,
        {
            "registry-host": registry.host,
            "repository": "private-ai-demo/internal",
            "tag": "v1",
            "expected-digest": digest,
        },
        {"source": workspace, "registry-auth": None, "ca-bundle": None},
        env={"SERVICE_ACCOUNT_DIR": str(service_account)},
    )
    assert run.exit_code == 0, run.log
    assert "Signing in to" in run.log
    assert registry.digest("private-ai-demo/internal", "v1") == digest


def test_an_untrusted_registry_certificate_fails_the_push(
    registry: Registry, built: tuple[Path, str], tmp_path: Path
) -> None:
    workspace, digest = built
    run = push(
        push_to_quay,
        registry,
        workspace,
        digest,
        auth=registry.write_authfile(tmp_path / "auth"),
        ca_bundle=None,
        tag="untrusted",
    )
    assert run.exit_code == 1
    assert "certificate signed by unknown authority" in run.log
    assert "failed after 1 attempts" in run.log


def test_retries_back_off_and_then_give_up(built: tuple[Path, str], tmp_path: Path) -> None:
    workspace, digest = built
    run = run_task(
        push_to_quay,
        {
            "registry-host": "127.0.0.1:9",
            "repository": "org/model",
            "tag": "v1",
            "expected-digest": digest,
            "retries": "3",
        },
        {"source": workspace, "registry-auth": tmp_path, "ca-bundle": None},
        env={"RETRY_DELAY_SECONDS": "0"},
    )
    assert run.exit_code == 1
    assert run.log.count("retrying in 0s") == 2
    assert "Push to 127.0.0.1:9/org/model:v1 failed after 3 attempts" in run.log


def test_a_different_image_in_the_workspace_is_not_pushed(
    registry: Registry, built: tuple[Path, str], tmp_path: Path
) -> None:
    workspace, digest = built
    other = "sha256:" + "0" * 64
    run = push(
        push_to_quay,
        registry,
        workspace,
        other,
        auth=registry.write_authfile(tmp_path / "auth"),
        ca_bundle=registry.write_ca_bundle(tmp_path / "ca"),
        tag="wrong",
    )
    assert run.exit_code == 1
    assert f"Not pushing: skopeo reads {workspace}/image as {digest}" in run.log
    assert f"build-modelcar-image validated {other}" in run.log
    assert "is another run's PVC bound" in run.log
    assert run.written_results == {}


def test_an_unreadable_image_makes_the_preflight_name_uid_groups_and_the_fix(
    registry: Registry, built: tuple[Path, str], tmp_path: Path
) -> None:
    workspace, digest = built
    image = workspace / "image"
    os.chown(workspace, 0, 1000970000)
    for path in [image, *image.rglob("*")]:
        os.chown(path, 0, 1000970000)
        path.chmod(0o750 if path.is_dir() else 0o640)
    try:
        run = push(
            push_to_quay,
            registry,
            workspace,
            digest,
            auth=None,
            ca_bundle=None,
            user=NOBODY,
        )
    finally:
        for path in [image, *image.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert run.exit_code == 1
    assert run.failed_step == "preflight"
    assert f"This pod cannot read the image: {image}" in run.log
    assert "owned by 0:1000970000" in run.log
    assert "runs as uid 65534 with groups 65534" in run.log
    assert "taskRunTemplate.podTemplate.securityContext.fsGroup" in run.log


def test_the_same_image_is_pushed_by_a_pod_with_the_fs_group(registry: Registry, base: str) -> None:
    """The fix the preflight names: with fsGroup the pod's user is in the group that owns the
    workspace, so the image the uid alone cannot read is read and pushed."""
    with tempfile.TemporaryDirectory(prefix="modelcar-fsgroup-") as directory:
        root = Path(directory)
        root.chmod(0o755)
        workspace = root / "ws"
        workspace.mkdir()
        digest = build_into(workspace, base, weights=b"\x06")
        image = workspace / "image"
        os.chown(workspace, 0, 1000970000)
        for path in [image, *image.rglob("*")]:
            os.chown(path, 0, 1000970000)
            path.chmod(0o750 if path.is_dir() else 0o640)
        run = push(
            push_to_quay,
            registry,
            workspace,
            digest,
            auth=registry.write_authfile(root / "auth"),
            ca_bundle=registry.write_ca_bundle(root / "ca"),
            tag="fs-group",
            user=NOBODY,
            fs_group=1000970000,
        )
    assert run.exit_code == 0, run.log
    assert "runs as uid 65534" not in run.log
    assert registry.digest("private-ai-demo/mistral-24b-quantized", "fs-group") == digest


def corrupt_model_layer(image: Path) -> None:
    """One byte of the /models layer flipped, its size unchanged: what only a digest check
    finds."""
    blobs = image / "blobs" / "sha256"
    index = json.loads((image / "index.json").read_text())
    manifest = json.loads((blobs / index["manifests"][0]["digest"][7:]).read_text())
    flip_byte(blobs / manifest["layers"][-1]["digest"][7:], 1000)


def trusted_push(
    task: Task[Any], registry: Registry, workspace: Path, digest: str, tmp_path: Path, **kwargs: Any
) -> TaskResult:
    """A push that signs in and trusts the registry's CA: whatever fails, it is not those."""
    return push(
        task,
        registry,
        workspace,
        digest,
        auth=registry.write_authfile(tmp_path / "auth"),
        ca_bundle=registry.write_ca_bundle(tmp_path / "ca"),
        **kwargs,
    )


def test_a_corrupt_image_is_refused_before_the_first_attempt(
    registry: Registry, base: str, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    digest = build_into(workspace, base)
    corrupt_model_layer(workspace / "image")
    run = trusted_push(push_to_quay, registry, workspace, digest, tmp_path, tag="corrupt")
    assert (run.exit_code, run.failed_step) == (1, "verify"), run.log
    assert "reads back as sha256:" in run.log
    assert "Rebuild it; do not push it." in run.log
    assert "Pushing" not in run.log
    with pytest.raises(subprocess.CalledProcessError):
        registry.digest("private-ai-demo/mistral-24b-quantized", "corrupt")


def test_a_digest_mismatch_during_the_copy_is_not_retried(
    registry: Registry, base: str, tmp_path: Path
) -> None:
    """An image corrupted after the verify step (the copy is the first to read it again) fails
    at once: retrying a deterministic failure only delays the rebuild."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    digest = build_into(workspace, base, weights=b"\x02")
    corrupt_model_layer(workspace / "image")
    run = trusted_push(
        push_to_quay, registry, workspace, digest, tmp_path, tag="corrupt-late", steps=["push"]
    )
    assert (run.exit_code, run.failed_step) == (1, "push"), run.log
    assert "Digest did not match" in run.log
    assert "Rebuild it; do not push it." in run.log
    assert "retrying" not in run.log


def test_a_corrupt_archive_is_refused_before_the_first_attempt(
    registry: Registry, base: str, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    params = {"image-format": "oci-archive", "image-path": "image.tar"}
    digest = build_into(workspace, base, params=params)
    archive = workspace / "image.tar"
    with tarfile.open(archive) as tar:
        layer = max(tar.getmembers(), key=lambda member: member.size)
    flip_byte(archive, layer.offset_data + 10)
    run = trusted_push(
        push_to_internal_registry,
        registry,
        workspace,
        digest,
        tmp_path,
        tag="corrupt-archive",
        image_path="image.tar",
    )
    assert (run.exit_code, run.failed_step) == (1, "verify"), run.log
    assert "Rebuild it; do not push it." in run.log


def test_an_index_two_readers_read_differently_is_refused_before_any_push(
    registry: Registry, base: str, tmp_path: Path
) -> None:
    """index.json with `manifests` (the build) and `Manifests` (another image): Python's reader
    keeps the first, Go's (skopeo's) matches keys ignoring case and keeps the second. Both
    checks refuse it, so the other image never reaches the registry under the tag."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    digest = build_into(workspace, base)
    image = workspace / "image"
    other = json.loads(Path(base.split(":")[1], "index.json").read_text())["manifests"][0]
    for blob in Path(base.split(":")[1], "blobs", "sha256").iterdir():
        (image / "blobs" / "sha256" / blob.name).write_bytes(blob.read_bytes())
    index = json.loads((image / "index.json").read_text())
    index["Manifests"] = [
        {**other, "annotations": {"org.opencontainers.image.ref.name": "modelcar"}}
    ]
    (image / "index.json").write_text(json.dumps(index))
    run = trusted_push(push_to_quay, registry, workspace, digest, tmp_path, tag="two-readers")
    assert (run.exit_code, run.failed_step) == (1, "preflight"), run.log
    assert f"Not pushing: skopeo reads {image} as {other['digest']}" in run.log
    verify = trusted_push(
        push_to_quay, registry, workspace, digest, tmp_path, tag="two-readers", steps=["verify"]
    )
    assert verify.exit_code == 1
    assert "index.json gives a key twice (keys are compared ignoring case)" in verify.log
    with pytest.raises(subprocess.CalledProcessError):
        registry.digest("private-ai-demo/mistral-24b-quantized", "two-readers")


def test_tls_verify_false_reaches_only_a_host_the_project_lists(
    registry: Registry, built: tuple[Path, str], tmp_path: Path
) -> None:
    """The compiler refuses the switch for any other host; the step refuses it too, so a Task
    applied by hand or a value from a run cannot reach around the project's list."""
    workspace, digest = built

    def push_unverified(env: dict[str, str]) -> TaskResult:
        return run_task(
            push_to_quay,
            {
                "registry-host": registry.host,
                "repository": "org/unverified",
                "tag": "v1",
                "expected-digest": digest,
                "tls-verify": "false",
                "retries": "1",
            },
            {"source": workspace, "registry-auth": registry.write_authfile(tmp_path / "auth")},
            env=env,
        )

    refused = push_unverified({})
    assert (refused.exit_code, refused.failed_step) == (2, "push"), refused.log
    assert f"tls-verify is false for '{registry.host}', which the project does not list" in (
        refused.log
    )
    listed = push_unverified({"INSECURE_HOSTS": f"registry.lab:5000,{registry.host}"})
    assert listed.exit_code == 0, listed.log
    assert "WARNING: not verifying the TLS certificate" in listed.log
    assert registry.digest("org/unverified", "v1") == digest
