"""`modelcar bundle`: the project's Tasks and StepActions as a Tekton bundle, an OCI layout that
real skopeo pushes to a real registry over TLS; each layer annotated as Tekton's bundle contract
says and holding the compiled YAML; byte-identical across runs."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modelcar_dsl.output.bundle import BundleResource, bundle_problems
from tests.conftest import REPO, MiniProject, run_modelcar
from tests.oci_images import require_tool
from tests.registry_server import PASSWORD, USER, Registry, running_registry


def _bundle(out: Path) -> str:
    result = run_modelcar("bundle", "--out", str(out), "--tag", "v1", cwd=REPO)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def _files(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("bundle") / "layout"
    return out, _bundle(out)


def test_two_runs_write_the_same_bytes(layout: tuple[Path, str], tmp_path: Path) -> None:
    out, digest = layout
    again = tmp_path / "again"
    assert _bundle(again) == digest
    assert _files(again) == _files(out)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with running_registry(tmp_path_factory.mktemp("registry")) as running:
        yield running


def test_skopeo_pushes_it_and_the_registry_serves_the_contract(
    layout: tuple[Path, str], registry: Registry
) -> None:
    out, digest = layout
    skopeo = require_tool("skopeo", "skopeo")
    subprocess.run(
        [
            *(skopeo, "copy", "-q"),
            *("--dest-cert-dir", str(registry.authority.trust_dir)),
            *("--dest-creds", f"{USER}:{PASSWORD}"),
            f"oci:{out}:v1",
            f"docker://{registry.host}/team/modelcar-tasks:v1",
        ],
        check=True,
    )
    manifest = json.loads(registry.manifest("team/modelcar-tasks", "v1"))
    assert registry.digest("team/modelcar-tasks", "v1") == digest
    compiled = {
        path.name: path.read_text()
        for path in sorted((REPO / "compiled" / "01-tasks").glob("*.yaml"))
    }
    annotations = [layer["annotations"] for layer in manifest["layers"]]
    assert [a["dev.tekton.image.name"] for a in annotations] == [
        name.removeprefix("task-").removesuffix(".yaml") for name in compiled
    ]
    assert {a["dev.tekton.image.kind"] for a in annotations} == {"task"}
    assert {a["dev.tekton.image.apiVersion"] for a in annotations} == {"tekton.dev/v1"}
    for layer, text in zip(manifest["layers"], compiled.values(), strict=True):
        assert layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
        served = _blob(registry, "team/modelcar-tasks", layer["digest"])
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(served))) as archive:
            (member,) = archive.getmembers()
            assert member.mtime == 0
            extracted = archive.extractfile(member)
            assert extracted is not None
            assert extracted.read().decode() == text


def _blob(registry: Registry, repository: str, digest: str) -> bytes:
    """A layer as the registry serves it, pulled back by skopeo."""
    scratch = registry.log.parent / "pulled"
    if not scratch.exists():
        subprocess.run(
            [
                *("skopeo", "copy", "-q"),
                *("--src-cert-dir", str(registry.authority.trust_dir)),
                *("--src-creds", f"{USER}:{PASSWORD}"),
                f"docker://{registry.host}/{repository}:v1",
                f"dir:{scratch}",
            ],
            check=True,
        )
    return (scratch / digest.removeprefix("sha256:")).read_bytes()


def test_too_many_resources_or_a_repeated_name_do_not_make_a_bundle() -> None:
    task = BundleResource("tekton.dev/v1", "Task", "t", "")
    many = [BundleResource("tekton.dev/v1", "Task", f"t{n}", "") for n in range(21)]
    assert bundle_problems(many) == ["21 resources, and a Tekton bundle holds at most 20"]
    assert bundle_problems([task, task]) == ["two resources are Task t"]
    assert bundle_problems(many[:20]) == []


STEP_ACTION_PROJECT = """\
from modelcar_dsl import Step, Steps, command_step, step_action, task


@step_action(image="registry.example/tools:1")
def fetch(url: str) -> Step:
    return command_step("fetch", ["sh", "-c", 'echo "$URL"'])


@task(image="registry.example/tools:1")
def download(source: str) -> Steps:
    return [fetch(url=source)]
"""


def test_a_step_action_is_a_layer_of_its_own(mini_project: Callable[..., MiniProject]) -> None:
    project = mini_project(STEP_ACTION_PROJECT)
    out = project.root / "bundle"
    result = run_modelcar("bundle", "--out", str(out), cwd=project.root)
    assert result.exit_code == 0, result.stderr
    skopeo = require_tool("skopeo", "skopeo")
    raw = subprocess.run(
        [skopeo, "inspect", "--raw", f"oci:{out}:latest"], capture_output=True, check=True
    ).stdout
    annotations = [layer["annotations"] for layer in json.loads(raw)["layers"]]
    assert [(a["dev.tekton.image.kind"], a["dev.tekton.image.name"]) for a in annotations] == [
        ("stepaction", "fetch"),
        ("task", "download"),
    ]
    assert annotations[0]["dev.tekton.image.apiVersion"] == "tekton.dev/v1beta1"


def test_it_never_replaces_a_directory_that_is_no_layout(
    mini_project: Callable[..., MiniProject],
) -> None:
    project = mini_project(STEP_ACTION_PROJECT)
    kept = project.root / "flows" / "main.py"
    result = run_modelcar("bundle", "--out", str(kept.parent), cwd=project.root)
    assert result.exit_code == 2, result.stderr
    assert "neither empty nor an OCI layout" in result.stderr
    assert kept.is_file()
