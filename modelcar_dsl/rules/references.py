"""`$(tasks.…)` references inside a Pipeline: to a task's results, its status, the pipeline's."""

from __future__ import annotations

import re

import attrs

from modelcar_dsl.rules.variables import Variable

_TASK_VARIABLE = re.compile(
    r"tasks\.(?P<task>[^.\[\]]+)\.(?:results\.(?P<result>[^.\[\]]+)"
    r"(?:\.[^.\[\]]+|\[(?:\*|\d+)\])?|(?P<field>status|reason))"
)
_PIPELINE_STATE = ("tasks.status", "tasks.reason")
_ARTIFACT = re.compile(r"tasks\.[^.]+\.(?:inputs|outputs)\.[^.)]+")
"""`$(tasks.<task>.outputs.<artifact>)`: an artifact, which the feature-gate rule judges."""


@attrs.frozen
class TaskVariable:
    """A `$(tasks.<task>.results.<result>)`, `.status` or `.reason`; `task` is empty for the
    whole pipeline's `$(tasks.status)`."""

    task: str
    result: str | None
    is_state: bool


def task_variable(variable: Variable) -> TaskVariable | None:
    """The task reference `variable` makes, or None if it is not a `$(tasks…)` variable."""
    if variable.expression in _PIPELINE_STATE:
        return TaskVariable("", None, True)
    match = _TASK_VARIABLE.fullmatch(variable.expression)
    if match is None:
        return None
    return TaskVariable(
        match.group("task"), match.group("result"), match.group("field") is not None
    )
