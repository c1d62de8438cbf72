"""`--report FILE`: a finished local run as JSON, for CI to keep or a script to read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from modelcar_dsl.running.local import LocalRunResult
from modelcar_dsl.running.run_directory import replace_whole

REPORT_VERSION = 1


def report(result: LocalRunResult, run: str, images_not_used: list[str]) -> dict[str, Any]:
    outcome = result.outcome
    return {
        "version": REPORT_VERSION,
        "run": run,
        "pipelineRun": outcome.name,
        "succeeded": outcome.succeeded,
        "reason": outcome.reason,
        "seconds": round(outcome.seconds, 3),
        "runDir": str(result.run_dir),
        "results": outcome.results,
        "imagesNotUsed": images_not_used,
        "tasks": [state.to_json() for state in outcome.tasks],
    }


def write_report(path: Path, document: dict[str, Any]) -> None:
    """Written beside `path` and renamed over it, so a reader never sees half a report."""
    replace_whole(path, json.dumps(document, indent=2, sort_keys=True) + "\n")
