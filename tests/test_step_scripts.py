"""Step scripts are real files: shellcheck-clean bash, or Python that imports only the stdlib.

They share code through libraries beside them (`modelcar_tasks/lib/`), which the compiler inlines
into each step; the assembled scripts of every compiled step are checked too, with any finding
traced back to the file and line it came from.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from modelcar_dsl.authoring.script_source import line_origin
from modelcar_dsl.model.specs import Step
from modelcar_dsl.project.loading import load_project
from modelcar_dsl.project.settings import read_settings
from tests.conftest import REPO

SHELL_SCRIPTS = sorted(
    [
        *REPO.glob("modelcar_tasks/*.sh"),
        *REPO.glob("tests/fixtures/*.sh"),
        REPO / ".ci/run",
        REPO / ".ci/install",
        REPO / ".ci/new-project",
    ]
)
SHELL_LIBRARIES = sorted(REPO.glob("modelcar_tasks/lib/*.sh"))
PYTHON_SCRIPTS = sorted(
    path for path in REPO.glob("modelcar_tasks/*.py") if path.read_text().startswith("#!")
)


def compiled_steps() -> list[tuple[str, Step]]:
    """Every script step of the project's tasks, as the compiler assembled it."""
    project = load_project(read_settings(REPO / "pyproject.toml"))
    return [
        (f"{task.name}/{step.name}", step)
        for task in project.tasks
        for step in task.steps
        if step.script is not None
    ]


STEPS = compiled_steps()


def _shellcheck() -> str:
    path = shutil.which("shellcheck")
    if path is None:
        pytest.fail("shellcheck is not installed; .ci/run installs it (apt-get install shellcheck)")
    return path


def test_there_are_scripts_to_check() -> None:
    assert len(SHELL_SCRIPTS) >= 5
    assert len(SHELL_LIBRARIES) >= 3
    assert len(PYTHON_SCRIPTS) >= 2
    assert sum("modelcar-dsl: inlined" in (step.script or "") for _, step in STEPS) >= 10


@pytest.mark.parametrize(
    "script", SHELL_SCRIPTS + SHELL_LIBRARIES, ids=lambda p: p.relative_to(REPO).as_posix()
)
def test_shell_files_pass_shellcheck(script: Path) -> None:
    completed = subprocess.run(
        [_shellcheck(), "-x", "--severity=style", str(script)],
        capture_output=True,
        text=True,
        check=False,
        cwd=script.parent,
    )
    assert completed.returncode == 0, completed.stdout


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_shell_scripts_stop_on_errors(script: Path) -> None:
    assert "set -euo pipefail" in script.read_text()


@pytest.mark.parametrize(
    ("name", "step"),
    [(name, step) for name, step in STEPS if (step.script or "").startswith("#!/usr/bin/env bash")],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_assembled_bash_steps_pass_shellcheck(name: str, step: Step) -> None:
    """What the pod runs, the script with its libraries inlined, is clean as a whole; a finding
    names the file and line to fix."""
    completed = subprocess.run(
        [_shellcheck(), "--shell=bash", "--severity=style", "--format=json", "-"],
        input=step.script,
        capture_output=True,
        text=True,
        check=False,
    )
    findings = [
        f"{line_origin(step.script_origins, finding['line'])}: SC{finding['code']} "
        f"{finding['message']}"
        for finding in json.loads(completed.stdout or "[]")
    ]
    assert findings == []


@pytest.mark.parametrize(
    ("name", "step"),
    [(name, step) for name, step in STEPS if "python" in (step.script or "").split("\n", 1)[0]],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_assembled_python_steps_import_only_the_standard_library(name: str, step: Step) -> None:
    tree = ast.parse(step.script or "")
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == set()


@pytest.mark.parametrize(
    "script", [*SHELL_SCRIPTS, *PYTHON_SCRIPTS], ids=lambda p: p.relative_to(REPO).as_posix()
)
def test_scripts_are_executable(script: Path) -> None:
    assert script.stat().st_mode & 0o111, f"chmod +x {script}"
