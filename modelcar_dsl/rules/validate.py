"""Every rule on a set of documents: each on its own, then across them (a Pipeline's taskRefs
against the Tasks among them, a run's params and workspaces against its Pipeline)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.errors import Problem
from modelcar_dsl.model.gates import Gates
from modelcar_dsl.rules.api_fields import check_api_fields
from modelcar_dsl.rules.context import ValidationContext
from modelcar_dsl.rules.document import Report, SourceDocument, mapping, mappings
from modelcar_dsl.rules.feature_gates import check_feature_gates
from modelcar_dsl.rules.metadata import metadata_findings
from modelcar_dsl.rules.pipeline import check_pipeline_spec
from modelcar_dsl.rules.run import check_run_spec
from modelcar_dsl.rules.stepaction import (
    check_step_action_calls,
    check_step_action_spec,
    check_task_result_values,
)
from modelcar_dsl.rules.task import check_task_spec
from modelcar_dsl.rules.taskrun import check_taskrun_spec
from modelcar_dsl.rules.tekton_versions import check_kind_release, check_release

VALIDATED_KINDS = (
    "Task",
    "ClusterTask",
    "Pipeline",
    "PipelineRun",
    "TaskRun",
    "StepAction",
    "PipelineResource",
    "Condition",
)
API_VERSIONS = ("v1", "v1beta1")
KIND_VERSIONS = {
    "StepAction": ("v1beta1", "v1alpha1"),
    "ClusterTask": ("v1beta1",),
    "PipelineResource": ("v1alpha1",),
    "Condition": ("v1alpha1",),
}
"""Kinds served at other API versions than Tekton's v1 and v1beta1."""
RUN_KINDS = ("PipelineRun", "TaskRun")
"""Kinds usually created with generateName, each creation a new resource."""
CLUSTER_KINDS = ("ClusterTask",)
"""Cluster-scoped Tasks (v1beta1, removed in Tekton 1.0): checked against when among the
files, never reported missing; `tekton_versions` judges them by the cluster's release."""


def is_validated(document: SourceDocument) -> bool:
    """Tekton kinds (Tasks, Pipelines, their runs, StepActions, removed kinds) are validated;
    other documents are skipped."""
    return is_validated_kind(document.api_version, document.kind)


def is_validated_kind(api_version: str, kind: str) -> bool:
    """`is_validated` by apiVersion and kind alone, before a document is read."""
    return api_version.startswith("tekton.dev/") and kind in VALIDATED_KINDS


class _Index:
    """The Tasks and Pipelines among the documents, by name, for the cross-resource checks."""

    def __init__(self, documents: Sequence[SourceDocument]) -> None:
        self.unresolved: dict[tuple[str, str], Problem] = {}
        """(kind, name) of references to resources not among the files -> where first made."""
        self.tasks: dict[str, dict[str, Any]] = {}
        self.pipelines: dict[str, dict[str, Any]] = {}
        self.cluster_tasks: dict[str, dict[str, Any]] = {}
        self.step_actions: dict[str, dict[str, Any]] = {}
        for document in documents:
            table = {
                "Task": self.tasks,
                "ClusterTask": self.cluster_tasks,
                "Pipeline": self.pipelines,
                "StepAction": self.step_actions,
            }.get(document.kind)
            if table is not None and is_validated(document):
                table.setdefault(document.name, mapping(document.body.get("spec")))

    def resolve_task(self, ref: dict[str, Any], path: str, report: Report) -> dict[str, Any] | None:
        if ref.get("resolver") or ref.get("apiVersion"):
            return None
        if ref.get("kind", "Task") in CLUSTER_KINDS:
            return self.cluster_tasks.get(str(ref.get("name")))
        return self._lookup(self.tasks, "Task", ref, path, report)

    def resolve_pipeline(
        self, ref: dict[str, Any], path: str, report: Report
    ) -> dict[str, Any] | None:
        if ref.get("resolver"):
            return None
        return self._lookup(self.pipelines, "Pipeline", ref, path, report)

    def resolve_step_action(
        self, ref: dict[str, Any], path: str, report: Report
    ) -> dict[str, Any] | None:
        return self._lookup(self.step_actions, "StepAction", ref, path, report)

    def _lookup(
        self,
        table: dict[str, dict[str, Any]],
        kind: str,
        ref: dict[str, Any],
        path: str,
        report: Report,
    ) -> dict[str, Any] | None:
        """The spec `ref` names among the files; else None, and the reference remembered."""
        name = str(ref.get("name"))
        spec = table.get(name)
        if spec is None:
            self.unresolved_reference(kind, name, f"{path}.name", report)
        return spec

    def unresolved_reference(self, kind: str, name: str, path: str, report: Report) -> None:
        """Remember the first reference to a resource not among the files: it may be on the
        cluster, so it is no problem, but what it would have checked is said once."""
        if (kind, name) not in self.unresolved:
            where = report.document
            self.unresolved[(kind, name)] = catalog.problem(
                catalog.MISSING_REFERENCE, where.resource, path, "", where.locate(path)
            )

    def unresolved_note(self, ignore: frozenset[str]) -> list[Problem]:
        """One note naming every resource referenced but not given, at the first reference."""
        if not self.unresolved or catalog.MISSING_REFERENCE.id in ignore:
            return []
        names = ", ".join(f"{kind} {name!r}" for kind, name in self.unresolved)
        first = next(iter(self.unresolved.values()))
        message = (
            f"not among the files given, so the params, workspaces and results passed to them "
            f"were not checked: {names}. Add their files to check them"
        )
        return [attrs.evolve(first, message=message)]


