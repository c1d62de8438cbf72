"""Rules for a TaskRun's spec, as Tekton's webhook checks it (taskrun_validation.go), and, when
the Task is among the files, what the run passes against what the Task declares."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.durations import go_duration_seconds
from modelcar_dsl.rules.bindings import check_run_workspaces, run_param_findings
from modelcar_dsl.rules.calls import (
    check_arguments,
    param_value_findings,
    workspace_binding_findings,
)
from modelcar_dsl.rules.declarations import (
    declarations_from_values,
    duplicate_findings,
    duplicates,
    merged,
    param_declarations,
)
from modelcar_dsl.rules.document import Report, exactly_one, mapping, mappings, sequence, shape
from modelcar_dsl.rules.findings import HERE, Finding
from modelcar_dsl.rules.param_specs import check_combined, check_propagated_names
from modelcar_dsl.rules.resource_ref import TaskResolver, check_ref
from modelcar_dsl.rules.task import check_task_spec
from modelcar_dsl.rules.task_variables import ParamScope
from modelcar_dsl.rules.tls import check_container_tls

TASKRUN_STATUSES = ("TaskRunCancelled", "TaskRunPending")
ON_FAILURE_BREAKPOINT = "enabled"
CONTAINER_SPECS = {
    "v1": (("stepSpecs", "computeResources"), ("sidecarSpecs", "computeResources")),
    "v1beta1": (("stepOverrides", "resources"), ("sidecarOverrides", "resources")),
}
"""Per API version: the fields overriding steps and sidecars, and their resources field."""


def check_taskrun_spec(spec: dict[str, Any], report: Report, resolve_task: TaskResolver) -> None:
    params = spec.get("params")
    report.add(run_param_findings(params), "spec.params")
    report.add(param_value_findings(params), "spec.params")
    bindings = check_run_workspaces(spec.get("workspaces"), "spec.workspaces", report, True)
    task, owner, declared_workspaces = _task(spec, report, resolve_task, bindings)
    if task is not None:
        declared = param_declarations(task.get("params"))
        if "taskSpec" in spec:
            declared = declarations_from_values(params) | declared
        check_arguments(declared, params, "spec.params", owner, report)
        hint = "; Tekton would fail the TaskRun. Bind it to a volume"
        unbound = workspace_binding_findings(declared_workspaces, bindings, owner, hint)
        report.add(unbound, "spec.workspaces")
    template = mapping(spec.get("podTemplate"))
    check_container_tls({"env": template.get("env")}, "spec.podTemplate", report)
    report.add(_status_findings(spec), "spec")
    report.add(_timeout_findings(spec), "spec")
    if report.context.is_v1:
        report.add(_retries_findings(spec), "spec")
    report.add(_debug_findings(spec.get("debug")), "spec.debug.breakpoints")
    _check_container_specs(spec, report, task)


def _task(
    spec: dict[str, Any],
    report: Report,
    resolve_task: TaskResolver,
    bindings: list[tuple[int, str]],
) -> tuple[dict[str, Any] | None, str, list[Any]]:
    """The Task the run runs when known (embedded, or among the files), how to name it, and
    the workspaces it declares. An embedded taskSpec also has the params the run gives and the
    workspaces it binds: Tekton propagates them (TEP-0107, TEP-0111)."""
    source = exactly_one(spec, ("taskRef", "taskSpec"), "spec", catalog.TASK_REF, report)
    if source is None:
        return None, "", []
    if source == "taskSpec":
        task = mapping(spec["taskSpec"])
        bound = {name for _, name in bindings}
        own = param_declarations(task.get("params"))
        given = declarations_from_values(spec.get("params"))
        check_combined(given, task.get("params"), "spec.taskSpec.params", report)
        if task.get("steps") is not None:
            check_propagated_names(spec.get("params"), "spec.params", given, report)
        scope = ParamScope(merged(given, own))
        check_task_spec(task, "spec.taskSpec", report, scope, bound)
        declared = sequence(task.get("workspaces"))
        propagated = bound - {str(w.get("name")) for _, w in mappings(declared)}
        return task, "the taskSpec", declared + [{"name": name} for name in sorted(propagated)]
    ref = mapping(spec["taskRef"])
    if not check_ref(ref, "spec.taskRef", report, "taskRef"):
        return None, "", []
    found = resolve_task(ref, "spec.taskRef", report)
    return found, f"Task {ref.get('name')!r}", sequence(mapping(found).get("workspaces"))


def _status_findings(spec: dict[str, Any]) -> list[Finding]:
    """A status a TaskRun may be created with, and a message only with a status."""
    status = spec.get("status") or ""
    if status and status not in TASKRUN_STATUSES:
        message = f"a TaskRun's status {status!r} is not one of {', '.join(TASKRUN_STATUSES)}"
        return [Finding(catalog.RUN_STATUS, message, HERE.field("status"))]
    if not status and spec.get("statusMessage"):
        message = "statusMessage is set but status is not; set status too, or drop statusMessage"
        return [Finding(catalog.RUN_STATUS, message, HERE.field("statusMessage"))]
    return []


def _timeout_findings(spec: dict[str, Any]) -> list[Finding]:
    if spec.get("timeout") is None:
        return []
    timeout = str(spec["timeout"])
    seconds = go_duration_seconds(timeout)
    if seconds is None:
        message = f"timeout {timeout!r} is not a duration like 1h30m, 90s or 0 (no timeout)"
    elif seconds < 0:
        message = f"timeout {timeout!r} is negative"
    else:
        return []
    return [Finding(catalog.TIMEOUTS, message, HERE.field("timeout"))]


def _retries_findings(spec: dict[str, Any]) -> list[Finding]:
    """v1 only: the v1beta1 webhook never checked a TaskRun's retries."""
    retries = spec.get("retries")
    where = HERE.field("retries")
    if retries is None:
        return []
    if not isinstance(retries, int) or isinstance(retries, bool):
        message = f"retries must be a number, got {shape(retries)}"
        return [Finding(catalog.FIELD_TYPE, message, where)]
    if retries < 0:
        return [Finding(catalog.RETRIES, f"retries {retries} is negative; use 0 or more", where)]
    return []


