"""Every rule a problem can break, by id: the headings of docs/errors.md and the names that
`modelcar validate --ignore` takes."""

from __future__ import annotations

from typing import Literal

import attrs

from modelcar_dsl.diagnostics.errors import Problem
from modelcar_dsl.diagnostics.source import SourceLocation

Origin = Literal["tekton", "apply", "run", "modelcar", "dsl", "info"]
"""Who rejects it: Tekton's admission webhook; `kubectl apply` (and ArgoCD, which applies),
before Tekton sees it; Tekton at run time (a compiler that writes both sides can check it
earlier); modelcar-dsl's own policy; the Python DSL itself; or nobody (`info`: what validation
could not check)."""
Severity = Literal["error", "warning", "info"]
SEVERITIES: dict[Origin, Severity] = {
    "tekton": "error",
    "apply": "error",
    "run": "error",
    "dsl": "error",
    "modelcar": "warning",
    "info": "info",
}
"""`modelcar validate` fails on errors; a policy warning fails it only with --strict. `compile`
holds the DSL's output to every rule, warnings included."""


def label(severity: str, origin: str) -> str:
    """How `modelcar validate`'s text report introduces a problem: who refuses it."""
    if severity == "error":
        return "run-time error" if origin == "run" else "error"
    return "note" if severity == "info" else severity


@attrs.frozen
class Rule:
    id: str
    title: str
    origin: Origin
    always_error: bool = False
    """An error whatever its origin: modelcar's own limits stop validation itself."""

    @property
    def severity(self) -> Severity:
        return "error" if self.always_error else SEVERITIES[self.origin]


RULES: dict[str, Rule] = {}


def problem(
    rule: Rule,
    resource: str,
    path: str,
    message: str,
    location: SourceLocation | None = None,
    origin: Origin | None = None,
) -> Problem:
    """A problem breaking `rule`; `origin` overrides the rule's where one finding of a rule is
    Tekton's verdict and another only fails at run time."""
    severity = SEVERITIES[origin] if origin else rule.severity
    return Problem(resource, path, message, rule.id, location, origin or rule.origin, severity)


def _rule(id: str, title: str, origin: Origin, always_error: bool = False) -> Rule:
    rule = Rule(id, title, origin, always_error)
    RULES[id] = rule
    return rule


# Files and documents
YAML_SYNTAX = _rule("yaml-syntax", "The file is not valid YAML", "tekton")
YAML_LIMIT = _rule("yaml-limit", "The file's YAML goes beyond what is read", "modelcar", True)
YAML_DUPLICATE_KEY = _rule("yaml-duplicate-key", "A key appears twice in one mapping", "tekton")
API_VERSION = _rule("api-version", "Unknown apiVersion for a Tekton kind", "tekton")
FIELD_TYPE = _rule("field-type", "A field has the wrong type", "tekton")
MISSING_FIELD = _rule("missing-field", "A required field is missing", "tekton")
UNKNOWN_FIELD = _rule("unknown-field", "A field Tekton does not know", "tekton")
METADATA_NAME = _rule("metadata-name", "A resource name is not a DNS-1123 subdomain", "tekton")
METADATA_LABELS = _rule(
    "metadata-labels", "A label or annotation the Kubernetes API server refuses", "apply"
)
FEATURE_GATE = _rule(
    "feature-gate", "A feature the cluster's feature flags do not turn on", "tekton"
)
TEKTON_VERSION = _rule(
    "tekton-version", "A kind or field the cluster's Tekton release does not have", "tekton"
)
QUANTITY = _rule("quantity", "A resource quantity is not one Kubernetes can read", "tekton")
KUSTOMIZATION_RUN = _rule(
    "kustomization-run", "A kustomization lists a run that has only a generateName", "apply"
)

# Declarations shared by Task and Pipeline
PARAM_NAME = _rule("param-name", "A param name breaks Tekton's pattern", "tekton")
PARAM_DUPLICATE = _rule("param-duplicate", "A param is declared twice", "tekton")
PARAM_TYPE = _rule("param-type", "A param type is not string, array or object", "tekton")
PARAM_DEFAULT = _rule("param-default", "A param default does not match its type", "tekton")
OBJECT_PROPERTIES = _rule("object-properties", "An object param's properties are wrong", "tekton")
PARAM_ENUM = _rule("param-enum", "A param enum is malformed or its default not in it", "tekton")
RESULT_NAME = _rule("result-name", "A result name breaks Tekton's pattern", "tekton")
RESULT_DUPLICATE = _rule("result-duplicate", "A result is declared twice", "modelcar")
RESULT_TYPE = _rule("result-type", "A result type is not string, array or object", "tekton")
WORKSPACE_DUPLICATE = _rule("workspace-duplicate", "A workspace is declared twice", "tekton")

