"""Placeholders for values known only when Tekton runs: pipeline params, task results, task status.

They render as Tekton variable expressions, so they can be passed as arguments or interpolated
into strings (f-strings, `+`) and the compiler finds them again in the rendered text.
"""

from __future__ import annotations

import re

import attrs

RESULT_REFERENCE = re.compile(r"\$\(tasks\.([^.)\s]+)\.results\.([^.)\[\s]+)")
STATUS_REFERENCE = re.compile(r"\$\(tasks\.([^.)\s]+)\.status\)")
MATRIX_LENGTH_REFERENCE = re.compile(r"\$\(tasks\.([^.)\s]+)\.matrix\.(?:[^.)\s]+\.)?length\)")


class Ref:
    """A Tekton variable; `str()` gives its `$(...)` expression."""

    expression: str

    def __str__(self) -> str:
        return self.expression

    def __format__(self, spec: str) -> str:
        return format(self.expression, spec)

    def __add__(self, other: object) -> str:
        return self.expression + str(other)

    def __radd__(self, other: object) -> str:
        return str(other) + self.expression


@attrs.frozen
class ParamRef(Ref):
    """A pipeline or task param, seen from inside the function that declares it; `catalogue`
    names the CatalogueName type of a catalogue record's field."""

    name: str
    type: str = "string"
    catalogue: str | None = None

    @property
    def expression(self) -> str:  # type: ignore[override]
        if self.type in ("array", "object"):
            return f"$(params.{self.name}[*])"
        return f"$(params.{self.name})"

    def __getitem__(self, key: str) -> ParamRef:
        """One property of an object param, `$(params.obj.key)`."""
        return ParamRef(name=f"{self.name}.{key}")


@attrs.frozen
class ResultRef(Ref):
    """A result of a task in the same pipeline; using it makes a data dependency."""

    task: str
    result: str
    aggregate: bool = False
    """A result of a matrixed task: the array of every combination's value, `[*]`."""

    @property
    def expression(self) -> str:  # type: ignore[override]
        whole = "[*]" if self.aggregate else ""
        return f"$(tasks.{self.task}.results.{self.result}{whole})"

    @property
    def type(self) -> str:
        """What the value stands in for: an array for a matrixed task's result."""
        return "array" if self.aggregate else "string"


@attrs.frozen
class StatusRef(Ref):
    """`$(tasks.<name>.status)`, readable only from finally tasks."""

    task: str

    @property
    def expression(self) -> str:  # type: ignore[override]
        return f"$(tasks.{self.task}.status)"


@attrs.frozen
class MatrixLengthRef(Ref):
    """`$(tasks.<name>.matrix.length)`, or with `result` the number of values of that result
    the matrixed task's runs produced; Tekton orders nothing by it, so the compiler does."""

    task: str
    result: str | None = None

    @property
    def expression(self) -> str:  # type: ignore[override]
        middle = f"{self.result}." if self.result else ""
        return f"$(tasks.{self.task}.matrix.{middle}length)"


PIPELINE_STATUS = "$(tasks.status)"
