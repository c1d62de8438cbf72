"""Rules for a Task's spec, standalone or embedded in a pipeline task as `taskSpec`."""

from __future__ import annotations

from typing import Any

import attrs

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.names import did_you_mean, dns_label_problem
from modelcar_dsl.formats.paths import clean_path
from modelcar_dsl.rules.container import check_container, env_findings
from modelcar_dsl.rules.declarations import (
    check_result_declarations,
    check_workspace_declarations,
    duplicate_findings,
)
from modelcar_dsl.rules.document import Report, mapping, mappings
from modelcar_dsl.rules.findings import HERE, Finding
from modelcar_dsl.rules.param_specs import check_param_declarations
from modelcar_dsl.rules.reference_patterns import located_references
from modelcar_dsl.rules.task_variables import ParamScope, check_step_variables
from modelcar_dsl.rules.tls import check_container_tls
from modelcar_dsl.rules.tls_params import check_tls_defaults

TERMINATION_MESSAGE_BYTES = 4096
"""Tekton returns a step's results in its container's termination message, which Kubernetes
caps at 4096 bytes: every result's name and JSON framing count against it."""
RESULT_FRAMING_BYTES = len('{"key":"","value":"","type":1},')
MIN_RESULT_VALUE_BYTES = 72
"""Room for one `sha256:` digest, the smallest value worth passing as a result."""


def check_task_spec(
    spec: dict[str, Any],
    path: str,
    report: Report,
    scope: ParamScope | None = None,
    inherited_workspaces: set[str] | None = None,
) -> None:
    """Check a Task spec at `path`: a Task of its own unless `scope` says which params reach
    an embedded one; `inherited_workspaces` are those the pipeline or run propagates."""
    params = check_param_declarations(spec.get("params"), f"{path}.params", report)
    check_tls_defaults(spec.get("params"), f"{path}.params", report)
    check_container_tls(mapping(spec.get("stepTemplate")), f"{path}.stepTemplate", report)
    results = check_result_declarations(spec.get("results"), f"{path}.results", report)
    _check_result_budget(results, f"{path}.results", report)
    workspaces = check_workspace_declarations(
        spec.get("workspaces"), f"{path}.workspaces", report, nameless="run"
    )
    _check_workspace_mounts(spec, f"{path}.workspaces", report)
    # v1beta1 merges a stepTemplate into the steps before checking them, and the merge drops
    # their results (v1beta1 MergeStepsWithStepTemplate): unread by the webhook.
    dropped = report.context.is_v1beta1 and "stepTemplate" in spec
    steps_report = attrs.evolve(report, unchecked="run") if dropped else report
    _check_container_workspaces(spec, path, workspaces, report)
    for index, step in mappings(spec.get("steps")):
        if step.get("results") is not None:
            _check_step_results(step, f"{path}.steps[{index}]", steps_report)
    report.add(_steps_findings(spec.get("steps")), f"{path}.steps")
    template_image = mapping(spec.get("stepTemplate")).get("image")
    for index, step in mappings(spec.get("steps")):
        check_container(step, f"{path}.steps[{index}]", report, True, template_image)
    report.add(_step_name_findings(spec.get("steps")), f"{path}.steps")
    for index, sidecar in mappings(spec.get("sidecars")):
        check_container(sidecar, f"{path}.sidecars[{index}]", report, is_step=False)
    report.add(_sidecar_name_findings(spec.get("sidecars")), f"{path}.sidecars")
    report.add(_volume_findings(spec.get("volumes")), f"{path}.volumes")
    if "stepTemplate" in spec:
        report.add(env_findings(mapping(spec["stepTemplate"])), f"{path}.stepTemplate")
    workspaces |= inherited_workspaces or set()
    check_step_variables(
        spec, path, report, params, scope or ParamScope(params), workspaces, results
    )


def _steps_findings(steps: Any) -> list[Finding]:
    if isinstance(steps, list) and steps:
        return []
    message = "a Task needs at least one step" + (
        "" if steps is None or isinstance(steps, list) else "; steps must be a list"
    )
    return [Finding(catalog.TASK_NO_STEPS, message)]


def _step_name_findings(steps: Any) -> list[Finding]:
    """Each step's name once."""
    names = [(i, step["name"]) for i, step in mappings(steps) if isinstance(step.get("name"), str)]
    return duplicate_findings(
        names,
        catalog.STEP_DUPLICATE,
        lambda name: f"step name {name!r} is used more than once; step names must be unique",
    )


