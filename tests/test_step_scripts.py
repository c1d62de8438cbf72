"""Step scripts are real files: shellcheck-clean bash, or Python that imports only the stdlib."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SHELL_SCRIPTS = sorted(
    [*REPO.glob("tasks/*.sh"), *REPO.glob("tests/fixtures/*.sh"), REPO / ".ci/run"]
)
PYTHON_SCRIPTS = sorted(
    path for path in REPO.glob("tasks/*.py") if path.read_text().startswith("#!")
)


def test_there_are_scripts_to_check() -> None:
    assert len(SHELL_SCRIPTS) >= 5
    assert len(PYTHON_SCRIPTS) >= 2


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_shell_scripts_pass_shellcheck(script: Path) -> None:
    if shutil.which("shellcheck") is None:
        pytest.fail("shellcheck is not installed; .ci/run installs it (apt-get install shellcheck)")
    completed = subprocess.run(
        ["shellcheck", "--severity=style", str(script)], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stdout


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_shell_scripts_stop_on_errors(script: Path) -> None:
    assert "set -euo pipefail" in script.read_text()


@pytest.mark.parametrize("script", PYTHON_SCRIPTS, ids=lambda p: p.name)
def test_python_scripts_import_only_the_standard_library(script: Path) -> None:
    tree = ast.parse(script.read_text())
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
