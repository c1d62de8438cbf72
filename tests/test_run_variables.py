"""Tekton's `$(...)` substitution as the local runner applies it: one pass, only Tekton's own
heads, arrays expanded in place, objects by key."""

from __future__ import annotations

import pytest

from modelcar_dsl.running.variables import (
    UnresolvedReference,
    Value,
    references,
    substitute,
    substitute_list,
    substitute_value,
)

VALUES: dict[str, Value] = {
    "params.word": "$(params.other)",
    "params.other": "never read",
    "params.shell": "$(rm -rf /)",
    "params.names": ["a b", "c"],
    "params.endpoint": {"url": "https://x", "token": "t"},
    "params.dotted.name": "dots",
    "tasks.first.results.out": "$(context.pipelineRun.name)",
    "context.pipelineRun.name": "run-abcde",
}


def test_a_value_put_in_is_never_read_again() -> None:
    assert substitute("<$(params.word)>", VALUES) == "<$(params.other)>"
    assert substitute("$(params.shell)", VALUES) == "$(rm -rf /)"
    assert substitute("$(tasks.first.results.out)", VALUES) == "$(context.pipelineRun.name)"


def test_references_tekton_does_not_own_are_left_for_the_shell() -> None:
    text = 'echo "$(date)" $(basename "$x") $HOME ${HOME}'
    assert substitute(text, VALUES) == text


def test_an_unknown_reference_is_left_as_written() -> None:
    assert substitute("$(params.missing) $(context.taskRun.name)", VALUES) == (
        "$(params.missing) $(context.taskRun.name)"
    )


def test_bracketed_names_read_the_dotted_value() -> None:
    assert substitute("""$(params["dotted.name"]) $(params['word'])""", VALUES) == (
        "dots $(params.other)"
    )


def test_arrays_expand_in_place_in_argv_and_as_json_in_text() -> None:
    assert substitute_list(["x", "$(params.names[*])", "y"], VALUES) == ["x", "a b", "c", "y"]
    assert substitute("$(params.names[1])", VALUES) == "c"
    assert substitute("all: $(params.names[*])", VALUES) == 'all: ["a b","c"]'
    with pytest.raises(UnresolvedReference, match="past the array's end"):
        substitute("$(params.names[2])", VALUES)


def test_objects_by_key_and_whole() -> None:
    assert substitute("$(params.endpoint.url)", VALUES) == "https://x"
    assert substitute_value("$(params.endpoint[*])", VALUES) == {"url": "https://x", "token": "t"}
    assert substitute("$(params.endpoint.missing)", VALUES) == "$(params.endpoint.missing)"


def test_pipeline_task_params_keep_their_type() -> None:
    assert substitute_value("$(params.names[*])", VALUES) == ["a b", "c"]
    assert substitute_value(["$(params.names[*])", "$(params.shell)"], VALUES) == [
        "a b",
        "c",
        "$(rm -rf /)",
    ]
    assert substitute_value({"k": "$(params.word)"}, VALUES) == {"k": "$(params.other)"}
    assert substitute_value(3, VALUES) == "3"


def test_references_are_listed_normalised() -> None:
    assert references("""$(params["a.b"]) $(tasks.t.results.r[0]) $(date)""") == [
        "params.a.b",
        "tasks.t.results.r[0]",
    ]
