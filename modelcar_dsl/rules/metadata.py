"""A document's metadata: a name (or a run's generateName) the API server accepts."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.names import dns_subdomain_problem
from modelcar_dsl.rules.document import Report, mapping, shape

MAX_GENERATE_NAME = 58
"""63 characters for a name, less the 5 random ones the API server appends to generateName."""


def check_metadata(body: dict[str, Any], report: Report, generate_name: bool = False) -> None:
    """`metadata.name` (or a run's `generateName`): a DNS-1123 subdomain, which Tekton cuts to
    63 characters, a label's length. Anything but a mapping Tekton cannot decode."""
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        report(
            "metadata",
            catalog.FIELD_TYPE,
            f"metadata must be a mapping (name, labels, annotations), got {shape(metadata)}",
        )
        return
    metadata = mapping(metadata)
    name = metadata.get("name")
    if generate_name and not name:
        prefix = metadata.get("generateName")
        if not isinstance(prefix, str) or not prefix:
            report("metadata.name", catalog.MISSING_FIELD, "needs metadata.name or generateName")
        elif problem := dns_subdomain_problem(prefix.rstrip("-") or "-", "generateName"):
            report("metadata.generateName", catalog.METADATA_NAME, problem)
        elif len(prefix) > MAX_GENERATE_NAME:
            report(
                "metadata.generateName",
                catalog.METADATA_NAME,
                f"generateName {prefix!r} is {len(prefix)} characters; the API server cuts it to "
                f"{MAX_GENERATE_NAME} before adding 5 random ones, so keep it to "
                f"{MAX_GENERATE_NAME}",
            )
        return
    if not isinstance(name, str) or not name:
        report("metadata.name", catalog.MISSING_FIELD, "needs metadata.name")
    elif problem := dns_subdomain_problem(name, "name"):
        report("metadata.name", catalog.METADATA_NAME, problem)
