"""Rules for a TaskRun's spec: what it runs (a Task by reference, or embedded) and with what."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.rules import catalog
from modelcar_dsl.rules.declarations import (
    declarations_from_values,
    merged,
    param_declarations,
)
from modelcar_dsl.rules.document import Report, mapping, mappings
from modelcar_dsl.rules.pipeline import TaskResolver
from modelcar_dsl.rules.task import check_task_spec
from modelcar_dsl.rules.task_variables import ParamScope


def check_taskrun_spec(spec: dict[str, Any], report: Report, resolve_task: TaskResolver) -> None:
    has_ref, has_spec = "taskRef" in spec, "taskSpec" in spec
    if has_ref == has_spec:
        report(
            "spec",
            catalog.TASK_REF,
            "expected exactly one of taskRef and taskSpec, got "
            + ("both" if has_ref else "neither"),
        )
    elif has_spec:
        task_spec = mapping(spec["taskSpec"])
        declared = param_declarations(task_spec.get("params"))
        scope = ParamScope(merged(declarations_from_values(spec.get("params")), declared))
        bound = {str(binding.get("name")) for _, binding in mappings(spec.get("workspaces"))}
        check_task_spec(task_spec, "spec.taskSpec", report, scope, bound)
    else:
        task_ref = mapping(spec["taskRef"])
        if not task_ref.get("name") and not task_ref.get("resolver"):
            report("spec.taskRef.name", catalog.MISSING_FIELD, "taskRef needs a name or resolver")
        else:
            resolve_task(task_ref, "spec.taskRef", report)
