"""Start-up: what a `modelcar` process costs beyond the libraries it cannot do without.
`modelcar --help` against `python -c "import click"`, and `modelcar compile` of this repository
into a fresh tree against `python -c "import yaml"` (issue 16's goals: 2x and 2.5x)."""

from __future__ import annotations

import sys
from pathlib import Path

import attrs

from benchmarks.compile_speed import MODELCAR, REPO, fresh_compile
from benchmarks.measure import Run, best_of, run_process


@attrs.frozen
class StartUp:
    """The best run of each modelcar process and of the bare import it is judged against."""

    help: Run
    import_click: Run
    compile: Run
    import_yaml: Run


def start_up(work: Path, repeats: int) -> StartUp:
    """Each process run `repeats` times in this repository, as a developer runs it."""

    def import_only(module: str) -> Run:
        return run_process([sys.executable, "-c", f"import {module}"], cwd=REPO)

    return StartUp(
        help=best_of(repeats, lambda: run_process([*MODELCAR, "--help"], cwd=REPO)),
        import_click=best_of(repeats, lambda: import_only("click")),
        compile=best_of(repeats, lambda: fresh_compile(REPO, work / "repo-out")),
        import_yaml=best_of(repeats, lambda: import_only("yaml")),
    )
