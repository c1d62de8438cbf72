"""Where in the user's Python each field of a compiled document came from, so a rule broken in
the compiled YAML is reported at the line the user wrote."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from modelcar_dsl.diagnostics.source import SourceLocation
from modelcar_dsl.model.specs import PipelineSpec, RunSpec, TaskSpec

_ITEM = re.compile(r"spec\.(?P<list>steps|tasks|finally)\[(?P<index>\d+)\](?P<rest>.*)")
_POD_ITEM = re.compile(r"spec\.(?P<list>sidecars|volumes)\[(?P<index>\d+)\]")
_RUN_AFTER = re.compile(r"\.runAfter\[(?P<index>\d+)\]")

Locate = Callable[[str], SourceLocation | None]


def task_locations(task: TaskSpec) -> Locate:
    def locate(path: str) -> SourceLocation:
        match = _ITEM.match(path)
        if match and match["list"] == "steps" and int(match["index"]) < len(task.steps):
            return task.steps[int(match["index"])].location
        pod_item = _POD_ITEM.match(path)
        if pod_item:
            items = task.sidecars if pod_item["list"] == "sidecars" else task.volumes
            if int(pod_item["index"]) < len(items):
                return items[int(pod_item["index"])].location
        return task.location

    return locate


def pipeline_locations(pipeline: PipelineSpec, compiled: dict[str, Any]) -> Locate:
    """`compiled` is the Pipeline document, whose runAfter entries are traced to the `.after()`
    calls that made them (the compiler's serialization edges point at the task's call)."""

    def locate(path: str) -> SourceLocation:
        match = _ITEM.match(path)
        if not match or match["list"] == "steps":
            return pipeline.location
        tasks = pipeline.tasks if match["list"] == "tasks" else pipeline.finally_tasks
        index = int(match["index"])
        if index >= len(tasks):
            return pipeline.location
        task = tasks[index]
        after = _RUN_AFTER.match(match["rest"])
        if after:
            entries = compiled["spec"][match["list"]][index].get("runAfter", [])
            position = int(after["index"])
            source = entries[position] if position < len(entries) else None
            for name, location in task.after:
                if name == source:
                    return location
        return task.location

    return locate


def run_locations(run: RunSpec) -> Locate:
    return lambda path: run.location
