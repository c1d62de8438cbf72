"""Python annotations as Tekton params: which type each becomes and which values it accepts."""

from __future__ import annotations

import inspect
import math
import re
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import attrs

from modelcar_dsl.catalogue import catalogue_type
from modelcar_dsl.errors import DefinitionError
from modelcar_dsl.param_checks import Between, InWorkspace, ParamCheck, VerifiesTls
from modelcar_dsl.refs import Ref
from modelcar_dsl.source import SourceLocation

ParamValue = str | tuple[str, ...] | dict[str, str]
"""A rendered value: a string, an array, or an object with its keys sorted."""

_VARIABLE = re.compile(r"\$\([^)]*\)")


@attrs.frozen
class ParamSpec:
    """A Tekton param and the Python annotation it came from.

    `kind` keeps what Tekton's `type` loses (`int`, `bool`, `Literal` choices all become
    `string`), so values are checked at compile time against the annotation.
    """

    name: str
    py_name: str
    type: Literal["string", "array", "object"]
    kind: Literal["str", "int", "float", "bool", "choice", "array", "object"]
    description: str = ""
    default: ParamValue | None = None
    choices: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()
    checks: tuple[ParamCheck, ...] = ()
    catalogue: str | None = None
    """The CatalogueName subclass (`module.Class`) of the annotation: only a catalogue record's
    field of that type may be passed."""
    tls_host: str | None = None
    """For a TLS switch (`VerifiesTls`), the py_name of the param holding its host."""
    record: str | None = None
    """For a field of a catalogue-record param, the record's class (`module.Class`)."""

    @property
    def required(self) -> bool:
        return self.default is None


def tekton_name(py_name: str) -> str:
    """Python identifiers become Tekton's kebab-case names (`image_ref` -> `image-ref`)."""
    return py_name.strip("_").replace("_", "-")


def env_name(name: str) -> str:
    """A Tekton name as an environment variable name (`image-ref` -> `IMAGE_REF`)."""
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def check_named_parameter(
    function_name: str, parameter: inspect.Parameter, location: SourceLocation
) -> None:
    """Tekton params are passed by name, so a task's or pipeline's function takes only
    parameters that can be given by name: no *args, **kwargs or positional-only ones."""
    if parameter.kind is parameter.VAR_POSITIONAL:
        shown = f"*{parameter.name}"
    elif parameter.kind is parameter.VAR_KEYWORD:
        shown = f"**{parameter.name}"
    elif parameter.kind is parameter.POSITIONAL_ONLY:
        shown = f"'{parameter.name}' (positional-only, before /)"
    else:
        return
    raise DefinitionError(
        f"{function_name}: {shown} cannot become a Tekton param, which is passed by name; "
        "declare each param as a named, typed parameter",
        location,
    )


def param_from_annotation(
    py_name: str, annotation: Any, default: Any, location: SourceLocation
) -> ParamSpec:
    """Build the ParamSpec for one function parameter, or explain which annotations work."""
    description = ""
    checks: tuple[ParamCheck, ...] = ()
    switches: list[str] = []
    if get_origin(annotation) is Annotated:
        annotation, *extras = get_args(annotation)
        description = " ".join(str(extra) for extra in extras if isinstance(extra, str))
        checks = tuple(extra for extra in extras if isinstance(extra, ParamCheck))
        switches = [extra.host for extra in extras if isinstance(extra, VerifiesTls)]
    name = tekton_name(py_name)
    spec = attrs.evolve(
        _spec_for(name, py_name, annotation, description, location),
        checks=checks,
        catalogue=catalogue_type(annotation),
        tls_host=switches[0] if switches else None,
    )
    if switches and spec.kind != "bool":
        raise DefinitionError(
            f"param '{py_name}': VerifiesTls marks a bool param, not {spec.kind}", location
        )
    for check in checks:
        wanted = "int" if isinstance(check, Between) else "str"
        if spec.kind != wanted:
            raise DefinitionError(
                f"param '{py_name}': {type(check).__name__} applies to {wanted} params, "
                f"not {spec.kind}",
                location,
            )
    if spec.catalogue and default is not inspect.Parameter.empty:
        raise DefinitionError(
            f"param '{py_name}' is a {annotation.__name__}, which only a catalogue record's "
            "field may give; it cannot have a default",
            location,
        )
    if default is inspect.Parameter.empty:
        if spec.type == "object" and not spec.properties:
            raise DefinitionError(
                f"param '{py_name}': a dict[str, str] param needs a default, whose keys become "
                "the object's properties; or annotate it with a TypedDict of str fields",
                location,
            )
        return spec
    problem = check_value(spec, default) or constraint_problem(spec, default)
    if problem:
        raise DefinitionError(f"default of param '{py_name}': {problem} [param-default]", location)
    if spec.type == "object" and not spec.properties:
        spec = attrs.evolve(spec, properties=tuple(sorted(default)))
    return attrs.evolve(spec, default=render_value(default))


