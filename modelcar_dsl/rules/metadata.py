"""A document's metadata: a name (or a run's generateName) the API server accepts."""

from __future__ import annotations

from typing import Any

import attrs

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.labels import label_key_problem, label_value_problem
from modelcar_dsl.formats.names import dns_subdomain_problem
from modelcar_dsl.model.metadata import MAX_ANNOTATIONS_SIZE
from modelcar_dsl.rules.document import mapping, shape
from modelcar_dsl.rules.findings import HERE, Finding

MAX_GENERATE_NAME = 58
"""63 characters for a name, less the 5 random ones the API server appends to generateName."""


def metadata_findings(metadata: Any, generate_name: bool = False) -> list[Finding]:
    """`metadata.name` (or a run's `generateName`): a DNS-1123 subdomain, which Tekton cuts to
    63 characters, a label's length. Anything but a mapping Tekton cannot decode. Relative to
    the metadata."""
    if metadata is not None and not isinstance(metadata, dict):
        message = f"metadata must be a mapping (name, labels, annotations), got {shape(metadata)}"
        return [Finding(catalog.FIELD_TYPE, message)]
    name = mapping(metadata).get("name")
    labels = _label_findings(mapping(metadata))
    if generate_name and not name:
        return _generate_name_findings(mapping(metadata).get("generateName")) + labels
    if not isinstance(name, str) or not name:
        return [Finding(catalog.MISSING_FIELD, "needs metadata.name", HERE.field("name"))]
    if problem := dns_subdomain_problem(name, "name"):
        return [Finding(catalog.METADATA_NAME, problem, HERE.field("name")), *labels]
    return labels


def task_run_metadata_findings(metadata: Any) -> list[Finding]:
    """A taskRunSpecs entry's labels and annotations: Tekton's webhook passes them, and the
    API server refuses the TaskRun the reconciler makes with them, failing the run."""
    return [attrs.evolve(f, origin="run") for f in _label_findings(mapping(metadata))]


def _label_findings(metadata: dict[str, Any]) -> list[Finding]:
    """Label keys and values, and annotation keys and total size, as the API server checks
    every object's (apimachinery's ValidateLabels and ValidateAnnotations)."""
    findings = []
    labels, annotations = metadata.get("labels"), metadata.get("annotations")
    for key, value in mapping(labels).items():
        # A value that is not a string is the type rules' (field-type).
        value_problem = label_value_problem(value) if isinstance(value, str) else None
        for problem in (label_key_problem(key), value_problem):
            if problem:
                findings.append(Finding(catalog.METADATA_LABELS, problem, HERE.field("labels")))
    size = 0
    for key, value in mapping(annotations).items():
        if problem := label_key_problem(key, "annotation key"):
            findings.append(Finding(catalog.METADATA_LABELS, problem, HERE.field("annotations")))
        size += len(str(key).encode()) + len(str(value).encode())
    if size > MAX_ANNOTATIONS_SIZE:
        message = (
            f"annotations total {size} bytes; Kubernetes allows {MAX_ANNOTATIONS_SIZE} (256 KiB) "
            "per object"
        )
        findings.append(Finding(catalog.METADATA_LABELS, message, HERE.field("annotations")))
    return findings


def _generate_name_findings(prefix: Any) -> list[Finding]:
    """A run's generateName, to which the API server appends 5 random characters."""
    if not isinstance(prefix, str) or not prefix:
        message = "needs metadata.name or generateName"
        return [Finding(catalog.MISSING_FIELD, message, HERE.field("name"))]
    where = HERE.field("generateName")
    if problem := dns_subdomain_problem(prefix.rstrip("-") or "-", "generateName"):
        return [Finding(catalog.METADATA_NAME, problem, where)]
    if len(prefix) > MAX_GENERATE_NAME:
        message = (
            f"generateName {prefix!r} is {len(prefix)} characters; the API server cuts it to "
            f"{MAX_GENERATE_NAME} before adding 5 random ones, so keep it to "
            f"{MAX_GENERATE_NAME}"
        )
        return [Finding(catalog.METADATA_NAME, message, where)]
    return []
