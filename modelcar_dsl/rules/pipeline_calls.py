"""The tasks of a Pipeline as the pipeline rules read them: each task's place, the variables
that order it, and the Task spec it resolves to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from modelcar_dsl.rules.document import Report, SourceDocument, mapping, mappings, sequence
from modelcar_dsl.rules.resource_ref import TaskResolver
from modelcar_dsl.rules.variables import strings, variables


class PipelineTaskCall:
    """One pipeline task: where it sits, the variables in its params, when and matrix (found
    once, read by several rules), and the Task spec it resolved to. A plain class: thousands
    are made per pipeline, and attrs' class creation would cost more at import than it saves."""

    __slots__ = ("body", "is_finally", "name", "path", "spec", "step_variables", "variables")

    def __init__(self, body: dict[str, Any], path: str, is_finally: bool) -> None:
        self.body = body
        self.path = path
        self.is_finally = is_finally
        self.spec: dict[str, Any] | None = None
        self.name = str(body.get("name", ""))
        self.variables = [
            (where, variable)
            for where, value in _dependency_values(body)
            for where, text in strings(value, where)
            for variable in variables(text)
        ]
        """The variables in param values, `when` and matrix values (not names), each with its
        path relative to the task (`.params[0].value`)."""
        self.step_variables = [
            (where, variable)
            for where, text in _step_dependency_strings(mapping(body.get("taskSpec")))
            for variable in variables(text)
        ]
        """The variables of an inline taskSpec's steps and sidecars, which order tasks too
        (paths relative to the task)."""


def _dependency_values(body: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Where Tekton looks for the result references that order a task (PipelineTaskResultRefs):
    param values, matrix and include param values, `when` input, cel and values."""
    matrix = mapping(body.get("matrix"))
    lists = [(".params", body.get("params")), (".matrix.params", matrix.get("params"))]
    for index, include in mappings(matrix.get("include")):
        lists.append((f".matrix.include[{index}].params", include.get("params")))
    for where, params in lists:
        for index, param in mappings(params):
            yield f"{where}[{index}].value", param.get("value")
    for index, when in mappings(body.get("when")):
        for field in ("input", "cel", "values"):
            yield f".when[{index}].{field}", when.get(field)


def _step_dependency_strings(task_spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The step and sidecar fields of an inline taskSpec Tekton reads result references in
    (Step and Sidecar GetVarSubstitutionExpressions)."""
    for section in ("steps", "sidecars"):
        for index, step in mappings(task_spec.get(section)):
            yield from _container_strings(step, f".taskSpec.{section}[{index}]")


def _container_strings(step: dict[str, Any], where: str) -> Iterator[tuple[str, str]]:
    for field in ("name", "image", "imagePullPolicy", "script", "workingDir"):
        if isinstance(step.get(field), str):
            yield f"{where}.{field}", step[field]
    for field in ("command", "args"):
        for position, item in enumerate(sequence(step.get(field))):
            if isinstance(item, str):
                yield f"{where}.{field}[{position}]", item
    for position, env in mappings(step.get("env")):
        if isinstance(env.get("value"), str):
            yield f"{where}.env[{position}].value", env["value"]
        source = mapping(env.get("valueFrom"))
        for ref in ("secretKeyRef", "configMapKeyRef"):
            for key in ("key", "name"):
                value = mapping(source.get(ref)).get(key)
                if isinstance(value, str):
                    yield f"{where}.env[{position}].valueFrom.{ref}.{key}", value


def calls_of(spec: dict[str, Any], path: str) -> list[PipelineTaskCall]:
    """The tasks, then the finally tasks, of a Pipeline spec at `path`."""
    return [
        PipelineTaskCall(body, f"{path}.tasks[{index}]", False)
        for index, body in mappings(spec.get("tasks"))
    ] + [
        PipelineTaskCall(body, f"{path}.finally[{index}]", True)
        for index, body in mappings(spec.get("finally"))
    ]


def pipeline_calls(spec: dict[str, Any], resolve: TaskResolver) -> list[PipelineTaskCall]:
    """A Pipeline's tasks with the Task specs they resolve to, for checks made from a run; what
    is wrong with them is the Pipeline's own rules' to report, so nothing is reported here."""
    calls = calls_of(spec, "spec")
    silent = Report(SourceDocument({}, lambda path: None), [])
    for call in calls:
        if "taskSpec" in call.body:
            call.spec = mapping(call.body["taskSpec"])
        elif mapping(call.body.get("taskRef")).get("name"):
            call.spec = resolve(mapping(call.body["taskRef"]), call.path, silent)
    return calls
