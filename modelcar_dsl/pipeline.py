"""`@pipeline`: a Python function whose task calls, traced once, are a Tekton Pipeline's tasks."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

import attrs

from modelcar_dsl.errors import DefinitionError
from modelcar_dsl.graph import PipelineGraph
from modelcar_dsl.params import ParamSpec, param_from_annotation, tekton_name
from modelcar_dsl.pipeline_builder import PipelineBuilder, tracing
from modelcar_dsl.refs import ParamRef
from modelcar_dsl.source import SourceLocation, caller_location
from modelcar_dsl.specs import PipelineSpec, PipelineWorkspace


class Pipeline:
    """A traced pipeline: its spec for the compiler and its graph for tests."""

    def __init__(self, spec: PipelineSpec, function: Callable[..., Any]) -> None:
        self.spec = spec
        self.function = function
        self.__doc__ = function.__doc__
        self.__name__ = function.__name__
        self.__module__ = function.__module__

    def __repr__(self) -> str:
        return f"<Pipeline {self.spec.name} from {self.spec.source}>"

    @cached_property
    def graph(self) -> PipelineGraph:
        """Tasks, edges and order, e.g. `assert p.graph.order() == ["download-model", ...]`."""
        return PipelineGraph(self.spec)


def pipeline(
    *,
    name: str | None = None,
    workspaces: Iterable[str | PipelineWorkspace] = (),
) -> Callable[[Callable[..., Any]], Pipeline]:
    """Declare a Tekton Pipeline; the function's typed parameters are the pipeline params.

    A parameter annotated with an attrs class (a catalogue record) becomes one param per field,
    `model.registry_name` -> `model-registry-name`, so runs pass the whole record at once.
    """
    location = caller_location()
    declared = tuple(
        w if isinstance(w, PipelineWorkspace) else PipelineWorkspace(w) for w in workspaces
    )

    def decorate(function: Callable[..., Any]) -> Pipeline:
        params, placeholders = _params_of(function, location)
        builder = PipelineBuilder(declared)
        with tracing(builder):
            function(**placeholders)
        calls = [call.freeze() for call in builder.calls]
        spec = PipelineSpec(
            name=name or tekton_name(function.__name__),
            source=f"{function.__module__}:{function.__qualname__}",
            location=location,
            description=inspect.cleandoc(function.__doc__ or ""),
            params=params,
            workspaces=declared,
            tasks=tuple(call for call in calls if not call.is_finally),
            finally_tasks=tuple(call for call in calls if call.is_finally),
        )
        return Pipeline(spec, function)

    return decorate


def _params_of(
    function: Callable[..., Any], location: SourceLocation
) -> tuple[tuple[ParamSpec, ...], dict[str, Any]]:
    hints = typing.get_type_hints(function, include_extras=True)
    params: list[ParamSpec] = []
    placeholders: dict[str, Any] = {}
    for parameter in inspect.signature(function).parameters.values():
        annotation = hints.get(parameter.name)
        if annotation is None:
            raise DefinitionError(
                f"{function.__name__}: param '{parameter.name}' needs a type annotation", location
            )
        if attrs.has(annotation):
            fields = _record_params(parameter.name, annotation, location)
            params.extend(fields)
            placeholders[parameter.name] = types.SimpleNamespace(
                **{p.py_name.split(".", 1)[1]: ParamRef(p.name, p.type) for p in fields}
            )
            continue
        spec = param_from_annotation(parameter.name, annotation, parameter.default, location)
        params.append(spec)
        placeholders[parameter.name] = ParamRef(spec.name, spec.type)
    return tuple(params), placeholders


def _record_params(prefix: str, record: type, location: SourceLocation) -> list[ParamSpec]:
    hints = typing.get_type_hints(record, include_extras=True)
    specs = []
    for field in attrs.fields(record):
        default = inspect.Parameter.empty if field.default is attrs.NOTHING else field.default
        spec = param_from_annotation(f"{prefix}_{field.name}", hints[field.name], default, location)
        specs.append(attrs.evolve(spec, py_name=f"{prefix}.{field.name}"))
    return specs


def record_arguments(py_name: str, value: Any) -> list[tuple[str, Any]]:
    """A catalogue record passed for a record param, as one argument per field."""
    if attrs.has(type(value)):
        return [
            (f"{py_name}.{field.name}", getattr(value, field.name))
            for field in attrs.fields(type(value))
        ]
    return [(py_name, value)]
