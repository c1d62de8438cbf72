"""What Tasks and Pipelines both declare: results and workspaces, and the reading of param
declarations and values (types, names) that the param, call and variable rules share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.catalog import Origin, Rule
from modelcar_dsl.formats.names import RESULT_NAME, RESULT_NAME_RULE, pattern_problem
from modelcar_dsl.rules.document import Report, mapping, mappings, named, sequence
from modelcar_dsl.rules.findings import HERE, Finding

PARAM_TYPES = ("string", "array", "object")


def duplicates(items: Iterable[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """The (position, name) pairs whose name appeared at an earlier position (a list or
    mapping is no name: the rules that read names report it)."""
    seen: set[Any] = set()
    repeated = []
    for position, name in items:
        if isinstance(name, list | dict):
            continue
        if name in seen:
            repeated.append((position, name))
        seen.add(name)
    return repeated


def duplicate_findings(
    items: Iterable[tuple[int, Any]],
    rule: Rule,
    message: Callable[[Any], str],
    field: str = "name",
    origin: Origin | None = None,
) -> list[Finding]:
    """A finding at `field` of each list item whose name (the pair's second) appeared at an
    earlier position, relative to the list; `message` says it of the name."""
    return [
        Finding(rule, message(name), HERE.index(index).field(field), origin)
        for index, name in duplicates(items)
    ]


def param_declarations(params: Any) -> dict[str, dict[str, Any]]:
    """name -> declaration of the well-formed params in a `params` list (first one wins)."""
    declared: dict[str, dict[str, Any]] = {}
    for _, param in mappings(params):
        if isinstance(param.get("name"), str):
            declared.setdefault(param["name"], param)
    return declared


def declarations_from_values(params: Any) -> dict[str, dict[str, Any]]:
    """Declarations Tekton makes of params passed by value, which propagate into embedded
    specs: each typed by its value, an object's keys its properties (createParamSpecFromParam)."""
    declared: dict[str, dict[str, Any]] = {}
    for _, param in mappings(params):
        name, value = param.get("name"), param.get("value")
        if isinstance(name, str):
            declaration: dict[str, Any] = {
                "name": name,
                "type": value_type(value) or "string",
                "default": value,
            }
            if isinstance(value, dict):
                declaration["properties"] = {str(key): {"type": "string"} for key in value}
            declared[name] = declaration
    return declared


def merged(*scopes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Declarations from several sources by name, the first one's type winning, an object's
    properties the union of all (Tekton's combineParamSpec and appendPipelineTaskParams)."""
    result: dict[str, dict[str, Any]] = {}
    for scope in scopes:
        for name, declaration in scope.items():
            earlier = result.get(name)
            properties = {
                **mapping(earlier.get("properties") if earlier else None),
                **mapping(declaration.get("properties")),
            }
            kept = earlier or declaration
            result[name] = {**kept, "properties": properties} if properties else kept
    return result


def param_type(param: dict[str, Any]) -> str:
    """The declared type, with Tekton's defaulting: an absent type is a string unless the
    default or properties say array or object."""
    declared = param.get("type")
    if declared:
        return str(declared)
    if isinstance(param.get("default"), list):
        return "array"
    if isinstance(param.get("default"), dict) or "properties" in param:
        return "object"
    return "string"


def value_type(value: Any) -> str | None:
    """The Tekton type of a YAML value: a scalar is a string, a list of strings an array, a
    mapping of strings an object; None for a list or mapping holding anything else (a number,
    a boolean, a list), which ParamValue.UnmarshalJSON keeps as its JSON text, a string."""
    if isinstance(value, list):
        return "array" if all(_is_text(item) for item in value) else None
    if isinstance(value, dict):
        return "object" if all(_is_text(item) for item in value.values()) else None
    return "string" if _is_scalar(value) else None


def article(kind: str) -> str:
    """'a string', 'an array', 'an object'."""
    return "an" if kind[:1] in ("a", "e", "i", "o", "u") else "a"


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _is_text(value: Any) -> bool:
    """What Go decodes into a string: a string, or null (the empty one)."""
    return value is None or isinstance(value, str)


def property_type_findings(properties: Any) -> list[Finding]:
    """Every property a string (an absent type defaults to one), whatever the param's or
    result's type (ParamSpec.ValidateObjectType), relative to the param or result."""
    findings = []
    for key, spec in mapping(properties).items():
        key_type = mapping(spec).get("type") or "string"
        if key_type != "string":
            message = f"object key {key!r} has type {key_type!r}; object properties must be strings"
            where = HERE.field("properties").field(str(key)).field("type")
            findings.append(Finding(catalog.OBJECT_PROPERTIES, message, where))
    return findings


def check_result_declarations(results: Any, path: str, report: Report) -> set[str]:
    """Check a Task's `results`; returns the declared names."""
    found = named(results, path, report, "result")
    for index, name, result in found:
        where = f"{path}[{index}]"
        if problem := pattern_problem(name, RESULT_NAME, "result name", RESULT_NAME_RULE):
            report(f"{where}.name", catalog.RESULT_NAME, problem)
        properties = result.get("properties")
        kind = result.get("type") or ("string" if properties is None else "object")
        if kind not in PARAM_TYPES:
            report(
                f"{where}.type",
                catalog.RESULT_TYPE,
                f"type {kind!r} is not one of {', '.join(PARAM_TYPES)}",
            )
        elif kind == "object" and not properties:
            report(
                f"{where}.properties",
                catalog.RESULT_TYPE,
                f"object result {name!r} needs properties: one entry per key",
            )
        elif kind == "object":
            report.add(property_type_findings(properties), where)
    repeated = duplicate_findings(
        ((index, name) for index, name, _ in found),
        catalog.RESULT_DUPLICATE,
        lambda name: f"result {name!r} is declared more than once",
    )
    report.add(repeated, path)
    return {name for _, name, _ in found}


def check_workspace_declarations(
    workspaces: Any, path: str, report: Report, nameless: Origin | None = None
) -> set[str]:
    """Unique workspace names; returns them. A nameless one is reported at `nameless` (a
    Task's passes Tekton's webhook, a Pipeline's does not)."""
    found = named(workspaces, path, report, "workspace", nameless)
    repeated = duplicate_findings(
        ((index, name) for index, name, _ in found),
        catalog.WORKSPACE_DUPLICATE,
        lambda name: f"workspace {name!r} is declared more than once",
    )
    report.add(repeated, path)
    return {name for _, name, _ in found}


def names_of(items: Any) -> list[str]:
    """The `name` of every mapping in a list."""
    return [
        str(item["name"]) for item in sequence(items) if isinstance(item, dict) and "name" in item
    ]
