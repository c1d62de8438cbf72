"""`check()`: compile's whole judgement of some pipelines and runs, for a team's pytest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelcar_dsl.authoring.collection import collect_specs
from modelcar_dsl.compiling.render import compile_project, validate_project
from modelcar_dsl.diagnostics.errors import Problem
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.settings import project_target


def check(*objects: Any, target: Target | None = None) -> list[Problem]:
    """Every problem `modelcar compile` would report for these tasks, pipelines and runs (and
    the tasks and pipelines they use): for a pytest `assert check(my_pipeline) == []`. They
    are judged for the project's `[tool.modelcar]` (the nearest at or above the working
    directory), as compile judges them, unless `target` says otherwise."""
    named = [("", f"objects[{position}]", value) for position, value in enumerate(objects)]
    specs = collect_specs(named)
    target = target or project_target(Path.cwd())
    return validate_project(specs, compile_project(specs, target), target)
