"""Rules for a Task's spec, standalone or embedded in a pipeline task as `taskSpec`."""

from __future__ import annotations

import posixpath
from typing import Any

import attrs

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.durations import go_duration_seconds, is_duration
from modelcar_dsl.formats.names import ENV_NAME, did_you_mean, dns_label_problem, pattern_problem
from modelcar_dsl.rules.declarations import (
    check_param_declarations,
    check_result_declarations,
    check_workspace_declarations,
    duplicates,
)
from modelcar_dsl.rules.document import Report, mapping, mappings, sequence
from modelcar_dsl.rules.resource_ref import check_ref
from modelcar_dsl.rules.task_variables import ParamScope, check_step_variables, located_references
from modelcar_dsl.rules.tls import check_container_tls, check_tls_defaults
from modelcar_dsl.rules.variables import INJECTED_VALUE

ON_ERROR = ("continue", "stopAndFail", "continueAndFail")
TERMINATION_MESSAGE_BYTES = 4096
"""Tekton returns a step's results in its container's termination message, which Kubernetes
caps at 4096 bytes: every result's name and JSON framing count against it."""
RESULT_FRAMING_BYTES = len('{"key":"","value":"","type":1},')
MIN_RESULT_VALUE_BYTES = 72
"""Room for one `sha256:` digest, the smallest value worth passing as a result."""
RESERVED_MOUNT = "/tekton/"
HOME_MOUNT = "/tekton/home"
STEP_ACTION_PROVIDES = (
    "image",
    "command",
    "args",
    "script",
    "workingDir",
    "env",
    "volumeMounts",
    "results",
)
"""A step's fields that a StepAction `ref` replaces, so the webhook refuses them beside it."""


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
    steps = spec.get("steps")
    if not isinstance(steps, list) or not steps:
        report(
            f"{path}.steps",
            catalog.TASK_NO_STEPS,
            "a Task needs at least one step"
            + ("" if steps is None or isinstance(steps, list) else "; steps must be a list"),
        )
    step_names = []
    for index, step in mappings(steps):
        if isinstance(step.get("name"), str):
            step_names.append((index, step["name"]))
        template_image = mapping(spec.get("stepTemplate")).get("image")
        _check_container(step, f"{path}.steps[{index}]", report, True, template_image)
    for index, name in duplicates(step_names):
        report(
            f"{path}.steps[{index}].name",
            catalog.STEP_DUPLICATE,
            f"step name {name!r} is used more than once; step names must be unique",
        )
    for index, sidecar in mappings(spec.get("sidecars")):
        _check_container(sidecar, f"{path}.sidecars[{index}]", report, is_step=False)
    if "stepTemplate" in spec:
        _check_env(mapping(spec["stepTemplate"]), f"{path}.stepTemplate", report)
    workspaces |= inherited_workspaces or set()
    check_step_variables(
        spec, path, report, params, scope or ParamScope(params), workspaces, results
    )


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
        posixpath.normpath(str(mount.get("mountPath")))
        for container in containers
        for _, mount in mappings(container.get("volumeMounts"))
    }
    for index, workspace in mappings(spec.get("workspaces")):
        mount = workspace.get("mountPath") or f"/workspace/{workspace.get('name', '')}"
        clean = posixpath.normpath(str(mount))
        if clean in seen:
            report(
                f"{path}[{index}].mountPath",
                catalog.WORKSPACE_MOUNT_PATH,
                f"workspace mount path {clean!r} must be unique",
            )
        seen.add(clean)


