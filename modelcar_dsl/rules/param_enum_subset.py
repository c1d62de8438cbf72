"""A pipeline param passed to a Task param with an `enum` must allow no value the Task refuses:
Tekton's ValidateParamEnumSubset, which fails the PipelineRun when it starts the task (and so
is checked here, where the Pipeline and its Tasks are both known)."""

from __future__ import annotations

import re
from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.rules.document import mappings, sequence
from modelcar_dsl.rules.findings import Finding

_PARAM = re.compile(r"\$\(params\.([^.\[\])]+)(?:\[[^\]]*\])?\)")


def enum_subset_findings(
    given: Any, pipeline_params: dict[str, dict[str, Any]], task: dict[str, Any], task_name: str
) -> list[Finding]:
    """`given` is the pipeline task's params, `task` the Task it runs. As Tekton, a value
    reading several params is skipped, and the first param passed to a Task param without an
    enum (or from a pipeline param that is not a string) ends the check."""
    declared = {str(param.get("name")): param for _, param in mappings(task.get("params"))}
    for index, param in mappings(given):
        value = param.get("value")
        found = _PARAM.findall(value) if isinstance(value, str) else []
        if len(found) != 1:
            continue
        source = pipeline_params.get(found[0], {})
        task_enum = [str(v) for v in sequence(declared.get(str(param.get("name")), {}).get("enum"))]
        if source.get("type", "string") != "string" or not source or not task_enum:
            return []
        pipeline_enum = [str(v) for v in sequence(source.get("enum"))]
        if not pipeline_enum:
            message = (
                f"pipeline param {found[0]!r} has no enum, but Task {task_name!r} takes only "
                f"{task_enum} for param {param.get('name')!r}; Tekton fails the run: give the "
                "pipeline param those choices (a Literal[...] of them)"
            )
        elif not set(pipeline_enum) <= set(task_enum):
            extra = sorted(set(pipeline_enum) - set(task_enum))
            message = (
                f"pipeline param {found[0]!r} allows {extra}, which Task {task_name!r} refuses "
                f"for param {param.get('name')!r} (it takes {task_enum}); Tekton fails the run"
            )
        else:
            continue
        finding = Finding(catalog.PARAM_ENUM, message, origin="run")
        return [finding.via_field("value").via_index(index)]
    return []
