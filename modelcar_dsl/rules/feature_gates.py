"""Features Tekton's webhook accepts only when the cluster's feature flags turn them on: fields
of alpha or beta stability under `enable-api-fields`, and the per-feature flags (param enum,
artifacts, CEL in `when`, ...), which `enable-api-fields: alpha` does not turn on. The list
follows every gate in Tekton v1.15's pkg/apis/pipeline validation."""

from __future__ import annotations

import re
from typing import Any

import attrs

from modelcar_dsl.rules import catalog
from modelcar_dsl.rules.document import Report, mapping, mappings, sequence
from modelcar_dsl.rules.gates import FEATURE_FLAGS, ApiFields


@attrs.frozen
class Feature:
    """A gated feature: what it is, and the flag that turns it on (`enable-api-fields`, at
    `stability`, or a per-feature flag)."""

    what: str
    flag: str = "enable-api-fields"
    stability: ApiFields = "alpha"


PIPELINES_IN_PIPELINES = Feature("a pipeline in a pipeline task (pipelines in pipelines)")
STDOUT_CONFIG = Feature("stdoutConfig (step output streams)")
STDERR_CONFIG = Feature("stderrConfig (step output streams)")
WINDOWS_SCRIPT = Feature("a Windows script (#!win)")
DEBUG = Feature("debug (TaskRun breakpoints)")
RESOLVER = Feature("a remote resolver", stability="beta")
RESOLVER_PARAMS = Feature("resolver params", stability="beta")
PIPELINE_TASK_ON_ERROR = Feature("onError on a pipeline task", stability="beta")
MATRIX = Feature("matrix", stability="beta")
STEP_WORKSPACES = Feature("workspaces on a step", stability="beta")
SIDECAR_WORKSPACES = Feature("workspaces on a sidecar", stability="beta")
RUN_OVERRIDE = Feature("step and sidecar overrides and computeResources", stability="beta")
PARAM_ENUM = Feature("param enum", "enable-param-enum")
CEL_WHEN = Feature("CEL in when", "enable-cel-in-whenexpression")
ARTIFACTS = Feature("artifacts ($(steps.x.outputs...), $(step.artifacts.path))", "enable-artifacts")
CONCISE_RESOLVER = Feature(
    "a resolver URL as a ref's name (concise resolver syntax)", "enable-concise-resolver-syntax"
)

_SCHEME = re.compile(r"[\w-]+:/")
"""Tekton's RefNameLikeUrl: a ref name holding a scheme is a resolver URL."""
_ARTIFACT_STEP = re.compile(r"\$\(steps\.[^.]+\.(?:inputs|outputs)\.[^.)]+\)")
_ARTIFACT_TASK = re.compile(r"\$\(tasks\.[^.]+\.(?:inputs|outputs)\.[^.)]+\)")
_ARTIFACT_PATHS = ("$(step.artifacts.path)", "$(artifacts.path)")
_RUN_OVERRIDES = {
    "v1": ("stepSpecs", "sidecarSpecs", "computeResources"),
    "v1beta1": ("stepOverrides", "sidecarOverrides", "computeResources"),
}


def check_feature_gates(kind: str, api: str, spec: dict[str, Any], report: Report) -> None:
    """Report each feature in a document's `spec` that the cluster's gates leave off."""
    gates = _Gates(report, api)
    if kind in ("Task", "ClusterTask"):
        gates.task(spec, "spec")
    elif kind == "Pipeline":
        gates.pipeline(spec, "spec")
    elif kind == "PipelineRun":
        gates.pipeline_run(spec)
    elif kind == "TaskRun":
        gates.task_run(spec)
    elif kind == "StepAction":
        gates.script(spec, "spec")


def gate_message(feature: Feature, report: Report) -> str:
    """What is used, the flag that turns it on, and how to tell validate the cluster has it."""
    if feature.flag == "enable-api-fields":
        setting = "alpha" if feature.stability == "alpha" else "beta or alpha"
        return (
            f"{feature.what} needs enable-api-fields: {setting}; the cluster's is "
            f"{report.gates.enable_api_fields}; pass --api-fields {feature.stability} if your "
            f"cluster sets it"
        )
    stability = FEATURE_FLAGS[feature.flag].stability
    return (
        f"{feature.what} needs the feature flag {feature.flag}=true ({stability}); pass "
        f"--feature-flag {feature.flag}=true if your cluster sets it"
    )


