"""Tracing a `@pipeline` function: each task call inside it records a node and returns a handle."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation, caller_location
from modelcar_dsl.model.params import tekton_name
from modelcar_dsl.model.refs import MatrixLengthRef, Ref, ResultRef, StatusRef
from modelcar_dsl.model.specs import (
    OnError,
    PipelineTaskSpec,
    PipelineWorkspace,
    TaskSpec,
    When,
)

_ACTIVE: ContextVar[PipelineBuilder | None] = ContextVar("modelcar_pipeline_builder", default=None)


class Results:
    """`call.results.image_digest` (or `call.results["image-digest"]`): a reference to a result.

    Typed `Any` for mypy: a result stands in for a param of any type, known only at run time."""

    def __init__(self, call: TaskCall) -> None:
        self._call = call

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self[tekton_name(name)]

    def __getitem__(self, name: str) -> ResultRef:
        """A result as its declared type; a matrixed task's is the array of its runs' values
        (`[*]`), the only way Tekton lets another task read it."""
        if self._call.is_matrixed:
            return ResultRef(self._call.name, name, "array")
        declared = {result.name: result for result in self._call.task.results}
        if name in declared:
            result = declared[name]
            return ResultRef(self._call.name, name, result.type, properties=result.properties)
        return ResultRef(task=self._call.name, result=name)


def _result_access(name: str) -> str:
    """How Python reads result `name` of a task call: `.results.image_digest`."""
    attribute = name.replace("-", "_")
    return f".results.{attribute}" if attribute.isidentifier() else f".results[{name!r}]"


class TaskCall:
    """One task in a pipeline while the pipeline function runs; frozen into a PipelineTaskSpec."""

    def __init__(
        self,
        name: str,
        task: TaskSpec,
        location: SourceLocation,
        arguments: Mapping[str, Any],
        workspaces: Mapping[str, str],
        timeout: str | None,
        retries: int | None,
        is_finally: bool,
        matrix: Mapping[str, Any] | None = None,
        include: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.name = name
        self.task = task
        self.location = location
        self.arguments = dict(arguments)
        self.workspaces = dict(workspaces)
        self.timeout = timeout
        self.retries = retries
        self.is_finally = is_finally
        self.matrix = dict(matrix or {})
        self.include = {name: dict(entry) for name, entry in (include or {}).items()}
        self._after: list[tuple[str, SourceLocation]] = []
        self._when: list[When] = []
        self.results = Results(self)
        self.on_error: OnError | None = None
        self.display_name: str | None = None

    def configure(self, *, on_error: OnError | None, display_name: str | None) -> TaskCall:
        """Set the options given to `Task.options` that Tekton reads only from the pipeline."""
        self.on_error = on_error
        self.display_name = display_name
        return self

    def __repr__(self) -> str:
        """How a message names a task call passed where a value belongs: with its results."""
        results = [_result_access(result.name) for result in self.task.results]
        use = (
            "pass one of its results: " + ", ".join(results)
            if results
            else f"task {self.task.name!r} has no results; declare one with @task(results=[...])"
        )
        return f"(the call of task {self.name!r} itself; {use})"

    @property
    def is_matrixed(self) -> bool:
        return bool(self.matrix or self.include)

    def matrix_length(self, result: str | None = None) -> Any:
        """`$(tasks.<name>.matrix.length)`: how many runs the matrix made; with `result`, how
        many values of that result they produced. Reading it orders the reader after this task.
        Typed `Any` for mypy, like a result."""
        location = caller_location()
        if not self.is_matrixed:
            raise DefinitionError(
                f"task {self.name!r} has no matrix, so no matrix length; fan it out with "
                ".options(matrix={...})",
                location,
            )
        return MatrixLengthRef(self.name, tekton_name(result) if result else None)

    @property
    def status(self) -> Any:
        """`$(tasks.<name>.status)`: Succeeded, Failed or None; for finally tasks. Typed `Any`
        for mypy, like a result: it stands in for a string param."""
        return StatusRef(task=self.name)

    def after(self, *others: TaskCall) -> TaskCall:
        """Run this task only after `others` finish, though it reads none of their results."""
        location = caller_location()
        for other in others:
            if not isinstance(other, TaskCall):
                raise DefinitionError(
                    f"after() takes the values returned by task calls, got {other!r}", location
                )
            self._after.append((other.name, location))
        return self

    def when(
        self, input: str | Ref, operator: Literal["in", "notin"], values: Iterable[str | Ref]
    ) -> TaskCall:
        """Run this task only when `input` is (`in`) or is not (`notin`) one of `values`."""
        if isinstance(values, str | Ref):
            raise DefinitionError(
                f"when() takes a list of values, e.g. [{str(values)!r}], not a single string",
                caller_location(),
            )
        self._when.append(When(str(input), operator, tuple(str(value) for value in values)))
        return self

    def when_cel(self, expression: str) -> TaskCall:
        """Run this task only when the CEL `expression` is true, e.g.
        `f"'{score}' > 0.9"`; Tekton needs the flag enable-cel-in-whenexpression for it."""
        if not isinstance(expression, str) or not expression.strip():
            raise DefinitionError(
                f"when_cel() takes a CEL expression as text, e.g. \"'$(params.mode)' == 'fast'\", "
                f"not {expression!r}",
                caller_location(),
            )
        self._when.append(When("", "in", (), cel=expression))
        return self

    def freeze(self) -> PipelineTaskSpec:
        return PipelineTaskSpec(
            name=self.name,
            task=self.task,
            location=self.location,
            arguments=tuple(self.arguments.items()),
            workspaces=tuple(self.workspaces.items()),
            after=tuple(self._after),
            when=tuple(self._when),
            timeout=self.timeout,
            retries=self.retries,
            is_finally=self.is_finally,
            matrix=tuple(self.matrix.items()),
            include=tuple((name, tuple(entry.items())) for name, entry in self.include.items()),
            on_error=self.on_error,
            display_name=self.display_name,
        )


class PipelineBuilder:
    """Collects the task calls of one pipeline function, in the order they were written."""

    def __init__(self, workspaces: Iterable[PipelineWorkspace]) -> None:
        self.workspaces = {workspace.name for workspace in workspaces}
        self.calls: list[TaskCall] = []
        self.finally_opened_at: SourceLocation | None = None
        """The `with finally_tasks():` being traced, if any."""

    def add(
        self,
        task: TaskSpec,
        name: str | None,
        arguments: Mapping[str, Any],
        workspaces: Mapping[str, str],
        timeout: str | None,
        retries: int | None,
        location: SourceLocation,
        matrix: Mapping[str, Any] | None = None,
        include: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> TaskCall:
        bound = {
            declared.name: workspaces.get(declared.name, declared.name)
            for declared in task.workspaces
            if declared.name in workspaces or declared.name in self.workspaces
        }
        bound.update((name, target) for name, target in workspaces.items() if name not in bound)
        call = TaskCall(
            name=name or task.name,
            task=task,
            location=location,
            arguments=arguments,
            workspaces=bound,
            timeout=timeout if timeout is not None else task.timeout,
            retries=retries if retries is not None else task.retries,
            is_finally=self.finally_opened_at is not None,
            matrix=matrix,
            include=include,
        )
        self.calls.append(call)
        return call


def active_builder(location: SourceLocation) -> PipelineBuilder:
    builder = _ACTIVE.get()
    if builder is None:
        raise DefinitionError(
            "tasks can only be called inside a @pipeline function; to run a task on its own, "
            "wrap it in a one-task pipeline",
            location,
        )
    return builder


@contextmanager
def tracing(builder: PipelineBuilder) -> Iterator[PipelineBuilder]:
    token = _ACTIVE.set(builder)
    try:
        yield builder
    finally:
        _ACTIVE.reset(token)


@contextmanager
def finally_tasks() -> Iterator[None]:
    """Tasks called inside this block run after all others, whatever their outcome. Blocks do
    not nest: leaving an inner one would end the outer one's finally tasks early."""
    location = caller_location()
    builder = active_builder(location)
    if builder.finally_opened_at is not None:
        raise DefinitionError(
            "with finally_tasks() is inside another one (at "
            f"{builder.finally_opened_at}), and blocks do not nest: every task called in the "
            "outer block is a finally task already, so remove the inner with",
            location,
        )
    builder.finally_opened_at = location
    try:
        yield
    finally:
        builder.finally_opened_at = None
