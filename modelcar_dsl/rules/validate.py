"""Every rule on a set of documents: each on its own, then across them (a Pipeline's taskRefs
against the Tasks among them, a run's params and workspaces against its Pipeline)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modelcar_dsl.errors import Problem
from modelcar_dsl.rules import catalog
from modelcar_dsl.rules.declarations import check_metadata
from modelcar_dsl.rules.document import Report, SourceDocument, mapping
from modelcar_dsl.rules.fields import check_fields
from modelcar_dsl.rules.pipeline import check_pipeline_spec
from modelcar_dsl.rules.run import check_run_spec
from modelcar_dsl.rules.task import check_task_spec

VALIDATED_KINDS = ("Task", "ClusterTask", "Pipeline", "PipelineRun")
API_VERSIONS = ("v1", "v1beta1")
CLUSTER_KINDS = ("ClusterTask",)
"""Cluster-scoped Tasks (v1beta1): checked against when among the files, never reported missing."""


def is_validated(document: SourceDocument) -> bool:
    """Tekton Tasks, Pipelines and PipelineRuns are validated; other documents are skipped."""
    return is_validated_kind(document.api_version, document.kind)


def is_validated_kind(api_version: str, kind: str) -> bool:
    """`is_validated` by apiVersion and kind alone, before a document is read."""
    return api_version.startswith("tekton.dev/") and kind in VALIDATED_KINDS


class _Index:
    """The Tasks and Pipelines among the documents, by name, for the cross-resource checks."""

    def __init__(self, documents: Sequence[SourceDocument]) -> None:
        self.tasks: dict[str, dict[str, Any]] = {}
        self.pipelines: dict[str, dict[str, Any]] = {}
        self.cluster_tasks: dict[str, dict[str, Any]] = {}
        for document in documents:
            table = {
                "Task": self.tasks,
                "ClusterTask": self.cluster_tasks,
                "Pipeline": self.pipelines,
            }.get(document.kind)
            if table is not None and is_validated(document):
                table.setdefault(document.name, mapping(document.body.get("spec")))

    def resolve_task(
        self, task_ref: dict[str, Any], path: str, report: Report
    ) -> dict[str, Any] | None:
        if task_ref.get("resolver") or task_ref.get("apiVersion"):
            return None
        name = str(task_ref.get("name"))
        if task_ref.get("kind", "Task") in CLUSTER_KINDS:
            return self.cluster_tasks.get(name)
        spec = self.tasks.get(name)
        if spec is None:
            report(
                f"{path}.name",
                catalog.MISSING_REFERENCE,
                f"Task {name!r} is not among the files validated; add its file, or ignore this "
                "rule when it is installed another way",
            )
        return spec


def validate_documents(
    documents: Sequence[SourceDocument],
    ignore: frozenset[str] = frozenset(),
    insecure_registries: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Every problem in `documents`, in document order; rules in `ignore` are not reported.
    `insecure_registries` are the hosts TLS switches may turn verification off for."""
    index = _Index(documents)
    problems: list[Problem] = []
    seen: dict[tuple[str, str], SourceDocument] = {}
    for document in documents:
        if not is_validated(document):
            continue
        report = Report(document, problems, ignore, insecure_registries)
        api = document.api_version.removeprefix("tekton.dev/")
        if api not in API_VERSIONS:
            report(
                "apiVersion",
                catalog.API_VERSION,
                f"{document.api_version} is not a Tekton API version this tool knows; use "
                "tekton.dev/v1 (or tekton.dev/v1beta1 for OpenShift Pipelines before 1.11)",
            )
            continue
        check_metadata(document.body, report, generate_name=document.kind == "PipelineRun")
        spec = document.body.get("spec")
        if not isinstance(spec, dict):
            report("spec", catalog.MISSING_FIELD, f"a {document.kind} needs a spec mapping")
            continue
        check_fields(spec, api, document.kind, report)
        if document.kind in ("Task", "ClusterTask"):
            check_task_spec(spec, "spec", report)
        elif document.kind == "Pipeline":
            check_pipeline_spec(spec, "spec", report, index.resolve_task)
        else:
            check_run_spec(spec, api, report, index.resolve_task, index.pipelines)
        key = (document.kind, document.name)
        if document.kind != "PipelineRun" and key in seen:
            first = seen[key].locate("metadata.name")
            report(
                "metadata.name",
                catalog.METADATA_NAME,
                f"{document.kind} {document.name!r} is also declared"
                + (f" at {first}" if first else "")
                + "; the second would replace the first when applied",
            )
        seen.setdefault(key, document)
    return problems
