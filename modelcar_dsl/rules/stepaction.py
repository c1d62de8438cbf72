"""Rules for a StepAction, one reusable step with its own params and results, as Tekton's
webhook checks it (stepaction_validation.go); and for the steps that call one among the files."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.names import (
    RESULT_NAME,
    RESULT_NAME_RULE,
    did_you_mean,
    dns_label_problem,
    pattern_problem,
)
from modelcar_dsl.rules.calls import check_arguments
from modelcar_dsl.rules.container import SCRIPT_WITH_COMMAND
from modelcar_dsl.rules.declarations import check_result_declarations, param_declarations
from modelcar_dsl.rules.document import Report, mapping, mappings, sequence
from modelcar_dsl.rules.findings import HERE, Finding
from modelcar_dsl.rules.param_specs import check_param_declarations
from modelcar_dsl.rules.reference_patterns import located_references
from modelcar_dsl.rules.variables import (
    VARIABLE,
    Variable,
    check_result_use,
    param_reference,
    param_use_findings,
    variables,
)

StepActionResolver = Callable[[dict[str, Any], str, Report], dict[str, Any] | None]
"""Finds the StepAction a step's `ref` names among the files; None when it is not there."""


def check_step_action_spec(spec: dict[str, Any], report: Report) -> None:
    """A StepAction's spec: what it runs, its params and results, and its volume mounts."""
    script = spec.get("script")
    report.add(_command_findings(spec), "spec")
    params = check_param_declarations(spec.get("params"), "spec.params", report)
    for where, text, isolation_allowed in _param_fields(spec):
        for variable in variables(text):
            if variable.head == "params" and _is_param_reference(variable.text):
                findings = param_use_findings(
                    variable, params, catalog.TASK_VARIABLE, isolation_allowed
                )
                report.add(findings, where)
    results = check_result_declarations(spec.get("results"), "spec.results", report)
    if isinstance(script, str):
        _check_result_variables(script, results, report)
    report.add(_volume_mount_findings(spec.get("volumeMounts")), "spec.volumeMounts")
    if report.context.api == "v1alpha1":
        report.add(_default_reference_findings(spec.get("params"), params), "spec.params")


def _command_findings(spec: dict[str, Any]) -> list[Finding]:
    """An image, a script or a command, and no params pasted into the script."""
    findings = []
    if not spec.get("image"):
        findings.append(
            Finding(catalog.STEP_IMAGE, "a StepAction needs an image", HERE.field("image"))
        )
    script = spec.get("script")
    if script and spec.get("command"):
        findings.append(
            Finding(catalog.STEP_SCRIPT_COMMAND, SCRIPT_WITH_COMMAND, HERE.field("script"))
        )
    if isinstance(script, str) and any(v.head == "params" for v in variables(script)):
        message = (
            "a StepAction's script cannot use $(params...): Tekton refuses it, as the value "
            "would be pasted into the script. Pass the param in env and read the variable"
        )
        findings.append(Finding(catalog.STEPACTION_SCRIPT_PARAM, message, HERE.field("script")))
    return findings


def _is_param_reference(text: str) -> bool:
    """Whether Tekton's reference pattern reads `text` as a param at all: `$(params["a"].b)`
    matches none of its forms, so Tekton checks nothing there (substitution.go)."""
    found, error = located_references(text, "params")
    return bool(found) or error is not None


