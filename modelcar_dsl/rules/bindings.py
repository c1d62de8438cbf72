"""What a run (PipelineRun or TaskRun) passes in, as Tekton's webhook checks it for both: param
names once each, and each workspace binding one well-formed volume."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.rules.declarations import duplicate_findings
from modelcar_dsl.rules.document import Report, mapping, mappings, named, sequence
from modelcar_dsl.rules.findings import Finding

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
    bindings = [(index, name) for index, name, _ in found]
    for index, name, binding in found:
        where = f"{path}[{index}]"
        sources = [source for source in VOLUME_SOURCES if binding.get(source) is not None]
        if len(sources) != 1:
            report(
                where,
                catalog.RUN_WORKSPACE_SOURCE,
                f"workspace {name!r} needs exactly one volume source ("
                + ", ".join(VOLUME_SOURCES)
                + "), got "
                + (", ".join(sources) if sources else "none"),
            )
            continue
        source = sources[0]
        field = REQUIRED_SOURCE_FIELDS.get(source)
        value = mapping(binding[source]).get(field) if field else True
        if field and not (sequence(value) if field == "sources" else value):
            report(
                f"{where}.{source}.{field}",
                catalog.RUN_WORKSPACE_SOURCE,
                f"workspace {name!r} binds a {source} without {field}; set it",
            )
    keys = ((index, name.lower() if ignore_case else name) for index, name in bindings)
    how = " (Tekton compares names ignoring case)" if ignore_case else ""
    report.add(
        duplicate_findings(
            keys,
            catalog.RUN_WORKSPACE_DUPLICATE,
            lambda name: f"workspace {name!r} is bound more than once{how}",
        ),
        path,
    )
    return bindings


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