def _check_container(
    container: dict[str, Any], path: str, report: Report, is_step: bool, template_image: Any = None
) -> None:
    """A step or sidecar; a step may take its image from the stepTemplate."""
    name = container.get("name")
    what = "step name" if is_step else "sidecar name"
    if isinstance(name, str) and name and (problem := dns_label_problem(name, what)):
        # Tekton's webhook checks step names only (Sidecar.Validate does not); the pod of a
        # sidecar with such a name is refused when the run starts.
        report(f"{path}.name", catalog.STEP_NAME, problem, origin=None if is_step else "run")
    has_ref = is_step and "ref" in container
    if has_ref:
        _check_step_ref(container, path, report)
    elif is_step and container.get("params"):
        report(
            f"{path}.params",
            catalog.STEP_REF,
            "params are passed to a StepAction: a step without a ref cannot have them",
        )
    if not container.get("image") and not has_ref and not template_image:
        report(
            f"{path}.image",
            catalog.STEP_IMAGE,
            f"{'step' if is_step else 'sidecar'} {name or '(unnamed)'!r} has no image",
        )
    if not has_ref and container.get("script") and container.get("command"):
        report(
            f"{path}.script",
            catalog.STEP_SCRIPT_COMMAND,
            "script cannot be used with command: put the command in the script, or drop "
            "the script and keep command and args",
        )
    timeout = container.get("timeout")
    if is_step and timeout is not None and not is_duration(timeout):
        report(
            f"{path}.timeout",
            catalog.TASK_TIMEOUT,
            f"timeout {timeout!r} is not a duration like 1h30m, 90s or 0 (no timeout)",
        )
    elif is_step and isinstance(timeout, str) and (go_duration_seconds(timeout) or 0) < 0:
        report(f"{path}.timeout", catalog.TASK_TIMEOUT, f"timeout {timeout!r} is negative")
    if is_step:
        check_when(container.get("when"), f"{path}.when", report)
    on_error = container.get("onError")
    parametrized = str(on_error).startswith("$(params")
    # An empty onError is Go's zero value, which Tekton's webhook takes as unset.
    if is_step and on_error not in (None, "") and on_error not in ON_ERROR and not parametrized:
        report(
            f"{path}.onError",
            catalog.STEP_ON_ERROR,
            f"onError {on_error!r} is not one of {', '.join(ON_ERROR)}",
        )
    mount_names = []
    for index, mount in mappings(container.get("volumeMounts")):
        mount_path = posixpath.normpath(str(mount.get("mountPath", "")))
        reserved = mount_path.startswith(RESERVED_MOUNT) and not mount_path.startswith(HOME_MOUNT)
        if reserved:
            report(
                f"{path}.volumeMounts[{index}].mountPath",
                catalog.VOLUME_MOUNT,
                f"volumeMount path {mount_path!r} is under /tekton, which Tekton reserves",
            )
        mount_name = str(mount.get("name", ""))
        if mount_name.startswith("tekton-internal-"):
            report(
                f"{path}.volumeMounts[{index}].name",
                catalog.VOLUME_MOUNT,
                f"volumeMount name {mount_name!r} uses the reserved prefix 'tekton-internal-'",
            )
        mount_names.append((index, mount_path))
    for index, mount_path in duplicates(mount_names):
        report(
            f"{path}.volumeMounts[{index}].mountPath",
            catalog.VOLUME_MOUNT,
            f"volumeMount path {mount_path!r} is used more than once",
        )
    _check_env(container, path, report)
    check_container_tls(container, path, report)
    script = container.get("script")
    if isinstance(script, str) and "$(" in script:
        for match in INJECTED_VALUE.finditer(script):
            report(
                f"{path}.script",
                catalog.SCRIPT_VARIABLE,
                f"script contains {match.group(0)}; Tekton pastes the value into the script text "
                "(script injection). Pass it in env and read the variable instead",
            )


def _check_step_ref(step: dict[str, Any], path: str, report: Report) -> None:
    """A step that runs a StepAction takes its container from it: only the StepAction sets
    what it runs and where."""
    check_ref(step.get("ref"), f"{path}.ref", report, "step ref")
    for field in STEP_ACTION_PROVIDES:
        if step.get(field):
            report(
                f"{path}.{field}",
                catalog.STEP_REF,
                f"{field} cannot be used with ref: the StepAction provides it; set it in "
                "the StepAction, or pass a param it declares",
            )


def _check_env(container: dict[str, Any], path: str, report: Report) -> None:
    names = []
    for index, env in mappings(container.get("env")):
        name = str(env.get("name", ""))
        names.append((index, name))
        if problem := pattern_problem(name, ENV_NAME, "env var", "letters, digits, '_', '-', '.'"):
            report(
                f"{path}.env[{index}].name",
                catalog.ENV_NAME,
                f"{problem}; Kubernetes refuses the pod",
                "run",
            )
    for index, name in duplicates(names):
        report(
            f"{path}.env[{index}].name",
            catalog.ENV_NAME,
            f"env var {name!r} is set more than once; Kubernetes keeps one value silently"
            " (in the DSL: a param and an object param's key that both become this name)",
            "modelcar",
        )


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


WHEN_OPERATORS = ("in", "notin")


def check_when(whens: Any, path: str, report: Report) -> None:
    """`when` expressions of a pipeline task or a step (WhenExpressions.validate): an input, a
    known operator and values, unless CEL says it all."""
    for index, when in mappings(whens):
        where = f"{path}[{index}]"
        if "cel" in when:
            continue
        if not when.get("input") and when.get("input") != "":
            # WhenExpression.validate checks the operator and values only; "" is compared.
            message = "a when expression needs an input; without one Tekton compares ''"
            report(f"{where}.input", catalog.WHEN, message, origin="modelcar")
        if when.get("operator") not in WHEN_OPERATORS:
            report(
                f"{where}.operator",
                catalog.WHEN,
                f"operator {when.get('operator')!r} is not one of {', '.join(WHEN_OPERATORS)}",
            )
        if not sequence(when.get("values")):
            report(f"{where}.values", catalog.WHEN, "a when expression needs at least one value")
