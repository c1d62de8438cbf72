"""Tekton's `$(...)` variables: finding them in a document and checking what they name.

Tekton writes a param as `$(params.name)`, `$(params["dotted.name"])`, an array's items as
`$(params.name[*])` or `$(params.name[0])`, and an object's key as `$(params.name.key)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import attrs

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.rules.declarations import param_type
from modelcar_dsl.rules.document import Report
from modelcar_dsl.rules.findings import Finding

VARIABLE = re.compile(r"\$\(([^()]*)\)")
TEKTON_VARIABLE = re.compile(
    r"\$\((?:inputs\.)?(?:params|workspaces|results|context|tasks|steps|step|credentials)"
    r"[.\[][^)]*\)"
)
"""A Tekton variable, told apart from shell command substitution like `$(id -u)`."""
INJECTED_VALUE = re.compile(
    r"\$\((?:inputs\.)?(?:params[.\[][^)]*|tasks\.[^)]*\.results[.\[][^)]*"
    r"|steps\.[^)]*\.results[.\[][^)]*)\)"
)
"""A variable whose value someone else chose (a param, a task's or step's result): pasted into a
script, it is script injection. Paths Tekton controls (`$(results.x.path)`,
`$(workspaces.x.path)`, context) are its documented idiom and are not."""
_PARAM = re.compile(
    r"""params(?:\.(?P<dotted>[^.\[\]"']+)|\[(?P<quote>["'])(?P<quoted>[^"']+)(?P=quote)\])"""
    r"""(?:\.(?P<key>[^.\[\]]+))?(?:\[(?P<index>\*|\d+)\])?"""
)
_WORKSPACE = re.compile(r"workspaces\.(?P<name>[^.\[\]]+)\.(?P<field>[^.\[\]]+)")
_RESULT = re.compile(r"results\.(?P<name>[^.\[\]]+)\.(?P<field>[^.\[\]]+)")
WORKSPACE_FIELDS = ("path", "bound", "claim", "volume")
TASK_CONTEXT = (
    "context.taskRun.name",
    "context.taskRun.namespace",
    "context.taskRun.uid",
    "context.task.name",
    "context.task.retry-count",
)


def param_reference(text: str) -> tuple[str, str | None] | None:
    """(param, key) when `text` is one `$(params...)` variable naming a param, or one key of an
    object param, in the dot or bracket form; else None (an array item, anything else)."""
    whole = VARIABLE.fullmatch(text.strip())
    inner = _PARAM.fullmatch(whole.group(1)) if whole else None
    if inner is None or inner["index"]:
        return None
    return inner["dotted"] or inner["quoted"], inner["key"]


@attrs.frozen
class Variable:
    """One `$(...)` occurrence: its text, the expression inside, and whether it is the whole
    string (arrays and whole objects may only be used alone)."""

    text: str
    expression: str
    isolated: bool

    @property
    def head(self) -> str:
        """What the variable is about: `params`, `workspaces`, `results`, `context`, `tasks`."""
        return self.expression.split(".", 1)[0].split("[", 1)[0]


def variables(value: str) -> Iterator[Variable]:
    for match in VARIABLE.finditer(value):
        yield Variable(match.group(0), match.group(1).strip(), match.group(0) == value.strip())


def strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in `value` holding a `$(`, with its field path (lists of items keep their
    index; mapping keys join with '.')."""
    pending = [(value, path)]
    while pending:
        current, where = pending.pop()
        if isinstance(current, str):
            if "$(" in current:
                yield where, current
        elif isinstance(current, dict):
            pending.extend((item, f"{where}.{key}") for key, item in current.items())
        elif isinstance(current, list):
            pending.extend((item, f"{where}[{i}]") for i, item in enumerate(current))


