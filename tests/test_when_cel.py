"""`call.when_cel(...)`: a CEL guard, written as Tekton's `cel:` when expression in both API
versions, refused where the cluster leaves enable-cel-in-whenexpression off, shown in the graph,
and refused by a local run before it starts (it cannot evaluate CEL as Tekton does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcar_dsl import Steps, command_step, pipeline, pipeline_run, task
from modelcar_dsl.compiling.compiler import compile_pipeline
from modelcar_dsl.diagnostics.errors import DefinitionError, LocalRunError
from modelcar_dsl.model.gates import Gates
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.project.local_run import run_local
from modelcar_dsl.review.graph_formats import to_text

IMAGE = "registry.example/tools:1"
CEL_ON = Gates(flags=(("enable-cel-in-whenexpression", "true"),))


@task(image=IMAGE, results=["score"])
def evaluate() -> Steps:
    """Write a score."""
    return [command_step("score", ["sh", "-c", 'printf 0.95 > "$RESULT_SCORE_PATH"'])]


@task(image=IMAGE)
def publish(branch: str = "") -> Steps:
    """Publish."""
    return [command_step("publish", ["true"])]


@pipeline()
def gated(branch: str = "main") -> None:
    """Publish only a good score from a release branch."""
    scored = evaluate()
    publish(branch=branch).when_cel(f"'{branch}'.matches('release/.*')").when_cel(
        f"{scored.results.score} > 0.9"
    )


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_a_cel_guard_is_written_and_makes_a_data_edge(api: str) -> None:
    target = Target(api=api, gates=CEL_ON)  # type: ignore[arg-type]
    task_body = compile_pipeline(gated.spec, target)["spec"]["tasks"][1]
    assert task_body["when"] == [
        {"cel": "'$(params.branch)'.matches('release/.*')"},
        {"cel": "$(tasks.evaluate.results.score) > 0.9"},
    ]
    assert "runAfter" not in task_body  # the result it reads orders it
    assert gated.graph.order() == ["evaluate", "publish"]
    assert check(gated, target=target) == []
    assert "    when $(tasks.evaluate.results.score) > 0.9\n" in to_text(gated.graph)


def test_cel_needs_the_flag() -> None:
    problems = [str(p) for p in check(gated, target=Target())]
    assert len(problems) == 2, problems
    assert all(
        "CEL in when needs the feature flag enable-cel-in-whenexpression" in p for p in problems
    )


def test_an_empty_expression_is_refused_and_a_local_run_refuses_cel(tmp_path: Path) -> None:
    @pipeline()
    def flow() -> None:
        with pytest.raises(DefinitionError, match=r"when_cel\(\) takes a CEL expression"):
            publish().when_cel(" ")

    with pytest.raises(LocalRunError, match="CEL when expression"):
        run_local(
            pipeline_run("gated", gated, timeout="1m"),
            run_dir=tmp_path / "run",
            target=Target(namespace="ns", fs_group=1, gates=CEL_ON),
        )
