"""modelcar-dsl: ModelCar pipelines as typed Python, compiled to Tekton YAML."""

from modelcar_dsl.authoring.catalogue import CatalogueName, RecordCheck, where_defined
from modelcar_dsl.authoring.pipeline import Pipeline, pipeline
from modelcar_dsl.authoring.pipeline_builder import TaskCall, finally_tasks
from modelcar_dsl.authoring.run import pipeline_run
from modelcar_dsl.authoring.steps import command_step, script_step
from modelcar_dsl.authoring.task import Steps, Task, task
from modelcar_dsl.diagnostics.source import SourceLocation
from modelcar_dsl.model.param_checks import (
    Between,
    InWorkspace,
    PulledImage,
    VerifiesTls,
    WorkspacePath,
)
from modelcar_dsl.model.refs import PIPELINE_STATUS, ParamRef, ResultRef
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

__all__ = [
    "PIPELINE_STATUS",
    "Between",
    "CatalogueName",
    "ConfigMapEnv",
    "ConfigMapVolume",
    "EmptyDir",
    "ExistingClaim",
    "InWorkspace",
    "ParamRef",
    "Pipeline",
    "PipelineWorkspace",
    "PulledImage",
    "RecordCheck",
    "Resources",
    "Result",
    "ResultRef",
    "RunSpec",
    "SecretEnv",
    "SecretVolume",
    "SourceLocation",
    "Step",
    "Steps",
    "Target",
    "Task",
    "TaskCall",
    "VerifiesTls",
    "VolumeClaim",
    "Workspace",
    "WorkspacePath",
    "check",
    "command_step",
    "finally_tasks",
    "pipeline",
    "pipeline_run",
    "script_step",
    "task",
    "where_defined",
]
