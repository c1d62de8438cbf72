"""Placeholders for values known only when Tekton runs: pipeline params, task results, task status.

They render as Tekton variable expressions, so they can be passed as arguments or interpolated
into strings (f-strings, `+`) and the compiler finds them again in the rendered text.
"""

from __future__ import annotations

import re

import attrs

from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import caller_location

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
    index: int | None = None
    """An element of an array param (`words[0]`, `$(params.words[0])`), which is a string."""

    @property
    def expression(self) -> str:  # type: ignore[override]
        if self.index is not None:
            return f"$(params.{self.name}[{self.index}])"
        if self.type in ("array", "object"):
            return f"$(params.{self.name}[*])"
        return f"$(params.{self.name})"

    def __getitem__(self, key: int | str) -> ParamRef:
        """`words[0]` of an array param, `obj["key"]` of an object param: a string."""
        if self.type == "array" and isinstance(key, int) and _is_index(key):
            return attrs.evolve(self, type="string", index=key)
        if self.type == "object" and isinstance(key, str):
            return ParamRef(name=f"{self.name}.{key}")
        wanted = {
            "array": "an index 0, 1, ...",
            "object": "one of its keys, a string",
        }.get(self.type, "nothing: only array and object params are indexed")
        raise DefinitionError(
            f"{self.expression}[{key!r}]: param {self.name!r} is {self.type}, indexed with "
            f"{wanted}",
            caller_location(),
        )


@attrs.frozen
class ResultRef(Ref):
    """A result of a task in the same pipeline; using it makes a data dependency."""

    task: str
    result: str
    type: str = "string"
    path: str = ""
    """An element of an array result (`[0]`) or a key of an object result (`.key`)."""
    properties: tuple[str, ...] = ()
    """An object result's keys."""

    @property
    def expression(self) -> str:  # type: ignore[override]
        whole = "[*]" if self.type != "string" and not self.path else ""
        return f"$(tasks.{self.task}.results.{self.result}{self.path or whole})"

    def __getitem__(self, key: int | str) -> ResultRef:
        """`files[0]` of an array result, `meta["key"]` of an object result: a string."""
        if self.type == "array" and _is_index(key):
            return attrs.evolve(self, type="string", path=f"[{key}]", properties=())
        if self.type == "object" and key in self.properties:
            return attrs.evolve(self, type="string", path=f".{key}", properties=())
        if self.type == "object":
            kind, wanted = "an object", f"one of its keys: {', '.join(map(repr, self.properties))}"
        elif self.type == "array":
            kind, wanted = "an array", "an index 0, 1, ..."
        else:
            kind = "a string"
            wanted = 'nothing: declare it Result(..., type="array") or type="object" to index it'
        raise DefinitionError(
            f"{self.expression}[{key!r}]: result {self.result!r} of task {self.task!r} is "
            f"{kind}, indexed with {wanted}",
            caller_location(),
        )

    def __getattr__(self, key: str) -> ResultRef:
        """`meta.key` of an object result (`meta.model_name` reads key `model-name` too)."""
        if key.startswith("_") or self.type != "object":
            raise AttributeError(key)
        dashed = key.replace("_", "-")
        return self[key if key in self.properties or dashed not in self.properties else dashed]


def _is_index(key: object) -> bool:
    return isinstance(key, int) and not isinstance(key, bool) and key >= 0


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
