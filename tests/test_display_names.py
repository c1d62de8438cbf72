"""`display_name`: a pipeline task's title in dashboards, which may read the pipeline's params
and task results as Tekton substitutes them; the DSL checks the names Tekton leaves unchecked."""

from __future__ import annotations

import pytest

from modelcar_dsl import Result, Steps, command_step, pipeline, task
from modelcar_dsl.compiling.compiler import compile_pipeline
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check

IMAGE = "registry.example/tools:1"


@task(image=IMAGE, results=[Result("score", "The score.")])
def evaluate(suite: str = "mmlu") -> Steps:
    """Write a score."""
    return [command_step("score", ["sh", "-c", 'printf 7 > "$RESULT_SCORE_PATH"'])]


@pipeline()
def titled(model: str = "granite") -> None:
    """Tasks with titles reading a param and a result."""
    first = evaluate.options(display_name=f"Evaluate {model}")()
    evaluate.options(name="second", display_name=f"After a score of {first.results.score}")(
        suite="arc"
    ).after(first)


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_display_name_is_written_after_the_name(api: str) -> None:
    target = Target(api=api)  # type: ignore[arg-type]
    tasks = compile_pipeline(titled.spec, target)["spec"]["tasks"]
    assert list(tasks[0])[:2] == ["name", "displayName"]
    assert [t["displayName"] for t in tasks] == [
        "Evaluate $(params.model)",
        "After a score of $(tasks.evaluate.results.score)",
    ]
    assert check(titled, target=target) == []


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("For $(params.modle)", r"\$\(params.modle\) names no param of the pipeline; its params: "),
        ("$(tasks.nope.results.score)", "names no task of the pipeline"),
        (
            "$(tasks.evaluate.results.scroe)",
            "names no result of task 'evaluate'; its results: score",
        ),
        ("$(workspaces.data.path)", "is not substituted there"),
    ],
)
def test_a_display_name_naming_what_the_pipeline_lacks_is_refused(title: str, message: str) -> None:
    with pytest.raises(DefinitionError, match=message) as raised:

        @pipeline()
        def flow(model: str = "granite") -> None:
            first = evaluate(suite=model)
            evaluate.options(name="second", display_name=title)().after(first)

    assert raised.value.location is not None
    assert raised.value.location.file.endswith("test_display_names.py")


def test_context_variables_are_allowed_and_empty_titles_refused() -> None:
    @pipeline()
    def flow() -> None:
        evaluate.options(display_name="Run $(context.pipelineRun.name)")()

    assert compile_pipeline(flow.spec, Target())["spec"]["tasks"][0]["displayName"] == (
        "Run $(context.pipelineRun.name)"
    )
    with pytest.raises(DefinitionError, match="give the task's title as text"):
        evaluate.options(display_name=" ")
