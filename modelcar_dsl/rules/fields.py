"""The fields each Tekton API version knows, so a field written for the other version is caught:
Tekton's CRDs keep unknown fields, and the webhook then drops what it does not know, silently
(a v1beta1 `podTemplate` in a v1 run is how the fsGroup of a run gets lost)."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.rules import catalog
from modelcar_dsl.rules.document import Report, mapping, mappings

_TASK_V1 = {
    "description",
    "displayName",
    "params",
    "steps",
    "volumes",
    "stepTemplate",
    "sidecars",
    "workspaces",
    "results",
}
_PIPELINE_V1 = {"description", "displayName", "params", "workspaces", "tasks", "finally", "results"}
_PIPELINE_TASK_V1 = {
    "name",
    "displayName",
    "description",
    "taskRef",
    "taskSpec",
    "pipelineRef",
    "pipelineSpec",
    "when",
    "onError",
    "retries",
    "runAfter",
    "params",
    "matrix",
    "workspaces",
    "timeout",
}
_RUN_V1 = {
    "pipelineRef",
    "pipelineSpec",
    "params",
    "status",
    "timeouts",
    "taskRunTemplate",
    "workspaces",
    "taskRunSpecs",
    "managedBy",
}
_STEP_V1 = {
    "name",
    "displayName",
    "image",
    "command",
    "args",
    "workingDir",
    "env",
    "envFrom",
    "computeResources",
    "volumeMounts",
    "volumeDevices",
    "imagePullPolicy",
    "securityContext",
    "script",
    "timeout",
    "workspaces",
    "onError",
    "stdoutConfig",
    "stderrConfig",
    "ref",
    "params",
    "results",
    "when",
}

KNOWN_FIELDS: dict[tuple[str, str], set[str]] = {
    ("v1", "Task"): _TASK_V1,
    ("v1beta1", "Task"): _TASK_V1 | {"resources"},
    ("v1", "Pipeline"): _PIPELINE_V1,
    ("v1beta1", "Pipeline"): _PIPELINE_V1 | {"resources"},
    ("v1", "PipelineRun"): _RUN_V1,
    ("v1beta1", "PipelineRun"): (_RUN_V1 - {"taskRunTemplate"})
    | {"resources", "serviceAccountName", "podTemplate", "timeout"},
}

MOVED_IN_V1 = {
    "serviceAccountName": "spec.taskRunTemplate.serviceAccountName",
    "podTemplate": "spec.taskRunTemplate.podTemplate",
    "timeout": "spec.timeouts.pipeline",
    "resources": "nothing: PipelineResources were removed in v1",
    "taskRunTemplate": None,
}


def check_fields(
    spec: dict[str, Any], api: str, kind: str, report: Report, path: str = "spec"
) -> None:
    """Report spec fields (and pipeline task and step fields) that `api` does not know."""
    known = KNOWN_FIELDS.get((api, "Task" if kind == "ClusterTask" else kind))
    if known is None:
        return
    for field in spec:
        if field not in known:
            report(f"{path}.{field}", catalog.UNKNOWN_FIELD, _unknown(field, api, kind))
    if kind == "Pipeline":
        for section in ("tasks", "finally"):
            for index, task in mappings(spec.get(section)):
                _check_pipeline_task(task, api, f"{path}.{section}[{index}]", report)
    elif kind == "Task" and api == "v1":
        for index, step in mappings(spec.get("steps")):
            for field in step:
                if field not in _STEP_V1:
                    hint = (
                        "; in v1 it is computeResources"
                        if field == "resources"
                        else "; v1 steps take the container fields Tekton lists, not all of a Pod's"
                    )
                    report(
                        f"{path}.steps[{index}].{field}",
                        catalog.UNKNOWN_FIELD,
                        f"{field!r} is not a field of a tekton.dev/v1 step{hint}",
                    )
    elif kind == "PipelineRun" and "pipelineSpec" in spec:
        check_fields(mapping(spec["pipelineSpec"]), api, "Pipeline", report, f"{path}.pipelineSpec")


def _check_pipeline_task(task: dict[str, Any], api: str, path: str, report: Report) -> None:
    known = _PIPELINE_TASK_V1 | ({"resources"} if api == "v1beta1" else set())
    for field in task:
        if field not in known:
            report(
                f"{path}.{field}",
                catalog.UNKNOWN_FIELD,
                f"{field!r} is not a field of a tekton.dev/{api} pipeline task",
            )
    if "taskSpec" in task:
        check_fields(mapping(task["taskSpec"]), api, "Task", report, f"{path}.taskSpec")


def _unknown(field: str, api: str, kind: str) -> str:
    message = f"{field!r} is not a field of a tekton.dev/{api} {kind} spec, and Tekton drops it"
    if api == "v1" and MOVED_IN_V1.get(field):
        return f"{message}; in v1 it is {MOVED_IN_V1[field]}"
    if api == "v1beta1" and field == "taskRunTemplate":
        return f"{message}; v1beta1 has spec.podTemplate and spec.serviceAccountName instead"
    return message