def _debug_findings(debug: Any) -> list[Finding]:
    """Breakpoints: onFailure can only be `enabled`; each beforeSteps step once. Relative to
    the breakpoints."""
    breakpoints = mapping(debug).get("breakpoints")
    if breakpoints is None:
        return []
    findings = []
    on_failure = mapping(breakpoints).get("onFailure") or ""
    if on_failure != ON_FAILURE_BREAKPOINT:
        message = (
            f"onFailure {on_failure!r} is not allowed; the only value is {ON_FAILURE_BREAKPOINT!r}"
        )
        findings.append(Finding(catalog.TASKRUN_DEBUG, message, HERE.field("onFailure")))
    before = enumerate(sequence(mapping(breakpoints).get("beforeSteps")))
    for index, step in duplicates(before):
        message = f"beforeSteps names step {step!r} more than once"
        findings.append(
            Finding(catalog.TASKRUN_DEBUG, message, HERE.field("beforeSteps").index(index))
        )
    return findings


def _check_container_specs(
    spec: dict[str, Any], report: Report, task: dict[str, Any] | None
) -> None:
    """Step and sidecar overrides: each names one container, once (ignoring case); resources
    are set per step or for the whole run, not both; with the Task known, each names one of its
    steps or sidecars (Tekton fails the run otherwise)."""
    for (field, resources), containers in zip(
        CONTAINER_SPECS.get(report.context.api, ()), ("steps", "sidecars"), strict=False
    ):
        overrides = spec.get(field)
        findings = _override_findings(overrides, field, containers, task)
        if containers == "steps" and spec.get("computeResources") is not None:
            findings += _resources_findings(overrides, resources)
        report.add(findings, f"spec.{field}")


def _override_findings(
    overrides: Any, field: str, containers: str, task: dict[str, Any] | None
) -> list[Finding]:
    """Each override names a container (`containers`: steps or sidecars) once, one the Task
    has when it is known."""
    container = containers[:-1]
    findings = []
    names = []
    for index, override in mappings(overrides):
        name = override.get("name")
        if isinstance(name, str) and name:
            names.append((index, name))
        else:
            message = f"each of {field} needs the name of the {container} it overrides"
            findings.append(
                Finding(catalog.MISSING_FIELD, message, HERE.index(index).field("name"))
            )
    findings += duplicate_findings(
        ((index, name.lower()) for index, name in names),
        catalog.TASKRUN_CONTAINER_SPECS,
        lambda name: f"{field} names {container} {name!r} more than once (ignoring case)",
    )
    if task is not None:
        known = {str(c.get("name")) for _, c in mappings(task.get(containers))}
        for index, name in names:
            if name not in known:
                message = f"the Task has no {container} {name!r}, so Tekton fails the run"
                where = HERE.index(index).field("name")
                findings.append(Finding(catalog.TASKRUN_CONTAINER_SPECS, message, where, "run"))
    return findings


def _resources_findings(overrides: Any, resources: str) -> list[Finding]:
    """Step resources set beside the run's computeResources (the first such override)."""
    for index, override in mappings(overrides):
        if any(mapping(override.get(resources)).values()):
            message = f"{resources} is set both here and in spec.computeResources; set one"
            where = HERE.index(index).field(resources)
            return [Finding(catalog.TASKRUN_CONTAINER_SPECS, message, where)]
    return []
