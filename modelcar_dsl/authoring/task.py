"""`@task`: a Python function whose typed parameters are the params of a Tekton Task."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, overload

import attrs

from modelcar_dsl.authoring.annotations import check_named_parameter, param_from_annotation
from modelcar_dsl.authoring.declaration import Declaration
from modelcar_dsl.authoring.display_names import checked_display_name, checked_title
from modelcar_dsl.authoring.matrix import check_not_given_twice, checked_include, checked_matrix
from modelcar_dsl.authoring.pipeline_builder import TaskCall, active_builder
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation, caller_location, parameter_locations
from modelcar_dsl.formats.durations import Duration, checked_duration
from modelcar_dsl.model.container_settings import Sidecar, TaskVolume, checked_containers
from modelcar_dsl.model.metadata import checked_metadata
from modelcar_dsl.model.params import ParamSpec, tekton_name
from modelcar_dsl.model.refs import ParamRef
from modelcar_dsl.model.specs import (
    EnvSource,
    OnError,
    Resources,
    Result,
    Step,
    TaskSpec,
    Workspace,
    checked_on_error,
)

Steps = Sequence[Step]
P = typing.ParamSpec("P")


class Task(Declaration[TaskSpec], Generic[P]):
    """A compiled-once Task; calling it inside a `@pipeline` function adds it to that pipeline.

    It keeps the function's signature, so editors complete its params and mypy checks the
    arguments (a result, `call.results.x`, is accepted for any param)."""

    def __call__(self, *args: P.args, **arguments: P.kwargs) -> TaskCall:
        return self.options()(*args, **arguments)

    @overload
    def options(
        self,
        *,
        name: str | None = None,
        workspaces: Mapping[str, str] | None = None,
        timeout: Duration | None = None,
        retries: int | None = None,
        matrix: None = None,
        include: None = None,
        on_error: OnError | None = None,
        display_name: str | None = None,
    ) -> Callable[P, TaskCall]: ...

    @overload
    def options(
        self,
        *,
        name: str | None = None,
        workspaces: Mapping[str, str] | None = None,
        timeout: Duration | None = None,
        retries: int | None = None,
        matrix: Mapping[str, Any] | None = None,
        include: Mapping[str, Mapping[str, Any]] | None = None,
        on_error: OnError | None = None,
        display_name: str | None = None,
    ) -> Callable[..., TaskCall]: ...

    def options(
        self,
        *,
        name: str | None = None,
        workspaces: Mapping[str, str] | None = None,
        timeout: Duration | None = None,
        retries: int | None = None,
        matrix: Mapping[str, Any] | None = None,
        include: Mapping[str, Mapping[str, Any]] | None = None,
        on_error: OnError | None = None,
        display_name: str | None = None,
    ) -> Callable[..., TaskCall]:
        """Call this task under another name, with other workspace bindings, timeout or retries.

        `workspaces` maps the task's workspace names to the pipeline's; by default a task
        workspace binds to the pipeline workspace of the same name. `matrix` fans the task out:
        one run per combination of its string params' values (`matrix={"num_fewshot": ["0",
        "5"]}`); `include` entries (`{"ten-shot": {"num_fewshot": "10", "limit": 100}}`) are new
        runs where their matrix params' values are new, else add their params to the runs they
        match. A param in either is not passed to the call; with a matrix, the call's params are
        not type-checked by mypy. `on_error="continue"` lets the pipeline go on when this task
        fails (publish what the other evaluations found); `display_name` is the task's title in
        dashboards and may read `$(params.x)`.
        """
        options_location = caller_location()
        checked_timeout = checked_duration(timeout, options_location)
        fanned = checked_matrix(matrix, options_location)
        extra = checked_include(include, options_location)
        checked_error = checked_on_error(on_error, options_location)
        checked_title = checked_display_name(display_name, options_location)

        def call(*args: Any, **arguments: Any) -> TaskCall:
            location = caller_location()
            if args:
                raise DefinitionError(
                    f"pass the params of task '{self.spec.name}' by name "
                    f"({', '.join(p.py_name + '=...' for p in self.spec.params)})",
                    location,
                )
            check_not_given_twice(arguments, fanned, location)
            return (
                active_builder(location)
                .add(
                    task=self.spec,
                    name=name,
                    arguments=arguments,
                    workspaces=workspaces or {},
                    timeout=checked_timeout,
                    retries=retries,
                    location=location,
                    matrix=fanned,
                    include=extra,
                )
                .configure(on_error=checked_error, display_name=checked_title)
            )

        return call


def _returned(value: Any) -> str:
    return "nothing (no return statement?)" if value is None else f"a {type(value).__name__}"


def task(
    *,
    name: str | None = None,
    image: str | None = None,
    workspaces: Iterable[Workspace] = (),
    results: Iterable[Result | str] = (),
    env: Iterable[EnvSource] = (),
    resources: Resources | None = None,
    timeout: Duration | None = None,
    retries: int | None = None,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    display_name: str | None = None,
    volumes: Iterable[TaskVolume] = (),
    sidecars: Iterable[Sidecar] = (),
) -> Callable[[Callable[P, Steps]], Task[P]]:
    """Declare a Tekton Task; the function returns its steps and its docstring describes it.

    `image` is the default for steps that name none; `env` adds Secret and ConfigMap keys to every
    step's environment; `resources` applies to every step that sets none; `timeout` and `retries`
    are the defaults for each use of the task in a pipeline. `labels` and `annotations` go on the
    Task (and Tekton copies them to its TaskRuns and pods); `display_name` is its title.
    `volumes` are the pod's own (`TaskVolume`), mounted by steps' and sidecars'
    `volume_mounts`; `sidecars` run beside the steps (`sidecar(...)`).
    """
    location = caller_location()
    checked_timeout = checked_duration(timeout, location)
    task_labels, task_annotations = checked_metadata(labels, annotations, "@task", location)
    title = checked_title(display_name, "Task", location)
    pod_volumes, pod_sidecars = checked_containers(volumes, sidecars, location)

    def decorate(function: Callable[P, Steps]) -> Task[P]:
        params = _params_of(function, location)
        placeholders = {p.py_name: ParamRef(p.name, p.type) for p in params}
        # The function runs once, with each param's placeholder for its value.
        returned = typing.cast(Callable[..., Any], function)(**placeholders)
        if not isinstance(returned, list | tuple):
            raise DefinitionError(
                f"task function {function.__name__} returned {_returned(returned)}; it must "
                "return its steps: `return [script_step(...), command_step(...)]`",
                location,
            )
        steps = tuple(returned)
        if not all(isinstance(step, Step) for step in steps):
            raise DefinitionError(
                f"task function {function.__name__} must return a list of steps "
                "(script_step(...), command_step(...))",
                location,
            )
        steps = tuple(_with_defaults(step, image=image, resources=resources) for step in steps)
        spec = TaskSpec(
            name=name or tekton_name(function.__name__),
            source=f"{function.__module__}:{function.__qualname__}",
            location=location,
            description=inspect.cleandoc(function.__doc__ or ""),
            params=params,
            steps=steps,
            workspaces=tuple(workspaces),
            results=tuple(r if isinstance(r, Result) else Result(r) for r in results),
            env_from=tuple(env),
            timeout=checked_timeout,
            retries=retries,
            labels=task_labels,
            annotations=task_annotations,
            display_name=title,
            volumes=pod_volumes,
            sidecars=pod_sidecars,
        )
        return Task(spec, function)

    return decorate


def _params_of(function: Callable[..., Any], location: SourceLocation) -> tuple[ParamSpec, ...]:
    hints = typing.get_type_hints(function, include_extras=True)
    lines = parameter_locations(function, location)
    params = []
    for parameter in inspect.signature(function).parameters.values():
        check_named_parameter(function.__name__, parameter, location)
        if parameter.name not in hints:
            raise DefinitionError(
                f"{function.__name__}: param '{parameter.name}' needs a type annotation "
                "(str, int, float, bool, Literal[...], list[str], dict[str, str])",
                location,
            )
        params.append(
            param_from_annotation(
                parameter.name,
                hints[parameter.name],
                parameter.default,
                lines.get(parameter.name, location),
            )
        )
    kinds = {param.py_name: param.kind for param in params}
    for param in params:
        if param.tls_host is not None and kinds.get(param.tls_host) != "str":
            raise DefinitionError(
                f"{function.__name__}: param '{param.py_name}' verifies TLS for the host in "
                f"param '{param.tls_host}', which is not a str param of this task",
                location,
            )
    return tuple(params)


def _with_defaults(step: Step, image: str | None, resources: Resources | None) -> Step:
    if step.action is not None:
        return step  # A StepAction brings its own image; Tekton refuses one beside a ref.
    return attrs.evolve(step, image=step.image or image, resources=step.resources or resources)
