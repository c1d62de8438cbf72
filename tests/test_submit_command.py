"""`modelcar submit` through the CLI against a loopback stand-in for the Kubernetes API
(tests/kubernetes_server.py): no cluster runs here, so the stand-in answers the calls used as the
API server documents them, and the tests assert the requests it received (method, path, body)."""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from modelcar_dsl.compiling.render import render_tree
from modelcar_dsl.project.loading import load_project
from modelcar_dsl.project.settings import find_pyproject, read_settings
from tests.conftest import REPO, CliResult, run_modelcar
from tests.kubernetes_server import KubernetesApi, kubeconfig
from tests.tls import free_port, make_authority
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
        yield api, {"KUBECONFIG": str(config)}


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
    result = run_modelcar("submit", RUN, "--wait", "--poll-interval", "0.01", cwd=REPO, env=env)
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
    assert "in a clone of modelcar-dsl, pip install -e '.[cluster]'" in result.stderr
    assert (
        "from a wheel, pip install '/path/to/modelcar_dsl-VERSION-py3-none-any.whl[cluster]'"
        in (result.stderr)
    )


def test_a_refused_run_says_why_and_what_to_do(
    cluster: tuple[KubernetesApi, dict[str, str]],
) -> None:
    api, env = cluster
    api.forbidden.add("pipelineruns")
    result = run_modelcar("submit", RUN, cwd=REPO, env=env)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: the cluster refused the PipelineRun: 403 pipelineruns.tekton.dev is forbidden: "
        'User "tester" cannot create resource "pipelineruns" in API group "tekton.dev" in the '
        f'namespace "{NAMESPACE}"; ask for access to namespace {NAMESPACE}\n'
    )


def _kubeconfig_env(server: str, tmp_path: Path) -> dict[str, str]:
    """KUBECONFIG for a kubeconfig whose cluster is at `server`."""
    config = json.loads(kubeconfig(0, NAMESPACE))
    config["clusters"][0]["cluster"]["server"] = server
    (tmp_path / "kubeconfig").write_text(json.dumps(config))
    return {"KUBECONFIG": str(tmp_path / "kubeconfig")}


def _submit_to(server: str, tmp_path: Path, *args: str) -> CliResult:
    return run_modelcar("submit", RUN, *args, cwd=REPO, env=_kubeconfig_env(server, tmp_path))


def _assert_one_line(result: CliResult, expected: str) -> None:
    assert result.exit_code == 2, result.stderr
    assert result.stderr == f"error: {expected}\n"


def test_a_closed_port_is_named_with_what_to_check(tmp_path: Path) -> None:
    server = f"http://127.0.0.1:{free_port()}"
    _assert_one_line(
        _submit_to(server, tmp_path),
        f"cannot reach the cluster at {server}: connection refused; check the server URL in the "
        "kubeconfig (oc whoami --show-server) and that the cluster is up",
    )


def test_an_untrusted_certificate_is_named_with_what_to_check(tmp_path: Path) -> None:
    authority = make_authority(tmp_path / "tls")
    port = free_port()
    api = KubernetesApi(resources=copy.deepcopy(compiled_documents()))
    with serving(api, port, authority):
        result = _submit_to(f"https://127.0.0.1:{port}", tmp_path)
    _assert_one_line(
        result,
        f"cannot reach the cluster at https://127.0.0.1:{port}: TLS failed (certificate verify "
        "failed: unable to get local issuer certificate); check the certificate-authority of "
        "this cluster in the kubeconfig (oc login --certificate-authority=...)",
    )
    assert api.requests == []


def test_a_cluster_that_never_answers_is_given_up_on(tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        server = f"http://127.0.0.1:{silent.getsockname()[1]}"
        result = _submit_to(server, tmp_path, "--request-timeout", "0.1")
    _assert_one_line(
        result,
        f"cannot reach the cluster at {server}: no answer within 0.1 s; check your network or "
        "VPN, or allow more time with --request-timeout",
    )


# The real CLI with a resolver that knows no names, so no lookup leaves the machine.
NO_NAMES = """import socket
import sys

def unknown(host, *args, **kwargs):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

socket.getaddrinfo = unknown
from modelcar_dsl.cli import main
main(sys.argv[1:], prog_name="modelcar")
"""


def test_a_host_name_that_does_not_resolve_is_named(tmp_path: Path) -> None:
    env = _kubeconfig_env("https://api.cluster.example:6443", tmp_path)
    completed = subprocess.run(
        [sys.executable, "-c", NO_NAMES, "submit", RUN],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    _assert_one_line(
        CliResult(completed.returncode, completed.stdout, completed.stderr),
        "cannot reach the cluster at https://api.cluster.example:6443: its host name does not "
        "resolve; check the server URL in the kubeconfig, and your DNS or VPN",
    )
