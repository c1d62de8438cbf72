"""Rules for a StepAction: one reusable step, with its own params and results."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.rules import catalog
from modelcar_dsl.rules.document import Report


def check_step_action_spec(spec: dict[str, Any], report: Report) -> None:
    if not spec.get("image"):
        report("spec.image", catalog.STEP_IMAGE, "a StepAction needs an image")
