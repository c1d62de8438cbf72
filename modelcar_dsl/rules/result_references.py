"""`$(tasks.<task>.results.<result>)` references inside a Pipeline: what orders its tasks and
what must name a result of the task it reads."""

from __future__ import annotations

import re

import attrs

from modelcar_dsl.rules.variables import Variable

_RESULT_REFERENCE = re.compile(
    r"tasks\.(?P<task>[^.\[\]]+)\.results\.(?P<result>[^.\[\]]+)"
    r"(?:\.[^.\[\]]+|\[(?:\*|\d+)\])?"
)


@attrs.frozen
class ResultReference:
    """The task a `$(tasks.<task>.results.<result>...)` reads, and which of its results."""

    task: str
    result: str


def result_reference(variable: Variable) -> ResultReference | None:
    """The task result `variable` reads, or None if it reads none."""
    match = _RESULT_REFERENCE.fullmatch(variable.expression)
    if match is None:
        return None
    return ResultReference(match.group("task"), match.group("result"))
