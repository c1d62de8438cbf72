"""Python annotations as Tekton params: which type each becomes, and which parameters a
decorated function may have."""

from __future__ import annotations

import inspect
import types
import typing
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import attrs

from modelcar_dsl.authoring.catalogue import catalogue_type
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation
from modelcar_dsl.model.param_checks import Between, ParamCheck, VerifiesTls
from modelcar_dsl.model.params import (
    ParamSpec,
    check_value,
    constraint_problem,
    render_scalar,
    render_value,
    tekton_name,
)


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
        choices = tuple(render_scalar(choice) for choice in get_args(annotation))
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
