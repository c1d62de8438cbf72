"""Rules for a PipelineRun's spec, and modelcar-dsl's guarantees for every run."""

from __future__ import annotations

from typing import Any

import attrs

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.group_ids import MAX_GID, is_group_id
from modelcar_dsl.rules.bindings import check_run_workspaces, run_param_findings
from modelcar_dsl.rules.calls import (
    check_arguments,
    param_value_findings,
    workspace_binding_findings,
)
from modelcar_dsl.rules.context import ValidationContext
from modelcar_dsl.rules.declarations import (
    declarations_from_values,
    param_declarations,
)
from modelcar_dsl.rules.document import Report, exactly_one, mapping, mappings
from modelcar_dsl.rules.findings import HERE, Finding
from modelcar_dsl.rules.metadata import task_run_metadata_findings
from modelcar_dsl.rules.param_specs import check_propagated_names
from modelcar_dsl.rules.pipeline import check_pipeline_spec
from modelcar_dsl.rules.pipeline_calls import PipelineTaskCall, pipeline_calls
from modelcar_dsl.rules.pipeline_scope import RunContext, has_inline_steps
from modelcar_dsl.rules.pipeline_variables import expressions
from modelcar_dsl.rules.pod_template import (
    env_override_findings,
    pod_template_findings,
    task_run_spec_findings,
)
from modelcar_dsl.rules.resource_ref import TaskResolver, check_ref
from modelcar_dsl.rules.run_timeouts import timeouts_findings
from modelcar_dsl.rules.tls import check_container_tls
from modelcar_dsl.rules.tls_params import check_calls_tls
from modelcar_dsl.rules.workspace_order import unordered_writers

SHARED_VOLUMES = {
    "persistentVolumeClaim": ("claimName", "PersistentVolumeClaim"),
    "secret": ("secretName", "Secret"),
    "configMap": ("name", "ConfigMap"),
}
"""The sources two bindings can share: the field naming the volume, and its kind. A
volumeClaimTemplate or emptyDir is always a volume of its own."""
RUN_STATUSES = ("", "Cancelled", "CancelledRunFinally", "StoppedRunFinally", "PipelineRunPending")


def check_run_spec(
    spec: dict[str, Any],
    report: Report,
    resolve_task: TaskResolver,
    resolve_pipeline: TaskResolver,
) -> None:
    """A PipelineRun's spec: the pipeline it runs and what it passes to it, its params, pod
    template, timeouts and status."""
    pipeline, has_spec = _check_pipeline(spec, report, resolve_task, resolve_pipeline)
    bindings = check_run_workspaces(spec.get("workspaces"), "spec.workspaces", report, False)
    if pipeline is not None:
        _check_arguments(spec, pipeline, has_spec, bindings, report)
        _check_calls(spec, pipeline, report, resolve_task)
    report.add(param_value_findings(spec.get("params")), "spec.params")
    report.add(_result_value_findings(spec.get("params")), "spec.params")
    template_path, template = _pod_template(spec, report.context)
    check_container_tls({"env": template.get("env")}, template_path, report)
    report.add(pod_template_findings(template), template_path)
    report.add(task_run_spec_findings(spec.get("taskRunSpecs"), pipeline), "spec.taskRunSpecs")
    task_template = "podTemplate" if report.context.is_v1 else "taskPodTemplate"
    for index, run_spec in mappings(spec.get("taskRunSpecs")):
        report.add(
            pod_template_findings(mapping(run_spec.get(task_template))),
            f"spec.taskRunSpecs[{index}].{task_template}",
        )
        report.add(
            task_run_metadata_findings(run_spec.get("metadata")),
            f"spec.taskRunSpecs[{index}].metadata",
        )
        check_container_tls(
            {"env": mapping(run_spec.get("podTemplate")).get("env")},
            f"spec.taskRunSpecs[{index}].podTemplate",
            report,
        )
    report.add(run_param_findings(spec.get("params")), "spec.params")
    report.add(timeouts_findings(spec, report.context), "spec")
    status = spec.get("status") or ""  # null decodes to Go's zero value, unset
    if status not in RUN_STATUSES:
        report(
            "spec.status",
            catalog.RUN_STATUS,
            f"status {status!r} is not one of {', '.join(s for s in RUN_STATUSES if s)}",
        )
    _check_fs_group(spec, report)


