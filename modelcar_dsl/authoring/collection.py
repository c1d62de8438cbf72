"""The Tasks, Pipelines and runs among a module's values (or check()'s arguments), with every
task and pipeline they use: what a project declares, ready to compile."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from modelcar_dsl.authoring.pipeline import Pipeline
from modelcar_dsl.authoring.task import Task
from modelcar_dsl.model.specs import PipelineSpec, RunSpec, TaskSpec


@attrs.frozen
class Specs:
    """Tasks, pipelines and runs to compile; `runs` pairs each run with its `module:variable`."""

    tasks: tuple[TaskSpec, ...]
    pipelines: tuple[PipelineSpec, ...]
    runs: tuple[tuple[str, RunSpec], ...]


def collect_specs(named: Iterable[tuple[str, str, Any]]) -> Specs:
    """The Tasks, Pipelines and runs among `(module, variable, value)`, with every task and
    pipeline they use."""
    tasks: dict[int, TaskSpec] = {}
    pipelines: dict[int, PipelineSpec] = {}
    runs: dict[int, tuple[str, RunSpec]] = {}
    for module, attribute, value in named:
        if isinstance(value, Task):
            tasks[id(value.spec)] = value.spec
        elif isinstance(value, Pipeline):
            pipelines[id(value.spec)] = value.spec
        else:
            for run in _runs_in(value):
                # Name a run after the module that declared it, if it holds it too.
                if id(run) not in runs or run.location.module == module:
                    runs[id(run)] = (f"{module}:{attribute}", run)
    for pipeline in pipelines.values():
        for call in pipeline.all_tasks:
            tasks.setdefault(id(call.task), call.task)
    for _, run in runs.values():
        pipelines.setdefault(id(run.pipeline), run.pipeline)
        for call in run.pipeline.all_tasks:
            tasks.setdefault(id(call.task), call.task)
    return Specs(
        tasks=tuple(sorted(tasks.values(), key=lambda t: (t.name, t.source))),
        pipelines=tuple(sorted(pipelines.values(), key=lambda p: (p.name, p.source))),
        runs=tuple(sorted(runs.values(), key=lambda r: (r[1].name, r[0]))),
    )


def _runs_in(value: Any) -> list[RunSpec]:
    if isinstance(value, RunSpec):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, RunSpec)]
    if isinstance(value, dict):
        return [item for item in value.values() if isinstance(item, RunSpec)]
    return []
