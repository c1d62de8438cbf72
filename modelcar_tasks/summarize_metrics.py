#!/usr/bin/env python3
"""Turn an lm-eval or GuideLLM report into a flat {name: number} file that publish-results reads.

Inputs (environment): TOOL (lm-eval | guidellm), WORKSPACE_SOURCE_PATH, RESULTS_DIR (inside the
workspace), RESULT_METRIC_COUNT_PATH. Reads RESULTS_DIR/TOOL/ (lm-eval's results_*.json, GuideLLM's
benchmarks.json) and writes RESULTS_DIR/TOOL.metrics.json.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from modelcar_tasks.lib.step_inputs import (
    StepError,
    confined_path,
    failed,
    open_new,
    regular_files,
    text,
)

GUIDELLM_STATISTICS = ("mean", "median")
GUIDELLM_PERCENTILES = ("p95", "p99")


def lm_eval_metrics(report: Path) -> dict[str, float]:
    """Every numeric score of the newest results file, without standard errors."""
    files = sorted(regular_files(report.rglob("results_*.json")))
    if not files:
        raise ValueError(f"lm-eval wrote no results_*.json under {report}")
    metrics: dict[str, float] = {}
    for task, scores in json.loads(files[-1].read_text())["results"].items():
        for key, value in scores.items():
            name, _, scoring_filter = key.partition(",")
            if "stderr" in name or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            suffix = "" if scoring_filter in ("", "none") else f"-{scoring_filter}"
            metrics[f"lm-eval/{task}/{name}{suffix}"] = float(value)
    return metrics


def guidellm_metrics(report: Path) -> dict[str, float]:
    """Mean, median and tail percentiles of each successful-request metric, per benchmark."""
    path = report / "benchmarks.json"
    if not regular_files([path]):
        raise ValueError(f"GuideLLM wrote no {path}")
    metrics: dict[str, float] = {}
    for index, benchmark in enumerate(json.loads(path.read_text())["benchmarks"]):
        for name, summary in (benchmark.get("metrics") or {}).items():
            successful: dict[str, Any] = (summary or {}).get("successful") or {}
            values = {stat: successful.get(stat) for stat in GUIDELLM_STATISTICS}
            percentiles = successful.get("percentiles") or {}
            values.update({stat: percentiles.get(stat) for stat in GUIDELLM_PERCENTILES})
            for stat, value in values.items():
                if isinstance(value, int | float):
                    metrics[f"guidellm/{index:02d}/{name}/{stat}"] = float(value)
    return metrics


def main() -> int:
    readers = {"lm-eval": lm_eval_metrics, "guidellm": guidellm_metrics}
    try:
        tool = text("TOOL", "lm-eval|guidellm", "lm-eval or guidellm")
        results = confined_path("RESULTS_DIR", "results")
    except StepError as error:
        return failed(error)
    try:
        metrics = readers[tool](results / tool)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        print(f"error: cannot read the {tool} report: {error}", file=sys.stderr)
        return 1
    with open_new(results / f"{tool}.metrics.json") as output:
        output.write(json.dumps(metrics, indent=1, sort_keys=True).encode())
    for name, value in sorted(metrics.items()):
        print(f"{name} = {value}")
    Path(os.environ["RESULT_METRIC_COUNT_PATH"]).write_text(str(len(metrics)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
