"""A Pipeline's results (Tekton's validatePipelineResults): each reads results of the
pipeline's tasks, `$(tasks.X.results.Y)` or, of a finally task, `$(finally.X.results.Y)`."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.names import RESULT_NAME, RESULT_NAME_RULE, did_you_mean, pattern_problem
from modelcar_dsl.rules.declarations import duplicate_findings
from modelcar_dsl.rules.document import mappings
from modelcar_dsl.rules.findings import Finding, via_index
from modelcar_dsl.rules.pipeline_variables import expressions, looks_like_result
from modelcar_dsl.rules.variables import strings


def pipeline_results_findings(
    results: Any, regular: set[str], finally_names: set[str]
) -> list[Finding]:
    """The problems of a Pipeline's `results` list, the tasks and finally tasks it may read."""
    findings: list[Finding] = []
    names = []
    for index, result in mappings(results):
        name = result.get("name")
        if isinstance(name, str):
            names.append((index, name))
        findings += via_index(_result_findings(result, regular, finally_names), index)
    return findings + duplicate_findings(
        names, catalog.RESULT_DUPLICATE, lambda name: f"result {name!r} is declared twice"
    )


def _result_findings(
    result: dict[str, Any], regular: set[str], finally_names: set[str]
) -> list[Finding]:
    findings = []
    name = result.get("name")
    if isinstance(name, str) and (
        problem := pattern_problem(name, RESULT_NAME, "result name", RESULT_NAME_RULE)
    ):
        # validatePipelineResults reads the values, not the names (a Task's are checked).
        findings.append(Finding(catalog.RESULT_NAME, problem, origin="modelcar").via_field("name"))
    value = result.get("value")
    found = [expression for _, text in strings(value, "") for expression in expressions(text)]
    if not found or not any(looks_like_result(expression) for expression in found):
        message = (
            "a pipeline result's value must read a task result: "
            "$(tasks.<task>.results.<name>), or $(finally.<task>.results.<name>)"
        )
        findings.append(Finding(catalog.PIPELINE_RESULT, message).via_field("value"))
    elif isinstance(value, str) and (
        missing := _result_source_problem(value, regular, finally_names)
    ):
        findings.append(Finding(catalog.PIPELINE_RESULT, missing).via_field("value"))
    return findings


def _result_source_problem(value: str, regular: set[str], finally_names: set[str]) -> str | None:
    """Tekton reads every `$`-separated piece of a string result value as a result reference
    (taskContainsResult): text before the first reference, or a task not in the pipeline,
    is refused."""
    for piece in value.split("$"):
        if not piece:
            continue
        expression = ("$" + piece).removeprefix("$(").removesuffix(")")
        parts = expression.split(".")
        if not looks_like_result(expression) or len(parts) not in (4, 5):
            return (
                f"{value!r} holds {piece!r}, which is not a result reference; a string result "
                "value may only hold $(tasks.<task>.results.<name>) references"
            )
        tasks = regular if parts[0] == "tasks" else finally_names
        if parts[1] not in tasks:
            kind = "task" if parts[0] == "tasks" else "finally task"
            return f"reads {kind} {parts[1]!r}, which is not in this pipeline" + did_you_mean(
                parts[1], tasks
            )
    return None
