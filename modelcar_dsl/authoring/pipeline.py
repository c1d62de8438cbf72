"""`@pipeline`: a Python function whose task calls, traced once, are a Tekton Pipeline's tasks."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import Any

import attrs

from modelcar_dsl.authoring.annotations import check_named_parameter, param_from_annotation
from modelcar_dsl.authoring.declaration import Declaration
from modelcar_dsl.authoring.display_names import check_display_names, checked_title
from modelcar_dsl.authoring.pipeline_builder import PipelineBuilder, tracing
from modelcar_dsl.authoring.pipeline_results import pipeline_results
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation, caller_location
from modelcar_dsl.model.graph import PipelineGraph
from modelcar_dsl.model.metadata import checked_metadata
from modelcar_dsl.model.params import ParamSpec, tekton_name
from modelcar_dsl.model.refs import ParamRef
from modelcar_dsl.model.specs import PipelineSpec, PipelineWorkspace, VolumeSource


class Pipeline(Declaration[PipelineSpec]):
    """A traced pipeline: its spec for the compiler and its graph for tests."""

    @cached_property
    def graph(self) -> PipelineGraph:
        """Tasks, edges and order, e.g. `assert p.graph.order() == ["download-model", ...]`."""
        return PipelineGraph(self.spec)


def pipeline(
    *,
    name: str | None = None,
    workspaces: Iterable[str | PipelineWorkspace] = (),
    result_descriptions: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    display_name: str | None = None,
) -> Callable[[Callable[..., Any]], Pipeline]:
    """Declare a Tekton Pipeline; the function's typed parameters are the pipeline params, and
    the dict it may return, its results (`return {"image-ref": push.results.image_ref}`), each
    described by `result_descriptions` (shown with the run's results).

    A parameter annotated with an attrs class (a catalogue record) becomes one param per field,
    `model.registry_name` -> `model-registry-name`, so runs pass the whole record at once.
    `labels` and `annotations` go on the Pipeline; `display_name` is its title on dashboards.
    """
    location = caller_location()
    pipeline_labels, pipeline_annotations = checked_metadata(
        labels, annotations, "@pipeline", location
    )
    title = checked_title(display_name, "Pipeline", location)
    declared = tuple(
        w if isinstance(w, PipelineWorkspace) else PipelineWorkspace(w) for w in workspaces
    )
    for workspace in declared:
        if workspace.default is not None and not isinstance(workspace.default, VolumeSource):
            raise DefinitionError(
                f"workspace {workspace.name!r} has default {workspace.default!r}; use "
                "VolumeClaim(...), EmptyDir(), ExistingClaim(...), SecretVolume(...) or "
                "ConfigMapVolume(...)",
                location,
            )

    def decorate(function: Callable[..., Any]) -> Pipeline:
        declared_params, placeholders = _params_of(function, location)
        builder = PipelineBuilder(declared)
        with tracing(builder):
            returned = function(**placeholders)
        params = tuple(
            spec
            for param in declared_params
            for spec in (param.specs() if isinstance(param, _RecordParams) else [param])
        )
        calls = [call.freeze() for call in builder.calls]
        check_display_names(calls, params)
        spec = PipelineSpec(
            name=name or tekton_name(function.__name__),
            source=f"{function.__module__}:{function.__qualname__}",
            location=location,
            description=inspect.cleandoc(function.__doc__ or ""),
            params=params,
            workspaces=declared,
            tasks=tuple(call for call in calls if not call.is_finally),
            finally_tasks=tuple(call for call in calls if call.is_finally),
            results=pipeline_results(returned, calls, location, result_descriptions),
            labels=pipeline_labels,
            annotations=pipeline_annotations,
            display_name=title,
        )
        return Pipeline(spec, function)

    return decorate


def _params_of(
    function: Callable[..., Any], location: SourceLocation
) -> tuple[list[ParamSpec | _RecordParams], dict[str, Any]]:
    hints = typing.get_type_hints(function, include_extras=True)
    params: list[ParamSpec | _RecordParams] = []
    placeholders: dict[str, Any] = {}
    for parameter in inspect.signature(function).parameters.values():
        check_named_parameter(function.__name__, parameter, location)
        annotation = hints.get(parameter.name)
        if annotation is None:
            raise DefinitionError(
                f"{function.__name__}: param '{parameter.name}' needs a type annotation", location
            )
        if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
            kind = annotation.__name__
            raise DefinitionError(
                f"param '{parameter.name}' is a @dataclass ({kind}); a record whose fields "
                f"become the pipeline's params is an attrs class: declare {kind} with "
                "@attrs.frozen (as the catalogue's ModelVersion is)",
                location,
            )
        if attrs.has(annotation):
            record = _RecordParams(parameter.name, annotation, location)
            placeholders[parameter.name] = record
            params.append(record)
            continue
        spec = param_from_annotation(parameter.name, annotation, parameter.default, location)
        if spec.catalogue:
            raise DefinitionError(
                f"{function.__name__}: param '{parameter.name}' is a "
                f"{spec.catalogue.rsplit('.', 1)[-1]}, which only a catalogue record gives; take "
                "the record instead (model: ModelVersion) and pass its field",
                location,
            )
        params.append(spec)
        placeholders[parameter.name] = ParamRef(spec.name, spec.type)
    return params, placeholders


class _RecordParams:
    """A catalogue-record param inside the pipeline function; each field read becomes a param.

    Only the fields the pipeline reads are declared, so no param goes unused.
    """

    def __init__(self, prefix: str, record: type, location: SourceLocation) -> None:
        self._prefix = prefix
        self._record = record
        self._location = location
        self._hints = typing.get_type_hints(record, include_extras=True)
        self._fields = {field.name: field for field in attrs.fields(record)}
        self._used: dict[str, ParamSpec] = {}

    def __getattr__(self, name: str) -> ParamRef:
        if name.startswith("_") or name not in self._fields:
            raise DefinitionError(
                f"{self._record.__name__} has no field {name!r}; fields: {', '.join(self._fields)}",
                caller_location(),
            )
        if name not in self._used:
            field = self._fields[name]
            default = inspect.Parameter.empty if field.default is attrs.NOTHING else field.default
            spec = param_from_annotation(
                f"{self._prefix}_{name}", self._hints[name], default, self._location
            )
            self._used[name] = attrs.evolve(
                spec,
                py_name=f"{self._prefix}.{name}",
                record=f"{self._record.__module__}.{self._record.__qualname__}",
            )
        used = self._used[name]
        return ParamRef(used.name, used.type, used.catalogue)

    def specs(self) -> list[ParamSpec]:
        """The fields read, in the record's field order."""
        return [self._used[name] for name in self._fields if name in self._used]


def record_arguments(
    params: tuple[ParamSpec, ...], py_name: str, value: Any, location: SourceLocation
) -> list[tuple[str, Any]]:
    """A catalogue record passed for a record param, as one argument per field the pipeline
    reads; any other value, as itself. A record param takes a record of its own class: any
    other value there, even one with the same field names, is refused."""
    records = {param.record for param in params if param.py_name.startswith(f"{py_name}.")}
    if records:
        kind = f"{type(value).__module__}.{type(value).__qualname__}"
        if kind not in records:
            expected = ", ".join(sorted(record.rsplit(".", 1)[-1] for record in records if record))
            raise DefinitionError(
                f"param {py_name!r} takes a {expected} from the catalogue, got "
                f"{type(value).__name__} {value!r}"[:300],
                location,
            )
    if not attrs.has(type(value)):
        return [(py_name, value)]
    declared = {param.py_name for param in params}
    return [
        (f"{py_name}.{field.name}", getattr(value, field.name))
        for field in attrs.fields(type(value))
        if f"{py_name}.{field.name}" in declared
    ]
