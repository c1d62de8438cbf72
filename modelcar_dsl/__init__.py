"""modelcar-dsl: ModelCar pipelines as typed Python, compiled to Tekton YAML."""

from modelcar_dsl.catalogue import CatalogueName, RecordCheck, where_defined
from modelcar_dsl.param_checks import (
    Between,
    InWorkspace,
    PulledImage,
    VerifiesTls,
    WorkspacePath,
)
from modelcar_dsl.pipeline import Pipeline, pipeline
from modelcar_dsl.pipeline_builder import TaskCall, finally_tasks
from modelcar_dsl.refs import PIPELINE_STATUS, ParamRef, ResultRef
from modelcar_dsl.render import check
from modelcar_dsl.run import pipeline_run
from modelcar_dsl.source import SourceLocation
from modelcar_dsl.specs import (
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
from modelcar_dsl.steps import command_step, script_step
from modelcar_dsl.target import Target
from modelcar_dsl.task import Steps, Task, task

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