class _Gates:
    """One document's walk: every place a gated feature can be, at any depth of embedding."""

    def __init__(self, report: Report, api: str) -> None:
        self.report = report
        self.api = api
        self.inline_disabled = set(str(report.gates.flag("disable-inline-spec") or "").split(","))

    def off(self, feature: Feature) -> bool:
        gates = self.report.gates
        if feature.flag == "enable-api-fields":
            return not gates.allows(feature.stability)
        return not gates.enabled(feature.flag)

    def check(self, feature: Feature, path: str) -> None:
        if self.off(feature):
            self.report(path, catalog.FEATURE_GATE, gate_message(feature, self.report))

    def inline(self, body: dict[str, Any], field: str, where: str, path: str) -> None:
        """`disable-inline-spec` lists where embedded specs are refused."""
        if field in body and where in self.inline_disabled:
            self.report(
                f"{path}.{field}",
                catalog.FEATURE_GATE,
                f"the cluster's disable-inline-spec includes {where}, so {field} is refused; "
                f"reference a {field.removesuffix('Spec').capitalize()} instead",
            )

    def params(self, params: Any, path: str) -> None:
        for index, param in mappings(params):
            if sequence(param.get("enum")):
                self.check(PARAM_ENUM, f"{path}[{index}].enum")

    def whens(self, whens: Any, path: str) -> None:
        for index, when in mappings(whens):
            if isinstance(when.get("cel"), str) and when["cel"]:
                self.check(CEL_WHEN, f"{path}[{index}].cel")

    def ref(self, ref: Any, path: str) -> None:
        """Tekton's validateRef, for taskRef, pipelineRef and a step's ref."""
        ref = mapping(ref)
        name = ref.get("name")
        if "params" in ref and ref["params"] is not None:
            self.check(RESOLVER_PARAMS, f"{path}.params")
        if ref.get("resolver"):
            self.check(RESOLVER, f"{path}.resolver")
        if isinstance(name, str) and _SCHEME.search(name):
            self.check(CONCISE_RESOLVER, f"{path}.name")

    def task(self, spec: dict[str, Any], path: str) -> None:
        self.params(spec.get("params"), f"{path}.params")
        for index, step in mappings(spec.get("steps")):
            where = f"{path}.steps[{index}]"
            self.script(step, where)
            if "stdoutConfig" in step and step["stdoutConfig"] is not None:
                self.check(STDOUT_CONFIG, f"{where}.stdoutConfig")
            if "stderrConfig" in step and step["stderrConfig"] is not None:
                self.check(STDERR_CONFIG, f"{where}.stderrConfig")
            if sequence(step.get("workspaces")):
                self.check(STEP_WORKSPACES, f"{where}.workspaces")
            if "ref" in step:
                self.ref(step["ref"], f"{where}.ref")
            self.whens(step.get("when"), f"{where}.when")
            if _uses_artifacts(step):
                self.check(ARTIFACTS, where)
        for index, sidecar in mappings(spec.get("sidecars")):
            if sequence(sidecar.get("workspaces")):
                self.check(SIDECAR_WORKSPACES, f"{path}.sidecars[{index}].workspaces")

    def script(self, step: dict[str, Any], path: str) -> None:
        script = step.get("script")
        if isinstance(script, str) and script.strip().startswith("#!win"):
            self.check(WINDOWS_SCRIPT, f"{path}.script")

    def pipeline(self, spec: dict[str, Any], path: str) -> None:
        self.params(spec.get("params"), f"{path}.params")
        for section in ("tasks", "finally"):
            for index, task in mappings(spec.get(section)):
                self.pipeline_task(task, f"{path}.{section}[{index}]")

    def pipeline_task(self, task: dict[str, Any], path: str) -> None:
        for field in ("pipelineRef", "pipelineSpec"):
            if field in task and task[field] is not None:
                self.check(PIPELINES_IN_PIPELINES, f"{path}.{field}")
        self.inline(task, "taskSpec", "pipeline", path)
        self.inline(task, "pipelineSpec", "pipeline", path)
        on_error = task.get("onError")
        if isinstance(on_error, str) and on_error and not on_error.startswith("$(params."):
            self.check(PIPELINE_TASK_ON_ERROR, f"{path}.onError")
        matrix = mapping(task.get("matrix"))
        if sequence(matrix.get("params")) or sequence(matrix.get("include")):
            self.check(MATRIX, f"{path}.matrix")
        self.whens(task.get("when"), f"{path}.when")
        if any(_ARTIFACT_TASK.search(text) for text in _param_texts(task.get("params"))):
            self.check(ARTIFACTS, f"{path}.params")
        if "taskRef" in task:
            self.ref(task["taskRef"], f"{path}.taskRef")
        if isinstance(task.get("taskSpec"), dict):
            self.task(task["taskSpec"], f"{path}.taskSpec")
        if isinstance(task.get("pipelineSpec"), dict):
            self.pipeline(task["pipelineSpec"], f"{path}.pipelineSpec")

    def pipeline_run(self, spec: dict[str, Any]) -> None:
        self.inline(spec, "pipelineSpec", "pipelinerun", "spec")
        if "pipelineRef" in spec:
            self.ref(spec["pipelineRef"], "spec.pipelineRef")
        if isinstance(spec.get("pipelineSpec"), dict):
            self.pipeline(spec["pipelineSpec"], "spec.pipelineSpec")
        for index, run_spec in mappings(spec.get("taskRunSpecs")):
            self.overrides(run_spec, f"spec.taskRunSpecs[{index}]")

    def task_run(self, spec: dict[str, Any]) -> None:
        self.inline(spec, "taskSpec", "taskrun", "spec")
        if "taskRef" in spec:
            self.ref(spec["taskRef"], "spec.taskRef")
        if isinstance(spec.get("taskSpec"), dict):
            self.task(spec["taskSpec"], "spec.taskSpec")
        if spec.get("debug") is not None:
            self.check(DEBUG, "spec.debug")
        self.overrides(spec, "spec")

    def overrides(self, spec: dict[str, Any], path: str) -> None:
        for field in _RUN_OVERRIDES.get(self.api, ()):
            if spec.get(field) is not None:
                self.check(RUN_OVERRIDE, f"{path}.{field}")


def _uses_artifacts(step: dict[str, Any]) -> bool:
    """Tekton looks for artifact references in a step's script, command, args and env values."""
    texts = [step.get("script")]
    texts += sequence(step.get("command")) + sequence(step.get("args"))
    texts += [env.get("value") for _, env in mappings(step.get("env"))]
    return any(
        _ARTIFACT_STEP.search(text)
        or _ARTIFACT_TASK.search(text)
        or any(path in text for path in _ARTIFACT_PATHS)
        for text in texts
        if isinstance(text, str)
    )


def _param_texts(params: Any) -> list[str]:
    """The strings of a pipeline task's param values: a string, an array's items, an object's
    values."""
    texts: list[str] = []
    for _, param in mappings(params):
        value = param.get("value")
        items = value.values() if isinstance(value, dict) else sequence(value) or [value]
        texts += [item for item in items if isinstance(item, str)]
    return texts
