"""What Tekton added and removed by release, judged against the cluster's version: YAML written
for Tekton 0.40 (ClusterTasks, PipelineResources, OCI bundles) is refused by a newer cluster,
and v1 or StepAction YAML by an older one. Each release is the tag of the commit that made the
change in tektoncd/pipeline."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.model.gates import Version, shown
from modelcar_dsl.rules.document import Report, mapping, mappings

CONDITIONS_REMOVED: Version = (0, 37)
"""Conditions (kind and `conditions` on pipeline tasks) removed: commit 9d60d0adf."""
RESOURCES_REMOVED: Version = (0, 46)
"""PipelineResources removed (kind and `resources` fields): commit 81876e6bc; from 0.47 the
webhook names the field ("must not set the field(s)"), commit c82f201a2."""
BUNDLE_REMOVED: Version = (0, 61)
"""`taskRef.bundle` and `pipelineRef.bundle` refused: commit 13af266aa; before, they needed the
feature flag enable-tekton-oci-bundles=true."""
CLUSTER_TASK_REMOVED: Version = (1, 0)
"""ClusterTask removed: commit 5a3a86ad2."""
V1_SERVED: Version = (0, 43)
"""tekton.dev/v1 Task, Pipeline, TaskRun and PipelineRun served from 0.43."""
DISPLAY_NAME_ADDED: Version = (0, 47)
"""`displayName` on Tasks, Pipelines and pipeline tasks (TEP-0047): commit 3d86fa5ce."""
STEP_ACTION_SERVED = {"v1alpha1": (0, 53), "v1beta1": (0, 60)}
"""StepAction's API versions and the release that first served each."""

_RESOURCE_KINDS = ("Task", "ClusterTask", "Pipeline", "TaskRun", "PipelineRun")
_USE_INSTEAD = {
    "PipelineResource": "use workspaces and Tasks (e.g. git-clone) instead",
    "Condition": "use when expressions instead",
    "ClusterTask": "use a Task in the namespace, or the cluster resolver",
}
UNCHECKED_KINDS = ("PipelineResource", "Condition")
"""Kinds the spec rules do not read: only their release is judged."""
REMOVED_KINDS = {
    "PipelineResource": RESOURCES_REMOVED,
    "Condition": CONDITIONS_REMOVED,
    "ClusterTask": CLUSTER_TASK_REMOVED,
}


def check_kind_release(report: Report) -> bool:
    """Report a kind or API version the cluster's release does not serve; False when the
    document cannot be applied at all, so its spec is not checked further."""
    gates, kind, api = report.context.gates, report.context.kind, report.context.api
    removed = REMOVED_KINDS.get(kind)
    if removed is not None and not gates.before(removed):
        report(
            "kind",
            catalog.TEKTON_VERSION,
            f"{kind} was removed in Tekton {shown(removed)} (the cluster runs "
            f"{gates.shown_version}); {_USE_INSTEAD[kind]}",
        )
        return False
    if kind == "StepAction":
        added, older = STEP_ACTION_SERVED.get(api), "v1alpha1"
        older_served = api != older and not gates.before(STEP_ACTION_SERVED[older])
    else:
        added, older, older_served = (V1_SERVED if api == "v1" else None), "v1beta1", True
    if added is not None and gates.before(added):
        report(
            "apiVersion",
            catalog.TEKTON_VERSION,
            f"Tekton serves tekton.dev/{api} {kind} from {shown(added)}; the cluster runs "
            f"{gates.shown_version}" + (f"; use tekton.dev/{older}" if older_served else ""),
        )
        return False
    return kind not in UNCHECKED_KINDS


def check_release(spec: dict[str, Any], report: Report) -> None:
    """Report the fields of a document's spec that the cluster's release removed."""
    _Release(report, report.context.api).spec(report.context.kind, spec, "spec")


