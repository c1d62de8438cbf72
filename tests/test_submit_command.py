"""`modelcar submit` through the CLI against a loopback stand-in for the Kubernetes API
(tests/kubernetes_server.py): no cluster runs here, so the stand-in answers the calls used as the
API server documents them, and the tests assert the requests it received (method, path, body)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from modelcar_dsl.project import find_pyproject, load_project, read_settings
from modelcar_dsl.render import render_tree
from tests.conftest import REPO, run_modelcar
from tests.kubernetes_server import KubernetesApi, kubeconfig
from tests.tls import free_port
from tests.wsgi_server import serving

RUN = "mistral-24b-quantized-build"
NAMESPACE = "private-ai-demo"
BASE = f"/apis/tekton.dev/v1/namespaces/{NAMESPACE}"


def compiled_documents() -> dict[tuple[str, str], dict[str, Any]]:
    settings = read_settings(find_pyproject(REPO))
    documents = {}
    for text in render_tree(load_project(settings), settings.target()).values():
        document = yaml.safe_load(text)
        if document["kind"] in ("Task", "Pipeline"):
            documents[(f"{document['kind'].lower()}s", document["metadata"]["name"])] = document
    return documents


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[KubernetesApi, dict[str, str]]]:
    """The stand-in holding this repo's applied Tasks and Pipelines, and the env to reach it."""
    api = KubernetesApi(resources=copy.deepcopy(compiled_documents()))
    port = free_port()
    config = tmp_path / "kubeconfig"
    config.write_text(kubeconfig(port, NAMESPACE))
    with serving(api, port):
        yield api, {"KUBECONFIG": str(config), "MODELCAR_POLL_SECONDS": "0.01"}


def test_dry_run_prints_the_run_and_calls_nothing() -> None:
    result = run_modelcar("submit", RUN, "--dry-run", cwd=REPO, env={"KUBECONFIG": "/nonexistent"})
    assert result.exit_code == 0, result.stderr
    run = yaml.safe_load(result.stdout)
    assert run["metadata"]["generateName"] == f"{RUN}-"
    assert run["spec"]["pipelineRef"] == {"name": "modelcar-build-deploy"}


def test_submit_checks_the_pipeline_and_tasks_then_creates_the_run(
    cluster: tuple[KubernetesApi, dict[str, str]],
) -> None:
    api, env = cluster
    result = run_modelcar("submit", RUN, cwd=REPO, env=env)
    assert result.exit_code == 0, result.stderr
    assert f"created PipelineRun {RUN}-x7k2p in {NAMESPACE}" in result.stderr
    gets = [r.path for r in api.requests if r.method == "GET"]
    assert gets[0] == f"{BASE}/pipelines/modelcar-build-deploy"
    assert f"{BASE}/tasks/build-modelcar-image" in gets
    assert f"{BASE}/tasks/register-model" in gets
    posts = [r for r in api.requests if r.method == "POST"]
    assert [r.path for r in posts] == [f"{BASE}/pipelineruns"]
    body = posts[0].body
    assert body["apiVersion"] == "tekton.dev/v1"
    assert body["metadata"]["generateName"] == f"{RUN}-"
    security = body["spec"]["taskRunTemplate"]["podTemplate"]["securityContext"]
    assert security == {"fsGroup": 1000970000}
    assert "warning" not in result.stderr


def test_drift_is_a_warning_and_a_missing_pipeline_an_error(
    cluster: tuple[KubernetesApi, dict[str, str]],
) -> None:
    api, env = cluster
    task = api.resources[("tasks", "push-to-quay")]
    task["spec"]["steps"][0]["image"] = "quay.io/skopeo/stable:old"
    result = run_modelcar("submit", RUN, cwd=REPO, env=env)
    assert result.exit_code == 0, result.stderr
    assert (
        "warning: the cluster's Task 'push-to-quay' differs from the compiled one" in result.stderr
    )
    del api.resources[("pipelines", "modelcar-build-deploy")]
    api.requests.clear()
    missing = run_modelcar("submit", RUN, cwd=REPO, env=env)
    assert missing.exit_code == 2
    assert "the cluster has no Pipeline 'modelcar-build-deploy' in namespace private-ai-demo" in (
        missing.stderr
    )
    assert [r.method for r in api.requests] == ["GET"]


@pytest.mark.parametrize(("outcome", "exit_code"), [("True", 0), ("False", 1)])
def test_wait_follows_the_run_and_exits_with_its_outcome(
    cluster: tuple[KubernetesApi, dict[str, str]], outcome: str, exit_code: int
) -> None:
    api, env = cluster
    api.progress = [
        {"status": "Unknown", "reason": "Running", "message": "Tasks Completed: 1 (Failed: 0)"},
        {"status": "Unknown", "reason": "Running", "message": "Tasks Completed: 1 (Failed: 0)"},
        {"status": "Unknown", "reason": "Running", "message": "Tasks Completed: 3 (Failed: 0)"},
        {
            "status": outcome,
            "reason": "Succeeded" if outcome == "True" else "Failed",
            "message": "Tasks Completed: 5 (Failed: 0)",
        },
    ]
    result = run_modelcar("submit", RUN, "--wait", cwd=REPO, env=env)
    assert result.exit_code == exit_code, result.stderr
    progress = [line for line in result.stderr.splitlines() if line.startswith(f"{RUN}-x7k2p:")]
    ended = "Succeeded" if outcome == "True" else "Failed"
    assert progress == [
        f"{RUN}-x7k2p: Running: Tasks Completed: 1 (Failed: 0)",
        f"{RUN}-x7k2p: Running: Tasks Completed: 3 (Failed: 0)",
        f"{RUN}-x7k2p: {ended}: Tasks Completed: 5 (Failed: 0)",
    ]


def test_without_the_extra_the_message_names_it(tmp_path: Path) -> None:
    (tmp_path / "tekton_pipeline").mkdir()
    (tmp_path / "tekton_pipeline" / "__init__.py").write_text("raise ImportError('absent')\n")
    result = run_modelcar("submit", RUN, cwd=REPO, env={"PYTHONPATH": str(tmp_path)})
    assert result.exit_code == 2
    assert "pip install 'modelcar-dsl[cluster]'" in result.stderr
