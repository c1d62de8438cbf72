"""Tekton's `$(...)` substitution, as the controller applies it to a TaskRun or a PipelineTask.

One pass over the text: a value put in is never read again as a reference, so a param holding
`$(params.token)` or `$(rm -rf /)` stays those characters. Only references whose head Tekton
owns (params, tasks, context, workspaces, results) are replaced; a shell's `$(date)` is left for
the shell, as Tekton leaves it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

Value = str | list[str] | dict[str, str]
"""A param or result value: Tekton's string, array and object types."""

_REFERENCE = re.compile(
    r"\$\((?P<body>(?:params|tasks|finally|context|workspaces|results)[^()$]*)\)"
)
_BRACKETED = re.compile(
    r"""(?P<head>params|results)\[(?P<quote>['"])(?P<name>[^'"]+)(?P=quote)\]"""
)
_INDEX = re.compile(r"(?P<name>.+)\[(?P<index>\*|\d+)\]")


class UnresolvedReference(Exception):
    """A reference Tekton would resolve whose value this run does not have."""


def _normalised(body: str) -> str:
    """`params["a.b"]` and `params['x']` as the dotted form the values are kept under."""
    return _BRACKETED.sub(lambda match: f"{match['head']}.{match['name']}", body, count=1)


def lookup(values: Mapping[str, Value], body: str) -> Value | None:
    """The value `$(body)` stands for, or None when `body` is not one of `values`' names
    (with an optional `[*]`, `[N]` or `.key` after it)."""
    body = _normalised(body)
    indexed = _INDEX.fullmatch(body)
    name, index = (indexed["name"], indexed["index"]) if indexed else (body, None)
    if name in values:
        value = values[name]
    else:
        head, _, key = name.rpartition(".")
        whole = values.get(head)
        if not isinstance(whole, dict) or key not in whole or index is not None:
            return None
        return whole[key]
    if index is None or index == "*":
        return value
    if not isinstance(value, list):
        return None
    position = int(index)
    if position >= len(value):
        raise UnresolvedReference(f"$({body}): index {position} is past the array's end")
    return value[position]


def substitute(text: str, values: Mapping[str, Value]) -> str:
    """`text` with every reference to one of `values` replaced by its string. An array or
    object put whole into a string becomes JSON, as Tekton writes it for `[*]` of an object."""

    def replace(match: re.Match[str]) -> str:
        value = lookup(values, match["body"])
        if value is None:
            return match[0]
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))

    return _REFERENCE.sub(replace, text)


def whole_reference(text: str, values: Mapping[str, Value]) -> Value | None:
    """The array or object that `text` names when it is exactly one `[*]` reference (or one
    reference to an array or object), which Tekton expands in place; else None."""
    match = _REFERENCE.fullmatch(text)
    if match is None:
        return None
    value = lookup(values, match["body"])
    return None if value is None or isinstance(value, str) else value


def substitute_list(items: Sequence[str], values: Mapping[str, Value]) -> list[str]:
    """Args, command or an array param's elements: an element that is exactly an array
    reference becomes that array's elements; every other element is substituted."""
    expanded: list[str] = []
    for item in items:
        whole = whole_reference(item, values)
        if isinstance(whole, list):
            expanded.extend(whole)
        else:
            expanded.append(substitute(item, values))
    return expanded


def substitute_value(value: object, values: Mapping[str, Value]) -> Value:
    """A PipelineTask's param value (string, array or object) with the run's values put in."""
    if isinstance(value, str):
        whole = whole_reference(value, values)
        return whole if whole is not None else substitute(value, values)
    if isinstance(value, list):
        return substitute_list([str(item) for item in value], values)
    if isinstance(value, dict):
        return {str(key): substitute(str(item), values) for key, item in value.items()}
    return str(value)


def references(text: str) -> list[str]:
    """The bodies of the Tekton references in `text`, normalised (`params["x"]` -> params.x)."""
    return [_normalised(match["body"]) for match in _REFERENCE.finditer(text)]
