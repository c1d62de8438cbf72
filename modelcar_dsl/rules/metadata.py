"""A document's metadata: a name (or a run's generateName) the API server accepts."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.names import dns_subdomain_problem
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
    if generate_name and not name:
        return _generate_name_findings(mapping(metadata).get("generateName"))
    if not isinstance(name, str) or not name:
        return [Finding(catalog.MISSING_FIELD, "needs metadata.name", HERE.field("name"))]
    if problem := dns_subdomain_problem(name, "name"):
        return [Finding(catalog.METADATA_NAME, problem, HERE.field("name"))]
    return []


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
