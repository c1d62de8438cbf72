"""The order Tekton builds among a Pipeline's regular tasks (dag.Build): a task waits for the
tasks in its runAfter and for those whose results it reads."""

from __future__ import annotations

from modelcar_dsl.rules.document import sequence
from modelcar_dsl.rules.pipeline_calls import PipelineTaskCall
from modelcar_dsl.rules.result_references import result_reference


def task_graph(
    tasks: list[PipelineTaskCall], by_name: dict[str, PipelineTaskCall], steps: bool = True
) -> tuple[list[str], dict[str, list[str]]]:
    """The regular tasks' names and, for each, the tasks that wait for it (counting results
    read in inline steps unless `steps` is false)."""
    names = list(by_name)
    children: dict[str, list[str]] = {name: [] for name in names}
    for call in tasks:
        for parent in _parents(call, by_name, steps):
            if parent in children:
                children[parent].append(call.name)
    return names, children


def _parents(
    call: PipelineTaskCall, by_name: dict[str, PipelineTaskCall], steps: bool = True
) -> list[str]:
    parents = [str(after) for after in sequence(call.body.get("runAfter"))]
    for _, variable in call.variables + (call.step_variables if steps else []):
        reference = result_reference(variable)
        if reference is not None:
            parents.append(reference.task)
    return list(dict.fromkeys(parent for parent in parents if parent in by_name))


def regular_tasks(
    calls: list[PipelineTaskCall],
) -> tuple[list[PipelineTaskCall], dict[str, PipelineTaskCall]]:
    """The named regular tasks, and them by name (fewer when two share a name)."""
    tasks = [call for call in calls if not call.is_finally and call.name]
    return tasks, {call.name: call for call in tasks}


def cycle_path(cycle: list[str], by_name: dict[str, PipelineTaskCall]) -> str:
    """The runAfter entry that closes the cycle when there is one (the easiest edge to drop),
    else the task that reads the result closing it."""
    for parent, child in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
        call = by_name[child]
        after = [str(name) for name in sequence(call.body.get("runAfter"))]
        if parent in after:
            return f"{call.path}.runAfter[{after.index(parent)}]"
    return f"{by_name[cycle[0]].path}.params"
