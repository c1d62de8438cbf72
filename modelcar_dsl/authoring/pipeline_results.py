"""A pipeline's results, returned by its function: `return {"image-ref": push.results.image_ref}`.
Tekton shows them in the PipelineRun's status, where a release job or a dashboard reads them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.model.refs import RESULT_REFERENCE, Ref, ResultRef
from modelcar_dsl.model.specs import PipelineResult, PipelineTaskSpec

_HOW = 'return {"image-ref": push.results.image_ref}'


def pipeline_results(
    returned: object,
    tasks: Iterable[PipelineTaskSpec],
    location: SourceLocation,
    descriptions: Mapping[str, str] | None = None,
) -> tuple[PipelineResult, ...]:
    """The results a pipeline function returned, each reading a result its task declares; a
    finally task's result is read as Tekton spells it, `$(finally.<task>.results.<name>)`.
    `descriptions` (`@pipeline(result_descriptions=)`) must each name a returned result."""
    if descriptions is not None and not isinstance(descriptions, Mapping):
        raise DefinitionError(
            f"result_descriptions={descriptions!r}: give a dict of result name to description",
            location,
        )
    descriptions = dict(descriptions or {})
    _check_descriptions(descriptions, returned, location)
    if returned is None:
        return ()
    if not isinstance(returned, Mapping):
        raise DefinitionError(
            f"the pipeline function returned a {type(returned).__name__}; return nothing, or "
            f"the pipeline's results as a dict: {_HOW}",
            location,
        )
    tasks = tuple(tasks)
    declared = {task.name: [result.name for result in task.task.results] for task in tasks}
    results = []
    for name, value in returned.items():
        if not isinstance(name, str) or not isinstance(value, str | Ref):
            raise DefinitionError(
                f"pipeline result {name!r}: {value!r} is not a task result; the returned dict "
                f"maps names to task results or f-strings holding them: {_HOW}",
                location,
            )
        text = str(value)
        references = RESULT_REFERENCE.findall(text)
        if not references:
            raise DefinitionError(
                f"pipeline result {name!r} reads no task result ({text!r}); Tekton takes only "
                f"values made of task results: {_HOW}",
                location,
            )
        for task, result in references:
            if task not in declared:
                raise DefinitionError(
                    f"pipeline result {name!r} reads task {task!r}, which the pipeline does "
                    "not call" + did_you_mean(task, declared),
                    location,
                )
            if result not in declared[task]:
                raise DefinitionError(
                    f"pipeline result {name!r} reads result {result!r} of task {task!r}, "
                    "which it does not declare" + did_you_mean(result, declared[task]),
                    location,
                )
        for task in tasks:
            if task.is_finally:
                text = text.replace(
                    f"$(tasks.{task.name}.results.", f"$(finally.{task.name}.results."
                )
        whole = isinstance(value, ResultRef) and value.type != "string" and not value.path
        kind = value.type if isinstance(value, ResultRef) and whole else "string"
        results.append(
            PipelineResult(name, text, descriptions.get(name, ""), type=kind)  # type: ignore[arg-type]
        )
    return tuple(results)


def _check_descriptions(
    descriptions: dict[str, str], returned: object, location: SourceLocation
) -> None:
    """A description of a result the function does not return would never be shown: refuse it,
    naming the results it does return."""
    names = (
        [name for name in returned if isinstance(name, str)]
        if isinstance(returned, Mapping)
        else []
    )
    for name, text in descriptions.items():
        if not isinstance(text, str):
            raise DefinitionError(
                f"result_descriptions[{name!r}] is {text!r}; a description is a string", location
            )
        if name not in names:
            raise DefinitionError(
                f"result_descriptions names {name!r}, which the pipeline function does not "
                "return"
                + (did_you_mean(name, names) if names else f"; it returns no results: {_HOW}"),
                location,
            )
