"""`@remote_task`: a typed stub for a Task Tekton fetches through a resolver (git, bundles,
cluster, http, hub). Its calls are checked like those of a `@task`; it compiles to a
`taskRef` with the resolver's params, and the project writes no Task document for it."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable

from modelcar_dsl.authoring.task import P, Task, _params_of
from modelcar_dsl.diagnostics.source import caller_location
from modelcar_dsl.formats.durations import Duration, checked_duration
from modelcar_dsl.model.params import tekton_name
from modelcar_dsl.model.resolvers import Resolver, checked_resolver
from modelcar_dsl.model.specs import Result, TaskSpec, Workspace


def remote_task(
    *,
    resolver: Resolver,
    name: str | None = None,
    workspaces: Iterable[Workspace] = (),
    results: Iterable[Result | str] = (),
    timeout: Duration | None = None,
    retries: int | None = None,
) -> Callable[[Callable[P, None]], Task[P]]:
    """Declare the interface of a remote Task: the function's signature is its params, its body
    `...`. Declare what the fetched Task declares: Tekton checks the call against the real one
    only when a run starts, the DSL against this stub when the project compiles."""
    location = caller_location()
    checked_timeout = checked_duration(timeout, location)
    checked_resolver(resolver, "remote_task", "task", location)

    def decorate(function: Callable[P, None]) -> Task[P]:
        spec = TaskSpec(
            name=name or tekton_name(function.__name__),
            source=f"{function.__module__}:{function.__qualname__}",
            location=location,
            description=inspect.cleandoc(function.__doc__ or ""),
            params=_params_of(function, location),
            steps=(),
            workspaces=tuple(workspaces),
            results=tuple(r if isinstance(r, Result) else Result(r) for r in results),
            timeout=checked_timeout,
            retries=retries,
            resolver=resolver,
        )
        return Task(spec, function)

    return decorate
