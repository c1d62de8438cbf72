"""Structural checks of compiled documents against the yamale schemas generated from Tekton's
API description, for the tests: yamale is in the `test` extra (the README says why the product's
checks do not use it)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yamale

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def schema_name(document: dict[str, Any]) -> str | None:
    """The schema file for a document's apiVersion and kind, or None for other kinds."""
    api_version = str(document.get("apiVersion", ""))
    kind = str(document.get("kind", ""))
    if kind == "Kustomization" and api_version == "kustomize.config.k8s.io/v1beta1":
        return "kustomization.yaml"
    group, _, version = api_version.partition("/")
    if group == "tekton.dev" and kind in ("Task", "Pipeline", "PipelineRun"):
        candidate = f"{kind.lower()}-{version}.yaml"
        return candidate if (SCHEMA_DIR / candidate).is_file() else None
    return None


@cache
def _schema(name: str) -> Any:
    return yamale.make_schema(str(SCHEMA_DIR / name))


def schema_problems(document: dict[str, Any]) -> list[str]:
    """Every way `document` breaks its schema (strict: unknown keys too); [] when it fits."""
    name = schema_name(document)
    if name is None:
        return [
            f"no schema for apiVersion {document.get('apiVersion')!r} kind {document.get('kind')!r}"
        ]
    try:
        yamale.validate(_schema(name), [(document, None)], strict=True)
    except yamale.YamaleError as error:
        return [str(message) for result in error.results for message in result.errors]
    return []
