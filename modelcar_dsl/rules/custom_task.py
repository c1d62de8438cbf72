"""A pipeline task that runs a custom task (a CustomRun) instead of a Task: a taskRef or
taskSpec naming another kind, or any apiVersion (Tekton's validateCustomTask)."""

from __future__ import annotations

import re
from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.rules.document import mapping
from modelcar_dsl.rules.findings import Finding, via_field

TASK_KINDS = ("", "Task")
"""The kinds a taskRef or taskSpec may name without being a custom task (Tekton's taskKinds)."""
_API_VERSION = re.compile(r"[^/]+/[^/]+")


def custom_task(body: dict[str, Any]) -> tuple[bool, list[Finding]]:
    """Whether the pipeline task `body` runs a custom task, which needs both a kind and an
    apiVersion, and what is wrong with its taskRef or taskSpec; a taskSpec with steps cannot
    name them. ClusterTask is the version rules' to judge."""
    for field in ("taskRef", "taskSpec"):
        target = mapping(body.get(field))
        kind, api_version = target.get("kind", ""), target.get("apiVersion", "")
        if field == "taskSpec" and target.get("steps"):
            return False, via_field(_named_target_findings(target), "taskSpec")
        if kind == "ClusterTask" or (kind in TASK_KINDS and not api_version):
            continue
        return True, via_field(_kind_findings(field, target), field)
    return False, []


def _named_target_findings(task_spec: dict[str, Any]) -> list[Finding]:
    return [
        Finding(
            catalog.TASK_REF, f"taskSpec.{name} cannot be set when the taskSpec has steps"
        ).via_field(name)
        for name in ("apiVersion", "kind")
        if task_spec.get(name)
    ]


def _kind_findings(field: str, target: dict[str, Any]) -> list[Finding]:
    """The kind and apiVersion of a custom task's taskRef or taskSpec."""
    kind, api_version = target.get("kind", ""), target.get("apiVersion", "")
    findings = []
    if not kind:
        message = f"a custom task's {field} needs a kind"
        findings.append(Finding(catalog.TASK_REF, message).via_field("kind"))
    if not api_version:
        message = (
            f"a custom task's {field} needs an apiVersion (group/version) besides kind {kind!r}"
        )
        findings.append(Finding(catalog.TASK_REF, message).via_field("apiVersion"))
    elif not _API_VERSION.fullmatch(str(api_version)):
        message = f"apiVersion {api_version!r} is not of the form group/version"
        findings.append(Finding(catalog.TASK_REF, message).via_field("apiVersion"))
    return findings
