"""Checking a task call's `matrix` and `include` where the user wrote them: the fan-out's shape
is Python's to check (lists, single values, no param given twice); the Tekton rules on the
compiled matrix (combinations, types) are held on the documents, for YAML too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation
from modelcar_dsl.model.refs import Ref


def checked_matrix(matrix: Mapping[str, Any] | None, location: SourceLocation) -> dict[str, Any]:
    """Each matrix param's values as a tuple, or an array variable kept as it is."""
    checked: dict[str, Any] = {}
    for name, values in (matrix or {}).items():
        if isinstance(values, Ref) and getattr(values, "type", "string") == "array":
            checked[name] = values
        elif isinstance(values, list | tuple) and not any(
            isinstance(value, list | tuple | Mapping) for value in values
        ):
            checked[name] = tuple(values)
        else:
            raise DefinitionError(
                f"matrix param {name!r} is {values!r}; a matrix param takes a list of values, "
                f"one per run (e.g. {name}=[...]), or an array param or matrixed result",
                location,
            )
    return checked


def checked_include(
    include: Mapping[str, Mapping[str, Any]] | None, location: SourceLocation
) -> dict[str, dict[str, Any]]:
    """Each named combination's params, each a single value."""
    checked: dict[str, dict[str, Any]] = {}
    for name, entry in (include or {}).items():
        if not isinstance(entry, Mapping) or any(
            isinstance(value, list | tuple | Mapping) for value in entry.values()
        ):
            raise DefinitionError(
                f"include {name!r} is {entry!r}; an include entry maps params to one value "
                'each, e.g. {"limit": "100"}',
                location,
            )
        checked[name] = dict(entry)
    return checked


def check_not_given_twice(
    arguments: Mapping[str, Any], matrix: Mapping[str, Any], location: SourceLocation
) -> None:
    """A param comes from the matrix or from the call, never both (Tekton refuses it)."""
    twice = sorted(name for name in arguments if name in matrix)
    if twice:
        raise DefinitionError(
            f"{', '.join(repr(name) for name in twice)} {'is' if len(twice) == 1 else 'are'} "
            "in the matrix and passed to the call; give each param once: in the matrix to fan "
            "out over it, or in the call for one value in every run",
            location,
        )