# Task
TASK_NO_STEPS = _rule("task-no-steps", "A Task has no steps", "tekton")
STEP_NAME = _rule("step-name", "A step name is not a DNS-1123 label", "tekton")
STEP_DUPLICATE = _rule(
    "step-duplicate", "Two steps, or two sidecars, of a Task have the same name", "tekton"
)
STEP_IMAGE = _rule("step-image", "A step has no image", "tekton")
STEP_SCRIPT_COMMAND = _rule("step-script-command", "A step has both script and command", "tekton")
STEP_WORKSPACE = _rule(
    "step-workspace", "A step or sidecar names a workspace its Task does not declare", "tekton"
)
STEP_ON_ERROR = _rule("step-on-error", "A step's onError is not a value Tekton knows", "tekton")
WORKSPACE_MOUNT_PATH = _rule(
    "workspace-mount-path", "A workspace's mountPath is used twice", "tekton"
)
VOLUME_MOUNT = _rule(
    "volume-mount",
    "A volumeMount is under /tekton, has a reserved name, repeats a path or leaves its volume "
    "by subPath",
    "tekton",
)
TASK_VOLUME = _rule(
    "task-volume",
    "A Task's volume name repeats or is no DNS label, or a container mounts no declared volume",
    "tekton",
)
CONTAINER_SETTINGS = _rule(
    "container-settings",
    "A container's securityContext, imagePullPolicy or ports hold what Kubernetes refuses",
    "run",
)
ENV_NAME = _rule("env-name", "An environment variable name is not valid or repeats", "tekton")
TASK_VARIABLE = _rule(
    "task-variable",
    "A $(...) variable in a Task or StepAction names nothing it declares",
    "tekton",
)
STEP_RESULT_USE = _rule(
    "step-result-use",
    "$(steps.x.results.y) is used outside a step's env, command and args",
    "tekton",
)
STEP_RESULT_VALUE = _rule(
    "step-result-value",
    "A Task result's value reads a step result its step does not declare, or of another type",
    "run",
)
ARRAY_ISOLATION = _rule(
    "array-isolation", "An array or object param is used inside a longer string", "tekton"
)
STEP_REF = _rule(
    "step-ref",
    "A step with a StepAction ref sets what the StepAction provides, or one without passes params",
    "tekton",
)
STEPACTION_SCRIPT_PARAM = _rule(
    "stepaction-script-param", "A StepAction's script uses $(params...)", "tekton"
)
SCRIPT_VARIABLE = _rule(
    "script-variable", "A script contains $(...), which Tekton pastes into its text", "modelcar"
)

# Pipeline
PIPELINE_NO_TASKS = _rule("pipeline-no-tasks", "A Pipeline has no tasks", "tekton")
PIPELINE_TASK_NAME = _rule(
    "pipeline-task-name", "A pipeline task name is not a DNS-1123 label", "tekton"
)
PIPELINE_TASK_DUPLICATE = _rule(
    "pipeline-task-duplicate", "Two pipeline tasks (finally included) share a name", "tekton"
)
REF = _rule(
    "ref", "A taskRef, pipelineRef or step ref mixes a name with a resolver's params", "tekton"
)
TASK_REF = _rule("task-ref", "A pipeline task needs exactly one of taskRef and taskSpec", "tekton")
RUN_AFTER = _rule("run-after", "runAfter names a task that is not in the pipeline", "tekton")
FINALLY_RUN_AFTER = _rule("finally-run-after", "A finally task has runAfter", "tekton")
CYCLE = _rule("cycle", "The tasks form a cycle", "tekton")
RESULT_REFERENCE = _rule(
    "result-reference", "$(tasks.x.results.y) names a task or result that does not exist", "tekton"
)
MATRIX = _rule(
    "matrix", "A pipeline task's matrix repeats a param, is too large or is not arrays", "tekton"
)
MATRIX_RESULT = _rule(
    "matrix-result", "A result of a matrixed task is read as one value, not [*]", "tekton"
)
FINALLY_RESULT_REFERENCE = _rule(
    "finally-result-reference", "A result of a finally task is read where it cannot be", "tekton"
)
TASK_STATUS = _rule("task-status", "$(tasks.x.status) outside finally", "tekton")
PIPELINE_VARIABLE = _rule(
    "pipeline-variable", "A $(...) variable in a Pipeline names nothing it declares", "tekton"
)
WHEN = _rule("when", "A when expression is malformed", "tekton")
ON_ERROR_RETRIES = _rule(
    "on-error-retries", "onError: continue together with retries on a pipeline task", "tekton"
)
RETRIES = _rule("retries", "retries is negative", "tekton")
PIPELINE_RESULT = _rule(
    "pipeline-result", "A pipeline result is malformed or reads no existing task", "tekton"
)
PIPELINE_WORKSPACE = _rule(
    "pipeline-workspace",
    "A pipeline task binds a workspace the pipeline does not declare",
    "tekton",
)
TASK_TIMEOUT = _rule("task-timeout", "A pipeline task's or step's timeout is no duration", "tekton")