def param_use_findings(
    variable: Variable,
    params: dict[str, dict[str, Any]],
    rule: catalog.Rule,
    isolation_allowed: bool,
) -> list[Finding]:
    """`$(params...)` must name a declared param, with the access its type allows."""
    match = _PARAM.fullmatch(variable.expression)
    if match is None:
        return [Finding(rule, f"{variable.text} is not a valid param reference")]
    name = match.group("dotted") or match.group("quoted")
    key, index = match.group("key"), match.group("index")
    if name not in params and key and f"{name}.{key}" in params:
        name, key = f"{name}.{key}", None
    if name not in params:
        message = f"{variable.text} names param {name!r}, which is not declared"
        return [Finding(rule, message + did_you_mean(name, params))]
    kind = param_type(params[name])
    if kind == "string" and (key or index):
        # Tekton looks the name up without the index or key; the text stays unresolved.
        message = f"{variable.text}: param {name!r} is a string; use $(params.{name})"
        return [Finding(rule, message, origin="run")]
    if key and kind in ("array", "object"):
        problem = _key_problem(variable, name, kind, key, params[name])
        return [Finding(rule, problem)] if problem else []
    whole = index == "*" or (kind in ("array", "object") and not key and index is None)
    problem = _whole_problem(variable, name, kind, index, whole, isolation_allowed)
    return [Finding(catalog.ARRAY_ISOLATION, problem)] if problem else []


def _key_problem(
    variable: Variable, name: str, kind: str, key: str, param: dict[str, Any]
) -> str | None:
    """`$(params.name.key)`: a key of an object param's properties; arrays have no keys."""
    if kind == "array":
        return f"{variable.text}: param {name!r} is an array and has no keys"
    properties = param.get("properties") or {}
    if isinstance(properties, dict) and properties and key not in properties:
        return f"{variable.text}: object param {name!r} has no key {key!r}" + did_you_mean(
            key, properties
        )
    return None


def _whole_problem(
    variable: Variable,
    name: str,
    kind: str,
    index: str | None,
    whole: bool,
    isolation_allowed: bool,
) -> str | None:
    """A whole array or object: as `[*]`, and standing alone (a lone array item of command
    or args expands as with `[*]`)."""
    alone = variable.isolated and isolation_allowed
    if not whole or (alone and kind == "array"):
        return None
    if kind in ("array", "object") and index != "*":
        return f"{variable.text}: {kind} param {name!r} must be referenced as $(params.{name}[*])"
    if alone:
        return None
    return (
        f"{variable.text} is an {kind}, so it must stand alone"
        + (" as a whole list item of args or command" if kind == "array" else "")
        + "; it cannot be part of a longer string"
    )


def check_context_use(
    variable: Variable,
    known: tuple[str, ...],
    path: str,
    report: Report,
    rule: catalog.Rule,
    origin: catalog.Origin | None = None,
) -> None:
    if variable.expression not in known:
        report(
            path,
            rule,
            f"{variable.text} is not a context variable Tekton provides here; known: "
            + ", ".join(f"$({name})" for name in known),
            origin,
        )


def check_workspace_use(
    variable: Variable,
    workspaces: set[str],
    path: str,
    report: Report,
    rule: catalog.Rule,
    origin: catalog.Origin | None = None,
) -> None:
    match = _WORKSPACE.fullmatch(variable.expression)
    if match is None or match.group("field") not in WORKSPACE_FIELDS:
        report(
            path,
            rule,
            f"{variable.text} is not a workspace variable; use $(workspaces.<name>."
            f"{'|'.join(WORKSPACE_FIELDS)})",
            origin,
        )
    elif match.group("name") not in workspaces:
        name = match.group("name")
        report(
            path,
            rule,
            f"{variable.text} names workspace {name!r}, which is neither declared nor bound by "
            "the pipeline or run" + did_you_mean(name, workspaces),
            origin,
        )


def check_result_use(
    variable: Variable,
    results: set[str],
    path: str,
    report: Report,
    rule: catalog.Rule,
    origin: catalog.Origin | None = None,
) -> None:
    match = _RESULT.fullmatch(variable.expression)
    if match is None or match.group("field") != "path":
        report(
            path,
            rule,
            f"{variable.text} is not a result variable; use $(results.<name>.path)",
            origin,
        )
    elif match.group("name") not in results:
        name = match.group("name")
        report(
            path,
            rule,
            f"{variable.text} names result {name!r}, which is not declared"
            + did_you_mean(name, results),
            origin,
        )
