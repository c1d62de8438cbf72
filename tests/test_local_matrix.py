"""`modelcar run` fans a matrixed task out as Tekton's controller does: the combinations of
tektoncd/pipeline's FanOut (checked on the examples of its docs/matrix.md and its unit test's
order), one TaskRun each, retried on their own, results read back as arrays in TaskRun-name
order, `$(tasks.X.matrix.length)`, and a task skipped when a matrix param's array is empty."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from modelcar_dsl import (
    Result,
    Steps,
    command_step,
    finally_tasks,
    pipeline,
    pipeline_run,
    task,
)
from modelcar_dsl.model.gates import Gates
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.local_run import run_local
from modelcar_dsl.running.matrix_fan_out import count_combinations, fan_out

IMAGE = "registry.example/tools:1"
TARGET = Target(namespace="ns", fs_group=1000)


def _matrix(params: dict[str, list[str]], include: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {
        "matrix": {
            "params": [{"name": name, "value": values} for name, values in params.items()],
            "include": [
                {"name": name, "params": [{"name": k, "value": v} for k, v in entry.items()]}
                for name, entry in include.items()
            ],
        }
    }


def test_combinations_follow_tektons_go_example_first_param_fastest() -> None:
    task_body = _matrix(
        {
            "GOARCH": ["linux/amd64", "linux/ppc64le", "linux/s390x"],
            "version": ["go1.17", "go1.18.1"],
        },
        {
            "common-package": {"package": "path/to/common/package/"},
            "s390x-no-race": {"GOARCH": "linux/s390x", "flags": "-cover -v"},
            "go117-context": {"version": "go1.17", "context": "path/to/go117/context"},
            "non-existent-arch": {"GOARCH": "I-do-not-exist"},
        },
    )
    package = {"package": "path/to/common/package/"}
    context = {"context": "path/to/go117/context"}
    s390x = {"flags": "-cover -v"}
    assert fan_out(task_body, {}, 256) == [
        {"GOARCH": "linux/amd64", "version": "go1.17", **package, **context},
        {"GOARCH": "linux/ppc64le", "version": "go1.17", **package, **context},
        {"GOARCH": "linux/s390x", "version": "go1.17", **package, **s390x, **context},
        {"GOARCH": "linux/amd64", "version": "go1.18.1", **package},
        {"GOARCH": "linux/ppc64le", "version": "go1.18.1", **package},
        {"GOARCH": "linux/s390x", "version": "go1.18.1", **package, **s390x},
        {"GOARCH": "I-do-not-exist"},
    ]


def test_include_alone_gives_its_entries_and_params_come_from_the_run() -> None:
    only_include = _matrix({}, {"build-1": {"IMAGE": "image-1"}, "build-2": {"IMAGE": "image-2"}})
    assert fan_out(only_include, {}, 256) == [{"IMAGE": "image-1"}, {"IMAGE": "image-2"}]
    from_params = {"matrix": {"params": [{"name": "suite", "value": "$(params.suites[*])"}]}}
    assert fan_out(from_params, {"params.suites": ["a", "b"]}, 256) == [
        {"suite": "a"},
        {"suite": "b"},
    ]


@task(image=IMAGE, results=["score"])
def evaluate(suite: str, limit: str = "0", fail_on: str = "") -> Steps:
    """Score one suite; fail on the first attempt of `fail_on`, for good on `never`."""
    return [
        command_step(
            "score",
            [
                "sh",
                "-c",
                'if [ "$SUITE" = never ]; then exit 3; fi; '
                'if [ "$SUITE" = "$FAIL_ON" ] && [ "$(context.task.retry-count)" = 0 ]; then '
                "exit 5; fi; "
                'printf "%s:%s" "$SUITE" "$LIMIT" > "$RESULT_SCORE_PATH"',
            ],
        )
    ]


@task(image=IMAGE, results=["all"])
def summarize(scores: list[str], count: str = "") -> Steps:
    """Join the scores and the count."""
    return [
        command_step(
            "join",
            [
                "sh",
                "-c",
                'printf "%s|%s" "$*" "$COUNT" > "$RESULT_ALL_PATH"',
                "sh",
                "$(params.scores[*])",
            ],
        )
    ]


@pipeline()
def evals(suites: list[str], fail_on: str = "") -> dict[str, object]:
    scored = evaluate.options(
        matrix={"suite": suites}, include={"quick": {"limit": "10"}}, retries=1
    )(fail_on=fail_on)
    summary = summarize(scores=scored.results.score, count=scored.matrix_length())
    return {"all": summary.results.all}


def _run(tmp_path: Path, suites: list[str], fail_on: str = "") -> Any:
    run = pipeline_run("evals", evals, params={"suites": suites, "fail_on": fail_on}, timeout="2m")
    return run_local(run, run_dir=tmp_path / "run", target=TARGET)


def test_each_combination_runs_and_the_results_are_read_as_arrays(tmp_path: Path) -> None:
    result = _run(tmp_path, ["arc", "mmlu"], fail_on="mmlu")
    assert result.succeeded, result.outcome
    assert result.outcome.results == {"all": "arc:10 mmlu:10|2"}
    evaluated = result["evaluate"]
    assert evaluated.results == {"score": ["arc:10", "mmlu:10"]}
    # Only the failing combination was retried: its log holds both attempts' steps once each.
    (state,) = [state for state in result.outcome.tasks if state.name == "evaluate"]
    assert state.attempts == 2
    assert evaluated.log.count("--- step score[") == 2
    assert sorted(p.name for p in (tmp_path / "run" / "tasks" / "evaluate").iterdir()) == ["0", "1"]


def test_results_come_back_in_taskrun_name_order_as_tekton_reads_them(tmp_path: Path) -> None:
    suites = [f"s{index}" for index in range(11)]
    result = _run(tmp_path, suites)
    # evals-xxxxx-evaluate-10 sorts before -2: Tekton's results cache sorts TaskRuns by name.
    order = [0, 1, 10, *range(2, 10)]
    assert result["evaluate"].results["score"] == [f"s{index}:10" for index in order]


def test_a_combination_that_keeps_failing_fails_the_task(tmp_path: Path) -> None:
    result = _run(tmp_path, ["arc", "never"])
    assert (result.succeeded, result["evaluate"].status) == (False, "Failed")
    assert "1 of 2 TaskRuns failed" in result["evaluate"].message
    assert result["summarize"].status == "Skipped"


def test_an_empty_matrix_array_skips_the_task_as_tekton_does(tmp_path: Path) -> None:
    result = _run(tmp_path, [])
    evaluated = result["evaluate"]
    assert (evaluated.status, evaluated.reason) == ("Skipped", "EmptyArrayInMatrixParams")
    assert result["summarize"].status == "Skipped"


@pytest.mark.parametrize("parallel", [1, 4])
def test_the_fan_out_gives_the_same_results_however_many_run_at_once(
    tmp_path: Path, parallel: int
) -> None:
    run = pipeline_run("evals", evals, params={"suites": ["a", "b", "c"]}, timeout="2m")
    result = run_local(run, run_dir=tmp_path / "run", target=TARGET, parallel=parallel)
    assert result["evaluate"].results == {"score": ["a:10", "b:10", "c:10"]}


@task(image=IMAGE)
def occupy(spot: str, suite: str) -> Steps:
    """Hold a place in `spot` for a moment, after writing how many places were held."""
    return [
        command_step(
            "hold",
            [
                "sh",
                "-c",
                'mkdir "$SPOT/$SUITE-$$"; ls "$SPOT" | wc -l >> "$SPOT.counts"; sleep 0.4; '
                'rmdir "$SPOT/$SUITE-$$"',
            ],
        )
    ]


@pipeline()
def two_fan_outs(spot: str) -> None:
    occupy.options(name="left", matrix={"suite": ["a", "b"]})(spot=spot)
    occupy.options(name="right", matrix={"suite": ["c", "d"]})(spot=spot)


def test_parallel_bounds_the_taskruns_of_all_fan_outs_together(tmp_path: Path) -> None:
    spot = tmp_path / "spot"
    spot.mkdir()
    run = pipeline_run("two-fan-outs", two_fan_outs, params={"spot": str(spot)}, timeout="2m")
    result = run_local(run, run_dir=tmp_path / "run", target=TARGET, parallel=2)
    assert result.succeeded, result.outcome
    counts = [int(line) for line in (tmp_path / "spot.counts").read_text().split()]
    assert (len(counts), max(counts)) == (4, 2)


@task(image=IMAGE)
def linger(spot: str, suite: str) -> Steps:
    """Mark that it started, then wait to be stopped."""
    return [command_step("wait", ["sh", "-c", 'touch "$SPOT/$SUITE"; exec sleep 30'])]


@pipeline()
def lingering(spot: str) -> None:
    linger.options(matrix={"suite": ["a", "b", "c"]})(spot=spot)


def test_sigterm_mid_fan_out_cancels_every_taskrun_and_starts_no_more(tmp_path: Path) -> None:
    spot = tmp_path / "spot"
    spot.mkdir()

    def stop_when_two_run() -> None:
        while len(list(spot.iterdir())) < 2:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=stop_when_two_run, daemon=True).start()
    run = pipeline_run("lingering", lingering, params={"spot": str(spot)}, timeout="2m")
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_local(run, run_dir=tmp_path / "run", target=TARGET, parallel=2)
    assert time.monotonic() - started < 10
    assert sorted(path.name for path in spot.iterdir()) == ["a", "b"]
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    (linger_state,) = state["tasks"]
    assert (linger_state["status"], linger_state["reason"]) == ("Failed", "TaskRunCancelled")
    assert linger_state["matrixLength"] == 3


@task(image=IMAGE)
def limited(suite: str, limit: str) -> Steps:
    """Needs a limit, which only an include entry gives."""
    return [command_step("show", ["sh", "-c", 'echo "$SUITE:$LIMIT"'])]


@pipeline()
def partly_limited() -> None:
    only_a = {"only-a": {"suite": "a", "limit": "1"}}
    limited.options(matrix={"suite": ["a", "b"]}, include=only_a)()


def test_a_combination_without_a_required_param_fails_its_taskrun_as_tekton_does(
    tmp_path: Path,
) -> None:
    run = pipeline_run("partly-limited", partly_limited, timeout="1m")
    result = run_local(run, run_dir=tmp_path / "run", target=TARGET)
    # Tekton checks the params over all the combinations at the PipelineRun, then each
    # TaskRun's own: the `b` one has no limit and fails TaskRunValidationFailed, unrun.
    assert (result["limited"].status, result["limited"].reason) == (
        "Failed",
        "TaskRunValidationFailed",
    )
    assert "-limited-1: " in result["limited"].message
    assert "limit" in result["limited"].message
    assert "$(params.limit)" not in result["limited"].log


@task(image=IMAGE, results=["said"])
def tell(count: str, scores: str) -> Steps:
    """Say what it was given."""
    return [
        command_step("say", ["sh", "-c", 'printf "%s/%s" "$COUNT" "$SCORES" > "$RESULT_SAID_PATH"'])
    ]


@pipeline()
def told(suites: list[str], go: str = "no") -> dict[str, object]:
    scored = evaluate.options(matrix={"suite": suites}, include={"x": {"suite": "x"}})().when(
        go, "in", ["yes"]
    )
    with finally_tasks():
        said = tell(count=scored.matrix_length(), scores=scored.matrix_length("score"))
    return {"said": said.results.said}


@pytest.mark.parametrize(("suites", "said"), [(["a", "b"], "3/0"), ([], "2/0")])
def test_a_skipped_matrixed_task_has_the_length_tekton_counts_from_its_spec(
    tmp_path: Path, suites: list[str], said: str
) -> None:
    # Tekton's CountCombinations: the arrays' lengths multiplied (an empty one left out) and
    # the include entries that are new; a result's length counts the values none produced.
    run = pipeline_run("told", told, params={"suites": suites}, timeout="1m")
    result = run_local(run, run_dir=tmp_path / "run", target=TARGET)
    assert result["evaluate"].status == "Skipped"
    assert result.outcome.results == {"said": said}


@task(image=IMAGE, results=[Result("names", type="array")])
def name_one() -> Steps:
    """One name, as an array."""
    return [command_step("name", ["sh", "-c", 'echo \'["x"]\' > "$RESULT_NAMES_PATH"'])]


@pipeline()
def past_the_end() -> None:
    named = name_one()
    evaluate.options(matrix={"suite": ["a", "b"]})(limit=named.results.names[5])


def test_a_matrixed_task_reading_past_an_array_s_end_fails_as_an_unmatrixed_one(
    tmp_path: Path,
) -> None:
    run = pipeline_run("past-the-end", past_the_end, timeout="1m")
    result = run_local(run, run_dir=tmp_path / "run", target=TARGET)
    assert (result["evaluate"].status, result["evaluate"].reason) == ("Failed", "InvalidParamValue")
    assert "index 5 is past the array's end" in result["evaluate"].message
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert [task["status"] for task in state["tasks"]] == ["Succeeded", "Failed"]


def test_the_count_of_a_skipped_task_reads_what_it_can_as_tekton_s_spec_holds_it() -> None:
    body = {
        "matrix": {
            "params": [{"name": "suite", "value": "$(tasks.x.results.r[*])"}],
            "include": [{"name": "i", "params": [{"name": "suite", "value": "$(params.a[5])"}]}],
        }
    }
    # A reference past an array's end stays as written: it is a value of its own, counted.
    assert count_combinations(body, {"tasks.x.results.r": ["p", "q"], "params.a": ["z"]}) == 3
    assert count_combinations(body, {}) == 2


@task(image=IMAGE, results=["name"])
def named(suite: str) -> Steps:
    """Say its TaskRun's name."""
    return [
        command_step(
            "name", ["sh", "-c", 'printf %s "$(context.taskRun.name)" > "$RESULT_NAME_PATH"']
        )
    ]


