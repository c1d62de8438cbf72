"""Param declarations (Tekton's ParamSpec validation in param_types.go): names, types,
defaults, object properties and enums, and the names a run propagates into the specs it
embeds, which Tekton holds to the same format."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.catalog import Origin
from modelcar_dsl.formats.names import OBJECT_NAME, PARAM_NAME, pattern_problem
from modelcar_dsl.rules.declarations import (
    PARAM_TYPES,
    article,
    duplicate_findings,
    duplicates,
    param_declarations,
    param_type,
    property_type_findings,
    value_type,
)
from modelcar_dsl.rules.document import Report, mappings, named
from modelcar_dsl.rules.findings import HERE, Finding, via_index

PARAM_NAME_RULE = "start with a letter or '_', then letters, digits, '_', '.' or '-'"
OBJECT_NAME_RULE = "start with a letter or '_', then letters, digits, '_' or '-' (no '.')"


def check_param_declarations(
    params: Any,
    path: str,
    report: Report,
    names_checked: bool = True,
    properties_checked: bool = True,
) -> dict[str, dict[str, Any]]:
    """Check `params` declarations; returns name -> declaration for the variable rules.
    Tekton checks the name format of a Task's params, not of a Pipeline's (`names_checked`),
    and that object params have properties only where a Task's steps use them
    (`properties_checked`: a Pipeline's, only with an inline taskSpec)."""
    # A Pipeline's one nameless param passes the webhook (only a Task's names are checked); the
    # run cannot give it. Two are one name declared twice.
    names = named(params, path, report, "param", None if names_checked else "run")
    findings: list[Finding] = []
    nameless = [i for i, p in mappings(params) if p.get("name") in (None, "")]
    if not names_checked and len(nameless) > 1:
        message = (
            "more than one param has no name: Tekton reads each as the name '', declared twice"
        )
        findings.append(
            Finding(catalog.PARAM_DUPLICATE, message, HERE.index(nameless[1]).field("name"))
        )
    for index, name, param in names:
        found = _name_findings(name, param) if names_checked else []
        found += _param_spec_findings(param, properties_checked)
        findings += via_index(found, index)
    findings += duplicate_findings(
        ((index, name) for index, name, _ in names),
        catalog.PARAM_DUPLICATE,
        lambda name: f"param {name!r} is declared more than once; parameter names must be unique",
    )
    report.add(findings, path)
    return param_declarations(params)


def _name_problem(name: str, is_object: bool) -> str | None:
    """An object param's name has no dots; other params' may."""
    pattern, rule = (OBJECT_NAME, OBJECT_NAME_RULE) if is_object else (PARAM_NAME, PARAM_NAME_RULE)
    return pattern_problem(name, pattern, "param name", rule)


def _name_findings(name: str, param: dict[str, Any]) -> list[Finding]:
    if problem := _name_problem(name, param_type(param) == "object"):
        return [Finding(catalog.PARAM_NAME, problem, HERE.field("name"))]
    return []


def _param_spec_findings(param: dict[str, Any], properties_checked: bool) -> list[Finding]:
    """A declaration's type, its default's type, its properties and its enum."""
    kind = param_type(param)
    if kind not in PARAM_TYPES:
        message = f"type {kind!r} is not one of {', '.join(PARAM_TYPES)}"
        return [Finding(catalog.PARAM_TYPE, message, HERE.field("type"))]
    findings = []
    if "default" in param and param["default"] is not None:
        default_type = value_type(param["default"])
        if (default_type or "string") != kind:
            shown = default_type or "a string (the JSON text of a list or mapping of non-strings)"
            message = (
                f"param {param['name']!r} is {article(kind)} {kind} but its default is "
                f"{shown}: {param['default']!r}"
            )
            findings.append(Finding(catalog.PARAM_DEFAULT, message, HERE.field("default")))
    findings += _properties_findings(param, kind, properties_checked)
    enum = param.get("enum")
    if enum is not None:
        findings += _enum_findings(param, kind, enum)
    return findings


def _properties_findings(param: dict[str, Any], kind: str, required: bool) -> list[Finding]:
    """An object param's properties: present (where Tekton requires them), keys named as
    object keys, all strings; any other param's are ignored by Tekton."""
    properties = param.get("properties")
    where = HERE.field("properties")
    if kind == "object" and isinstance(properties, dict) and properties:
        return [
            Finding(catalog.PARAM_NAME, problem, where.field(str(key)))
            for key in properties
            if (problem := pattern_problem(str(key), OBJECT_NAME, "object key", OBJECT_NAME_RULE))
        ] + property_type_findings(properties)
    if kind == "object":
        message = f"object param {param['name']!r} needs properties: one entry per key"
        origin: Origin | None = None if required else "modelcar"
        return [Finding(catalog.OBJECT_PROPERTIES, message, where, origin)]
    if properties is None:
        return []
    message = (
        f"only object params have properties; {param['name']!r} is a {kind}, so Tekton "
        "ignores them: delete them, or make the param an object"
    )
    ignored = Finding(catalog.OBJECT_PROPERTIES, message, where, "modelcar")
    return [*property_type_findings(properties), ignored]


def _enum_findings(param: dict[str, Any], kind: str, enum: Any) -> list[Finding]:
    if kind != "string":
        problem = "only string params can have an enum"
    elif not isinstance(enum, list):
        problem = "enum must be a list of strings"
    elif duplicates(enumerate(enum)):
        problem = "enum values must be unique"
    elif "default" in param and param["default"] not in enum:
        message = f"default {param['default']!r} is not in the enum {enum}"
        return [Finding(catalog.PARAM_ENUM, message, HERE.field("default"))]
    else:
        return []
    return [Finding(catalog.PARAM_ENUM, problem, HERE.field("enum"))]


def check_propagated_names(
    params: Any, path: str, declared: dict[str, dict[str, Any]], report: Report
) -> None:
    """Names a run passes (or a pipeline task passes, in a run's pipelineSpec) become
    declarations of an inline taskSpec's steps, so Tekton holds them to the param name format
    (validateInlineParameters, ValidateNameFormat); an absent name is the empty one. Each is
    an object where its first declaration in `declared` is."""
    for index, param in mappings(params):
        name = "" if param.get("name") is None else param["name"]
        if not isinstance(name, str):
            continue
        first = declared.get(name)
        is_object = param_type(first) == "object" if first else isinstance(param.get("value"), dict)
        if problem := _name_problem(name, is_object):
            report(f"{path}[{index}].name", catalog.PARAM_NAME, problem)


def check_combined(
    earlier: dict[str, dict[str, Any]], params: Any, path: str, report: Report
) -> None:
    """Tekton's combineParamSpec, merging a run's params with the declarations of the spec it
    embeds: a declaration of a name already given as an object (or with an object default)
    must list its properties, or the webhook refuses the run."""
    for index, param in mappings(params):
        given = earlier.get(str(param.get("name")))
        if given is None or param.get("properties") or param_type(param) == "object":
            continue  # an object declaration without properties is reported as such
        if isinstance(param.get("default"), dict) or param_type(given) == "object":
            report(
                f"{path}[{index}].properties",
                catalog.OBJECT_PROPERTIES,
                f"param {param['name']!r} is given an object by the run, so its declaration "
                "needs properties: one entry per key",
            )
