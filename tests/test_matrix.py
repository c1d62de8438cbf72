"""A task call's matrix: `.options(matrix=..., include=...)` compiled for v1 and v1beta1, held
to Tekton's matrix rules at the user's line, a catalogue's versions as include entries, the
and the graph's note of the fan-out (tests/test_local_matrix.py runs one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelcar_dsl import Steps, pipeline, script_step, task
from modelcar_dsl.compiling.compiler import compile_pipeline
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.model.gates import Gates
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.review.graph_formats import to_text
from modelcar_tasks.catalogue import model_matrix
from pipelines.catalogue import MISTRAL_24B_FULL, MISTRAL_24B_QUANTIZED
from tests.conftest import run_modelcar

IMAGE = "registry.example/tools:1"


@task(image=IMAGE, results=["score"])
def evaluate(suite: str, limit: int = 0, endpoint: str = "") -> Steps:
    """Score one suite."""
    return [script_step("fixtures/hello.sh")]


@task(image=IMAGE)
def summarize(scores: list[str], count: str = "") -> Steps:
    """Gather the scores."""
    return [script_step("fixtures/hello.sh")]


@pipeline()
def evals(endpoint: str) -> None:
    scored = evaluate.options(
        matrix={"suite": ["arc_easy", "hellaswag"]}, include={"quick": {"limit": 10}}
    )(endpoint=endpoint)
    summarize(scores=scored.results.score, count=scored.matrix_length())


def _tasks(document: dict[str, Any]) -> dict[str, Any]:
    return {task["name"]: task for task in document["spec"]["tasks"]}


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_a_matrix_compiles_with_its_include_and_results_read_whole(api: str) -> None:
    tasks = _tasks(compile_pipeline(evals.spec, Target(api=api)))  # type: ignore[arg-type]
    assert tasks["evaluate"]["matrix"] == {
        "params": [{"name": "suite", "value": ["arc_easy", "hellaswag"]}],
        "include": [{"name": "quick", "params": [{"name": "limit", "value": "10"}]}],
    }
    assert tasks["evaluate"]["params"] == [{"name": "endpoint", "value": "$(params.endpoint)"}]
    assert tasks["summarize"]["params"] == [
        {"name": "scores", "value": ["$(tasks.evaluate.results.score[*])"]},
        {"name": "count", "value": "$(tasks.evaluate.matrix.length)"},
    ]
    assert check(evals, target=Target(api=api)) == []  # type: ignore[arg-type]


def test_reading_the_matrix_length_alone_orders_the_reader_after_the_fan_out() -> None:
    @pipeline()
    def counted() -> None:
        scored = evaluate.options(matrix={"suite": ["a", "b"]})()
        summarize(scores=["x"], count=scored.matrix_length())

    assert _tasks(compile_pipeline(counted.spec, Target()))["summarize"]["runAfter"] == ["evaluate"]


@pytest.mark.parametrize(
    ("gates", "needs"),
    [
        (Gates(api_fields="stable"), "beta or alpha"),
        (Gates(tekton_version=(0, 50)), "alpha"),  # matrix was alpha until Tekton 0.53
    ],
)
def test_a_matrix_is_refused_where_the_cluster_gates_it(gates: Gates, needs: str) -> None:
    problems = check(evals, target=Target(gates=gates))
    assert [(p.rule, p.path) for p in problems] == [("feature-gate", "spec.tasks[0].matrix")]
    assert f"matrix needs enable-api-fields: {needs};" in problems[0].message
    assert problems[0].location == evals.spec.tasks[0].location


def test_a_param_in_the_matrix_and_the_call_is_refused_at_the_call() -> None:
    with pytest.raises(DefinitionError, match="'suite' is in the matrix and passed"):

        @pipeline()
        def twice() -> None:
            evaluate.options(matrix={"suite": ["a"]})(suite="b")


def test_a_matrix_param_must_be_a_list() -> None:
    with pytest.raises(DefinitionError, match="takes a list of values"):

        @pipeline()
        def single() -> None:
            evaluate.options(matrix={"suite": "arc"})()


def test_matrix_values_are_checked_against_the_task_params() -> None:
    @pipeline()
    def wrong() -> None:
        evaluate.options(matrix={"limit": ["ten"], "suite": ["a"]})()
        summarize.options(matrix={"scores": ["a"]})()

    problems = check(wrong)
    assert [(p.rule, p.path) for p in problems] == [
        ("param-value-type", "spec.tasks[0].matrix.params[limit]"),
        ("param-value-type", "spec.tasks[1].matrix.params[scores]"),
    ]
    assert all(p.location is not None and p.location.line > 0 for p in problems)


def test_more_runs_than_tekton_allows_are_refused() -> None:
    @pipeline()
    def huge() -> None:
        evaluate.options(matrix={"suite": [str(n) for n in range(20)], "limit": list(range(13))})()

    problems = check(huge)
    assert [p.rule for p in problems] == ["matrix"]
    assert "makes 260 runs" in problems[0].message
    # A cluster whose config-defaults allow more takes it; one that allows fewer refuses less.
    assert check(huge, target=Target(gates=Gates(max_matrix_combinations=260))) == []
    (fewer,) = check(evals, target=Target(gates=Gates(max_matrix_combinations=1)))
    assert "makes 2 runs, more than the cluster's default-max-matrix-combinations-count, 1" in (
        fewer.message
    )


MATRIX_PIPELINE = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: sweep
spec:
  tasks:
    - name: evaluate
      taskSpec:
        params: [{name: suite}]
        steps: [{name: s, image: busybox, script: echo}]
      matrix:
        params:
          - name: suite
            value: [a, b, c]
"""


