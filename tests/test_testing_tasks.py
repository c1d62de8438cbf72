"""The model-testing tasks, compiled for the project and run by `run_task` with their real
scripts.

wait-for-inference-service talks to a Kubernetes API stand-in over TLS, since no cluster runs
here (`tests/kserve_server.py`). lm-eval and GuideLLM need model weights and data sets from the
Hub, which tests may not fetch, so the evaluation tests put stand-in executables named `lm_eval`
and `guidellm` first on PATH (`tests/evaluation_tools.py`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from modelcar_dsl import Task
from modelcar_dsl.project.local_run import run_task
from modelcar_dsl.running.local import TaskResult
from modelcar_tasks.run_guidellm import run_guidellm
from modelcar_tasks.run_lm_eval import run_lm_eval
from modelcar_tasks.wait_for_inference_service import wait_for_inference_service
from tests.evaluation_tools import GUIDELLM_REPORT, LM_EVAL_REPORT, stand_in
from tests.kserve_server import SERVICE, kubernetes, service_account
from tests.tls import LoopbackAuthority, make_authority


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> LoopbackAuthority:
    return make_authority(tmp_path_factory.mktemp("tls"))


def wait(state: dict[str, Any], account: Path, service: str = SERVICE) -> TaskResult:
    return run_task(
        wait_for_inference_service,
        {"inference-service": service, "wait-seconds": "30"},
        {"ca-bundle": None},
        env={
            "KUBERNETES_SERVICE_HOST": "localhost",
            "KUBERNETES_SERVICE_PORT": str(state["port"]),
            "SERVICE_ACCOUNT_DIR": str(account),
            "POLL_SECONDS": "0",
        },
    )


def test_wait_polls_until_ready_and_reports_url_and_model(
    authority: LoopbackAuthority, tmp_path: Path
) -> None:
    account = service_account(tmp_path / "sa", authority)
    with kubernetes(authority, ready_after=2) as state:
        run = wait(state, account)
    assert run.exit_code == 0, run.log
    assert run.results == {"model-id": SERVICE, "url": f"https://localhost:{state['port']}/served"}
    assert run.log.count("waiting for mistral-24b-quantized: Ready=False RevisionMissing") == 2


def test_wait_for_a_missing_service_says_to_deploy_it(
    authority: LoopbackAuthority, tmp_path: Path
) -> None:
    account = service_account(tmp_path / "sa", authority)
    with kubernetes(authority, ready_after=0) as state:
        run = wait(state, account, service="mistral-24b-typo")
    assert run.exit_code == 1
    assert "there is no InferenceService mistral-24b-typo in private-ai-demo" in run.log


def evaluate(task: Task[Any], workspace: Path, bin_dir: Path, record: Path, ca: Path) -> TaskResult:
    record.mkdir()
    params: dict[str, str | list[str]] = {
        "endpoint": "https://mistral.private-ai-demo.svc",
        "model-id": SERVICE,
        "tokenizer": "RedHatAI/Mistral-Small-24B-Instruct-2501-quantized.w4a16",
    }
    if task is run_lm_eval:
        params |= {"tasks": ["arc_easy", "gsm8k"], "limit": "50"}
    return run_task(
        task,
        params,
        {"source": workspace, "ca-bundle": ca},
        secrets={"inference-token": {"token": "endpoint-token"}},
        env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "RECORD": str(record)},
    )


def ca_bundle(authority: LoopbackAuthority, directory: Path) -> Path:
    directory.mkdir()
    (directory / "ca-bundle.crt").write_bytes(authority.ca_cert.read_bytes())
    return directory


def test_run_lm_eval_builds_the_command_trusts_the_ca_and_extracts_scores(
    authority: LoopbackAuthority, tmp_path: Path
) -> None:
    report = json.dumps(LM_EVAL_REPORT)
    stand_in(
        tmp_path / "bin",
        "lm_eval",
        f'mkdir -p "$out/model"\necho \'{report}\' > "$out/model/results_1.json"\n',
    )
    run = evaluate(
        run_lm_eval,
        tmp_path / "ws",
        tmp_path / "bin",
        tmp_path / "record",
        ca_bundle(authority, tmp_path / "ca"),
    )
    assert run.exit_code == 0, run.log
    args = (tmp_path / "record" / "args").read_text().splitlines()
    assert args[:2] == ["--model", "local-completions"]
    assert args[args.index("--tasks") + 1] == "arc_easy,gsm8k"
    assert args[args.index("--limit") + 1] == "50"
    model_args = args[args.index("--model_args") + 1]
    assert "base_url=https://mistral.private-ai-demo.svc/v1/completions" in model_args
    assert f"model={SERVICE}" in model_args
    assert (tmp_path / "record" / "token").read_text() == "endpoint-token"
    assert authority.ca_cert.read_text() in (tmp_path / "record" / "ca.pem").read_text()
    metrics = json.loads((tmp_path / "ws" / "results" / "lm-eval.metrics.json").read_text())
    assert metrics == {"lm-eval/arc_easy/acc": 0.81, "lm-eval/gsm8k/exact_match-strict-match": 0.52}
    assert run.results == {"metric-count": "2"}


def test_run_guidellm_benchmarks_the_endpoint_and_extracts_figures(
    authority: LoopbackAuthority, tmp_path: Path
) -> None:
    report = json.dumps(GUIDELLM_REPORT)
    stand_in(tmp_path / "bin", "guidellm", f"echo '{report}' > \"$out\"\n")
    run = evaluate(
        run_guidellm,
        tmp_path / "ws",
        tmp_path / "bin",
        tmp_path / "record",
        ca_bundle(authority, tmp_path / "ca"),
    )
    assert run.exit_code == 0, run.log
    args = (tmp_path / "record" / "args").read_text().splitlines()
    assert args[0] == "benchmark"
    assert args[args.index("--target") + 1] == "https://mistral.private-ai-demo.svc"
    assert args[args.index("--rate-type") + 1] == "sweep"
    assert args[args.index("--processor") + 1].startswith("RedHatAI/")
    metrics = json.loads((tmp_path / "ws" / "results" / "guidellm.metrics.json").read_text())
    assert metrics == {
        "guidellm/00/requests_per_second/mean": 3.5,
        "guidellm/00/time_to_first_token_ms/mean": 120.0,
        "guidellm/00/time_to_first_token_ms/median": 110.0,
        "guidellm/00/time_to_first_token_ms/p95": 210.0,
    }


def test_a_tool_that_writes_no_report_fails_the_summary(
    authority: LoopbackAuthority, tmp_path: Path
) -> None:
    stand_in(tmp_path / "bin", "guidellm", "")
    run = evaluate(
        run_guidellm,
        tmp_path / "ws",
        tmp_path / "bin",
        tmp_path / "record",
        ca_bundle(authority, tmp_path / "ca"),
    )
    assert run.exit_code == 1
    assert run.failed_step == "summarize"
    assert "cannot read the guidellm report: GuideLLM wrote no" in run.log


@pytest.mark.parametrize("served", [" http://127.0.0.1:9/served", "http://127.0.0.1:9/served"])
def test_a_plain_http_service_url_gets_no_token(
    authority: LoopbackAuthority, tmp_path: Path, served: str
) -> None:
    """The status URL is cluster data: plain http (urllib would strip the leading space) to a
    host the project does not list is refused before the token is sent."""
    account = service_account(tmp_path / "sa", authority)
    with kubernetes(authority, ready_after=0, served_url=served) as state:
        run = wait(state, account)
    assert run.exit_code == 2, run.log
    assert f"error: url {served!r} is" in run.log
    assert all(not path.endswith("/v1/models") for path in state["paths"])