def _spec_for(
    name: str, py_name: str, annotation: Any, description: str, location: SourceLocation
) -> ParamSpec:
    simple = {str: "str", int: "int", float: "float", bool: "bool"}
    if catalogue_type(annotation):
        return ParamSpec(name, py_name, "string", "str", description)
    if annotation in simple:
        return ParamSpec(name, py_name, "string", simple[annotation], description)  # type: ignore[arg-type]
    origin = get_origin(annotation)
    if origin is Literal:
        choices = tuple(_render_scalar(choice) for choice in get_args(annotation))
        return ParamSpec(name, py_name, "string", "choice", description, choices=choices)
    if (origin is list and get_args(annotation) == (str,)) or (
        origin is tuple and get_args(annotation) == (str, Ellipsis)
    ):
        # A tuple for the fields of frozen catalogue records.
        return ParamSpec(name, py_name, "array", "array", description)
    if origin is dict and get_args(annotation) == (str, str):
        return ParamSpec(name, py_name, "object", "object", description)
    if typing.is_typeddict(annotation):
        hints = typing.get_type_hints(annotation)
        if all(hint is str for hint in hints.values()):
            keys = tuple(sorted(hints))
            return ParamSpec(name, py_name, "object", "object", description, properties=keys)
    if origin in (Union, types.UnionType):
        raise DefinitionError(
            f"param '{py_name}': optional and union types have no Tekton equivalent; "
            "give the param a default instead",
            location,
        )
    raise DefinitionError(
        f"param '{py_name}' has annotation {annotation!r}; use str, int, float, bool, "
        "Literal[...], list[str], dict[str, str] or a TypedDict of str fields",
        location,
    )


def check_value(spec: ParamSpec, value: Any) -> str | None:
    """Why `value` does not fit the param, or None when it does.

    Tekton variables (refs or strings holding `$(...)`) are accepted for any scalar param:
    their value is known only at run time.
    """
    if isinstance(value, Ref):
        return _check_ref(spec, value)
    if spec.type == "array":
        if isinstance(value, list | tuple) and all(isinstance(v, str | Ref) for v in value):
            return None
        return f"expects a list of strings (list[str]), got {_describe(value)}"
    if spec.type == "object":
        return _check_object(spec, value)
    if isinstance(value, str) and _VARIABLE.search(value):
        return None
    return _check_scalar(spec, value)


def constraint_problem(spec: ParamSpec, value: Any) -> str | None:
    """Why a literal `value` of the right type breaks one of the param's checks, or None.

    A string built around run-time values (`f"../{sub}"`) is checked for its shape, each
    `$(...)` taken as a plain name; what the values themselves hold is the script's to check."""
    if isinstance(value, Ref):
        return None
    if isinstance(value, str) and _VARIABLE.search(value):
        shape = _VARIABLE.sub("x", value)
        for check in spec.checks:
            if isinstance(check, InWorkspace) and (problem := check.problem(shape)):
                return f"{value!r}, whatever its variables hold: {problem}"
        return None
    return next((p for check in spec.checks if (p := check.problem(value))), None)


def _check_ref(spec: ParamSpec, value: Ref) -> str | None:
    ref_type = getattr(value, "type", "string")
    if ref_type == spec.type:
        return None
    article = "an" if spec.type in ("array", "object") else "a"
    return f"expects {article} {spec.type}, got the {ref_type} variable {value}"


def _check_object(spec: ParamSpec, value: Any) -> str | None:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str | Ref) for k, v in value.items()
    ):
        return f"expects a dict of strings (dict[str, str]), got {_describe(value)}"
    if spec.properties:
        missing = sorted(set(spec.properties) - set(value))
        unknown = sorted(set(value) - set(spec.properties))
        if missing or unknown:
            return (
                f"expects exactly the keys {list(spec.properties)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {unknown}" if unknown else "")
            )
    return None


def _check_scalar(spec: ParamSpec, value: Any) -> str | None:
    if spec.kind == "str":
        ok = isinstance(value, str)
    elif spec.kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif spec.kind == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    elif spec.kind == "bool":
        ok = isinstance(value, bool)
    else:
        if not isinstance(value, str | int | bool) or _render_scalar(value) not in spec.choices:
            return f"expects one of {list(spec.choices)}, got {_describe(value)}"
        return None
    if ok:
        return None
    return f"expects {spec.kind}, got {_describe(value)}"


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def _render_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_value(value: Any) -> ParamValue:
    """A checked Python value as the string, array or object Tekton passes."""
    if isinstance(value, Ref):
        return (str(value),) if getattr(value, "type", "string") == "array" else str(value)
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in sorted(value.items())}
    return _render_scalar(value)