def _check_pipeline(
    spec: dict[str, Any],
    report: Report,
    resolve_task: TaskResolver,
    resolve_pipeline: TaskResolver,
) -> tuple[dict[str, Any] | None, bool]:
    """Check the pipelineSpec the run embeds, or its pipelineRef; the pipeline's spec when
    known, and whether it is embedded."""
    source = exactly_one(
        spec, ("pipelineRef", "pipelineSpec"), "spec", catalog.PIPELINE_REF, report
    )
    if source == "pipelineSpec":
        pipeline = mapping(spec["pipelineSpec"])
        given_params = declarations_from_values(spec.get("params"))
        bound = {str(binding.get("name")) for _, binding in mappings(spec.get("workspaces"))}
        run = RunContext(given_params, bound)
        check_pipeline_spec(pipeline, "spec.pipelineSpec", report, resolve_task, run)
        if has_inline_steps(pipeline, embedded=True):
            check_propagated_names(spec.get("params"), "spec.params", given_params, report)
        return pipeline, True
    if source == "pipelineRef":
        ref = mapping(spec["pipelineRef"])
        if check_ref(ref, "spec.pipelineRef", report, "pipelineRef"):
            return resolve_pipeline(ref, "spec.pipelineRef", report), False
    return None, False


def _check_arguments(
    spec: dict[str, Any],
    pipeline: dict[str, Any],
    has_spec: bool,
    bindings: list[tuple[int, str]],
    report: Report,
) -> None:
    """The params and workspaces the run passes against those the pipeline declares."""
    name = mapping(spec.get("pipelineRef")).get("name")
    owner = f"Pipeline {name!r}" if name else "the pipelineSpec"
    declared = param_declarations(pipeline.get("params"))
    given: Any = spec.get("params")
    if has_spec:
        # What an embedded pipelineSpec does not declare propagates into its tasks.
        given = [p for _, p in mappings(given) if str(p.get("name")) in declared]
        workspaces = {str(w.get("name")) for _, w in mappings(pipeline.get("workspaces"))}
        bindings = [(index, name) for index, name in bindings if name in workspaces]
    check_arguments(declared, given, "spec.params", owner, report)
    hint = (
        "; Tekton would refuse to start the run. Bind it to a volume (in the DSL: "
        "pipeline_run(workspaces={...}), or default= on the pipeline's PipelineWorkspace)"
    )
    unbound = workspace_binding_findings(pipeline.get("workspaces"), bindings, owner, hint)
    report.add(unbound, "spec.workspaces")


def _check_calls(
    spec: dict[str, Any], pipeline: dict[str, Any], report: Report, resolve_task: TaskResolver
) -> None:
    """What the run's bindings and param values do to the pipeline's tasks: workspaces that
    share a volume, TLS switches the values turn off."""
    calls = pipeline_calls(pipeline, resolve_task)
    _check_aliased_workspaces(spec.get("workspaces"), calls, report)
    template_path, template = _pod_template(spec, report.context)
    tasks = [(call.name, call.spec) for call in calls]
    report.add(env_override_findings(template.get("env"), tasks), f"{template_path}.env")
    task_template = "podTemplate" if report.context.is_v1 else "taskPodTemplate"
    for index, run_spec in mappings(spec.get("taskRunSpecs")):
        env = mapping(run_spec.get(task_template)).get("env")
        named = [task for task in tasks if task[0] == run_spec.get("pipelineTaskName")]
        path = f"spec.taskRunSpecs[{index}].{task_template}.env"
        report.add(env_override_findings(env, named), path)
    given = {str(p.get("name")): (i, p.get("value")) for i, p in mappings(spec.get("params"))}
    values = {
        name: declaration.get("default")
        for name, declaration in param_declarations(pipeline.get("params")).items()
    }
    values.update({name: value for name, (_, value) in given.items()})
    check_calls_tls(
        [(call.path, call.body, call.spec) for call in calls],
        values,
        report,
        {name: index for name, (index, _) in given.items()},
    )


@attrs.frozen
class _BoundVolumes:
    """The volumes a run binds its workspaces to: each workspace's volume (`source/name`) and
    subPath, its binding's position, and those mounted read-only."""

    volumes: dict[str, tuple[str, str]]
    positions: dict[str, int]
    read_only: frozenset[str]

    def volume_of(self, workspace: str) -> tuple[str, str]:
        return self.volumes.get(workspace, (f"workspace/{workspace}", ""))


