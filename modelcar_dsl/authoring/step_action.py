"""`@step_action`: one reusable step, compiled to a Tekton StepAction that tasks' steps call
(`ref: {name: ...}` with params). Its function's typed parameters are the StepAction's params,
so a call is type-checked and its arguments checked at compile time, like a task's."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic

from modelcar_dsl.authoring.declaration import Declaration
from modelcar_dsl.authoring.task import P, _params_of
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation, caller_location
from modelcar_dsl.model.metadata import checked_metadata
from modelcar_dsl.model.params import tekton_name
from modelcar_dsl.model.refs import ParamRef
from modelcar_dsl.model.resolvers import Resolver, checked_resolver
from modelcar_dsl.model.specs import Result, Step, StepActionCall, StepActionSpec


class StepAction(Declaration[StepActionSpec], Generic[P]):
    """A StepAction; calling it (by param name) gives a step of a task that runs it."""

    def __call__(self, *args: P.args, **arguments: P.kwargs) -> Step:
        return self.options()(*args, **arguments)

    def options(self, *, name: str | None = None) -> Callable[P, Step]:
        """Call this action under another step name: a task's steps need distinct names."""

        def call(*args: P.args, **arguments: P.kwargs) -> Step:
            location = caller_location()
            if args:
                raise DefinitionError(
                    f"pass the params of step action '{self.spec.name}' by name "
                    f"({', '.join(p.py_name + '=...' for p in self.spec.params)})",
                    location,
                )
            return Step(
                name=name or self.spec.name,
                location=location,
                action=StepActionCall(self.spec, tuple(arguments.items())),
            )

        return call


def _action_results(
    results: Iterable[Result | str], location: SourceLocation
) -> tuple[Result, ...]:
    """A StepAction's results; `from_step=` is a task's way to read one, never the action's."""
    declared = tuple(r if isinstance(r, Result) else Result(r) for r in results)
    for result in declared:
        if result.from_step is not None:
            raise DefinitionError(
                f"result {result.name!r} of a step action has from_step=: a StepAction writes "
                "its results itself; give from_step= on the task's Result that reads this one",
                location,
            )
    return declared


def step_action(
    *,
    name: str | None = None,
    image: str | None = None,
    results: Iterable[Result | str] = (),
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> Callable[[Callable[P, Step]], StepAction[P]]:
    """Declare a StepAction: the function returns its one step (`script_step(...)` or
    `command_step(...)`), which reads each param from env (`$URL`) and writes each result to
    `$RESULT_<NAME>_PATH`; `image` is the default for a step that names none. `labels` and
    `annotations` go on the StepAction document."""
    location = caller_location()
    action_labels, action_annotations = checked_metadata(
        labels, annotations, "@step_action", location
    )

    def decorate(function: Callable[P, Step]) -> StepAction[P]:
        params = _params_of(function, location)
        placeholders = {p.py_name: ParamRef(p.name, p.type) for p in params}
        step = typing.cast(Callable[..., Any], function)(**placeholders)
        if not isinstance(step, Step) or step.action is not None:
            raise DefinitionError(
                f"step action function {function.__name__} must return one step "
                "(script_step(...) or command_step(...)), not a list nor another action's step",
                location,
            )
        container = [
            field
            for field in ("security_context", "image_pull_policy", "volume_mounts")
            if getattr(step, field)
        ]
        if container:
            raise DefinitionError(
                f"step action function {function.__name__}: its step sets "
                f"{', '.join(container)}, which the DSL does not write into a StepAction; set "
                "them on a task's own script_step or command_step",
                step.location,
            )
        spec = StepActionSpec(
            name=name or tekton_name(function.__name__),
            source=f"{function.__module__}:{function.__qualname__}",
            location=location,
            description=inspect.cleandoc(function.__doc__ or ""),
            params=params,
            step=Step(
                name=step.name,
                location=step.location,
                image=step.image or image,
                script=step.script,
                script_origins=step.script_origins,
                command=step.command,
                args=step.args,
                env=step.env,
                env_from=step.env_from,
                working_dir=step.working_dir,
            ),
            results=_action_results(results, location),
            labels=action_labels,
            annotations=action_annotations,
        )
        if spec.step.image is None:
            raise DefinitionError(
                f"step action {spec.name} needs an image: give step_action(image=...) or "
                "the step's image=",
                location,
            )
        return StepAction(spec, function)

    return decorate


def remote_step_action(
    *,
    resolver: Resolver,
    name: str | None = None,
    results: Iterable[Result | str] = (),
) -> Callable[[Callable[P, None]], StepAction[P]]:
    """Declare the interface of a StepAction Tekton fetches through a resolver: the function's
    signature is its params, its body `...`. Declare what the fetched StepAction declares: Tekton
    checks a step's params against the real one only when a TaskRun starts, the DSL against this
    stub when the project compiles."""
    location = caller_location()
    checked_resolver(resolver, "remote_step_action", "stepaction", location)

    def decorate(function: Callable[P, None]) -> StepAction[P]:
        spec_name = name or tekton_name(function.__name__)
        spec = StepActionSpec(
            name=spec_name,
            source=f"{function.__module__}:{function.__qualname__}",
            location=location,
            description=inspect.cleandoc(function.__doc__ or ""),
            params=_params_of(function, location),
            step=Step(name=spec_name, location=location),
            results=_action_results(results, location),
            resolver=resolver,
        )
        return StepAction(spec, function)

    return decorate
