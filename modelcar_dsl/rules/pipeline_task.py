"""Rules for one pipeline task (Tekton's PipelineTask.Validate and what the pipeline's
validation reads of it): its name, the Task it runs, runAfter, execution settings, the
variables in its strings, its workspace bindings and its params."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.catalog import Origin
from modelcar_dsl.formats.durations import is_duration
from modelcar_dsl.formats.names import did_you_mean, dns_label_problem
from modelcar_dsl.rules.calls import (
    check_arguments,
    param_value_findings,
    workspace_binding_findings,
)
from modelcar_dsl.rules.custom_task import custom_task
from modelcar_dsl.rules.declarations import duplicate_findings, param_declarations
from modelcar_dsl.rules.document import Report, mapping, mappings, sequence
from modelcar_dsl.rules.findings import Finding, via_field, via_index
from modelcar_dsl.rules.param_enum_subset import enum_subset_findings
from modelcar_dsl.rules.pipeline_calls import PipelineTaskCall
from modelcar_dsl.rules.pipeline_scope import PipelineScope
from modelcar_dsl.rules.pipeline_variables import (
    AGGREGATE_STATUS,
    MATRIX_STRING,
    call_strings,
    check_status,
    expressions,
    is_matrix_length,
    looks_like_result,
    param_name_findings,
    prefix_findings,
)
from modelcar_dsl.rules.resource_ref import TaskResolver, check_ref
from modelcar_dsl.rules.task import check_task_spec
from modelcar_dsl.rules.when import when_findings

ON_ERROR = ("continue", "stopAndFail")


def check_pipeline_task(
    call: PipelineTaskCall, scope: PipelineScope, report: Report, resolve: TaskResolver
) -> None:
    """Check one task of the pipeline, resolving the Task it names through `resolve`."""
    body, path = call.body, call.path
    report.add(_name_findings(call.name), path)
    has_ref = _check_target(call, scope, report, resolve)
    report.add(_run_after_findings(call, scope), path)
    report.add(when_findings(body.get("when")), f"{path}.when")
    report.add(_execution_findings(body), path)
    _check_strings(call, scope, report)
    bindings = _check_bindings(call, scope, report)
    report.add(param_value_findings(body.get("params")), f"{path}.params")
    given = [(i, p.get("name")) for i, p in mappings(body.get("params"))]
    repeated = duplicate_findings(
        given,
        catalog.PARAM_DUPLICATE,
        lambda name: f"param {name!r} is given more than once; parameter names must be unique",
    )
    report.add(repeated, f"{path}.params")
    if call.spec is not None and has_ref:
        _check_arguments(call, call.spec, bindings, report)
        task_name = str(mapping(body["taskRef"]).get("name"))
        subset = enum_subset_findings(body.get("params"), scope.params, call.spec, task_name)
        report.add(subset, f"{path}.params")


def _name_findings(name: str) -> list[Finding]:
    if not name:
        return [Finding(catalog.MISSING_FIELD, "a pipeline task needs a name").via_field("name")]
    if problem := dns_label_problem(name, "pipeline task name"):
        return [Finding(catalog.PIPELINE_TASK_NAME, problem).via_field("name")]
    return []


def _check_target(
    call: PipelineTaskCall, scope: PipelineScope, report: Report, resolve: TaskResolver
) -> bool:
    """Check what the task runs: a custom task, its taskSpec, or the Task its taskRef names
    (resolved into `call.spec`). Whether it has a taskRef."""
    body, path = call.body, call.path
    has_ref, has_spec = "taskRef" in body, "taskSpec" in body
    if has_ref == has_spec and "pipelineRef" not in body and "pipelineSpec" not in body:
        message = "expected exactly one of taskRef and taskSpec, got " + (
            "both" if has_ref else "neither"
        )
        report(path, catalog.TASK_REF, message)
        return has_ref
    is_custom, findings = custom_task(body)
    report.add(findings, path)
    if is_custom:
        return has_ref
    if has_spec:
        call.spec = mapping(body["taskSpec"])
        bound = {str(b.get("name")) for _, b in mappings(body.get("workspaces"))}
        task_scope = scope.task_scope(call, call.spec)
        workspaces = scope.workspaces | bound
        check_task_spec(call.spec, f"{path}.taskSpec", report, task_scope, workspaces)
    elif has_ref:
        task_ref = mapping(body["taskRef"])
        if check_ref(task_ref, f"{path}.taskRef", report, "taskRef"):
            call.spec = resolve(task_ref, f"{path}.taskRef", report)
    return has_ref


def _run_after_findings(call: PipelineTaskCall, scope: PipelineScope) -> list[Finding]:
    findings = []
    for index, after in enumerate(sequence(call.body.get("runAfter"))):
        if call.is_finally:
            message = "finally tasks cannot have runAfter: they all start once the tasks end"
            return [Finding(catalog.FINALLY_RUN_AFTER, message).via_field("runAfter")]
        if not isinstance(after, str):
            continue
        if after in scope.finally_names:
            message = (
                f"runAfter names finally task {after!r}; finally tasks run after all others, "
                "so no task can wait for them"
            )
        elif after not in scope.regular:
            message = f"runAfter names {after!r}, which is not a task of this pipeline"
            message += did_you_mean(after, scope.regular)
        else:
            continue
        findings.append(Finding(catalog.RUN_AFTER, message).via_field_index("runAfter", index))
    return findings


def _execution_findings(body: dict[str, Any]) -> list[Finding]:
    """retries, onError and timeout."""
    findings = []
    retries = body.get("retries")
    if isinstance(retries, int | float) and not isinstance(retries, bool) and retries < 0:
        # PipelineTask.Validate does not check it; the run simply does not retry.
        message = f"retries {retries!r} must be 0 or more"
        findings.append(Finding(catalog.RETRIES, message, origin="modelcar").via_field("retries"))
    on_error = body.get("onError")
    if on_error is not None and on_error not in ON_ERROR:
        message = f"onError {on_error!r} is not one of {', '.join(ON_ERROR)}"
        findings.append(Finding(catalog.ON_ERROR_RETRIES, message).via_field("onError"))
    elif on_error == "continue" and isinstance(retries, int) and retries > 0:
        message = (
            "onError: continue cannot be combined with retries; a task that may fail and "
            "continue is not retried"
        )
        findings.append(Finding(catalog.ON_ERROR_RETRIES, message).via_field("onError"))
    timeout = body.get("timeout")
    if timeout is not None and not is_duration(timeout):
        message = f"timeout {timeout!r} is not a duration like 1h30m, 90s or 0 (no timeout)"
        findings.append(Finding(catalog.TASK_TIMEOUT, message).via_field("timeout"))
    return findings


def _check_strings(call: PipelineTaskCall, scope: PipelineScope, report: Report) -> None:
    """The variables in the task's strings: their prefixes, the params and tasks they name."""
    admitted = scope.admitted(call)
    texts = []
    for where, text, how in call_strings(call.body, call.path):
        texts.append((where, text))
        report.add(prefix_findings(text), where)
        if how == MATRIX_STRING:
            continue  # Tekton checks only the prefixes of a matrix param's string value
        if admitted is not None:
            report.add(param_name_findings(text, how, admitted), where)
        for expression in expressions(text):
            report.add(_task_reference_findings(call, expression, scope), where)
    check_status(texts, call.is_finally, scope.regular, report)


