"""Rules for a Pipeline's spec, standalone or embedded in a run as `pipelineSpec` (Tekton's
pipeline_validation.go): its params and workspaces, then each task, the variables across
tasks, their order and the pipeline's results."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.rules.context import ValidationContext
from modelcar_dsl.rules.declarations import (
    check_workspace_declarations,
    duplicates,
    merged,
)
from modelcar_dsl.rules.document import Report, mapping, sequence
from modelcar_dsl.rules.findings import Finding
from modelcar_dsl.rules.matrix import check_matrices
from modelcar_dsl.rules.param_specs import (
    check_combined,
    check_param_declarations,
    check_propagated_names,
)
from modelcar_dsl.rules.pipeline_calls import PipelineTaskCall, calls_of
from modelcar_dsl.rules.pipeline_order import check_order
from modelcar_dsl.rules.pipeline_results import pipeline_results_findings
from modelcar_dsl.rules.pipeline_scope import PipelineScope, RunContext, has_inline_steps
from modelcar_dsl.rules.pipeline_task import check_pipeline_task
from modelcar_dsl.rules.pipeline_variables import call_strings, context_findings
from modelcar_dsl.rules.resource_ref import TaskResolver
from modelcar_dsl.rules.tekton_types import struct_fields
from modelcar_dsl.rules.tls_params import check_calls_tls


def check_pipeline_spec(
    spec: dict[str, Any],
    path: str,
    report: Report,
    resolve: TaskResolver,
    run: RunContext | None = None,
) -> None:
    """Check a Pipeline spec at `path`: a Pipeline of its own, or (`run`) one embedded in a
    PipelineRun, whose params and workspaces propagate into it."""
    params = check_param_declarations(
        spec.get("params"),
        f"{path}.params",
        report,
        False,
        properties_checked=has_inline_steps(spec, embedded=run is not None),
    )
    workspaces = check_workspace_declarations(spec.get("workspaces"), f"{path}.workspaces", report)
    calls = calls_of(spec, path)
    scope = PipelineScope(params, workspaces, run, calls)
    if run is not None:
        if report.context.is_v1beta1:
            scope.bound = set()
        _check_propagated(spec, path, run, scope, calls, report)
    if not sequence(spec.get("tasks")):
        report.add(_no_tasks_findings(spec, report.context), path)
    _check_task_names(calls, report)
    for call in calls:
        check_pipeline_task(call, scope, report, resolve)
    check_matrices(calls, report)
    _check_contexts(calls, report)
    defaults = {name: declaration.get("default") for name, declaration in params.items()}
    check_calls_tls([(call.path, call.body, call.spec) for call in calls], defaults, report)
    check_order(calls, report)
    results = pipeline_results_findings(spec.get("results"), scope.regular, scope.finally_names)
    report.add(results, f"{path}.results")


def _check_propagated(
    spec: dict[str, Any],
    path: str,
    run: RunContext,
    scope: PipelineScope,
    calls: list[PipelineTaskCall],
    report: Report,
) -> None:
    """The params a run propagates into the pipelineSpec it embeds: one type per name across
    the run, the spec and its tasks (Tekton's validateInlineParameters)."""
    check_combined(run.params, spec.get("params"), f"{path}.params", report)
    regular = [call for call in calls if not call.is_finally]
    if has_inline_steps(spec, embedded=True):
        check_propagated_names(spec.get("params"), f"{path}.params", scope.run_params, report)
        for call in regular:
            where = f"{call.path}.params"
            check_propagated_names(call.body.get("params"), where, scope.run_params, report)
    for call in regular:
        task_params = mapping(call.body.get("taskSpec")).get("params")
        if task_params:
            where = f"{call.path}.taskSpec.params"
            check_combined(merged(run.params, scope.params), task_params, where, report)


def _no_tasks_findings(spec: dict[str, Any], context: ValidationContext) -> list[Finding]:
    """Tekton's webhook refuses only an empty spec, or finally tasks without tasks
    (PipelineSpec.Validate, validatePipelineTasks); a Pipeline with no tasks otherwise runs
    nothing."""
    fields = struct_fields(context.api, "PipelineSpec")
    empty = not any(spec.get(field) for field in fields)
    refused = empty or bool(sequence(spec.get("finally")))
    message = "a Pipeline needs at least one task" + ("" if refused else ": this one runs nothing")
    finding = Finding(catalog.PIPELINE_NO_TASKS, message, origin=None if refused else "modelcar")
    return [finding.via_field("tasks")]


def _check_task_names(calls: list[PipelineTaskCall], report: Report) -> None:
    """Tasks and finally tasks share one namespace of names."""
    for index, name in duplicates((i, call.name) for i, call in enumerate(calls) if call.name):
        report(
            f"{calls[index].path}.name",
            catalog.PIPELINE_TASK_DUPLICATE,
            f"pipeline task name {name!r} is used more than once (tasks and finally share one "
            "namespace); give each its own name",
        )


def _check_contexts(calls: list[PipelineTaskCall], report: Report) -> None:
    """`$(context...)` variables in each list's task strings; Tekton's webhook reads the param
    values of a list's last task only."""
    for section in (False, True):
        listed = [call for call in calls if call.is_finally == section]
        for call in listed:
            for where, text, _ in call_strings(call.body, call.path):
                admitted = call is listed[-1] and ".when[" not in where
                report.add(context_findings(text, at_admission=admitted), where)
