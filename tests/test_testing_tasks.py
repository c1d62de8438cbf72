"""The model-testing tasks, run from the compiled YAML with their real scripts.

wait-for-inference-service talks to a Kubernetes API stand-in over TLS, since no cluster runs
here: it answers GET on one InferenceService with the status fields KServe documents
(`status.conditions`, `status.address.url`) and serves `/v1/models` as vLLM does. lm-eval and
GuideLLM need model weights and data sets from the Hub, which tests may not fetch, so the
evaluation tests put stand-in executables named `lm_eval` and `guidellm` first on PATH: they
record the command line the script builds and write a report in each tool's documented format,
which the real summarize step then reads.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from tests.task_runner import TaskRunResult, run_task
from tests.tls import LoopbackAuthority, free_port, make_authority
from tests.wsgi_server import serving

TOKEN = "pipeline-sa-token"
SERVICE = "mistral-24b-quantized"


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> LoopbackAuthority:
    return make_authority(tmp_path_factory.mktemp("tls"))


@contextmanager
def kubernetes(authority: LoopbackAuthority, ready_after: int) -> Iterator[dict[str, Any]]:
    """The API server stand-in; `ready_after` reads report the service not Ready yet."""
    port = free_port()
    state: dict[str, Any] = {"reads": 0, "port": port}
    path = f"/apis/serving.kserve.io/v1beta1/namespaces/private-ai-demo/inferenceservices/{SERVICE}"

    @Request.application
    def application(request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Response("unauthorized", status=401)
        if request.path == "/served/v1/models":
            return Response(json.dumps({"object": "list", "data": [{"id": SERVICE}]}))
        if request.path != path:
            return Response(json.dumps({"kind": "Status", "code": 404}), status=404)
        state["reads"] += 1
        ready = state["reads"] > ready_after
        condition = {"type": "Ready", "status": "True" if ready else "False"}
        if not ready:
            condition |= {"reason": "RevisionMissing", "message": "loading weights"}
        status = {
            "conditions": [condition],
            "address": {"url": f"https://localhost:{port}/served"},
        }
        return Response(json.dumps({"kind": "InferenceService", "status": status}))

    with serving(application, port, authority):
        yield state


def service_account(directory: Path, authority: LoopbackAuthority) -> Path:
    directory.mkdir()
    (directory / "token").write_text(TOKEN)
    (directory / "ca.crt").write_bytes(authority.ca_cert.read_bytes())
    (directory / "service-ca.crt").write_bytes(authority.ca_cert.read_bytes())
    return directory


def wait(state: dict[str, Any], account: Path, service: str = SERVICE) -> TaskRunResult:
    return run_task(
        "wait-for-inference-service",
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
    assert run.exit_code == 0, run.output
    assert run.results == {"model-id": SERVICE, "url": f"https://localhost:{state['port']}/served"}
    assert run.output.count("waiting for mistral-24b-quantized: Ready=False RevisionMissing") == 2


def test_wait_for_a_missing_service_says_to_deploy_it(
    authority: LoopbackAuthority, tmp_path: Path
) -> None:
    account = service_account(tmp_path / "sa", authority)
    with kubernetes(authority, ready_after=0) as state:
        run = wait(state, account, service="mistral-24b-typo")
    assert run.exit_code == 1
    assert "there is no InferenceService mistral-24b-typo in private-ai-demo" in run.output


STAND_IN = """#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$@" > "$RECORD/args"
printf '%s' "$OPENAI_API_KEY" > "$RECORD/token"
cp "$SSL_CERT_FILE" "$RECORD/ca.pem"
previous=""
for argument in "$@"; do
  if [[ "$previous" == --output_path || "$previous" == --output-path ]]; then out="$argument"; fi
  previous="$argument"
done
"""


def stand_in(bin_dir: Path, name: str, writes: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(STAND_IN + writes)
    path.chmod(0o755)


LM_EVAL_REPORT = {
    "results": {
        "arc_easy": {"alias": "arc_easy", "acc,none": 0.81, "acc_stderr,none": 0.01},
        "gsm8k": {"exact_match,strict-match": 0.52, "exact_match_stderr,strict-match": 0.02},
    }
}
GUIDELLM_REPORT = {
    "benchmarks": [
        {
            "metrics": {
                "time_to_first_token_ms": {
                    "successful": {"mean": 120.0, "median": 110.0, "percentiles": {"p95": 210.0}}
                },
                "requests_per_second": {"successful": {"mean": 3.5}},
            }
        }
    ]
}


def evaluate(task: str, workspace: Path, bin_dir: Path, record: Path, ca: Path) -> TaskRunResult:
    record.mkdir()
    params: dict[str, str | list[str]] = {
        "endpoint": "https://mistral.private-ai-demo.svc",
        "model-id": SERVICE,
        "tokenizer": "RedHatAI/Mistral-Small-24B-Instruct-2501-quantized.w4a16",
    }
    if task == "run-lm-eval":
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
        "run-lm-eval",
        tmp_path / "ws",
        tmp_path / "bin",
        tmp_path / "record",
        ca_bundle(authority, tmp_path / "ca"),
    )
    assert run.exit_code == 0, run.output
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
        "run-guidellm",
        tmp_path / "ws",
        tmp_path / "bin",
        tmp_path / "record",
        ca_bundle(authority, tmp_path / "ca"),
    )
    assert run.exit_code == 0, run.output
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
        "run-guidellm",
        tmp_path / "ws",
        tmp_path / "bin",
        tmp_path / "record",
        ca_bundle(authority, tmp_path / "ca"),
    )
    assert run.exit_code == 1
    assert run.failed_step == "summarize"
    assert "cannot read the guidellm report: GuideLLM wrote no" in run.output