@pipeline()
def naming(suites: list[str]) -> None:
    named.options(matrix={"suite": suites})()


@pytest.mark.parametrize(
    ("suites", "suffixes"), [(["a"], ["-named"]), (["a", "b"], ["-named-0", "-named-1"])]
)
def test_a_single_combination_s_taskrun_is_named_as_tekton_names_an_unmatrixed_one(
    tmp_path: Path, suites: list[str], suffixes: list[str]
) -> None:
    # Tekton's getNewRunNames: one run is `<pipelinerun>-<task>`, more end in their index.
    run = pipeline_run("naming", naming, params={"suites": suites}, timeout="1m")
    result = run_local(run, run_dir=tmp_path / "run", target=TARGET)
    names = result["named"].results["name"]
    assert [name.removeprefix(result.outcome.name) for name in names] == suffixes


def test_a_fan_out_past_tektons_limit_fails_the_task_before_anything_runs(tmp_path: Path) -> None:
    """Tekton checks the 256 limit on literal arrays only; a run's own params could otherwise
    make a local run build and start any number of TaskRuns."""
    result = _run(tmp_path, [f"s{index}" for index in range(300)])
    evaluated = result["evaluate"]
    assert (result.succeeded, evaluated.status) == (False, "Failed")
    assert "the matrix makes 300 combinations; a local run makes at most 256" in evaluated.message
    assert not (tmp_path / "run" / "tasks" / "evaluate").exists()


def test_the_clusters_limit_from_the_target_bounds_a_local_fan_out(tmp_path: Path) -> None:
    run = pipeline_run("evals", evals, params={"suites": ["a", "b", "c"]}, timeout="2m")
    target = Target(namespace="ns", fs_group=1000, gates=Gates(max_matrix_combinations=2))
    result = run_local(run, run_dir=tmp_path / "run", target=target)
    assert "a local run makes at most 2" in result["evaluate"].message
    assert "set [tool.modelcar] max_matrix_combinations" in result["evaluate"].message