# PipelineRun
PIPELINE_REF = _rule(
    "pipeline-ref", "A run needs exactly one of pipelineRef and pipelineSpec", "tekton"
)
RUN_WORKSPACE_SOURCE = _rule(
    "run-workspace-source", "A workspace binding needs exactly one volume source", "tekton"
)
RUN_WORKSPACE_DUPLICATE = _rule(
    "run-workspace-duplicate", "A run binds a workspace twice", "tekton"
)
RUN_PARAM_DUPLICATE = _rule("run-param-duplicate", "A run passes a param twice", "tekton")
RUN_PARAM_RESULT = _rule(
    "run-param-result", "A PipelineRun's param value reads a task result", "tekton"
)
TASKRUN_CONTAINER_SPECS = _rule(
    "taskrun-container-specs",
    "A TaskRun's step or sidecar overrides repeat a name or set resources twice",
    "tekton",
)
TASKRUN_DEBUG = _rule("taskrun-debug", "A TaskRun's debug breakpoints are malformed", "tekton")
TIMEOUTS = _rule("timeouts", "Run timeouts are invalid or inconsistent", "tekton")
RUN_STATUS = _rule("run-status", "A run's spec.status is not a known value", "tekton")
POD_TEMPLATE = _rule(
    "pod-template", "A pod template holds a value Kubernetes refuses in a pod", "run"
)
TASK_RUN_SPEC_NAME = _rule(
    "task-run-spec-name", "taskRunSpecs names a task the pipeline does not have", "run"
)

# Across resources: Tekton finds these only when the run starts
MISSING_REFERENCE = _rule(
    "missing-reference", "A referenced Task or Pipeline is not among the files", "info"
)
PARAM_MISSING = _rule("param-missing", "A required param is not given", "run")
PARAM_UNKNOWN = _rule(
    "param-unknown", "A param is given that nothing declares, so Tekton ignores it", "modelcar"
)
PARAM_VALUE_TYPE = _rule(
    "param-value-type", "A param value's type does not match the declaration", "run"
)
WORKSPACE_UNBOUND = _rule("workspace-unbound", "A required workspace is not bound", "run")
WORKSPACE_UNKNOWN = _rule("workspace-unknown", "A workspace is bound that nothing declares", "run")
RESULT_SIZE = _rule("result-size", "A result can exceed Tekton's 4096-byte limit", "run")

# modelcar-dsl's guarantees (the failures in the team's status reports)
RUN_FS_GROUP = _rule("run-fs-group", "A run has no fsGroup for its pods", "modelcar")
RUN_TIMEOUT = _rule("run-timeout", "A run relies on Tekton's 60-minute default", "modelcar")
SHARED_WORKSPACE = _rule(
    "shared-workspace", "Tasks that write one workspace can run at the same time", "modelcar"
)
TLS_BYPASS = _rule("tls-bypass", "A script, command or env turns TLS verification off", "modelcar")
TLS_VERIFY_OFF = _rule(
    "tls-verify-off",
    "A param turns TLS verification off for a host the project does not list as insecure",
    "modelcar",
)

# The Python DSL's own rules: what compiled YAML cannot show
ARRAY_PARAMS = _rule("array-params", "A task declares more than one list[str] param", "dsl")
SCRIPT_WHITESPACE = _rule("script-whitespace", "A script line ends in whitespace", "dsl")
CATALOGUE_NAME = _rule(
    "catalogue-name", "A catalogue name is not taken from a catalogue record", "dsl"
)
CATALOGUE_RECORD = _rule(
    "catalogue-record", "A catalogue record's field breaks a check the record declares", "dsl"
)
PARAM_CONSTRAINT = _rule("param-constraint", "A param value breaks its param's constraint", "dsl")
