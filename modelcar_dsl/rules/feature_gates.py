"""Features Tekton's webhook accepts only when the cluster's feature flags turn them on: fields
of alpha or beta stability under `enable-api-fields`, and the per-feature flags (param enum,
artifacts, CEL in `when`, ...), which `enable-api-fields: alpha` does not turn on. This walk
finds where a document uses each feature of gated_features.py, and judges it at its level in
the cluster's release."""

from __future__ import annotations

import re
from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.model.gates import FEATURE_FLAGS, shown
from modelcar_dsl.rules.document import Report, mapping, mappings, sequence
from modelcar_dsl.rules.gated_features import (
    ARTIFACTS,
    CEL_WHEN,
    CONCISE_RESOLVER,
    DEBUG,
    MATRIX,
    OBJECT_PARAMS,
    PARAM_ENUM,
    PIPELINE_TASK_ON_ERROR,
    PIPELINES_IN_PIPELINES,
    REMOTE_STEP_ACTIONS,
    RESOLVER,
    RESOLVER_PARAMS,
    RUN_COMPUTE_RESOURCES,
    RUN_OVERRIDES,
    SIDECAR_WORKSPACES,
    STDERR_CONFIG,
    STDOUT_CONFIG,
    STEP_ACTION_RESOLVER_KINDS,
    STEP_ACTIONS,
    STEP_WORKSPACES,
    TYPED_RESULTS,
    WINDOWS_SCRIPT,
    Feature,
    Level,
)

_SCHEME = re.compile(r"[\w-]+:/")
"""Tekton's RefNameLikeUrl: a ref name holding a scheme is a resolver URL."""
_ARTIFACT_STEP = re.compile(r"\$\(steps\.[^.]+\.(?:inputs|outputs)\.[^.)]+\)")
_ARTIFACT_TASK = re.compile(r"\$\(tasks\.[^.]+\.(?:inputs|outputs)\.[^.)]+\)")
_ARTIFACT_PATHS = ("$(step.artifacts.path)", "$(artifacts.path)")
_OVERRIDE_FIELDS = {
    "v1": ("stepSpecs", "sidecarSpecs"),
    "v1beta1": ("stepOverrides", "sidecarOverrides"),
}


def check_feature_gates(spec: dict[str, Any], report: Report) -> None:
    """Report each feature in a document's `spec` that the cluster's gates leave off."""
    walk, kind = _Walk(report, report.context.api), report.context.kind
    if kind in ("Task", "ClusterTask"):
        walk.task(spec, "spec")
    elif kind == "Pipeline":
        walk.pipeline(spec, "spec")
    elif kind == "PipelineRun":
        walk.pipeline_run(spec)
    elif kind == "TaskRun":
        walk.task_run(spec)
    elif kind == "StepAction":
        walk.script(spec, "spec")


def gate_message(feature: Feature, level: Level, report: Report) -> str:
    """What is used, the flag that turns it on, and how to tell validate the cluster has it."""
    if feature.flag == "enable-api-fields":
        setting = "alpha" if level == "alpha" else "beta or alpha"
        current = report.context.gates.enable_api_fields
        return (
            f"{feature.what} needs enable-api-fields: {setting}; the cluster's is "
            f"{current}; pass --api-fields {level} if your cluster sets it"
        )
    stability = FEATURE_FLAGS[feature.flag].stability
    return (
        f"{feature.what} needs the feature flag {feature.flag}=true ({stability}); pass "
        f"--feature-flag {feature.flag}=true if your cluster sets it"
    )


