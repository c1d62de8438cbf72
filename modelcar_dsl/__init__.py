"""modelcar-dsl: ModelCar pipelines as typed Python, compiled to Tekton YAML.

Names are exported lazily (PEP 562): `modelcar --help`, and a command that needs only part of
the package, must not pay for importing all of it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelcar_dsl.authoring.catalogue import CatalogueName, RecordCheck, where_defined
    from modelcar_dsl.authoring.pipeline import Pipeline, pipeline
    from modelcar_dsl.authoring.pipeline_builder import TaskCall, finally_tasks
    from modelcar_dsl.authoring.remote_task import remote_task
    from modelcar_dsl.authoring.run import pipeline_run
    from modelcar_dsl.authoring.step_action import StepAction, remote_step_action, step_action
    from modelcar_dsl.authoring.steps import command_step, script_step, sidecar
    from modelcar_dsl.authoring.task import Steps, Task, task
    from modelcar_dsl.diagnostics.source import SourceLocation
    from modelcar_dsl.model.container_settings import SecurityContext, TaskVolume, VolumeMount
    from modelcar_dsl.model.param_checks import (
        Between,
        InWorkspace,
        PulledImage,
        VerifiesTls,
        WorkspacePath,
    )
    from modelcar_dsl.model.pod_affinity import (
        PodAffinity,
        PodAffinityTerm,
        PodAntiAffinity,
        TopologySpread,
        WeightedPodAffinityTerm,
    )
    from modelcar_dsl.model.pod_template import (
        NodeAffinity,
        NodeRequirement,
        NodeTerm,
        PodTemplate,
        PreferredNode,
        TaskRunSpec,
        Toleration,
    )
    from modelcar_dsl.model.refs import PIPELINE_STATUS, ParamRef, ResultRef
    from modelcar_dsl.model.resolvers import (
        BundlesResolver,
        ClusterResolver,
        GitResolver,
        HttpResolver,
        HubResolver,
    )
    from modelcar_dsl.model.specs import (
        ConfigMapEnv,
        ConfigMapVolume,
        EmptyDir,
        ExistingClaim,
        PipelineWorkspace,
        Resources,
        Result,
        RunSpec,
        SecretEnv,
        SecretVolume,
        Step,
        VolumeClaim,
        Workspace,
    )
    from modelcar_dsl.model.target import Target
    from modelcar_dsl.project.check import check
    from modelcar_dsl.project.local_run import run_local, run_task

__all__ = [
    "PIPELINE_STATUS",
    "Between",
    "BundlesResolver",
    "CatalogueName",
    "ClusterResolver",
    "ConfigMapEnv",
    "ConfigMapVolume",
    "EmptyDir",
    "ExistingClaim",
    "GitResolver",
    "HttpResolver",
    "HubResolver",
    "InWorkspace",
    "NodeAffinity",
    "NodeRequirement",
    "NodeTerm",
    "ParamRef",
    "Pipeline",
    "PipelineWorkspace",
    "PodAffinity",
    "PodAffinityTerm",
    "PodAntiAffinity",
    "PodTemplate",
    "PreferredNode",
    "PulledImage",
    "RecordCheck",
    "Resources",
    "Result",
    "ResultRef",
    "RunSpec",
    "SecretEnv",
    "SecretVolume",
    "SecurityContext",
    "SourceLocation",
    "Step",
    "StepAction",
    "Steps",
    "Target",
    "Task",
    "TaskCall",
    "TaskRunSpec",
    "TaskVolume",
    "Toleration",
    "TopologySpread",
    "VerifiesTls",
    "VolumeClaim",
    "VolumeMount",
    "WeightedPodAffinityTerm",
    "Workspace",
    "WorkspacePath",
    "check",
    "command_step",
    "finally_tasks",
    "pipeline",
    "pipeline_run",
    "remote_step_action",
    "remote_task",
    "run_local",
    "run_task",
    "script_step",
    "sidecar",
    "step_action",
    "task",
    "where_defined",
]

_EXPORTS = {
    "CatalogueName": "modelcar_dsl.authoring.catalogue",
    "RecordCheck": "modelcar_dsl.authoring.catalogue",
    "where_defined": "modelcar_dsl.authoring.catalogue",
    "Pipeline": "modelcar_dsl.authoring.pipeline",
    "pipeline": "modelcar_dsl.authoring.pipeline",
    "TaskCall": "modelcar_dsl.authoring.pipeline_builder",
    "finally_tasks": "modelcar_dsl.authoring.pipeline_builder",
    "pipeline_run": "modelcar_dsl.authoring.run",
    "StepAction": "modelcar_dsl.authoring.step_action",
    "step_action": "modelcar_dsl.authoring.step_action",
    "remote_step_action": "modelcar_dsl.authoring.step_action",
    "remote_task": "modelcar_dsl.authoring.remote_task",
    "command_step": "modelcar_dsl.authoring.steps",
    "script_step": "modelcar_dsl.authoring.steps",
    "sidecar": "modelcar_dsl.authoring.steps",
    "Steps": "modelcar_dsl.authoring.task",
    "Task": "modelcar_dsl.authoring.task",
    "task": "modelcar_dsl.authoring.task",
    "SourceLocation": "modelcar_dsl.diagnostics.source",
    "SecurityContext": "modelcar_dsl.model.container_settings",
    "TaskVolume": "modelcar_dsl.model.container_settings",
    "VolumeMount": "modelcar_dsl.model.container_settings",
    "Between": "modelcar_dsl.model.param_checks",
    "InWorkspace": "modelcar_dsl.model.param_checks",
    "PulledImage": "modelcar_dsl.model.param_checks",
    "VerifiesTls": "modelcar_dsl.model.param_checks",
    "WorkspacePath": "modelcar_dsl.model.param_checks",
    "PodAffinity": "modelcar_dsl.model.pod_affinity",
    "PodAffinityTerm": "modelcar_dsl.model.pod_affinity",
    "PodAntiAffinity": "modelcar_dsl.model.pod_affinity",
    "TopologySpread": "modelcar_dsl.model.pod_affinity",
    "WeightedPodAffinityTerm": "modelcar_dsl.model.pod_affinity",
    "NodeAffinity": "modelcar_dsl.model.pod_template",
    "NodeRequirement": "modelcar_dsl.model.pod_template",
    "NodeTerm": "modelcar_dsl.model.pod_template",
    "PodTemplate": "modelcar_dsl.model.pod_template",
    "PreferredNode": "modelcar_dsl.model.pod_template",
    "TaskRunSpec": "modelcar_dsl.model.pod_template",
    "Toleration": "modelcar_dsl.model.pod_template",
    "PIPELINE_STATUS": "modelcar_dsl.model.refs",
    "ParamRef": "modelcar_dsl.model.refs",
    "ResultRef": "modelcar_dsl.model.refs",
    "BundlesResolver": "modelcar_dsl.model.resolvers",
    "ClusterResolver": "modelcar_dsl.model.resolvers",
    "GitResolver": "modelcar_dsl.model.resolvers",
    "HttpResolver": "modelcar_dsl.model.resolvers",
    "HubResolver": "modelcar_dsl.model.resolvers",
    "ConfigMapEnv": "modelcar_dsl.model.specs",
    "ConfigMapVolume": "modelcar_dsl.model.specs",
    "EmptyDir": "modelcar_dsl.model.specs",
    "ExistingClaim": "modelcar_dsl.model.specs",
    "PipelineWorkspace": "modelcar_dsl.model.specs",
    "Resources": "modelcar_dsl.model.specs",
    "Result": "modelcar_dsl.model.specs",
    "RunSpec": "modelcar_dsl.model.specs",
    "SecretEnv": "modelcar_dsl.model.specs",
    "SecretVolume": "modelcar_dsl.model.specs",
    "Step": "modelcar_dsl.model.specs",
    "VolumeClaim": "modelcar_dsl.model.specs",
    "Workspace": "modelcar_dsl.model.specs",
    "Target": "modelcar_dsl.model.target",
    "check": "modelcar_dsl.project.check",
    "run_local": "modelcar_dsl.project.local_run",
    "run_task": "modelcar_dsl.project.local_run",
}


if not TYPE_CHECKING:  # mypy sees the imports above, so a misspelt name stays a type error

    def __getattr__(name: str) -> Any:
        if name in _EXPORTS:
            return getattr(importlib.import_module(_EXPORTS[name]), name)
        raise AttributeError(f"module 'modelcar_dsl' has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
