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
from modelcar_dsl.rules.findings import HERE, Finding, via_field, via_index
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
    findings: list[Finding] = []
    for index, name, param in names:
        if name not in declared:
            message = f"{owner} declares no param {name!r}, {extra_effect}"
            message += did_you_mean(name, declared)
            findings.append(Finding(catalog.PARAM_UNKNOWN, message, HERE.index(index), extra))
        elif types_checked and (
            value := _value_type_findings(declared[name], param.get("value"), owner)
        ):
            findings += via_index(via_field(value, "value"), index)
    given_names = {name for _, name, _ in names} | supplied
    unpassed = {name: param for name, param in declared.items() if name not in given_names}
    report.add(findings + _unpassed_findings(unpassed, owner, types_checked), path)


def _unpassed_findings(
    unpassed: dict[str, dict[str, Any]], owner: str, types_checked: bool
) -> list[Finding]:
    """Declared params not passed: an object's keys must come from its default, and a param
    without a default must be passed."""
    findings = []
    if types_checked:
        for declaration in unpassed.values():
            if param_type(declaration) == "object":
                findings += _object_key_findings(declaration, None, owner)
    missing = [name for name, param in unpassed.items() if "default" not in param]
    if missing:
        message = (
            f"{owner} needs the param{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(name) for name in missing)}, which "
            f"{'have' if len(missing) > 1 else 'has'} no default"
        )
        findings.append(Finding(catalog.PARAM_MISSING, message))
    return findings


def param_value_findings(given: Any) -> list[Finding]:
    """Every value a string, a list of strings or a mapping of strings: anything else (a list
    of lists, a mapping of mappings) Tekton's ParamValue decoder keeps as its JSON text, so the
    task runs with that text for a value. Relative to the params list."""
    return [
        Finding(
            catalog.FIELD_TYPE,
            f"the value of param {param.get('name')!r} must be a string, a list of strings "
            "or a mapping of strings; Tekton would pass on its JSON text",
            HERE.index(index).field("value"),
            "run",
        )
        for index, param in mappings(given)
        if "value" in param and value_type(param.get("value")) is None
    ]


def _value_type_findings(declaration: dict[str, Any], value: Any, owner: str) -> list[Finding]:
    """A value of the declared type (a whole param or result is known only at run time)."""
    expected = param_type(declaration)
    actual = value_type(value)
    if isinstance(value, str):
        found = list(variables(value))
        if len(found) == 1 and found[0].isolated:
            actual = None
    if actual is None or expected not in ("string", "array", "object"):
        return []
    if actual != expected:
        message = (
            f"param {declaration['name']!r} of {owner} is {article(expected)} {expected}, "
            f"given {article(actual)} {actual}"
        )
        return [Finding(catalog.PARAM_VALUE_TYPE, message)]
    if expected == "object":
        return _object_key_findings(declaration, value, owner)
    return []


def _object_key_findings(declaration: dict[str, Any], value: Any, owner: str) -> list[Finding]:
    """Every declared key of an object param comes from the value given or the default:
    Tekton fails the run otherwise, and only then (a default may leave keys to the run)."""
    properties = mapping(declaration.get("properties"))
    provided = set(mapping(value)) | set(mapping(declaration.get("default")))
    missing = sorted(set(properties) - provided)
    if not missing:
        return []
    message = (
        f"object param {declaration['name']!r} of {owner} misses the keys {missing}, "
        "which neither the value given nor the default has"
    )
    return [Finding(catalog.PARAM_VALUE_TYPE, message)]


def workspace_binding_findings(
    declared: Any, bound: list[tuple[int, str]], owner: str, hint: str = ""
) -> list[Finding]:
    """Every non-optional workspace of `owner` bound; nothing bound that it does not declare.
    `hint` says how to bind one. Relative to the bindings list."""
    declarations = {str(w.get("name")): w for _, w in mappings(declared)}
    findings = [
        Finding(
            catalog.WORKSPACE_UNKNOWN,
            f"{owner} declares no workspace {name!r}" + did_you_mean(name, declarations),
            HERE.index(index),
        )
        for index, name in bound
        if name not in declarations
    ]
    bound_names = {name for _, name in bound}
    for name, workspace in declarations.items():
        if name not in bound_names and not workspace.get("optional"):
            message = f"{owner} needs workspace {name!r}, which is not bound{hint}"
            findings.append(Finding(catalog.WORKSPACE_UNBOUND, message))
    return findings