class _Release:
    """One document's walk for fields its release removed."""

    def __init__(self, report: Report, api: str) -> None:
        self.report = report
        self.api = api

    def spec(self, kind: str, spec: dict[str, Any], path: str) -> None:
        if kind in _RESOURCE_KINDS and self.api == "v1beta1":
            self.resources(spec, path)
        if kind in ("Task", "Pipeline"):
            self.display_name(spec, path, f"a {kind}'s")
        if kind == "Pipeline":
            for section in ("tasks", "finally"):
                for index, task in mappings(spec.get(section)):
                    self.pipeline_task(task, f"{path}.{section}[{index}]")
        elif kind == "PipelineRun":
            self.ref(spec.get("pipelineRef"), f"{path}.pipelineRef")
            if isinstance(spec.get("pipelineSpec"), dict):
                self.spec("Pipeline", spec["pipelineSpec"], f"{path}.pipelineSpec")
        elif kind == "TaskRun":
            self.ref(spec.get("taskRef"), f"{path}.taskRef")
            self.cluster_task(spec.get("taskRef"), f"{path}.taskRef", in_pipeline=False)
            if isinstance(spec.get("taskSpec"), dict):
                self.spec("Task", spec["taskSpec"], f"{path}.taskSpec")

    def resources(self, body: dict[str, Any], path: str) -> None:
        if "resources" in body and not self.report.context.gates.before(RESOURCES_REMOVED):
            self.removed(
                f"{path}.resources",
                "PipelineResources (resources) were",
                RESOURCES_REMOVED,
                "pass data through workspaces and params instead",
            )

    def pipeline_task(self, task: dict[str, Any], path: str) -> None:
        if self.api == "v1beta1":
            self.resources(task, path)
            if isinstance(task.get("taskSpec"), dict):
                self.resources(task["taskSpec"], f"{path}.taskSpec")
            if "conditions" in task and not self.report.context.gates.before(CONDITIONS_REMOVED):
                self.removed(
                    f"{path}.conditions",
                    "Conditions (conditions) were",
                    CONDITIONS_REMOVED,
                    "use when expressions instead",
                )
        self.display_name(task, path, "a pipeline task's")
        if isinstance(task.get("taskSpec"), dict):
            self.display_name(task["taskSpec"], f"{path}.taskSpec", "a Task's")
        self.ref(task.get("taskRef"), f"{path}.taskRef")
        self.cluster_task(task.get("taskRef"), f"{path}.taskRef", in_pipeline=True)
        if isinstance(task.get("pipelineSpec"), dict):
            self.spec("Pipeline", task["pipelineSpec"], f"{path}.pipelineSpec")

    def display_name(self, body: dict[str, Any], path: str, whose: str) -> None:
        """A title the cluster's release does not know yet."""
        gates = self.report.context.gates
        if "displayName" in body and gates.before(DISPLAY_NAME_ADDED):
            self.report(
                f"{path}.displayName",
                catalog.TEKTON_VERSION,
                f"{whose} displayName came in Tekton {shown(DISPLAY_NAME_ADDED)} (the cluster "
                f"runs {gates.shown_version}); leave display_name out for this cluster",
            )

    def ref(self, ref: Any, path: str) -> None:
        """`bundle` in a taskRef or pipelineRef: refused since 0.61, and before only with the
        flag enable-tekton-oci-bundles=true; v1 never had it."""
        if "bundle" not in mapping(ref):
            return
        gates = self.report.context.gates
        instead = "use the bundles resolver (resolver: bundles) instead"
        if self.api == "v1":
            self.report(
                f"{path}.bundle",
                catalog.TEKTON_VERSION,
                f"tekton.dev/v1 references have no bundle field; {instead}",
            )
        elif not gates.before(BUNDLE_REMOVED):
            self.removed(f"{path}.bundle", "OCI bundles (bundle) were", BUNDLE_REMOVED, instead)
        elif not gates.enabled("enable-tekton-oci-bundles"):
            self.report(
                f"{path}.bundle",
                catalog.FEATURE_GATE,
                "bundle needs the feature flag enable-tekton-oci-bundles=true; pass --feature-flag "
                f"enable-tekton-oci-bundles=true if your cluster sets it, or {instead}",
            )

    def cluster_task(self, ref: Any, path: str, in_pipeline: bool) -> None:
        """`kind: ClusterTask` in a taskRef: refused by a pipeline's admission since 1.0 (Tekton
        takes it for a custom task without apiVersion); a TaskRun's is accepted, then finds no
        ClusterTask to run."""
        if mapping(ref).get("kind") != "ClusterTask":
            return
        if not self.report.context.gates.before(CLUSTER_TASK_REMOVED):
            self.removed(
                f"{path}.kind",
                "ClusterTask was",
                CLUSTER_TASK_REMOVED,
                "reference a Task (kind: Task), or use the cluster resolver",
                None if in_pipeline else "run",
            )

    def removed(
        self,
        path: str,
        what: str,
        release: Version,
        instead: str,
        origin: catalog.Origin | None = None,
    ) -> None:
        self.report(
            path,
            catalog.TEKTON_VERSION,
            f"{what} removed in Tekton {shown(release)} (the cluster runs "
            f"{self.report.context.gates.shown_version}); {instead}",
            origin,
        )
