"""Rules for a TaskRun's spec: what it runs (a Task by reference, or embedded) and with what."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.rules import catalog
from modelcar_dsl.rules.document import Report, mapping
from modelcar_dsl.rules.pipeline import TaskResolver
from modelcar_dsl.rules.task import check_task_spec


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
        check_task_spec(mapping(spec["taskSpec"]), "spec.taskSpec", report)
    else:
        task_ref = mapping(spec["taskRef"])
        if not task_ref.get("name") and not task_ref.get("resolver"):
            report("spec.taskRef.name", catalog.MISSING_FIELD, "taskRef needs a name or resolver")
        else:
            resolve_task(task_ref, "spec.taskRef", report)
