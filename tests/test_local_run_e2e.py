"""This repository's two pipelines run end to end on this machine by `modelcar run`, against the
loopback services of `tests/loopback_services.py`.

Real: the compiled Pipelines, Tasks and runs of this repository, the runner and the CLI, every
step script, skopeo building and pushing the image, docker-registry with TLS and htpasswd as
both registries. Stand-ins for what cannot run here: the Hugging Face Hub (serving a generated
model of about 5 MB), the Model Registry (held to its published contract), the Kubernetes API
with a Ready InferenceService, and lm_eval and guidellm (which need weights and data sets).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from modelcar_dsl.project.local_run import run_local
from pipelines.catalogue import MISTRAL_24B_QUANTIZED
from pipelines.runs import NAMESPACE, mistral_24b_quantized_test
from tests.conftest import REPO
from tests.loopback_services import BUILD_RUN, LoopbackServices, loopback_services

REPOSITORY = f"{NAMESPACE}/{MISTRAL_24B_QUANTIZED.inference_service}"
TAG = MISTRAL_24B_QUANTIZED.version
BUILD_TASKS = [
    "download-model",
    "build-modelcar-image",
    "check-release",
    "push-to-internal-registry",
    "push-to-quay",
    "register-model",
]


@attrs.frozen
class CliRun:
    exit_code: int
    stderr: str
    report: dict[str, Any]

    def task(self, name: str) -> dict[str, Any]:
        return next(task for task in self.report["tasks"] if task["name"] == name)


def modelcar_run(run_dir: Path, *arguments: str) -> CliRun:
    """`modelcar run` of the build in a fresh interpreter from the repository, as a user runs it."""
    report = run_dir.parent / f"{run_dir.name}-report.json"
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "modelcar_dsl", "run", BUILD_RUN, *arguments),
            *("--run-dir", str(run_dir), "--report", str(report), "--quiet"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    return CliRun(completed.returncode, completed.stderr, json.loads(report.read_text()))


def registered_versions(services: LoopbackServices) -> dict[str, dict[str, Any]]:
    """The Model Registry's versions of the catalogue's model, by name."""
    (model,) = services.model_registry.models.values()
    assert model["name"] == MISTRAL_24B_QUANTIZED.registry_name
    return {
        version["name"]: version
        for version in services.model_registry.versions.values()
        if version["registeredModelId"] == model["id"]
    }


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackServices]:
    with loopback_services(tmp_path_factory.mktemp("loopback")) as running:
        yield running


@pytest.fixture(scope="module")
def build(services: LoopbackServices, tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    return modelcar_run(tmp_path_factory.mktemp("build") / "run", *services.build_arguments())


def test_the_build_pipeline_pushes_to_both_registries_and_registers_the_version(
    services: LoopbackServices, build: CliRun
) -> None:
    """The whole modelcar-build-deploy run: the model downloaded from the Hub stand-in, built on
    the busybox base with skopeo, pushed to both TLS registries, registered."""
    assert build.exit_code == 0, build.stderr
    assert [task["name"] for task in build.report["tasks"]] == BUILD_TASKS
    assert {task["status"] for task in build.report["tasks"]} == {"Succeeded"}
    assert "steps run on this machine with its tools; not used: " in build.stderr
    digest = build.task("build-modelcar-image")["results"]["image-digest"]
    assert services.internal.digest(REPOSITORY, TAG) == digest
    assert services.quay.digest(REPOSITORY, TAG) == digest
    assert services.hub.bytes_served("consolidated.safetensors") == 0, "include leaves it out"
    version = registered_versions(services)[TAG]
    (artifact_id,) = services.model_registry.version_artifacts[version["id"]]
    artifact = services.model_registry.artifacts[artifact_id]
    assert artifact["uri"] == f"oci://{services.quay.host}/{REPOSITORY}@{digest}"
    assert services.model_registry.violations == []


def test_model_testing_publishes_its_metrics_to_the_version_the_build_registered(
    services: LoopbackServices, build: CliRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """model-testing through `run_local()`: the real wait, evaluation and publish scripts; the
    InferenceService, lm_eval and guidellm are stand-ins. Its metrics land on the version the
    build registered, beside the image."""
    assert build.exit_code == 0, build.stderr
    monkeypatch.chdir(REPO)
    result = run_local(
        mistral_24b_quantized_test,
        params={"registry-url": services.model_registry.base_url},
        secrets=services.secrets,
        config_maps=services.config_maps,
        env=services.test_env(),
        run_dir=tmp_path / "run",
    )
    assert result.succeeded, {name: task.log for name, task in result.tasks.items()}
    assert {task.status for task in result.tasks.values()} == {"Succeeded"}
    assert result["publish-results"].results["metric-count"] == "6"
    assert "--tasks arc_easy,hellaswag" in result["run-lm-eval"].log, "the run's lm-eval-tasks"
    assert "--limit 500" in result["run-lm-eval"].log, "the run's lm-eval-limit"
    version = registered_versions(services)[TAG]
    artifacts = [
        services.model_registry.artifacts[i]
        for i in services.model_registry.version_artifacts[version["id"]]
    ]
    metrics = {a["name"]: a["value"] for a in artifacts if a["artifactType"] == "metric"}
    assert metrics["lm-eval/arc_easy/acc"] == 0.81
    assert metrics["guidellm/00/time_to_first_token_ms/p95"] == 210.0
    assert services.model_registry.violations == []


def test_a_failed_push_is_rerun_from_the_failed_task_once_quay_takes_writes(
    tmp_path: Path,
) -> None:
    """Quay refuses writes (docker-registry in read-only maintenance, still answering reads, so
    check-release clears the tag): push-to-quay fails, register-model never starts. With Quay
    writable again, `--from push-to-quay` reruns only it and what follows. RETRY_DELAY_SECONDS=0
    keeps the push's five attempts from waiting 75 seconds."""
    with loopback_services(tmp_path / "loopback", quay_read_only=True) as services:
        arguments = [*services.build_arguments(), "--env", "RETRY_DELAY_SECONDS=0"]
        failed = modelcar_run(tmp_path / "run", *arguments)
        assert failed.exit_code == 1, failed.stderr
        assert failed.task("push-to-quay")["status"] == "Failed"
        assert failed.task("push-to-internal-registry")["status"] == "Succeeded"
        skipped = failed.task("register-model")
        assert (skipped["status"], skipped["message"]) == (
            "Skipped",
            "not started: push-to-quay failed",
        )
        (row,) = [line for line in failed.stderr.splitlines() if line.startswith("push-to-quay ")]
        assert row.split()[1] == "Failed"
        assert row.endswith("  step push exited with code 1"), "the summary says why, once"
        assert (tmp_path / "run" / "tasks" / "push-to-quay" / "logs" / "push.log").is_file()

        services.restart_quay()
        rerun = modelcar_run(tmp_path / "run", *arguments, "--from", "push-to-quay")
        assert rerun.exit_code == 0, rerun.stderr
        assert rerun.report["pipelineRun"] == failed.report["pipelineRun"]
        reused = {task["name"]: task["reused"] for task in rerun.report["tasks"]}
        assert reused == {
            name: name not in ("push-to-quay", "register-model") for name in BUILD_TASKS
        }
        assert {task["status"] for task in rerun.report["tasks"]} == {"Succeeded"}
        digest = failed.task("build-modelcar-image")["results"]["image-digest"]
        assert services.quay.digest(REPOSITORY, TAG) == digest
        assert services.internal.digest(REPOSITORY, TAG) == digest
        assert TAG in registered_versions(services)
