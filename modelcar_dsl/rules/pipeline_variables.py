"""`$(...)` variables in a pipeline task's params, `when` and `matrix`, judged as Tekton judges
them (pkg/apis/pipeline/v1/pipeline_validation.go, param_types.go, when_validation.go,
matrix_types.go): which prefixes exist, which params a Pipeline of its own may name and how
arrays and objects are used, the context variables, execution status only in finally, and
results only of tasks that run before. What Tekton leaves to run time is reported as such."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TypeGuard

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.catalog import Origin
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.rules.declarations import param_type
from modelcar_dsl.rules.document import Report, mapping, mappings, sequence
from modelcar_dsl.rules.findings import Finding
from modelcar_dsl.rules.reference_patterns import (
    located_references,
    missing_key_message,
    references,
    undeclared_message,
    whole_references,
)

EXPRESSION = re.compile(r"\$\([_a-zA-Z0-9.-]+(?:\.[_a-zA-Z0-9.-]+)*(?:\[(?:[0-9]+|\*)\])?\)")
"""The simple `$(a.b.c)` form Tekton reads expressions in, for prefixes, status and results."""
PREFIXES = ("params", "tasks", "finally", "context", "workspaces", "results")
_ISOLATED_WHOLE = re.compile(
    r"""\$\(params(?:\.[_a-zA-Z0-9.-]+\[\*\]|\["[_a-zA-Z0-9.-]+\[\*\]"\]|\['[_a-zA-Z0-9.-]+\[\*\]'\])\)"""
)
CONTEXT = (
    (r"context\.pipelineRun", ("name", "namespace", "uid")),
    (r"context\.pipeline", ("name",)),
    (r"context\.pipelineTask", ("retries",)),
)
AGGREGATE_STATUS = "tasks.status"
MATRIX_STRING = "matrix-string"
"""How `call_strings` marks a matrix param's string value, whose prefixes alone Tekton checks."""


def expressions(text: str) -> list[str]:
    return [match.group(0)[2:-1] for match in EXPRESSION.finditer(text)]


def looks_like_result(expression: str) -> bool:
    parts = expression.split(".")
    return len(parts) >= 4 and parts[0] in ("tasks", "finally") and parts[2] == "results"


def is_matrix_length(expression: str) -> bool:
    """`tasks.X.matrix.length` or `tasks.X.matrix.R.length`, the matrix context variables."""
    parts = expression.split(".")
    shape = len(parts) in (4, 5) and parts[2] == "matrix" and parts[-1] == "length"
    return parts[0] == "tasks" and shape


def call_strings(body: dict[str, Any], path: str) -> Iterator[tuple[str, str, str]]:
    """(field path, text, how Tekton reads it: `string`, `item` of an array, `isolatable`
    string param value, `when-value`) of the strings Tekton checks in a pipeline task that
    hold a variable (the others, nearly all, cost one test)."""
    for index, param in mappings(body.get("params")):
        yield from _param_strings(param.get("value"), f"{path}.params[{index}].value", True)
    for index, when in mappings(body.get("when")):
        where = f"{path}.when[{index}]"
        if _has_variable(when.get("input")):
            yield f"{where}.input", when["input"], "string"
        for position, value in enumerate(sequence(when.get("values"))):
            if _has_variable(value):
                yield f"{where}.values[{position}]", value, "when-value"
    matrix = mapping(body.get("matrix"))
    for index, param in mappings(matrix.get("params")):
        value = param.get("value")
        if _has_variable(value):
            yield f"{path}.matrix.params[{index}].value", value, MATRIX_STRING
        for position, item in enumerate(sequence(value)):
            if _has_variable(item):
                yield f"{path}.matrix.params[{index}].value[{position}]", item, "item"
    for include, entry in mappings(matrix.get("include")):
        for index, param in mappings(entry.get("params")):
            value = param.get("value")
            if _has_variable(value):
                where = f"{path}.matrix.include[{include}].params[{index}].value"
                yield where, value, "string"


