"""Rules for what Tasks and Pipelines both declare: metadata, params, results, workspaces."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.catalog import Origin
from modelcar_dsl.formats.names import (
    OBJECT_NAME,
    PARAM_NAME,
    RESULT_NAME,
    dns_subdomain_problem,
    pattern_problem,
)
from modelcar_dsl.rules.document import Report, mapping, mappings, named, sequence, shape

PARAM_TYPES = ("string", "array", "object")
MAX_GENERATE_NAME = 58
"""63 characters for a name, less the 5 random ones the API server appends to generateName."""
PARAM_NAME_RULE = "start with a letter or '_', then letters, digits, '_', '.' or '-'"
OBJECT_NAME_RULE = "start with a letter or '_', then letters, digits, '_' or '-' (no '.')"
RESULT_NAME_RULE = "letters, digits, '-', '_' and '.', starting and ending with a letter or digit"


def check_metadata(body: dict[str, Any], report: Report, generate_name: bool = False) -> None:
    """`metadata.name` (or a run's `generateName`): a DNS-1123 subdomain, which Tekton cuts to
    63 characters, a label's length. Anything but a mapping Tekton cannot decode."""
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        report(
            "metadata",
            catalog.FIELD_TYPE,
            f"metadata must be a mapping (name, labels, annotations), got {shape(metadata)}",
        )
        return
    metadata = mapping(metadata)
    name = metadata.get("name")
    if generate_name and not name:
        prefix = metadata.get("generateName")
        if not isinstance(prefix, str) or not prefix:
            report("metadata.name", catalog.MISSING_FIELD, "needs metadata.name or generateName")
        elif problem := dns_subdomain_problem(prefix.rstrip("-") or "-", "generateName"):
            report("metadata.generateName", catalog.METADATA_NAME, problem)
        elif len(prefix) > MAX_GENERATE_NAME:
            report(
                "metadata.generateName",
                catalog.METADATA_NAME,
                f"generateName {prefix!r} is {len(prefix)} characters; the API server cuts it to "
                f"{MAX_GENERATE_NAME} before adding 5 random ones, so keep it to "
                f"{MAX_GENERATE_NAME}",
            )
        return
    if not isinstance(name, str) or not name:
        report("metadata.name", catalog.MISSING_FIELD, "needs metadata.name")
    elif problem := dns_subdomain_problem(name, "name"):
        report("metadata.name", catalog.METADATA_NAME, problem)


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
    nameless = [i for i, p in mappings(params) if p.get("name") in (None, "")]
    if not names_checked and len(nameless) > 1:
        report(
            f"{path}[{nameless[1]}].name",
            catalog.PARAM_DUPLICATE,
            "more than one param has no name: Tekton reads each as the name '', declared twice",
        )
    for index, name, param in names:
        where = f"{path}[{index}]"
        is_object = param_type(param) == "object"
        pattern, rule = (
            (OBJECT_NAME, OBJECT_NAME_RULE) if is_object else (PARAM_NAME, PARAM_NAME_RULE)
        )
        if names_checked and (problem := pattern_problem(name, pattern, "param name", rule)):
            report(f"{where}.name", catalog.PARAM_NAME, problem)
        _check_param_type(param, where, report, properties_checked)
    for index, name in duplicates((index, name) for index, name, _ in names):
        report(
            f"{path}[{index}].name",
            catalog.PARAM_DUPLICATE,
            f"param {name!r} is declared more than once; parameter names must be unique",
        )
    return param_declarations(params)


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
        pattern, rule = (
            (OBJECT_NAME, OBJECT_NAME_RULE) if is_object else (PARAM_NAME, PARAM_NAME_RULE)
        )
        if problem := pattern_problem(name, pattern, "param name", rule):
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


def _check_param_type(
    param: dict[str, Any], where: str, report: Report, properties_checked: bool
) -> None:
    kind = param_type(param)
    if kind not in PARAM_TYPES:
        report(
            f"{where}.type",
            catalog.PARAM_TYPE,
            f"type {kind!r} is not one of {', '.join(PARAM_TYPES)}",
        )
        return
    if "default" in param and param["default"] is not None:
        default_type = value_type(param["default"])
        if (default_type or "string") != kind:
            shown = default_type or "a string (the JSON text of a list or mapping of non-strings)"
            report(
                f"{where}.default",
                catalog.PARAM_DEFAULT,
                f"param {param['name']!r} is {article(kind)} {kind} but its default is "
                f"{shown}: {param['default']!r}",
            )
    properties = param.get("properties")
    if kind == "object":
        _check_object_properties(param, properties, where, report, properties_checked)
    elif properties is not None:
        _check_property_types(properties, where, report)
        report(
            f"{where}.properties",
            catalog.OBJECT_PROPERTIES,
            f"only object params have properties; {param['name']!r} is a {kind}, so Tekton "
            "ignores them: delete them, or make the param an object",
            origin="modelcar",
        )
    enum = param.get("enum")
    if enum is not None:
        _check_enum(param, kind, enum, where, report)


def _check_object_properties(
    param: dict[str, Any], properties: Any, where: str, report: Report, required: bool
) -> None:
    if not isinstance(properties, dict) or not properties:
        report(
            f"{where}.properties",
            catalog.OBJECT_PROPERTIES,
            f"object param {param['name']!r} needs properties: one entry per key",
            origin=None if required else "modelcar",
        )
        return
    for key in properties:
        if problem := pattern_problem(str(key), OBJECT_NAME, "object key", OBJECT_NAME_RULE):
            report(f"{where}.properties.{key}", catalog.PARAM_NAME, problem)
    _check_property_types(properties, where, report)


def _check_property_types(properties: Any, where: str, report: Report) -> None:
    """Every property a string (an absent type defaults to one), whatever the param's type
    (ParamSpec.ValidateObjectType)."""
    for key, spec in mapping(properties).items():
        key_type = mapping(spec).get("type") or "string"
        if key_type != "string":
            report(
                f"{where}.properties.{key}.type",
                catalog.OBJECT_PROPERTIES,
                f"object key {key!r} has type {key_type!r}; object properties must be strings",
            )


def _check_enum(param: dict[str, Any], kind: str, enum: Any, where: str, report: Report) -> None:
    if kind != "string":
        report(f"{where}.enum", catalog.PARAM_ENUM, "only string params can have an enum")
    elif not isinstance(enum, list):
        report(f"{where}.enum", catalog.PARAM_ENUM, "enum must be a list of strings")
    elif duplicates(enumerate(enum)):
        report(f"{where}.enum", catalog.PARAM_ENUM, "enum values must be unique")
    elif "default" in param and param["default"] not in enum:
        report(
            f"{where}.default",
            catalog.PARAM_ENUM,
            f"default {param['default']!r} is not in the enum {enum}",
        )


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
            _check_property_types(properties, where, report)
    for index, name in duplicates((index, name) for index, name, _ in found):
        report(
            f"{path}[{index}].name",
            catalog.RESULT_DUPLICATE,
            f"result {name!r} is declared more than once",
        )
    return {name for _, name, _ in found}


def check_workspace_declarations(
    workspaces: Any, path: str, report: Report, nameless: Origin | None = None
) -> set[str]:
    """Unique workspace names; returns them. A nameless one is reported at `nameless` (a
    Task's passes Tekton's webhook, a Pipeline's does not)."""
    found = named(workspaces, path, report, "workspace", nameless)
    for index, name in duplicates((index, name) for index, name, _ in found):
        report(
            f"{path}[{index}].name",
            catalog.WORKSPACE_DUPLICATE,
            f"workspace {name!r} is declared more than once",
        )
    return {name for _, name, _ in found}


def names_of(items: Any) -> list[str]:
    """The `name` of every mapping in a list."""
    return [
        str(item["name"]) for item in sequence(items) if isinstance(item, dict) and "name" in item
    ]