def _task_reference_findings(
    call: PipelineTaskCall, expression: str, scope: PipelineScope
) -> list[Finding]:
    """A `$(tasks.X...)` expression: a result of a task that runs before this one (the graph
    Tekton builds from result references needs it), or a variable Tekton fills at run time."""
    if not expression.startswith("tasks.") or is_matrix_length(expression):
        return []
    if expression == AGGREGATE_STATUS or expression.endswith((".status", ".reason")):
        return []
    if not looks_like_result(expression):
        message = (
            f"$({expression}) is not a task variable Tekton fills; use "
            "$(tasks.<task>.results.<name>), $(tasks.<task>.matrix.length) or, in finally, "
            "$(tasks.<task>.status)"
        )
        return [Finding(catalog.PIPELINE_VARIABLE, message, origin="run")]
    source = expression.split(".")[1]
    if source in scope.finally_names:
        message = f"$({expression}) reads a result of finally task {source!r}; " + (
            "finally tasks run in parallel and cannot read each other's results"
            if call.is_finally
            else "finally tasks run after all others, so no task can wait for them"
        )
        return [Finding(catalog.FINALLY_RESULT_REFERENCE, message)]
    if source not in scope.regular:
        message = f"$({expression}) names task {source!r}, which is not in this pipeline"
        return [Finding(catalog.RESULT_REFERENCE, message + did_you_mean(source, scope.regular))]
    return []