def _sidecar_name_findings(sidecars: Any) -> list[Finding]:
    """Each sidecar's name once: Kubernetes refuses a pod with two containers of one name."""
    names = [(i, s["name"]) for i, s in mappings(sidecars) if isinstance(s.get("name"), str)]
    return duplicate_findings(
        names,
        catalog.STEP_DUPLICATE,
        lambda name: f"sidecar name {name!r} is used more than once; Kubernetes refuses the pod",
        origin="run",
    )


def _volume_findings(volumes: Any) -> list[Finding]:
    """Each volume's name once (ValidateVolumes), a DNS label (Kubernetes refuses the pod)."""
    names = [(i, v.get("name")) for i, v in mappings(volumes)]
    findings = duplicate_findings(
        names,
        catalog.TASK_VOLUME,
        lambda name: f"volume name {name!r} is used more than once; give each volume its own",
    )
    for index, name in names:
        if problem := dns_label_problem(str(name), "volume name"):
            where = HERE.index(index).field("name")
            message = f"{problem}; Kubernetes refuses the pod"
            findings.append(Finding(catalog.TASK_VOLUME, message, where, origin="run"))
    return findings


def _check_step_results(step: dict[str, Any], path: str, report: Report) -> None:
    """A step's own results are declared as a Task's are, and its script writes only those
    (StepResult.Validate, ValidateStepResultsVariables)."""
    declared = check_result_declarations(step.get("results"), f"{path}.results", report)
    script = step.get("script")
    if not isinstance(script, str):
        return
    found, error = located_references(script, r"step\.results")
    if error:
        report(f"{path}.script", catalog.TASK_VARIABLE, error)
    for variable, name in found:
        if name not in declared:
            report(
                f"{path}.script",
                catalog.TASK_VARIABLE,
                f"{variable} names step result {name!r}, which the step does not declare"
                + did_you_mean(name, declared),
            )
            return


def _check_container_workspaces(
    spec: dict[str, Any], path: str, declared: set[str], report: Report
) -> None:
    """A step's or sidecar's `workspaces` name the Task's own workspaces, not propagated ones
    (validateWorkspaceUsages)."""
    for section in ("steps", "sidecars"):
        for index, container in mappings(spec.get(section)):
            for position, workspace in mappings(container.get("workspaces")):
                name = workspace.get("name")
                if name not in declared:
                    report(
                        f"{path}.{section}[{index}].workspaces[{position}].name",
                        catalog.STEP_WORKSPACE,
                        f"workspace {name!r} is not declared by the Task"
                        + did_you_mean(str(name), declared)
                        + "; declare it in the Task's workspaces",
                    )


def _check_workspace_mounts(spec: dict[str, Any], path: str, report: Report) -> None:
    """Workspace mount paths (default /workspace/<name>) differ from each other and from the
    steps' own volumeMounts."""
    containers = [step for _, step in mappings(spec.get("steps"))]
    containers.append(mapping(spec.get("stepTemplate")))
    seen = {
        clean_path(str(mount.get("mountPath")))
        for container in containers
        for _, mount in mappings(container.get("volumeMounts"))
    }
    for index, workspace in mappings(spec.get("workspaces")):
        mount = workspace.get("mountPath") or f"/workspace/{workspace.get('name', '')}"
        clean = clean_path(str(mount))
        if clean in seen:
            report(
                f"{path}[{index}].mountPath",
                catalog.WORKSPACE_MOUNT_PATH,
                f"workspace mount path {clean!r} must be unique",
            )
        seen.add(clean)


def _check_result_budget(names: set[str], path: str, report: Report) -> None:
    """The results of one Task share one termination message: their names and framing must
    leave room for the values."""
    framing = sum(RESULT_FRAMING_BYTES + len(name) for name in names)
    left = TERMINATION_MESSAGE_BYTES - framing
    if names and left < MIN_RESULT_VALUE_BYTES * len(names):
        report(
            path,
            catalog.RESULT_SIZE,
            f"{len(names)} results leave {max(left, 0)} bytes for all their values: Tekton "
            f"returns results in the step's termination message, at most "
            f"{TERMINATION_MESSAGE_BYTES} bytes; pass fewer, smaller results and write "
            "large data to a workspace",
        )