def _bound_volumes(workspaces: Any) -> _BoundVolumes | None:
    """The run's shared volumes, or None when no two bindings share one."""
    volumes: dict[str, tuple[str, str]] = {}
    positions: dict[str, int] = {}
    read_only: set[str] = set()
    counts: dict[str, int] = {}
    for index, binding in mappings(workspaces):
        name = binding.get("name")
        for source, (field, _) in SHARED_VOLUMES.items():
            volume = mapping(binding.get(source)).get(field)
            if isinstance(name, str) and volume:
                key = f"{source}/{volume}"
                volumes[name] = (key, str(binding.get("subPath", "")))
                positions[name] = index
                counts[key] = counts.get(key, 0) + 1
                claim = source == "persistentVolumeClaim"
                if not claim or mapping(binding.get(source)).get("readOnly"):
                    read_only.add(name)
    if all(count < 2 for count in counts.values()):
        return None
    return _BoundVolumes(volumes, positions, frozenset(read_only))


def _check_aliased_workspaces(
    workspaces: Any, calls: list[PipelineTaskCall], report: Report
) -> None:
    """Two pipeline workspaces bound to one volume (one claim, Secret or ConfigMap, at
    overlapping subPaths) are one volume: tasks that write it through different workspaces must
    be ordered too. Writers of the same workspace are the Pipeline's own problem, reported
    there; Secrets, ConfigMaps and read-only claims are mounted read-only, so never written."""
    bound = _bound_volumes(workspaces)
    if bound is None:
        return
    writers = unordered_writers(calls, volume_of=bound.volume_of, read_only=bound.read_only)
    for use, other in writers:
        if use.workspace == other.workspace:
            continue
        source, volume = bound.volumes[use.workspace][0].split("/", 1)
        report(
            f"spec.workspaces[{bound.positions[use.workspace]}]",
            catalog.SHARED_WORKSPACE,
            f"the run binds workspaces {other.workspace!r} and {use.workspace!r} to one volume "
            f"({SHARED_VOLUMES[source][1]} {volume!r}); tasks {other.call.name!r} (through "
            f"{other.workspace!r}) and {use.call.name!r} (through {use.workspace!r}) mount it, "
            "at least one writes it, and nothing in the pipeline orders them: they would run at "
            "the same time on one volume. Bind the two workspaces to separate volumes, or order "
            f"{use.call.name!r} after {other.call.name!r} in the pipeline (runAfter; in the DSL "
            ".after())",
        )


def _pod_template(spec: dict[str, Any], context: ValidationContext) -> tuple[str, dict[str, Any]]:
    """Where a run's pod template is (v1: under taskRunTemplate), and the template."""
    if context.is_v1:
        template = mapping(mapping(spec.get("taskRunTemplate")).get("podTemplate"))
        return "spec.taskRunTemplate.podTemplate", template
    return "spec.podTemplate", mapping(spec.get("podTemplate"))


def _check_fs_group(spec: dict[str, Any], report: Report) -> None:
    template_path, template = _pod_template(spec, report.context)
    path = f"{template_path}.securityContext.fsGroup"
    fs_group = mapping(template.get("securityContext")).get("fsGroup")
    if fs_group is not None and not (is_group_id(fs_group)):
        report(
            path,
            catalog.RUN_FS_GROUP,
            f"fsGroup {fs_group!r} is not a group ID (0 to {MAX_GID}); Kubernetes would refuse "
            "every pod of the run",
        )
    elif fs_group is None:
        report(
            path,
            catalog.RUN_FS_GROUP,
            f"the run sets no {path.removeprefix('spec.')}, so a task's pods may not read files "
            "an earlier task wrote to a shared workspace; set it to the namespace's "
            "openshift.io/sa.scc.supplemental-groups (e.g. 1000970000). In the DSL: fs_group= "
            "on pipeline_run or fs_group in [tool.modelcar]",
        )


def _result_value_findings(params: Any) -> list[Finding]:
    """A run's params are set before any task runs, so Tekton's webhook refuses a value that
    reads a task result (validatePipelineRunParameters; ParseTaskExpression takes four or
    five dot-separated parts)."""
    findings = []
    for index, param in mappings(params):
        value = param.get("value")
        texts = value if isinstance(value, list) else list(mapping(value).values())
        found = [
            expression
            for text in [value, *texts]
            if isinstance(text, str)
            for expression in expressions(text)
            if _is_task_result(expression)
        ]
        if found:
            message = (
                f"$({found[0]}) reads a task result, which no task has produced when the "
                "run's params are set; pass the result between tasks in the pipeline"
            )
            findings.append(
                Finding(catalog.RUN_PARAM_RESULT, message, HERE.index(index).field("value"))
            )
    return findings


def _is_task_result(expression: str) -> bool:
    parts = expression.split(".")
    return len(parts) in (4, 5) and parts[0] in ("tasks", "finally") and parts[2] == "results"