def _param_fields(spec: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(path, text, whether an array may stand alone there) of every field Tekton checks the
    `$(params...)` of: image, command, args, env values and volumeMount names (the script has
    its own rule)."""
    found: list[tuple[str, str, bool]] = []
    if isinstance(spec.get("image"), str):
        found.append(("spec.image", spec["image"], False))
    for field in ("command", "args"):
        for index, item in enumerate(sequence(spec.get(field))):
            if isinstance(item, str):
                found.append((f"spec.{field}[{index}]", item, True))
    for index, env in mappings(spec.get("env")):
        if isinstance(env.get("value"), str):
            found.append((f"spec.env[{index}].value", env["value"], False))
    for index, mount in mappings(spec.get("volumeMounts")):
        if isinstance(mount.get("name"), str):
            found.append((f"spec.volumeMounts[{index}].name", mount["name"], False))
    return found


def _check_result_variables(script: str, results: set[str], report: Report) -> None:
    """`$(results.x.path)` and `$(step.results.x.path)` in the script name declared results."""
    for variable in variables(script):
        expression = variable.expression.removeprefix("step.")
        if expression.split(".", 1)[0] == "results":
            check_result_use(
                Variable(variable.text, expression, variable.isolated),
                results,
                "spec.script",
                report,
                catalog.TASK_VARIABLE,
            )


def _volume_mount_findings(mounts: Any) -> list[Finding]:
    """A StepAction mounts the volumes its caller names: each mount's name is one param."""
    findings = []
    for index, mount in mappings(mounts):
        name = mount.get("name")
        reference = param_reference(name) if isinstance(name, str) else None
        if reference is None or VARIABLE.fullmatch(str(name)) is None:
            message = (
                f"volumeMount name {name!r} must be a single param reference like "
                "$(params.volume-name): the step that uses the StepAction names the volume"
            )
            findings.append(Finding(catalog.VOLUME_MOUNT, message, HERE.index(index).field("name")))
    return findings


def _default_reference_findings(params: Any, declared: dict[str, dict[str, Any]]) -> list[Finding]:
    """v1alpha1: a default may name other params; they must exist and not form a cycle."""
    findings = []
    needs: dict[str, set[str]] = {}
    resolved: set[str] = set()
    for index, param in mappings(params):
        name, default = param.get("name"), param.get("default")
        if not isinstance(name, str):
            continue
        texts = variables(default) if isinstance(default, str) else iter(())
        refs = {v.expression.removeprefix("params.") for v in texts if v.head == "params"}
        if not refs:
            resolved.add(name)
            continue
        unknown = sorted(ref for ref in refs if ref not in declared)
        where = HERE.index(index).field("default")
        for other in unknown:
            message = f"the default of param {name!r} names param {other!r}, which is not declared"
            findings.append(Finding(catalog.PARAM_DEFAULT, message, where))
        if not unknown:
            needs[name] = refs
    _resolve(needs, resolved)
    return findings + [
        Finding(
            catalog.PARAM_DEFAULT,
            f"the default of param {param['name']!r} depends on itself through other "
            "params' defaults",
            HERE.index(index).field("default"),
        )
        for index, param in mappings(params)
        if str(param.get("name")) in needs
    ]


def _resolve(needs: dict[str, set[str]], resolved: set[str]) -> None:
    """Remove from `needs` every param whose referenced params all resolve, in linear time
    (Kahn's algorithm); what stays depends on a cycle or on a param that never resolves."""
    waiting = {name: len(wanted) for name, wanted in needs.items()}
    dependents: dict[str, list[str]] = {}
    for name, wanted in needs.items():
        for other in wanted:
            dependents.setdefault(other, []).append(name)
    ready = list(resolved)
    while ready:
        for dependent in dependents.get(ready.pop(), ()):
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                del needs[dependent]
                ready.append(dependent)


def check_step_action_calls(
    task: dict[str, Any], path: str, report: Report, resolve: StepActionResolver
) -> None:
    """Steps of a Task spec that call a StepAction among the files: the params they pass
    against its declarations. Tekton fails the TaskRun on a missing or an extra one."""
    for index, step in mappings(task.get("steps")):
        ref = mapping(step.get("ref"))
        if not isinstance(ref.get("name"), str) or ref.get("resolver") or "params" in ref:
            continue
        where = f"{path}.steps[{index}]"
        action = resolve(ref, f"{where}.ref", report)
        if action is None:
            continue
        check_arguments(
            param_declarations(action.get("params")),
            step.get("params"),
            f"{where}.params",
            f"StepAction {ref['name']!r}",
            report,
            extra="run",
            extra_effect="and Tekton fails the TaskRun when a step passes a param its "
            "StepAction does not declare",
            types_checked=False,
        )


_STEP_RESULT_VALUE = re.compile(r"\$\(steps\.(.*?)\.results\.(.*?)\)")
"""Tekton's ExtractStepResultName: the first `$(steps.<step>.results.<name>)` of a value."""


def check_task_result_values(
    task: dict[str, Any], path: str, report: Report, resolve: StepActionResolver
) -> None:
    """A Task result's `value` reads a step result: its form as Tekton's webhook checks it
    (result_validation.go validateValue), then what the TaskRun needs, the step and the
    result it declares (inline, or in a StepAction among the files) of the same type."""
    steps = {str(step.get("name")): (index, step) for index, step in mappings(task.get("steps"))}
    for index, result in mappings(task.get("results")):
        value = result.get("value")
        where = f"{path}.results[{index}].value"
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            message = f"a result's value is a string $(steps.<step>.results.<name>), not {value!r}"
            report(where, catalog.RESULT_TYPE, message)
            continue
        match = _STEP_RESULT_VALUE.search(value)
        if match is None:
            message = f"value {value!r} must look like $(steps.<step>.results.<name>)"
            report(where, catalog.TASK_VARIABLE, message)
            continue
        step_name, name = match.groups()
        problems = [
            dns_label_problem(step_name, "step name"),
            pattern_problem(name, RESULT_NAME, "result name", RESULT_NAME_RULE),
        ]
        if any(problems):
            report(where, catalog.TASK_VARIABLE, "; ".join(filter(None, problems)))
            continue
        found = steps.get(step_name)
        if found is None:
            message = (
                f"{value} names step {step_name!r}, which the Task does not have, so the result "
                "is never set" + did_you_mean(step_name, list(steps))
            )
            report(where, catalog.STEP_RESULT_VALUE, message)
            continue
        declared = _step_results(found[1], f"{path}.steps[{found[0]}]", report, resolve)
        if declared is None:
            continue
        written = declared.get(name)
        if written is None:
            message = (
                f"{value}: step {step_name!r} declares no result {name!r}, so the result is "
                "never set" + did_you_mean(name, list(declared))
            )
            report(where, catalog.STEP_RESULT_VALUE, message)
        elif (written.get("type") or "string") != (result.get("type") or "string"):
            message = (
                f"{value} is a {written.get('type') or 'string'} step result, and the Task's "
                f"result {result.get('name')!r} a {result.get('type') or 'string'}: the TaskRun "
                "would read it as the wrong type"
            )
            report(where, catalog.STEP_RESULT_VALUE, message)


def _step_results(
    step: dict[str, Any], where: str, report: Report, resolve: StepActionResolver
) -> dict[str, dict[str, Any]] | None:
    """The results a step declares (its own, or its StepAction's among the files), by name;
    None when they cannot be known here (a remote StepAction, or one not among the files)."""
    ref = mapping(step.get("ref"))
    if not ref:
        return {str(r.get("name")): r for _, r in mappings(step.get("results"))}
    if not isinstance(ref.get("name"), str) or ref.get("resolver") or "params" in ref:
        return None
    action = resolve(ref, f"{where}.ref", report)
    if action is None:
        return None
    return {str(r.get("name")): r for _, r in mappings(action.get("results"))}
