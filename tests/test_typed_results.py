"""Array and object task results: declared with their type (and an object's keys), indexed
from the DSL (`files[0]`, `meta.key`), passed whole to array and object params, judged at the
cluster's gates, and read by a local run as Tekton reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcar_dsl import Result, Steps, command_step, pipeline, pipeline_run, task
from modelcar_dsl.compiling.compiler import compile_pipeline, compile_task
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.model.gates import Gates
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.project.local_run import run_local

IMAGE = "registry.example/tools:1"


@task(
    image=IMAGE,
    results=[
        Result("files", "The files built.", type="array"),
        Result("meta", "What was built.", type="object", properties=["model-name", "size"]),
    ],
)
def build() -> Steps:
    """Write an array and an object result."""
    return [
        command_step(
            "build",
            [
                "sh",
                "-c",
                """printf '["a.bin","b.bin"]' > "$RESULT_FILES_PATH"; """
                """printf '{"model-name":"granite","size":"7"}' > "$RESULT_META_PATH\"""",
            ],
        )
    ]


@task(image=IMAGE, results=["out"])
def report(files: list[str], first: str = "", name: str = "") -> Steps:
    """Write what it was given."""
    return [
        command_step(
            "report",
            ["sh", "-c", 'printf "%s %s %s" "$FIRST" "$NAME" "$*" > "$RESULT_OUT_PATH"', "sh"],
            [str(files)],  # `$(params.files[*])`: Tekton expands it into the arguments
        )
    ]


@pipeline()
def built() -> dict[str, object]:
    """Index the results, pass the array whole, and return them."""
    made = build()
    report(first=made.results.files[0], name=made.results.meta.model_name, files=made.results.files)
    return {"files": made.results.files, "size": made.results.meta["size"]}


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_typed_results_are_declared_indexed_and_returned(api: str) -> None:
    target = Target(api=api)  # type: ignore[arg-type]
    results = compile_task(build.spec, target)["spec"]["results"]
    assert results == [
        {"name": "files", "type": "array", "description": "The files built."},
        {
            "name": "meta",
            "type": "object",
            "properties": {"model-name": {"type": "string"}, "size": {"type": "string"}},
            "description": "What was built.",
        },
    ]
    spec = compile_pipeline(built.spec, target)["spec"]
    assert spec["tasks"][1]["params"] == [
        {"name": "files", "value": ["$(tasks.build.results.files[*])"]},
        {"name": "first", "value": "$(tasks.build.results.files[0])"},
        {"name": "name", "value": "$(tasks.build.results.meta.model-name)"},
    ]
    assert spec["results"] == [
        {"name": "files", "type": "array", "value": "$(tasks.build.results.files[*])"},
        {"name": "size", "type": "string", "value": "$(tasks.build.results.meta.size)"},
    ]
    assert check(built, target=target) == []


def test_typed_results_are_judged_at_the_clusters_gates() -> None:
    old = Target(gates=Gates(api_fields="stable", tekton_version=(0, 50)))
    problems = [str(p) for p in check(build, target=old)]
    assert len(problems) == 2, problems
    assert "an array result needs enable-api-fields: beta or alpha" in problems[0]
    assert "an object result needs enable-api-fields: beta or alpha" in problems[1]
    assert check(build, target=Target(gates=Gates(api_fields="stable"))) == []


def test_indexing_what_a_result_lacks_is_refused_at_the_users_line() -> None:
    @pipeline()
    def flow() -> None:
        made = build()
        with pytest.raises(DefinitionError, match=r"indexed with an index 0, 1") as raised:
            print(made.results.files["a"])
        assert raised.value.location is not None
        assert raised.value.location.file.endswith("test_typed_results.py")
        with pytest.raises(DefinitionError, match="one of its keys: 'model-name', 'size'"):
            print(made.results.meta.colour)
        with pytest.raises(DefinitionError, match="is a string, indexed with nothing"):
            print(made.results.files[0][1])

    with pytest.raises(DefinitionError, match="an object result names its keys"):
        Result("meta", type="object")
    with pytest.raises(DefinitionError, match="give string, array or object"):
        Result("n", type="number")  # type: ignore[arg-type]


def test_a_local_run_reads_indexed_results_and_returns_the_array(tmp_path: Path) -> None:
    run = pipeline_run("built", built, timeout="1m")
    result = run_local(run, run_dir=tmp_path / "run", target=Target(namespace="ns", fs_group=1))
    assert result.succeeded, result["report"]
    assert result["report"].results == {"out": "a.bin granite a.bin b.bin"}
    assert result.outcome.results == {"files": ["a.bin", "b.bin"], "size": "7"}


@task(image=IMAGE, results=["out"])
def echo_word(word: str) -> Steps:
    """Write the word it was given."""
    return [command_step("echo", ["sh", "-c", 'printf %s "$WORD" > "$RESULT_OUT_PATH"'])]


@pipeline()
def pick(words: list[str]) -> dict[str, object]:
    """Pass one element of an array param."""
    return {"second": echo_word(word=words[1]).results.out}


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_an_array_params_element_is_passed_as_tekton_indexes_it(api: str, tmp_path: Path) -> None:
    target = Target(api=api, namespace="ns", fs_group=1000)  # type: ignore[arg-type]
    (task_call,) = compile_pipeline(pick.spec, target)["spec"]["tasks"]
    assert task_call["params"] == [{"name": "word", "value": "$(params.words[1])"}]
    assert check(pick, target=target) == []
    run = pipeline_run("pick", pick, params={"words": ["a", "b"]}, timeout="1m")
    result = run_local(run, run_dir=tmp_path / "run", target=target)
    assert result.outcome.results == {"second": "b"}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ('words["x"]', "param 'words' is array, indexed with an index 0, 1"),
        ("words[-1]", "param 'words' is array, indexed with an index 0, 1"),
        ("words[0][0]", "param 'words' is string, indexed with nothing"),
    ],
)
def test_an_array_param_indexed_with_anything_but_an_index_is_refused(
    expression: str, message: str
) -> None:
    with pytest.raises(DefinitionError, match=message) as raised:

        @pipeline()
        def flow(words: list[str]) -> None:
            echo_word(word=eval(expression, {"words": words}))

    assert raised.value.location is not None
