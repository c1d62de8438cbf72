"""A PipelineRun's timeouts (Tekton's validatePipelineTimeout): durations, tasks and finally
within the pipeline's, and a pipeline timeout set, since Tekton's default of an hour is too
short for a model's download or build."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.durations import go_duration_seconds
from modelcar_dsl.rules.context import ValidationContext
from modelcar_dsl.rules.document import mapping
from modelcar_dsl.rules.findings import HERE, FieldPath, Finding

DEFAULT_PIPELINE_TIMEOUT = 3600.0
"""Tekton's default-timeout-minutes (60), used when a run sets no timeouts.pipeline."""
_SECTIONS = ("tasks", "finally")


def timeouts_findings(spec: dict[str, Any], context: ValidationContext) -> list[Finding]:
    """The problems of a run spec's `timeouts` (or v1beta1's `timeout`), relative to the spec."""
    findings = []
    timeouts = mapping(spec.get("timeouts"))
    legacy = context.is_v1beta1 and "timeout" in spec
    if legacy and "timeouts" in spec:
        message = "expected exactly one of timeout and timeouts, got both; keep timeouts"
        findings.append(Finding(catalog.TIMEOUTS, message).via_field("timeout"))
    where: dict[str, FieldPath] = {
        field: HERE.field("timeouts").field(field) for field in ("pipeline", *_SECTIONS)
    }
    if legacy and "timeouts" not in spec:
        timeouts = {"pipeline": spec["timeout"]}
        where["pipeline"] = HERE.field("timeout")
    seconds: dict[str, float] = {}
    for field in ("pipeline", *_SECTIONS):
        if field in timeouts:
            value, problem = _duration(timeouts[field])
            if problem:
                findings.append(Finding(catalog.TIMEOUTS, problem, where[field]))
            else:
                seconds[field] = value
    if "pipeline" not in timeouts:
        message = (
            "the run sets no pipeline timeout, so Tekton stops it after 60 minutes; a model "
            "download or build takes longer. Set timeouts.pipeline (e.g. 4h)"
        )
        findings.append(
            Finding(catalog.RUN_TIMEOUT, message, HERE.field("timeouts").field("pipeline"))
        )
    return findings + _within_pipeline(timeouts, seconds, where)


def _duration(value: Any) -> tuple[float, str | None]:
    """The seconds of a timeout, or what is wrong with it."""
    seconds = go_duration_seconds(str(value))
    if seconds is None:
        return 0.0, f"{value!r} is not a duration like 1h30m"
    if seconds < 0:
        return 0.0, f"{value!r} is negative"
    return seconds, None


def _within_pipeline(
    timeouts: dict[str, Any], seconds: dict[str, float], where: dict[str, FieldPath]
) -> list[Finding]:
    """tasks and finally each, and together, within the pipeline's timeout."""
    findings = []
    pipeline = seconds.get("pipeline", DEFAULT_PIPELINE_TIMEOUT)
    shown = timeouts.get("pipeline", "1h (Tekton's default)")
    for field in _SECTIONS:
        if field not in seconds or pipeline == 0:
            continue
        if seconds[field] == 0:
            message = (
                f"timeouts.{field} 0 (no timeout) cannot be longer than timeouts.pipeline {shown}"
            )
        elif seconds[field] > pipeline:
            message = f"timeouts.{field} {timeouts[field]} is longer than timeouts.pipeline {shown}"
        else:
            continue
        findings.append(Finding(catalog.TIMEOUTS, message, where[field]))
    if (
        all(field in seconds for field in _SECTIONS)
        and sum(seconds[field] for field in _SECTIONS) > pipeline
    ):
        message = (
            f"timeouts.tasks ({timeouts['tasks']}) plus timeouts.finally ({timeouts['finally']}) "
            f"exceed timeouts.pipeline ({shown}); Tekton checks this sum even when the pipeline "
            "timeout is 0"
        )
        findings.append(Finding(catalog.TIMEOUTS, message, where["tasks"]))
    return findings
