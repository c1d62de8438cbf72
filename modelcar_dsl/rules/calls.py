"""Checks across resources, where a caller (pipeline task, run) meets what it calls (Task,
Pipeline): params given and typed, workspaces bound. Tekton finds these only when a run starts;
a tree that holds both sides can be checked before anything is applied."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.catalog import Origin
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.rules.declarations import article, param_type, value_type
from modelcar_dsl.rules.document import Report, mapping, mappings, named
from modelcar_dsl.rules.variables import variables


def check_arguments(
    declared: dict[str, dict[str, Any]],
    given: Any,
    path: str,
    owner: str,
    report: Report,
    supplied: frozenset[str] = frozenset(),
    extra: Origin | None = None,
    extra_effect: str = "so Tekton ignores the value",
    types_checked: bool = True,
) -> None:
    """The params passed at `path` against the params `owner` declares; `supplied` are given
    another way (a matrix). A param it does not declare is reported as `extra_effect` says, at
    origin `extra` (by default the rule's: a warning, as Tekton ignores it, though it is usually
    a typo whose value never arrives); value types only where Tekton checks them."""
    names = named(given, path, report, "param", "modelcar")
    for index, name, param in names:
        where = f"{path}[{index}]"
        if name not in declared:
            report(
                where,
                catalog.PARAM_UNKNOWN,
                f"{owner} declares no param {name!r}, {extra_effect}"
                + did_you_mean(name, declared),
                extra,
            )
            continue
        if types_checked:
            _check_value_type(declared[name], param.get("value"), f"{where}.value", owner, report)
    given_names = {name for _, name, _ in names} | supplied
    missing = [
        name
        for name, param in declared.items()
        if "default" not in param and name not in given_names
    ]
    for name, declaration in declared.items():
        if types_checked and name not in given_names and param_type(declaration) == "object":
            _check_object_keys(declaration, None, path, owner, report)
    if missing:
        report(
            path,
            catalog.PARAM_MISSING,
            f"{owner} needs the param{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(name) for name in missing)}, which "
            f"{'have' if len(missing) > 1 else 'has'} no default",
        )


def check_param_values(given: Any, path: str, report: Report) -> None:
    """Every value a string, a list of strings or a mapping of strings: anything else (a list
    of lists, a mapping of mappings) Tekton's ParamValue decoder keeps as its JSON text, so the
    task runs with that text for a value."""
    for index, param in mappings(given):
        value = param.get("value")
        if "value" in param and value_type(value) is None:
            report(
                f"{path}[{index}].value",
                catalog.FIELD_TYPE,
                f"the value of param {param.get('name')!r} must be a string, a list of strings "
                "or a mapping of strings; Tekton would pass on its JSON text",
                origin="run",
            )


def _check_value_type(
    declaration: dict[str, Any], value: Any, path: str, owner: str, report: Report
) -> None:
    expected = param_type(declaration)
    actual = value_type(value)
    if isinstance(value, str):
        found = list(variables(value))
        if len(found) == 1 and found[0].isolated:
            actual = None  # a whole param or result: its type is known only at run time
    if actual is None or expected not in ("string", "array", "object"):
        return
    if actual != expected:
        report(
            path,
            catalog.PARAM_VALUE_TYPE,
            f"param {declaration['name']!r} of {owner} is {article(expected)} {expected}, "
            f"given {article(actual)} {actual}",
        )
    elif expected == "object":
        _check_object_keys(declaration, value, path, owner, report)


def _check_object_keys(
    declaration: dict[str, Any], value: Any, path: str, owner: str, report: Report
) -> None:
    """Every declared key of an object param comes from the value given or the default:
    Tekton fails the run otherwise, and only then (a default may leave keys to the run)."""
    properties = mapping(declaration.get("properties"))
    provided = set(mapping(value)) | set(mapping(declaration.get("default")))
    missing = sorted(set(properties) - provided)
    if missing:
        report(
            path,
            catalog.PARAM_VALUE_TYPE,
            f"object param {declaration['name']!r} of {owner} misses the keys {missing}, "
            "which neither the value given nor the default has",
        )


def check_workspace_bindings(
    declared: Any,
    bound: list[tuple[int, str]],
    path: str,
    owner: str,
    report: Report,
    hint: str = "",
) -> None:
    """Every non-optional workspace of `owner` bound; nothing bound that it does not declare.
    `hint` says how to bind one."""
    declarations = {str(w.get("name")): w for _, w in mappings(declared)}
    for index, name in bound:
        if name not in declarations:
            report(
                f"{path}[{index}]",
                catalog.WORKSPACE_UNKNOWN,
                f"{owner} declares no workspace {name!r}" + did_you_mean(name, declarations),
            )
    bound_names = {name for _, name in bound}
    for name, workspace in declarations.items():
        if name not in bound_names and not workspace.get("optional"):
            report(
                path,
                catalog.WORKSPACE_UNBOUND,
                f"{owner} needs workspace {name!r}, which is not bound{hint}",
            )
