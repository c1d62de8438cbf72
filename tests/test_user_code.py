"""User code that exits or prints while modelcar imports it, through the real CLI: an exit is bad
input naming its line (never a silent exit 0 over a stale tree), and what it prints goes to
stderr, never into the command's output."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from tests.conftest import MiniProject, run_modelcar
from tests.test_bad_input import HEADER, VALID_PIPELINE

# Every command that imports the project, with what it needs besides the project.
IMPORTING = {
    "compile": ("compile",),
    "compile --check": ("compile", "--check"),
    "diff": ("diff", "--against", "compiled"),
    "graph": ("graph", "flow", "--format", "dot"),
    "submit --dry-run": ("submit", "flow-run", "--dry-run"),
}

EXITING = """\
import sys

sys.exit({code})  # <- here
"""

PRINTING = """\
import os
import subprocess
import sys

print("NOISE from print")
sys.stdout.write("NOISE from sys.stdout\\n")
print("NOISE from sys.__stdout__", file=sys.__stdout__)
os.write(1, b"NOISE from file descriptor 1\\n")
subprocess.run(["echo", "NOISE from a tool"], check=True)

"""


def _stale_project(mini_project: Callable[..., MiniProject], code: str) -> MiniProject:
    """A project compiled once, then changed so that its tree is stale, then given `code`."""
    project = mini_project(HEADER + VALID_PIPELINE)
    assert project.compile().exit_code == 0
    project.main.write_text(
        code + HEADER + VALID_PIPELINE.replace('model_dir="model"', 'model_dir="weights"')
    )
    return project


@pytest.mark.parametrize("command", sorted(IMPORTING))
@pytest.mark.parametrize("code", ["0", "3", "None", "'goodbye'"])
def test_sys_exit_at_import_is_bad_input_naming_the_line(
    mini_project: Callable[..., MiniProject], command: str, code: str
) -> None:
    project = _stale_project(mini_project, EXITING.format(code=code))
    before = project.snapshot()
    result = run_modelcar(*IMPORTING[command], cwd=project.root)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith(f"error: flows/main.py:{project.line_of('# <- here')}: ")
    assert f"module flows.main called sys.exit({code})" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert project.snapshot() == before


def test_sys_exit_in_a_subpackage_is_caught_too(mini_project: Callable[..., MiniProject]) -> None:
    project = mini_project(HEADER + VALID_PIPELINE)
    nested = project.root / "flows" / "nested"
    nested.mkdir()
    (nested / "__init__.py").write_text("import sys\n\nsys.exit(0)\n")
    result = run_modelcar("compile", "--check", cwd=project.root)
    assert result.exit_code == 2, result.stderr
    assert "flows/nested/__init__.py:3: module flows.nested called sys.exit(0)" in result.stderr


def test_sys_exit_with_debug_shows_the_traceback(
    mini_project: Callable[..., MiniProject],
) -> None:
    project = _stale_project(mini_project, EXITING.format(code="0"))
    result = run_modelcar("compile", "--check", "--debug", cwd=project.root)
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert "module flows.main called sys.exit(0)" in result.stderr.splitlines()[-1]


def test_what_user_code_prints_goes_to_stderr(mini_project: Callable[..., MiniProject]) -> None:
    project = _stale_project(mini_project, PRINTING)
    expected_noise = [
        "NOISE from print",
        "NOISE from sys.stdout",
        "NOISE from sys.__stdout__",
        "NOISE from file descriptor 1",
        "NOISE from a tool",
    ]
    outputs = {}
    for command in [*sorted(set(IMPORTING) - {"compile"}), "compile"]:  # compile last: it writes
        result = run_modelcar(*IMPORTING[command], cwd=project.root)
        assert "NOISE" not in result.stdout, (command, result.stdout)
        noise = [line for line in result.stderr.splitlines() if line.startswith("NOISE")]
        assert sorted(noise) == sorted(expected_noise), (command, result.stderr)
        outputs[command] = result
    check = outputs["compile --check"]
    assert check.exit_code == 1
    assert check.stdout.startswith("--- ")
    assert all(line[:1] in "-+ @" for line in check.stdout.splitlines()), check.stdout
    assert outputs["diff"].exit_code == 1
    assert outputs["diff"].stdout.startswith("pipeline/flow ")
    assert outputs["graph"].stdout.startswith("digraph ")
    run = yaml.safe_load(outputs["submit --dry-run"].stdout)
    assert run["metadata"]["generateName"] == "flow-run-"
    assert outputs["compile"].exit_code == 0
