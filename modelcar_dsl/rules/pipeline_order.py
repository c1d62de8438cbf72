"""The order of a Pipeline's tasks: no cycles, result references to tasks that declare the
result, and tasks that write one workspace ordered (Tekton's dag.Build and what it misses)."""

from __future__ import annotations

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.catalog import Origin
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.model.dag import find_cycle
from modelcar_dsl.rules.declarations import names_of
from modelcar_dsl.rules.document import Report
from modelcar_dsl.rules.findings import FieldPath, Finding
from modelcar_dsl.rules.pipeline_calls import PipelineTaskCall
from modelcar_dsl.rules.pipeline_graph import cycle_path, regular_tasks, task_graph
from modelcar_dsl.rules.result_references import result_reference
from modelcar_dsl.rules.workspace_order import Graph, unordered_writers


def check_order(calls: list[PipelineTaskCall], report: Report) -> None:
    """No cycles among the tasks; known result names; and tasks that write one workspace
    ordered, so they never run at the same time on one volume. Results read in inline steps
    order tasks in Tekton's v1 webhook; v1beta1's reads only params and when, so there they
    order the run alone (it runs as v1)."""
    steps_admitted = report.context.is_v1
    tasks, by_name = regular_tasks(calls)
    for call in calls:
        report.add(_result_name_findings(call, by_name), call.path)
        if not call.is_finally:
            origin: Origin | None = None if steps_admitted else "run"
            report.add(_step_dependency_findings(call, by_name, origin), call.path)
    graph = task_graph(tasks, by_name)
    cycle = find_cycle(*graph)
    if cycle:
        admitted = steps_admitted or bool(find_cycle(*task_graph(tasks, by_name, steps=False)))
        report(
            cycle_path(cycle, by_name),
            catalog.CYCLE,
            "tasks form a cycle: "
            + " -> ".join([*cycle, cycle[0]])
            + "; remove one of the runAfter entries or result references that close it",
            origin=None if admitted else "run",
        )
    elif len(by_name) == len(tasks):
        _check_shared_workspaces(calls, graph, report)


def _check_shared_workspaces(calls: list[PipelineTaskCall], graph: Graph, report: Report) -> None:
    for use, other in unordered_writers(calls, graph):
        where = f" (subPath {use.sub_path!r})" if use.sub_path else ""
        fix = (
            "finally tasks all start together and cannot be ordered: mount it readOnly where "
            "it is only read, give each its own subPath, or move one into the pipeline's tasks"
            if use.call.is_finally and other.call.is_finally
            else f"Add {other.call.name!r} to runAfter of {use.call.name!r} (in the DSL: "
            ".after()), or mount it readOnly where it is only read"
        )
        report(
            f"{use.call.path}.workspaces[{use.index}]",
            catalog.SHARED_WORKSPACE,
            f"tasks {other.call.name!r} and {use.call.name!r} both mount workspace "
            f"{use.workspace!r}{where}, at least one writes it, and nothing orders them: "
            f"they can run at the same time on one volume. {fix}",
        )


def _step_dependency_findings(
    call: PipelineTaskCall, by_name: dict[str, PipelineTaskCall], origin: Origin | None
) -> list[Finding]:
    """A task result read in an inline taskSpec's steps orders the task after its producer as
    a param would; Tekton's graph refuses a producer that is no task (or a finally task) of
    the pipeline (dag.Build: `couldn't add link`). The first such, relative to the task."""
    for where, variable in call.step_variables:
        reference = result_reference(variable)
        parts = variable.expression.split(".")
        if reference is not None and len(parts) in (4, 5) and reference.task not in by_name:
            message = (
                f"{variable.text} names task {reference.task!r}, which is no task of this "
                "pipeline (a finally task's results cannot be read before finally)"
                + did_you_mean(reference.task, by_name)
            )
            return [Finding(catalog.RESULT_REFERENCE, message, FieldPath.rendered(where), origin)]
    return []


def _result_name_findings(
    call: PipelineTaskCall, by_name: dict[str, PipelineTaskCall]
) -> list[Finding]:
    """A result the task does not declare: Tekton's webhook never reads the Task's results
    (not even an embedded taskSpec's), so the run fails when it resolves the reference."""
    findings = []
    for where, variable in call.variables:
        reference = result_reference(variable)
        source = by_name.get(reference.task) if reference else None
        if reference is None or source is None or source.spec is None:
            continue
        declared = names_of(source.spec.get("results"))
        if reference.result not in declared:
            message = (
                f"{variable.text}: task {reference.task!r} has no result "
                f"{reference.result!r}" + did_you_mean(reference.result, declared)
            )
            where_found = FieldPath.rendered(where)
            findings.append(Finding(catalog.RESULT_REFERENCE, message, where_found, "run"))
    return findings