def _check_bindings(
    call: PipelineTaskCall, scope: PipelineScope, report: Report
) -> list[tuple[int, str]]:
    """Report the task's workspace bindings that name no pipeline workspace or repeat a name;
    the (position, name) of each binding."""
    bindings_field = call.body.get("workspaces")
    known = scope.workspaces
    if scope.bound is not None:
        scope.bound |= {str(b.get("name", "")) for _, b in mappings(bindings_field)}
        known = scope.workspaces | scope.bound
    findings: list[Finding] = []
    bindings = []
    for index, binding in mappings(bindings_field):
        if found := _binding_findings(binding, known, scope):
            findings += via_index(found, index)
        bindings.append((index, str(binding.get("name"))))
    findings += duplicate_findings(
        bindings,
        catalog.WORKSPACE_DUPLICATE,
        lambda name: f"task workspace {name!r} is bound more than once",
    )
    report.add(via_field(findings, "workspaces"), call.path)
    return bindings


def _binding_findings(
    binding: dict[str, Any], known: set[str], scope: PipelineScope
) -> list[Finding]:
    # Tekton checks the bindings of a Pipeline's tasks, not of a v1 run's embedded pipelineSpec
    # (Pipeline.Validate calls validatePipelineWorkspacesUsage; PipelineSpec.Validate does not).
    unchecked: Origin | None = "run" if scope.embedded else None
    target = binding.get("workspace") or binding.get("name")
    if target is None:
        message = "a workspace binding names a pipeline workspace: give it a name"
        return [Finding(catalog.MISSING_FIELD, message, origin=unchecked)]
    if isinstance(target, str) and target not in known:
        message = f"binds pipeline workspace {target!r}, which the pipeline does not declare"
        message += did_you_mean(target, scope.workspaces)
        origin = None if scope.bound is not None else unchecked
        return [Finding(catalog.PIPELINE_WORKSPACE, message, origin=origin)]
    return []


def _check_arguments(
    call: PipelineTaskCall,
    task: dict[str, Any],
    bindings: list[tuple[int, str]],
    report: Report,
) -> None:
    """The params and workspaces the task passes against those its referenced Task declares;
    matrix and include params count as passed."""
    body, path = call.body, call.path
    owner = f"Task {mapping(body['taskRef']).get('name')!r}"
    matrix = mapping(body.get("matrix"))
    supplied = frozenset(
        str(param.get("name"))
        for source in [matrix, *(entry for _, entry in mappings(matrix.get("include")))]
        for _, param in mappings(source.get("params"))
    )
    declared = param_declarations(task.get("params"))
    check_arguments(declared, body.get("params"), f"{path}.params", owner, report, supplied)
    workspaces = task.get("workspaces")
    report.add(workspace_binding_findings(workspaces, bindings, owner), f"{path}.workspaces")
