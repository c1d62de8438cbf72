"""`on_error`: a pipeline task whose failure the pipeline goes past (Tekton's onError: continue,
so publishing still runs when one evaluation fails), and a step whose failure its task goes
past; in both API versions, held to Tekton's rules, and honoured by the local runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcar_dsl import (
    PIPELINE_STATUS,
    Result,
    Steps,
    command_step,
    finally_tasks,
    pipeline,
    pipeline_run,
    task,
)
from modelcar_dsl.compiling.compiler import compile_pipeline, compile_task
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.model.gates import Gates
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.project.local_run import run_local
from modelcar_dsl.review.graph_formats import to_mermaid, to_text

IMAGE = "registry.example/tools:1"
TARGET = Target(namespace="ns", fs_group=1000)


@task(image=IMAGE, results=[Result("score", "The score.")])
def evaluate(code: str = "0") -> Steps:
    """Write a score, then exit with `code`."""
    return [command_step("score", ["sh", "-c", 'printf 7 > "$RESULT_SCORE_PATH"; exit "$CODE"'])]


@task(image=IMAGE, results=[Result("score", "The score.")])
def crash() -> Steps:
    """Fail before writing its score."""
    return [command_step("crash", ["sh", "-c", "exit 4"])]


@task(image=IMAGE, results=[Result("out", "What it was given.")])
def publish(value: str = "") -> Steps:
    """Write what it was given."""
    return [command_step("publish", ["sh", "-c", 'printf %s "$VALUE" > "$RESULT_OUT_PATH"'])]


@task(image=IMAGE, results=[Result("out", "Written after the failed step.")])
def tolerant() -> Steps:
    """A failing step the task goes past, then one that writes the result."""
    return [
        command_step("lint", ["sh", "-c", "exit 2"], on_error="continue"),
        command_step("after", ["sh", "-c", 'printf done > "$RESULT_OUT_PATH"']),
    ]


@pipeline()
def evaluations() -> None:
    """One evaluation fails (its score written), one crashes; publishing still runs."""
    failed = evaluate.options(name="failed", on_error="continue")(code="3")
    crashed = crash.options(on_error="continue")()
    publish.options(name="from-failed")(value=failed.results.score)
    publish.options(name="from-crashed", on_error="continue")(value=crashed.results.score)
    publish.options(name="after-all")(value="x").after(failed, crashed)
    tolerant()
    with finally_tasks():
        publish.options(name="report")(value=f"{failed.status},{PIPELINE_STATUS}")


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_on_error_is_written_on_the_pipeline_task_and_the_step(api: str) -> None:
    target = Target(api=api)  # type: ignore[arg-type]
    tasks = compile_pipeline(evaluations.spec, target)["spec"]["tasks"]
    assert [t.get("onError") for t in tasks] == [
        "continue",
        "continue",
        None,
        "continue",
        None,
        None,
    ]
    steps = compile_task(tolerant.spec, target)["spec"]["steps"]
    assert [s.get("onError") for s in steps] == ["continue", None]
    assert check(evaluations, target=target) == []


def test_pipeline_task_on_error_needs_beta_api_fields() -> None:
    stable = Target(gates=Gates(api_fields="stable"))
    problems = [str(p) for p in check(evaluations, target=stable)]
    assert len(problems) == 3, problems
    assert all("onError on a pipeline task needs enable-api-fields" in p for p in problems)
    assert all("test_on_error.py" in p for p in problems)
    step_only = [str(p) for p in check(tolerant, target=stable)]
    assert step_only == []


def test_continue_with_retries_is_refused_at_the_call() -> None:
    @pipeline()
    def retried() -> None:
        evaluate.options(on_error="continue", retries=2)()

    problems = [str(p) for p in check(retried)]
    assert len(problems) == 1
    assert "cannot be combined with retries" in problems[0]
    assert "test_on_error.py" in problems[0]


def test_an_unknown_on_error_is_a_definition_error_at_the_users_line() -> None:
    with pytest.raises(DefinitionError, match=r"on_error='ignore'.*'continue', 'stopAndFail'"):
        evaluate.options(on_error="ignore")  # type: ignore[call-overload]
    with pytest.raises(DefinitionError, match=r"test_on_error\.py"):
        command_step("x", ["true"], on_error="skip")  # type: ignore[arg-type]


def test_a_local_run_goes_past_an_ignored_failure_as_tekton_does(tmp_path: Path) -> None:
    run = pipeline_run("evaluations", evaluations, timeout="1m")
    result = run_local(run, run_dir=tmp_path / "run", target=TARGET)
    # As Tekton's: ignored failures are not counted, and a skipped task makes it Completed.
    assert (result.succeeded, result.reason) == (True, "Completed")
    failed, crashed = result["failed"], result["crash"]
    assert (failed.status, failed.reason, failed.exit_code) == ("Failed", "FailureIgnored", 3)
    assert (crashed.status, crashed.reason) == ("Failed", "FailureIgnored")
    # A result written before the failure is passed on.
    assert result["from-failed"].results == {"out": "7"}
    # A missing result skips a consumer that itself continues on error.
    assert (result["from-crashed"].status, result["from-crashed"].reason) == (
        "Skipped",
        "ResultsMissing",
    )
    assert result["after-all"].status == "Succeeded"
    # A step's onError: continue lets its task go on and succeed.
    assert result["tolerant"].status == "Succeeded"
    assert result["tolerant"].results == {"out": "done"}
    # Finally tasks see the failure: the task's status and the aggregate are Failed.
    assert result["report"].results == {"out": "Failed,Failed"}


@pipeline()
def one_ignored() -> None:
    """Only an ignored failure."""
    evaluate.options(on_error="continue")(code="1")


def test_a_run_whose_only_failure_is_ignored_succeeds(tmp_path: Path) -> None:
    result = run_local(
        pipeline_run("one", one_ignored, timeout="1m"), run_dir=tmp_path, target=TARGET
    )
    assert (result.succeeded, result.reason) == (True, "Succeeded")
    assert result["evaluate"].reason == "FailureIgnored"


@pipeline()
def strict_consumer() -> None:
    """A consumer without on_error reads a result its ignored producer never wrote."""
    crashed = crash.options(on_error="continue")()
    publish(value=crashed.results.score)


def test_a_missing_result_fails_a_consumer_that_stops_on_error(tmp_path: Path) -> None:
    run = pipeline_run("strict", strict_consumer, timeout="1m")
    result = run_local(run, run_dir=tmp_path / "run", target=TARGET)
    assert (result.succeeded, result.reason) == (False, "Failed")
    assert (result["publish"].status, result["publish"].reason) == (
        "Failed",
        "InvalidTaskResultReference",
    )


def test_the_graph_shows_a_task_whose_failure_the_run_goes_past() -> None:
    text = to_text(evaluations.graph)
    assert "  failed\n    on error: continue\n" in text
    assert "  tolerant\n" in text and "tolerant\n    on error" not in text
    assert "failed<br/>on error: continue" in to_mermaid(evaluations.graph)