class _Walk:
    """One document's walk: every place a gated feature can be, at any depth of embedding."""

    def __init__(self, report: Report, api: str) -> None:
        self.report = report
        self.api = api
        self.inline_disabled = set(
            str(report.context.gates.flag("disable-inline-spec") or "").split(",")
        )

    def check(self, feature: Feature, path: str) -> None:
        """Report `feature` at `path` when the cluster's release lacks it or its gate is off."""
        gates = self.report.context.gates
        level = feature.level(gates.tekton_version)
        if level == "absent":
            self.report(
                path,
                catalog.TEKTON_VERSION,
                f"{feature.what} arrived in Tekton {shown(feature.since(gates.tekton_version))} "
                f"(the cluster runs {gates.shown_version}); Tekton refuses the field",
            )
        elif level != "stable" and (
            not gates.allows(level)
            if feature.flag == "enable-api-fields"
            else not gates.enabled(feature.flag)
        ):
            self.report(path, catalog.FEATURE_GATE, gate_message(feature, level, self.report))

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
            if param.get("type") == "object":
                self.check(OBJECT_PARAMS, f"{path}[{index}].type")

    def results(self, results: Any, path: str) -> None:
        for index, result in mappings(results):
            feature = TYPED_RESULTS.get(str(result.get("type")))
            if feature is not None:
                self.check(feature, f"{path}[{index}].type")

    def whens(self, whens: Any, path: str) -> None:
        for index, when in mappings(whens):
            if isinstance(when.get("cel"), str) and when["cel"]:
                self.check(CEL_WHEN, f"{path}[{index}].cel")

    def ref(self, ref: Any, path: str) -> None:
        """Tekton's validateRef, for taskRef, pipelineRef and a step's ref; a custom task's
        taskRef (with apiVersion) is validated as a custom task, without the URL check."""
        ref = mapping(ref)
        name = ref.get("name")
        if "params" in ref and ref["params"] is not None:
            self.check(RESOLVER_PARAMS, f"{path}.params")
        if ref.get("resolver"):
            self.check(RESOLVER, f"{path}.resolver")
        if isinstance(name, str) and _SCHEME.search(name) and not ref.get("apiVersion"):
            self.check(CONCISE_RESOLVER, f"{path}.name")

    def step_ref(self, ref: dict[str, Any], path: str) -> None:
        """A step's StepAction; a remote one came later, and the cluster and hub resolvers
        fetch StepActions only from the releases in STEP_ACTION_RESOLVER_KINDS."""
        resolver = ref.get("resolver")
        self.check(REMOTE_STEP_ACTIONS if resolver else STEP_ACTIONS, path)
        since = STEP_ACTION_RESOLVER_KINDS.get(str(resolver))
        kinds = [p.get("value") for _, p in mappings(ref.get("params")) if p.get("name") == "kind"]
        gates = self.report.context.gates
        if since is not None and "stepaction" in kinds and gates.before(since):
            self.report(
                f"{path}.params",
                catalog.TEKTON_VERSION,
                f"the {resolver} resolver fetches a StepAction from Tekton {shown(since)} "
                f"(the cluster runs {gates.shown_version}); the TaskRun would fail to resolve "
                "the step",
            )

    def task(self, spec: dict[str, Any], path: str) -> None:
        self.params(spec.get("params"), f"{path}.params")
        self.results(spec.get("results"), f"{path}.results")
        for index, result in mappings(spec.get("results")):
            if result.get("value") is not None:
                self.check(STEP_ACTIONS, f"{path}.results[{index}].value")
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
                self.step_ref(mapping(step["ref"]), f"{where}.ref")
                self.ref(step["ref"], f"{where}.ref")
            for field in ("results", "when"):
                if sequence(step.get(field)):
                    self.check(STEP_ACTIONS, f"{where}.{field}")
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
        self.results(spec.get("results"), f"{path}.results")
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
        for field in ("taskRef", "pipelineRef"):
            if field in task:
                self.ref(task[field], f"{path}.{field}")
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
        """A run's (or a run's pipeline task's) step and sidecar overrides and resources."""
        for field in _OVERRIDE_FIELDS.get(self.api, ()):
            if spec.get(field) is not None:
                self.check(RUN_OVERRIDES, f"{path}.{field}")
        if spec.get("computeResources") is not None:
            self.check(RUN_COMPUTE_RESOURCES, f"{path}.computeResources")


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
        if isinstance(text, str) and "$(" in text
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
