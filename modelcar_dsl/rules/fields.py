"""The fields each Tekton API version knows, and the type of each: Tekton's webhook decodes
strictly, so a field of the other version (a v1beta1 `podTemplate` in a v1 run, which is how a
run's fsGroup gets lost) or a mapping where a list belongs is refused when it is applied."""

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

_LIST, _MAPPING = list, dict
FIELD_TYPES: dict[str, dict[str, type]] = {
    "Task": {
        "params": _LIST,
        "results": _LIST,
        "workspaces": _LIST,
        "steps": _LIST,
        "sidecars": _LIST,
        "volumes": _LIST,
        "stepTemplate": _MAPPING,
    },
    "step": {"command": _LIST, "args": _LIST, "env": _LIST, "volumeMounts": _LIST},
    "Pipeline": {
        "params": _LIST,
        "workspaces": _LIST,
        "tasks": _LIST,
        "finally": _LIST,
        "results": _LIST,
    },
    "pipeline task": {
        "runAfter": _LIST,
        "params": _LIST,
        "workspaces": _LIST,
        "when": _LIST,
        "taskRef": _MAPPING,
        "taskSpec": _MAPPING,
        "matrix": _MAPPING,
    },
    "PipelineRun": {
        "params": _LIST,
        "workspaces": _LIST,
        "taskRunSpecs": _LIST,
        "timeouts": _MAPPING,
        "taskRunTemplate": _MAPPING,
        "pipelineRef": _MAPPING,
        "pipelineSpec": _MAPPING,
        "podTemplate": _MAPPING,
    },
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
    """Report spec fields (and pipeline task and step fields) that `api` does not know or that
    have the wrong type."""
    kind = "Task" if kind == "ClusterTask" else kind
    if kind not in FIELD_TYPES:
        return
    _check_types(spec, kind, path, report)
    known = KNOWN_FIELDS.get((api, kind))
    if known is None:
        return
    for field in spec:
        if field not in known:
            report(f"{path}.{field}", catalog.UNKNOWN_FIELD, _unknown(field, api, kind))
    if kind == "Pipeline":
        for section in ("tasks", "finally"):
            for index, task in mappings(spec.get(section)):
                _check_pipeline_task(task, api, f"{path}.{section}[{index}]", report)
    elif kind == "Task":
        for index, step in mappings(spec.get("steps")):
            _check_types(step, "step", f"{path}.steps[{index}]", report)
            for field in step if api == "v1" else ():
                if field not in _STEP_V1:
                    hint = (
                        "; in v1 it is computeResources"
                        if field == "resources"
                        else "; v1 steps take the container fields Tekton lists, not all of a Pod's"
                    )
                    report(
                        f"{path}.steps[{index}].{field}",
                        catalog.UNKNOWN_FIELD,
                        f"{field!r} is not a field of a tekton.dev/v1 step; Tekton refuses it"
                        f"{hint}",
                    )
    elif kind == "PipelineRun" and "pipelineSpec" in spec:
        check_fields(mapping(spec["pipelineSpec"]), api, "Pipeline", report, f"{path}.pipelineSpec")


def _check_types(body: dict[str, Any], kind: str, path: str, report: Report) -> None:
    for field, expected in FIELD_TYPES[kind].items():
        value = body.get(field)
        if value is not None and not isinstance(value, expected):
            wanted = "a list" if expected is _LIST else "a mapping"
            report(
                f"{path}.{field}",
                catalog.FIELD_TYPE,
                f"{field!r} of a {kind} must be {wanted}, got {shape(value)}",
            )


def shape(value: Any) -> str:
    """A value as a message names it: a list, a mapping, or its type and value (shortened)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return f"the {type(value).__name__} {text if len(text) <= 80 else text[:76] + '...'}"


def _check_pipeline_task(task: dict[str, Any], api: str, path: str, report: Report) -> None:
    _check_types(task, "pipeline task", path, report)
    known = _PIPELINE_TASK_V1 | ({"resources", "conditions"} if api == "v1beta1" else set())
    for field in task:
        if field not in known:
            report(
                f"{path}.{field}",
                catalog.UNKNOWN_FIELD,
                f"{field!r} is not a field of a tekton.dev/{api} pipeline task; Tekton refuses it",
            )
    if "taskSpec" in task:
        check_fields(mapping(task["taskSpec"]), api, "Task", report, f"{path}.taskSpec")


def _unknown(field: str, api: str, kind: str) -> str:
    message = f"{field!r} is not a field of a tekton.dev/{api} {kind} spec; Tekton refuses it"
    if api == "v1" and MOVED_IN_V1.get(field):
        return f"{message}; in v1 it is {MOVED_IN_V1[field]}"
    if api == "v1beta1" and field == "taskRunTemplate":
        return f"{message}; v1beta1 has spec.podTemplate and spec.serviceAccountName instead"
    return message
