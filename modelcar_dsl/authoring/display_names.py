"""The titles a dashboard shows for a pipeline task (`displayName`). Tekton substitutes params,
task results and context variables in them but validates none, so a typo would reach the
dashboard as literal text: the DSL checks what Tekton does not."""

from __future__ import annotations

import re
from collections.abc import Iterable

from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation
from modelcar_dsl.model.params import ParamSpec
from modelcar_dsl.model.specs import PipelineTaskSpec

_VARIABLE = re.compile(r"\$\(([^()]*)\)")
_PARAM = re.compile(r"params\.([\w-]+)(?:\.[\w-]+|\[(?:\d+|\*)\])?")
_RESULT = re.compile(r"tasks\.([\w-]+)\.results\.([\w-]+)(?:\.[\w-]+|\[(?:\d+|\*)\])?")


def checked_display_name(value: object, location: SourceLocation) -> str | None:
    """A display name as given: non-empty text (an f-string may hold params and results)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DefinitionError(
            f"display_name={value!r}: give the task's title as text, e.g. "
            'f"Evaluate {model.name}"',
            location,
        )
    return value


def checked_title(value: object, kind: str, location: SourceLocation) -> str | None:
    """A Task's or Pipeline's own display name: Tekton substitutes no variables in it (only in
    a pipeline task's), so a `$(...)` would reach the dashboard as written."""
    title = checked_display_name(value, location)
    if title is not None and (variable := _VARIABLE.search(title)):
        raise DefinitionError(
            f"display_name={title!r}: Tekton substitutes no variables in a {kind}'s title, so "
            f"{variable.group(0)} would show as written; give plain text (a pipeline task's "
            "display_name, in .options(), may read params and results)",
            location,
        )
    return title


def check_display_names(tasks: Iterable[PipelineTaskSpec], params: Iterable[ParamSpec]) -> None:
    """Refuse, at the call, a display name naming a param the pipeline lacks or a result its
    task lacks, or a variable Tekton does not substitute there."""
    tasks = tuple(tasks)
    declared = {param.name for param in params}
    results = {task.name: {result.name for result in task.task.results} for task in tasks}
    for task in tasks:
        for variable in _VARIABLE.findall(task.display_name or ""):
            problem = _problem(variable, declared, results)
            if problem:
                raise DefinitionError(
                    f"display_name of task {task.name!r}: $({variable}) {problem}", task.location
                )


def _problem(variable: str, params: set[str], results: dict[str, set[str]]) -> str | None:
    if variable.startswith(("context.", "params[")):
        return None
    if param := _PARAM.fullmatch(variable):
        name = param.group(1)
        if name in params:
            return None
        return f"names no param of the pipeline; its params: {', '.join(sorted(params)) or 'none'}"
    if result := _RESULT.fullmatch(variable):
        task, name = result.groups()
        if task not in results:
            return f"names no task of the pipeline; its tasks: {', '.join(results)}"
        if name in results[task]:
            return None
        known = ", ".join(sorted(results[task])) or "none"
        return f"names no result of task {task!r}; its results: {known}"
    return "is not substituted there: a display name reads params, task results and context"