def _has_variable(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and "$(" in value


def _param_strings(value: Any, path: str, isolatable: bool) -> Iterator[tuple[str, str, str]]:
    if _has_variable(value):
        yield path, value, "isolatable" if isolatable else "string"
    elif isinstance(value, list):
        for position, item in enumerate(value):
            if _has_variable(item):
                yield f"{path}[{position}]", item, "item"
    elif isinstance(value, dict):
        for key, item in value.items():
            if _has_variable(item):
                yield f"{path}.{key}", item, "string"


def param_name_findings(text: str, how: str, params: dict[str, dict[str, Any]]) -> list[Finding]:
    """Tekton's param checks on one string of a pipeline task (validateStringVariable,
    validateArrayVariable): known names, object keys, whole objects and arrays only where
    they may stand."""
    arrays = {name for name, param in params.items() if param_type(param) == "array"}
    # An object param is one only with properties: Tekton's checks take the object names from
    # their keys (validatePipelineTaskParameterUsage's objectParameterNameKeys).
    objects = {
        name: mapping(param.get("properties"))
        for name, param in params.items()
        if param_type(param) == "object" and mapping(param.get("properties"))
    }
    if how == "when-value":
        reference = text.removeprefix("$(params.").removesuffix("[*])")
        how = "item" if reference in arrays else "string"
    found, error = located_references(text, "params")
    problem = error or undeclared_message(found, params, "param")
    if not problem and not (how == "isolatable" and _ISOLATED_WHOLE.fullmatch(text)):
        problem = _missing_key_problem(text, objects)
    if problem:
        return [Finding(catalog.PIPELINE_VARIABLE, problem)]
    if how == "isolatable" and _ISOLATED_WHOLE.fullmatch(text):
        return []
    whole = [name.removesuffix("[*]") for _, name in found]
    isolation = _isolation_problem(text, how, whole, arrays, objects)
    return [Finding(catalog.ARRAY_ISOLATION, isolation)] if isolation else []


def _missing_key_problem(text: str, objects: dict[str, dict[str, Any]]) -> str | None:
    """A key of an object param that its properties do not declare."""
    for name, keys in objects.items():
        keyed, _ = located_references(text, rf"params\.{re.escape(name)}")
        if message := missing_key_message(keyed, name, keys):
            return message
    return None


def _isolation_problem(
    text: str, how: str, whole: list[str], arrays: set[str], objects: dict[str, Any]
) -> str | None:
    """A whole object, or a whole array where it may not stand: in a longer string, or in a
    string (not an array item)."""
    entire = [name.removesuffix("[*]") for name in whole_references(text, "params")]
    if any(name in objects for name in entire):
        return (
            f"{text!r} uses a whole object param; pass it alone as $(params.name[*]), or "
            "one key at a time ($(params.name.key))"
        )
    if not any(name in arrays for name in whole):
        return None
    if how != "item":
        return (
            f"{text!r} uses a whole array param in a string; pass $(params.name[*]) alone, "
            "as an array value, or one item ($(params.name[0]))"
        )
    first = re.search(r"\$\(params[^)]*\)", text)
    if first and first.group(0) != text:
        return f"{text!r} uses an array param inside a longer string; it must stand alone"
    return None


def prefix_findings(text: str) -> list[Finding]:
    """Variables whose prefix Tekton does not know (often a shell variable meant)."""
    return [
        Finding(
            catalog.PIPELINE_VARIABLE,
            f"$({expression}) does not start with one of {', '.join(PREFIXES)}; if you "
            "meant a shell variable, write ${VAR}",
        )
        for expression in expressions(text)
        if expression.split(".", 1)[0] not in PREFIXES
    ]


def context_findings(text: str, at_admission: bool) -> list[Finding]:
    """`$(context.pipelineRun.*)`, `$(context.pipeline.*)`, `$(context.pipelineTask.*)` must
    exist. Tekton's webhook checks the param values of the last task of a list only; in the
    others an unknown one stays unresolved at run time."""
    findings = []
    origin: Origin | None = None if at_admission else "run"
    for prefix, known in CONTEXT:
        found, _ = references(text, prefix)
        shown = prefix.replace("\\", "")
        listed = ", ".join(f"$({shown}.{each})" for each in known)
        for name in found:
            if name not in known:
                message = f"$({shown}.{name}) is not a variable Tekton provides; known: {listed}"
                findings.append(Finding(catalog.PIPELINE_VARIABLE, message, origin=origin))
    return findings


def check_status(
    texts: list[tuple[str, str]], is_finally: bool, regular: set[str], report: Report
) -> None:
    """Execution status (`$(tasks.X.status)`, `.reason`, `$(tasks.status)`) only in finally, of
    tasks the pipeline has; Tekton skips a string list that also reads a result, and reads
    params and `when` only (validateExecutionStatusVariablesDisallowed): in a matrix the
    variable stays unresolved at run time."""
    for path, text in texts:
        origin: Origin | None = "run" if ".matrix." in path else None
        found = expressions(text)
        if any(looks_like_result(expression) for expression in found):
            continue
        for expression in found:
            if not expression.startswith("tasks.") or not expression.endswith(
                (".status", ".reason")
            ):
                continue
            if not is_finally:
                report(
                    path,
                    catalog.TASK_STATUS,
                    f"$({expression}) can only be read by finally tasks",
                    origin=origin,
                )
                break
            task = expression.removeprefix("tasks.").rsplit(".", 1)[0]
            if expression != AGGREGATE_STATUS and task not in regular:
                report(
                    path,
                    catalog.RESULT_REFERENCE,
                    f"$({expression}) names task {task!r}, which is not a task of this pipeline"
                    + did_you_mean(task, regular),
                    origin=origin,
                )
