"""Step results read where Tekton does not substitute them (validateStepResultReference): a
step may read an earlier step's result only in env, command and args."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.rules.document import Report, mapping, mappings

STEP_RESULT = re.compile(r"\$\(steps\..*?\.results\..*?\)")
"""Tekton's StepResultRegex: any `$(steps.<step>.results.<name>...)`."""
_STEP_RESULT_FIELDS = ("name", "image", "script", "imagePullPolicy", "workingDir")
_STEP_RESULT_LISTS = (
    ("envFrom", ("prefix", "configMapRef.name", "secretRef.name")),
    ("volumeMounts", ("name", "mountPath", "subPath")),
    ("volumeDevices", ("name", "devicePath")),
)
"""The step fields Tekton refuses a step result in (validateStepResultReference)."""


def check_step_result_uses(
    spec: dict[str, Any], steps: list[dict[str, Any]], path: str, report: Report
) -> None:
    """Step results read by the steps, and by the stepTemplate fields some step inherits."""
    for index, step in mappings(spec.get("steps")):
        _check_step_result_use(step, f"{path}.steps[{index}]", report)
    if steps:
        template = mapping(spec.get("stepTemplate"))
        given = {
            field: value
            for field, value in template.items()
            if not all(step.get(field) for step in steps)
        }
        _check_step_result_use(given, f"{path}.stepTemplate", report)


def _check_step_result_use(step: dict[str, Any], path: str, report: Report) -> None:
    """A step may read an earlier step's result only in env, command and args
    (validateStepResultReference)."""
    for where, text in _step_result_fields(step, path):
        if match := STEP_RESULT.search(text):
            report(
                where,
                catalog.STEP_RESULT_USE,
                f"{match.group(0)} is a step result, which Tekton substitutes only in env, "
                "command and args; pass it through an env variable",
            )


def _step_result_fields(step: dict[str, Any], path: str) -> Iterator[tuple[str, str]]:
    for field in _STEP_RESULT_FIELDS:
        if isinstance(step.get(field), str):
            yield f"{path}.{field}", step[field]
    for field, keys in _STEP_RESULT_LISTS:
        for index, item in mappings(step.get(field)):
            for key in keys:
                head, _, tail = key.partition(".")
                value = mapping(item.get(head)).get(tail) if tail else item.get(head)
                if isinstance(value, str):
                    yield f"{path}.{field}[{index}].{key}", value