@pytest.mark.parametrize(
    ("setting", "options", "exit_code"),
    [
        ("", (), 0),
        ("max_matrix_combinations = 2\n", (), 1),
        ("max_matrix_combinations = 2\n", ("--max-matrix-combinations", "3"), 0),
        ('max_matrix_combinations = "many"\n', (), 2),
    ],
)
def test_validate_takes_the_clusters_limit_from_the_project_or_the_option(
    tmp_path: Path, setting: str, options: tuple[str, ...], exit_code: int
) -> None:
    (tmp_path / "pyproject.toml").write_text(f'[tool.modelcar]\nmodules = ["flows"]\n{setting}')
    (tmp_path / "sweep.yaml").write_text(MATRIX_PIPELINE)
    result = run_modelcar("validate", *options, "sweep.yaml", cwd=tmp_path)
    assert result.exit_code == exit_code, result.stdout + result.stderr
    if exit_code == 1:
        assert "makes 3 runs" in result.stdout
    if exit_code == 2:
        assert "max_matrix_combinations must be a whole number from 1" in result.stderr


def test_a_catalogue_expands_into_one_include_entry_per_version() -> None:
    include = model_matrix([MISTRAL_24B_FULL, MISTRAL_24B_QUANTIZED], suite="quantization")
    assert include == {
        f"{MISTRAL_24B_FULL.registry_name}-{MISTRAL_24B_FULL.version}": {
            "suite": MISTRAL_24B_FULL.quantization
        },
        f"{MISTRAL_24B_QUANTIZED.registry_name}-{MISTRAL_24B_QUANTIZED.version}": {
            "suite": MISTRAL_24B_QUANTIZED.quantization
        },
    }
    with pytest.raises(DefinitionError, match="field 'include', which is not a single"):
        model_matrix([MISTRAL_24B_FULL], suite="include")


def test_the_graph_notes_the_fan_out() -> None:
    assert "matrix: suite (2), + include quick" in to_text(evals.graph)


def test_the_count_is_tektons_count_combinations() -> None:
    """One count serves the rule and `modelcar run`, checked on tektoncd/pipeline's
    docs/matrix.md example (seven runs) and on a whole-array reference, which Tekton's webhook
    counts as an empty array that an include entry's value is not in."""
    from modelcar_dsl.rules.matrix import count_combinations

    params = [("GOARCH", ["amd64", "ppc64le", "s390x"]), ("version", ["go1.17", "go1.18.1"])]
    includes = [
        {"package": "path/to/common/package/"},
        {"GOARCH": "s390x", "flags": "-cover -v"},
        {"version": "go1.17", "context": "path/to/go117/context"},
        {"GOARCH": "I-do-not-exist"},
    ]
    assert count_combinations(params, includes) == 7
    assert count_combinations([("suite", "$(params.suites[*])")], [{"suite": "x"}]) == 2
    assert count_combinations([], includes) == 4
