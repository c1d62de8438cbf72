"""What a run (PipelineRun or TaskRun) passes in, as Tekton's webhook checks it for both: param
names once each, and each workspace binding one well-formed volume."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.rules.declarations import duplicate_findings
from modelcar_dsl.rules.document import Report, mapping, mappings, named, sequence
from modelcar_dsl.rules.findings import HERE, Finding, via_index

VOLUME_SOURCES = (
    "persistentVolumeClaim",
    "volumeClaimTemplate",
    "emptyDir",
    "configMap",
    "secret",
    "projected",
    "csi",
)
REQUIRED_SOURCE_FIELDS = {
    "persistentVolumeClaim": "claimName",
    "configMap": "name",
    "secret": "secretName",
    "projected": "sources",
    "csi": "driver",
}
"""The field without which a volume source names no volume (WorkspaceBinding.Validate)."""


def check_run_workspaces(
    workspaces: Any, path: str, report: Report, ignore_case: bool
) -> list[tuple[int, str]]:
    """Each binding has exactly one volume source, naming its volume; no name is bound twice
    (a TaskRun's names are compared ignoring case, a PipelineRun's exactly). Returns the
    (position, name) of the bindings."""
    found = named(workspaces, path, report, "workspace binding", "run")
    findings: list[Finding] = []
    for index, name, binding in found:
        findings += via_index(_source_findings(name, binding), index)
    bindings = [(index, name) for index, name, _ in found]
    keys = ((index, name.lower() if ignore_case else name) for index, name in bindings)
    how = " (Tekton compares names ignoring case)" if ignore_case else ""
    findings += duplicate_findings(
        keys,
        catalog.RUN_WORKSPACE_DUPLICATE,
        lambda name: f"workspace {name!r} is bound more than once{how}",
    )
    report.add(findings, path)
    return bindings


def _source_findings(name: str, binding: dict[str, Any]) -> list[Finding]:
    """Exactly one volume source, with the field that names its volume; relative to the
    binding."""
    sources = [source for source in VOLUME_SOURCES if binding.get(source) is not None]
    if len(sources) != 1:
        message = (
            f"workspace {name!r} needs exactly one volume source ("
            + ", ".join(VOLUME_SOURCES)
            + "), got "
            + (", ".join(sources) if sources else "none")
        )
        return [Finding(catalog.RUN_WORKSPACE_SOURCE, message)]
    source = sources[0]
    field = REQUIRED_SOURCE_FIELDS.get(source)
    value = mapping(binding[source]).get(field) if field else True
    if field and not (sequence(value) if field == "sources" else value):
        message = f"workspace {name!r} binds a {source} without {field}; set it"
        return [Finding(catalog.RUN_WORKSPACE_SOURCE, message, HERE.field(source).field(field))]
    return []


def run_param_findings(params: Any) -> list[Finding]:
    """Each param given once; Tekton compares run param names ignoring case. Relative to the
    params list."""
    names = [(i, str(p.get("name")).lower()) for i, p in mappings(params)]
    return duplicate_findings(
        names,
        catalog.RUN_PARAM_DUPLICATE,
        lambda name: (
            f"param {name!r} is given twice (Tekton compares run param names ignoring case)"
        ),
    )
