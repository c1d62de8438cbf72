"""`modelcar run --containers`: each step runs in its image under podman, with the pod's paths,
its env (a multi-line Secret value too), workspaces shared between tasks, results passed on,
and a step's timeout stopping its container even when the step ignores TERM."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from modelcar_dsl.cli import main
from modelcar_dsl.running.console import Console
from modelcar_dsl.running.container_runtime import LABEL, ContainerRuntime
from modelcar_dsl.running.local import LocalRunResult, RunOptions, execute
from modelcar_dsl.running.step_runtime import RunAs
from tests.conftest import MiniProject, run_modelcar
from tests.oci_images import busybox_base

needs_podman = pytest.mark.skipif(
    shutil.which("podman") is None,
    reason="podman is not installed; .ci/run installs it (apt-get install podman runc catatonit)",
)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> str:
    return busybox_base(
        tmp_path_factory.mktemp("busybox"), tools=("sh", "cat", "sleep", "touch", "id")
    )


def _run(
    tmp_path: Path,
    tasks: Mapping[str, Mapping[str, Any]],
    pipeline_tasks: list[dict[str, Any]],
    secrets: Mapping[str, Mapping[str, str]] | None = None,
    runtime: ContainerRuntime | None = None,
) -> LocalRunResult:
    documents: dict[tuple[str, str], Mapping[str, Any]] = {
        ("Task", name): {"kind": "Task", "metadata": {"name": name}, "spec": spec}
        for name, spec in tasks.items()
    }
    documents[("Pipeline", "demo")] = {
        "kind": "Pipeline",
        "metadata": {"name": "demo"},
        "spec": {"workspaces": [{"name": "shared"}], "tasks": pipeline_tasks},
    }
    documents[("PipelineRun", "demo")] = {
        "kind": "PipelineRun",
        "metadata": {"generateName": "demo-"},
        "spec": {
            "pipelineRef": {"name": "demo"},
            "workspaces": [{"name": "shared", "volumeClaimTemplate": {"spec": {}}}],
        },
    }
    options = RunOptions(secrets=dict(secrets or {}), runtime=runtime or ContainerRuntime())
    return execute(documents, "demo", tmp_path / "run", options, Console(quiet=True, live=False))


def _task(name: str, workspace: str = "shared", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "taskRef": {"name": name},
        "workspaces": [{"name": workspace, "workspace": "shared"}],
        **extra,
    }


@needs_podman
def test_steps_run_in_their_image_with_env_workspaces_and_results(
    tmp_path: Path, image: str
) -> None:
    write = {
        "workspaces": [{"name": "shared"}],
        "results": [{"name": "greeting"}],
        "steps": [
            {
                "name": "write",
                "image": image,
                "env": [
                    {"name": "GREETING", "value": "hello from $(context.task.name)"},
                    {
                        "name": "TOKEN",
                        "valueFrom": {"secretKeyRef": {"name": "auth", "key": "token"}},
                    },
                ],
                "script": (
                    "[ ! -e /usr/bin/python3 ]\n"
                    '[ "$(workspaces.shared.path)" = /workspace/shared ]\n'
                    '[ "$(results.greeting.path)" = /tekton/results/greeting ]\n'
                    '[ "$HOME" = /tekton/home ] && [ "$(pwd)" = /workspace ]\n'
                    'echo "$GREETING" > $(workspaces.shared.path)/greeting.txt\n'
                    'printf %s "$TOKEN" > $(workspaces.shared.path)/token.txt\n'
                    "printf written > $(results.greeting.path)\n"
                ),
            }
        ],
    }
    read = {
        "params": [{"name": "greeting"}],
        "workspaces": [{"name": "data", "mountPath": "/data", "readOnly": True}],
        "results": [{"name": "seen"}],
        "steps": [
            {
                "name": "read",
                "image": image,
                "workingDir": "/data",
                "script": (
                    'echo "param $(params.greeting)"\n'
                    "cat greeting.txt\n"
                    "if touch /data/x 2>/dev/null; then echo writable; exit 1; fi\n"
                    "cat greeting.txt > $(results.seen.path)\n"
                ),
            }
        ],
    }
    result = _run(
        tmp_path,
        {"write": write, "read": read},
        [
            _task("write"),
            _task(
                "read",
                workspace="data",
                params=[{"name": "greeting", "value": "$(tasks.write.results.greeting)"}],
            ),
        ],
        secrets={"auth": {"token": "line one\nline two"}},
    )

    assert result.succeeded, result["write"].log + result["read"].log
    assert result["write"].results == {"greeting": "written"}
    assert result["read"].results == {"seen": "hello from write\n"}
    assert "param written\nhello from write\n" in result["read"].log
    shared = result.run_dir / "workspaces" / "shared"
    assert (shared / "token.txt").read_text() == "line one\nline two"
    assert not (shared / "x").exists()
    assert list(result.run_dir.rglob(".env-*")) == []


@needs_podman
def test_a_step_timeout_stops_its_container(tmp_path: Path, image: str) -> None:
    stubborn = {
        "workspaces": [{"name": "shared"}],
        "steps": [
            {
                "name": "stubborn",
                "image": image,
                "timeout": "2s",
                "script": "trap '' TERM\necho started\nsleep 300\n",
            },
            {"name": "never", "image": image, "script": "echo never\n"},
        ],
    }
    started = time.monotonic()
    result = _run(tmp_path, {"stubborn": stubborn}, [_task("stubborn")])
    elapsed = time.monotonic() - started

    assert result["stubborn"].status == "Failed"
    assert result["stubborn"].reason == "Failed"  # a step's own timeout fails it, as in Tekton
    assert "stubborn" in result["stubborn"].message
    assert "2s" in result["stubborn"].message
    assert "started" in result["stubborn"].log
    assert "never" not in result["stubborn"].log
    assert elapsed < 120
    running = subprocess.run(
        ["podman", "ps", "--all", "--format", f'{{{{index .Labels "{LABEL}"}}}}'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [label for label in running if label.startswith(str(result.run_dir))] == []


@needs_podman
def test_steps_run_as_the_given_user_with_the_fsgroup(tmp_path: Path, image: str) -> None:
    whoami = {
        "workspaces": [{"name": "shared"}],
        "results": [{"name": "ids"}],
        "steps": [
            {
                "name": "ids",
                "image": image,
                "script": (
                    "id -u > $(workspaces.shared.path)/owned\n"
                    'printf "%s:%s" "$(id -u)" "$(id -G)" > $(results.ids.path)\n'
                ),
            }
        ],
    }
    runtime = ContainerRuntime(RunAs(4321, 4321, fs_group=5000))
    result = _run(tmp_path, {"whoami": whoami}, [_task("whoami")], runtime=runtime)

    assert result.succeeded, result["whoami"].log
    assert result["whoami"].results == {"ids": "4321:4321 5000"}
    owned = result.run_dir / "workspaces" / "shared" / "owned"
    assert (owned.stat().st_uid, owned.stat().st_gid) == (4321, 5000)


@needs_podman
def test_modelcar_run_containers_runs_the_project_in_its_image(
    mini_project: Callable[..., MiniProject], image: str
) -> None:
    project = mini_project(
        f"""\
        from modelcar_dsl import Result, pipeline, pipeline_run, script_step, task


        @task(image="{image}", results=[Result("where", "Where the step ran.")])
        def probe(who: str) -> list:
            \"\"\"Say where the step runs.\"\"\"
            return [script_step("hello.sh")]


        @pipeline()
        def flow(who: str) -> None:
            probe(who=who)


        run = pipeline_run("flow-run", flow, params={{"who": "x"}})
        """,
        script='#!/bin/sh\nset -e\necho "hello $WHO"\n[ ! -e /usr/bin/python3 ]\n'
        'printf image > "$RESULT_WHERE_PATH"\n',
    )
    report = project.root / "report.json"

    result = run_modelcar(
        "run",
        "flow-run",
        "--containers",
        "--param",
        "who=podman",
        "--report",
        str(report),
        cwd=project.root,
    )

    assert result.exit_code == 0, result.stderr
    assert "hello podman" in result.stdout + result.stderr
    written = json.loads(report.read_text())
    assert written["imagesNotUsed"] == []
    assert written["tasks"][0]["results"] == {"where": "image"}


def test_containers_without_podman_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["run", "demo", "--containers", "--project", str(tmp_path)],
        env={"PATH": str(tmp_path)},
    )

    assert result.exit_code == 2, result.output
    assert "--containers needs podman" in result.output
    assert "apt-get install podman" in result.output
