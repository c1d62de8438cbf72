"""One rule for a path param, held in three places: the compiler's `WorkspacePath` check, and the
bash and Python libraries the steps confine paths with. They must accept exactly the same
values, or a path would compile and then fail in the pod (or the other way round)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from modelcar_dsl.model.param_checks import InWorkspace
from tests.conftest import REPO

VALUES = [
    "model",
    "models/mistral-24b",
    "a=b,c+d@e.f_g",
    "model/.hidden",
    "a b",
    "-rf",
    "x/-y",
    "..",
    "../x",
    "x/..",
    "./x",
    "a//b",
    "a/",
    "/abs",
    "a:b",
    "ünicode",
    "a\nb",
    "$(x)",
    "",
]


def _bash_accepts(value: str, workspace: Path) -> bool:
    script = f'source "{REPO}/modelcar_tasks/lib/inputs.sh"; confined_path VALUE > /dev/null'
    completed = subprocess.run(
        ["bash", "-c", script],
        env={**os.environ, "VALUE": value, "WORKSPACE_SOURCE_PATH": str(workspace)},
        capture_output=True,
        check=False,
    )
    return completed.returncode == 0


def _python_accepts(value: str, workspace: Path) -> bool:
    code = (
        "import sys; from modelcar_tasks.lib.step_inputs import InputError, confined_path\n"
        "try:\n    confined_path('VALUE')\nexcept InputError:\n    sys.exit(2)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "VALUE": value, "WORKSPACE_SOURCE_PATH": str(workspace)},
        capture_output=True,
        check=False,
        cwd=REPO,
    )
    assert completed.returncode in (0, 2), completed.stderr
    return completed.returncode == 0


@pytest.mark.parametrize("value", VALUES, ids=[repr(value) for value in VALUES])
def test_the_compiler_and_both_libraries_accept_the_same_paths(value: str, tmp_path: Path) -> None:
    compiled = InWorkspace().problem(value) is None
    assert _bash_accepts(value, tmp_path) == compiled
    assert _python_accepts(value, tmp_path) == compiled


def test_some_values_pass_and_some_do_not() -> None:
    verdicts = {value: InWorkspace().problem(value) is None for value in VALUES}
    assert verdicts["models/mistral-24b"] and verdicts["a=b,c+d@e.f_g"]
    assert not verdicts["../x"] and not verdicts["/abs"] and not verdicts["-rf"]
