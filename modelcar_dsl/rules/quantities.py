"""Every resource quantity in a Tekton document (compute requests and limits, volume claim
sizes, emptyDir size limits) against Kubernetes' quantity grammar: a value it cannot read
fails the decode in Tekton's webhook, so the resource is rejected."""

from __future__ import annotations

from collections import deque
from typing import Any

from modelcar_dsl.quantities import quantity_problem
from modelcar_dsl.rules import catalog
from modelcar_dsl.rules.document import Report, mapping, sequence

QUANTITY = "Quantity"
RESOURCE_LIST = "ResourceList"
LIST = "[]"
"""A shape name prefixed with this is a list of that shape."""

_SHARED: dict[str, dict[str, str]] = {
    "ResourceRequirements": {"limits": RESOURCE_LIST, "requests": RESOURCE_LIST},
    "PersistentVolumeClaim": {"spec": "PersistentVolumeClaimSpec", "status": "ClaimStatus"},
    "PersistentVolumeClaimSpec": {"resources": "ResourceRequirements"},
    "ClaimStatus": {"capacity": RESOURCE_LIST, "allocatedResources": RESOURCE_LIST},
    "EmptyDir": {"sizeLimit": QUANTITY},
    "Volume": {"emptyDir": "EmptyDir", "ephemeral": "Ephemeral"},
    "Ephemeral": {"volumeClaimTemplate": "PersistentVolumeClaim"},
    "PodTemplate": {"volumes": LIST + "Volume"},
    "WorkspaceBinding": {"volumeClaimTemplate": "PersistentVolumeClaim", "emptyDir": "EmptyDir"},
    "TaskSpec": {
        "steps": LIST + "Step",
        "sidecars": LIST + "Step",
        "stepTemplate": "Step",
        "volumes": LIST + "Volume",
    },
    "PipelineSpec": {"tasks": LIST + "PipelineTask", "finally": LIST + "PipelineTask"},
    "PipelineTask": {"taskSpec": "TaskSpec", "pipelineSpec": "PipelineSpec"},
    "PipelineRunSpec": {
        "pipelineSpec": "PipelineSpec",
        "workspaces": LIST + "WorkspaceBinding",
        "taskRunSpecs": LIST + "PipelineTaskRunSpec",
    },
    "TaskRunSpec": {
        "taskSpec": "TaskSpec",
        "computeResources": "ResourceRequirements",
        "workspaces": LIST + "WorkspaceBinding",
        "podTemplate": "PodTemplate",
    },
    "PipelineTaskRunSpec": {"computeResources": "ResourceRequirements"},
}
"""Where quantities sit in the Go types (Tekton's pkg/apis/pipeline, k8s.io/api/core/v1):
shape -> field -> shape of its value."""

_BY_VERSION: dict[str, dict[str, dict[str, str]]] = {
    "v1": {
        "Step": {"computeResources": "ResourceRequirements"},
        "StepSpec": {"computeResources": "ResourceRequirements"},
        "PipelineRunSpec": {"taskRunTemplate": "TaskRunTemplate"},
        "TaskRunTemplate": {"podTemplate": "PodTemplate"},
        "TaskRunSpec": {"stepSpecs": LIST + "StepSpec", "sidecarSpecs": LIST + "StepSpec"},
        "PipelineTaskRunSpec": {
            "podTemplate": "PodTemplate",
            "stepSpecs": LIST + "StepSpec",
            "sidecarSpecs": LIST + "StepSpec",
        },
    },
    "v1beta1": {
        "Step": {"resources": "ResourceRequirements"},
        "StepOverride": {"resources": "ResourceRequirements"},
        "PipelineRunSpec": {"podTemplate": "PodTemplate"},
        "TaskRunSpec": {
            "stepOverrides": LIST + "StepOverride",
            "sidecarOverrides": LIST + "StepOverride",
        },
        "PipelineTaskRunSpec": {
            "taskPodTemplate": "PodTemplate",
            "stepOverrides": LIST + "StepOverride",
            "sidecarOverrides": LIST + "StepOverride",
        },
    },
}
"""What v1 and v1beta1 name differently: a step's `computeResources` was `resources`."""


def _shapes(api: str) -> dict[str, dict[str, str]]:
    shapes = {name: dict(fields) for name, fields in _SHARED.items()}
    for name, fields in _BY_VERSION[api].items():
        shapes.setdefault(name, {}).update(fields)
    return shapes


SHAPES = {api: _shapes(api) for api in _BY_VERSION}
SPEC_SHAPES = {
    "Task": "TaskSpec",
    "ClusterTask": "TaskSpec",
    "Pipeline": "PipelineSpec",
    "PipelineRun": "PipelineRunSpec",
    "TaskRun": "TaskRunSpec",
}


def check_quantities(spec: dict[str, Any], api: str, kind: str, report: Report) -> None:
    """Report every quantity of a document's `spec` that Kubernetes cannot decode, at its
    field. Each node is visited once per path to it (aliases are bounded by the loader)."""
    shapes = SHAPES.get(api)
    root = SPEC_SHAPES.get(kind)
    if shapes is None or root is None:
        return
    pending: deque[tuple[Any, str, str]] = deque([(spec, root, "spec")])
    while pending:
        value, shape, path = pending.popleft()
        if shape.startswith(LIST):
            pending.extend(
                (item, shape[len(LIST) :], f"{path}[{index}]")
                for index, item in enumerate(sequence(value))
            )
        elif shape == QUANTITY:
            _check(value, path, report)
        elif shape == RESOURCE_LIST:
            for name, quantity in mapping(value).items():
                _check(quantity, f"{path}.{name}", report)
        else:
            fields = shapes[shape]
            pending.extend(
                (item, fields[key], f"{path}.{key}")
                for key, item in mapping(value).items()
                if key in fields
            )


def _check(value: Any, path: str, report: Report) -> None:
    if problem := quantity_problem(value):
        report(path, catalog.QUANTITY, problem)