def task_specs(kind: str, spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(path, spec) of every Task spec in a document's spec, standalone or embedded."""
    if kind in ("Task", "ClusterTask"):
        return [("spec", spec)]
    if kind == "TaskRun":
        return [("spec.taskSpec", mapping(spec.get("taskSpec")))]
    pipeline, prefix = (spec, "spec") if kind == "Pipeline" else (None, "spec.pipelineSpec")
    if kind == "PipelineRun":
        pipeline = mapping(spec.get("pipelineSpec"))
    return [
        (f"{prefix}.{section}[{index}].taskSpec", mapping(task.get("taskSpec")))
        for section in ("tasks", "finally")
        for index, task in mappings(mapping(pipeline).get(section))
    ]


def validate_documents(
    documents: Sequence[SourceDocument],
    ignore: frozenset[str] = frozenset(),
    insecure_registries: frozenset[str] = frozenset(),
    gates: Gates | None = None,
) -> list[Problem]:
    """Every problem in `documents`, in document order; rules in `ignore` are not reported.
    `insecure_registries` are the hosts TLS switches may turn verification off for; `gates`
    the target cluster's Tekton (default: the newest, at its default feature flags)."""
    gates = gates or Gates()
    index = _Index(documents)
    problems: list[Problem] = []
    seen: dict[tuple[str, str], SourceDocument] = {}
    for document in documents:
        if not is_validated(document):
            continue
        context = ValidationContext(gates, document.kind, document.api_version, insecure_registries)
        report = Report(document, problems, ignore, context)
        if not _check_document(document.body, report, index):
            continue
        key = (document.kind, document.name)
        if document.kind not in RUN_KINDS and key in seen:
            _report_redeclared(seen[key], report)
        seen.setdefault(key, document)
    return problems + index.unresolved_note(ignore)


def _check_document(body: dict[str, Any], report: Report, index: _Index) -> bool:
    """Check one document whose kind and apiVersion are validated; False when it is not
    applied at all (a kind or version the cluster does not serve)."""
    kind, api = report.context.kind, report.context.api
    if not check_kind_release(report):
        return False
    versions = KIND_VERSIONS.get(kind, API_VERSIONS)
    if api not in versions:
        report(
            "apiVersion",
            catalog.API_VERSION,
            f"{report.context.api_version} has no {kind}; use "
            + " or ".join(f"tekton.dev/{version}" for version in versions),
        )
        return False
    check_api_fields(body, api, kind, report)
    report.add(metadata_findings(body.get("metadata"), kind in RUN_KINDS), "metadata")
    spec = body.get("spec")
    if not isinstance(spec, dict):
        if spec is None:
            report("spec", catalog.MISSING_FIELD, f"a {kind} needs a spec mapping")
        return False
    check_feature_gates(spec, report)
    check_release(spec, report)
    _check_spec(spec, report, index)
    for path, task in task_specs(kind, spec):
        check_step_action_calls(task, path, report, index.resolve_step_action)
        check_task_result_values(task, path, report, index.resolve_step_action)
    return True


def _check_spec(spec: dict[str, Any], report: Report, index: _Index) -> None:
    """The rules of the document's kind on its spec."""
    kind = report.context.kind
    if kind in ("Task", "ClusterTask"):
        check_task_spec(spec, "spec", report)
    elif kind == "Pipeline":
        check_pipeline_spec(spec, "spec", report, index.resolve_task)
    elif kind == "TaskRun":
        check_taskrun_spec(spec, report, index.resolve_task)
    elif kind == "StepAction":
        check_step_action_spec(spec, report)
    else:
        check_run_spec(spec, report, index.resolve_task, index.resolve_pipeline)


def _report_redeclared(first_document: SourceDocument, report: Report) -> None:
    """A Task, Pipeline or StepAction declared again under a name already used."""
    first = first_document.locate("metadata.name")
    kind, name = report.context.kind, report.document.name
    report(
        "metadata.name",
        catalog.METADATA_NAME,
        f"{kind} {name!r} is also declared"
        + (f" at {first}" if first else "")
        + "; `kubectl apply -k` refuses two resources of one name, and a plain apply "
        "keeps only the second",
        "apply",
    )
