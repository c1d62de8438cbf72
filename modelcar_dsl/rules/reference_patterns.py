"""Tekton's patterns for the names a `$(params...)`, `$(results...)` or `$(context...)`
variable refers to (pkg/substitution), shared by the Task, Pipeline and StepAction rules so
that each extracts names exactly as Tekton's webhook does."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection

from modelcar_dsl.formats.names import did_you_mean

INDEX = re.compile(r"\[[0-9]*\*?\]")
"""Array indexing (`[0]`, `[*]`), which Tekton trims before it looks a name up."""


@functools.lru_cache(maxsize=256)
def _reference(prefix: str) -> re.Pattern[str]:
    """Tekton's reference pattern for `prefix`: `$(prefix.x)`, `$(prefix["x"])`, `$(prefix['x'])`,
    each optionally ending in `[*]`; the name is matched lazily up to the first `)`."""
    name = r".*?(?:\[\*\])?"
    return re.compile(
        rf"""\$\({prefix}(?:\.(?P<dot>{name})|\["(?P<double>{name})"\]|\['(?P<single>{name})'\])\)"""
    )


def references(text: str, prefix: str) -> tuple[list[str], str | None]:
    """The names `text` refers to under `prefix` as Tekton extracts them (the part before a
    second dot), and Tekton's error when a dotted reference has more than two parts."""
    found, error = located_references(text, prefix)
    return [name for _, name in found], error


def located_references(text: str, prefix: str) -> tuple[list[tuple[str, str]], str | None]:
    """`references`, each with the variable's own text (`$(params.x)`)."""
    found: list[tuple[str, str]] = []
    for match in _reference(prefix).finditer(text):
        dotted = match.group("dot")
        if dotted and "." in dotted:
            parts = dotted.split(".")
            if len(parts) > 2:
                return found, (
                    f"{match.group(0)} has more than two dot-separated parts after '"
                    f"{prefix.replace(chr(92), '')}'; use the bracket form "
                    f'$({prefix.replace(chr(92), "")}["a.b"]) for a name with dots'
                )
            found.append((match.group(0), parts[0]))
        else:
            name = dotted or match.group("double") or match.group("single") or ""
            found.append((match.group(0), name))
    return found, None


def whole_references(text: str, prefix: str) -> list[str]:
    """Every name referred to in full, dots kept (`obj`, `obj.key`, `arr[*]`)."""
    return [
        match.group("dot") or match.group("double") or match.group("single") or ""
        for match in _reference(prefix).finditer(text)
    ]


def undeclared_message(
    found: list[tuple[str, str]], known: Collection[str], what: str
) -> str | None:
    """`$(params.x) names param 'x', which is not declared; did you mean ...`, or None."""
    return _first_undeclared(
        found,
        known,
        lambda variable, name: f"{variable} names {what} {name!r}, which is not declared",
    )


def missing_key_message(
    found: list[tuple[str, str]], param: str, keys: Collection[str]
) -> str | None:
    """The first key of object param `param` that `found` reads and it does not declare."""
    return _first_undeclared(
        found, keys, lambda variable, key: f"{variable}: object param {param!r} has no key {key!r}"
    )


def _first_undeclared(
    found: list[tuple[str, str]], known: Collection[str], describe: Callable[[str, str], str]
) -> str | None:
    """What `describe` says of the first (variable, name) of `found` whose name, array index
    trimmed, is not `known` (Tekton reports one unknown name a string), with a did-you-mean."""
    for variable, name in found:
        trimmed = INDEX.sub("", name)
        if trimmed not in known:
            return describe(variable, trimmed) + did_you_mean(trimmed, known)
    return None
