"""The exit codes every `modelcar` command keeps (README: Exit codes): 2 for the user's input or
environment, in one line that names the file; 3 for a bug in modelcar, with the traceback only
under --debug. Findings (1) are tested with each command."""

from __future__ import annotations

import errno
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from modelcar_dsl.cli import main
from tests.conftest import REPO, CliResult, MiniProject, run_modelcar
from tests.test_bad_input import HEADER, VALID_PIPELINE

# Runs the real CLI with one of modelcar's functions replaced by one that fails as a bug would.
WITH_A_BUG = """\
import importlib
import sys

module, function, raised = sys.argv[1:4]

def broken(*args, **kwargs):
    raise eval(raised)

setattr(importlib.import_module(module), function, broken)
from modelcar_dsl.cli import main
main(sys.argv[4:], prog_name="modelcar")
"""

LOADS_THE_PROJECT = ("modelcar_dsl.project.loading", "load_project")
COMMANDS = {
    "bundle": (LOADS_THE_PROJECT, ["bundle", "--out", "{tmp}/bundle"]),
    "compile": (LOADS_THE_PROJECT, ["compile", "--out", "{tmp}"]),
    "compile --check": (LOADS_THE_PROJECT, ["compile", "--check"]),
    "diff": (LOADS_THE_PROJECT, ["diff"]),
    "graph": (LOADS_THE_PROJECT, ["graph", "modelcar-build-deploy"]),
    "init": (
        ("modelcar_dsl.project.scaffold", "render"),
        ["init", "{tmp}/p", "--namespace", "a", "--fs-group", "1", "--registry-url", "https://r.x"],
    ),
    "run": (LOADS_THE_PROJECT, ["run", "mistral-24b-quantized-build", "--run-dir", "{tmp}/r"]),
    "submit": (LOADS_THE_PROJECT, ["submit", "mistral-24b-quantized-build", "--dry-run"]),
    "validate": (
        ("modelcar_dsl.reading.validate_files", "validate_files"),
        ["validate", "compiled"],
    ),
}


def run_with_a_bug(target: tuple[str, str], raised: str, *args: str) -> CliResult:
    completed = subprocess.run(
        [sys.executable, "-c", WITH_A_BUG, *target, raised, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


def test_every_command_takes_debug() -> None:
    assert sorted(main.commands) == sorted({args[0] for _, args in COMMANDS.values()})
    for name in [*main.commands, None]:
        result = run_modelcar(*([name] if name else []), "--help", cwd=REPO)
        assert result.exit_code == 0
        assert "--debug" in result.stdout, name


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_bug_is_exit_3_with_one_line_and_the_traceback_only_under_debug(
    command: str, tmp_path: Path
) -> None:
    target, args = COMMANDS[command]
    args = [arg.format(tmp=tmp_path) for arg in args]
    result = run_with_a_bug(target, "KeyError('spec')", *args)
    assert result.exit_code == 3, result.stderr
    assert result.stderr == (
        "modelcar hit a bug: KeyError: 'spec'; rerun with --debug for the traceback and report "
        "it at the project's issue tracker\n"
    )
    debug = run_with_a_bug(target, "KeyError('spec')", *args, "--debug")
    assert debug.exit_code == 3
    assert debug.stderr.startswith("Traceback (most recent call last):\n")
    assert ", in broken\n" in debug.stderr
    assert debug.stderr.endswith(
        "KeyError: 'spec'\nmodelcar hit a bug: KeyError: 'spec'; report it with the traceback "
        "above at the project's issue tracker\n"
    )


def test_debug_may_come_before_the_command() -> None:
    result = run_with_a_bug(LOADS_THE_PROJECT, "ValueError('x')", "--debug", "compile", "--check")
    assert result.exit_code == 3
    assert "Traceback" in result.stderr


def test_a_multi_line_bug_message_stays_one_line() -> None:
    result = run_with_a_bug(LOADS_THE_PROJECT, "RuntimeError('a\\n' * 500)", "compile", "--check")
    assert result.exit_code == 3
    assert len(result.stderr.splitlines()) == 1
    assert "RuntimeError: a a a" in result.stderr


def test_an_interrupt_is_130_not_a_finding() -> None:
    result = run_with_a_bug(LOADS_THE_PROJECT, "KeyboardInterrupt()", "compile", "--check")
    assert result.exit_code == 130
    assert result.stderr == "interrupted\n"


def test_user_error_with_debug_keeps_exit_2(tmp_path: Path) -> None:
    result = run_modelcar("compile", "--debug", cwd=tmp_path)
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: no pyproject.toml")


@pytest.mark.parametrize(
    "args",
    [
        ["compile", "--out", "{file}/out"],
        ["compile", "--check", "--out", "{file}/out"],
        ["graph", "flow", "--format", "dot", "--out", "{file}/flow.dot"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_a_path_below_a_regular_file_is_named(
    mini_project: Callable[..., MiniProject], args: list[str]
) -> None:
    project = mini_project(HEADER + VALID_PIPELINE)
    file = project.root / "notes.txt"
    file.write_text("a file, not a directory\n")
    result = run_modelcar(*[arg.format(file=file) for arg in args], cwd=project.root)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("error: ") and "notes.txt" in result.stderr
    assert "is a file, not a directory" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_pyproject_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b'[tool.modelcar]\nmodules = ["caf\xe9"]\n')
    result = run_modelcar("compile", "--check", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: pyproject.toml: not UTF-8 text (invalid continuation byte at byte 31); TOML "
        "files are UTF-8, save it as such\n"
    )


def test_a_file_that_is_not_utf8_is_bad_input() -> None:
    raised = "UnicodeDecodeError('utf-8', b'caf\\xe9', 3, 4, 'invalid continuation byte')"
    result = run_with_a_bug(LOADS_THE_PROJECT, raised, "compile", "--check")
    assert result.exit_code == 2, result.stderr
    assert result.stderr == (
        "error: a file is not UTF-8 text (invalid continuation byte at byte 3); save it as UTF-8 "
        "(--debug shows which file was being read)\n"
    )


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (errno.EACCES, "check its permissions and those of the directories above it"),
        (errno.EROFS, "the file system is read-only; choose a writable place"),
        (errno.ENOSPC, "the disk is full"),
        (errno.EIO, "check that path"),
    ],
)
def test_os_errors_say_what_to_do(code: int, hint: str) -> None:
    from modelcar_dsl.cli import _os_error_line

    error = OSError(code, "the reason", "/somewhere/compiled/01-tasks/a.yaml")
    assert _os_error_line(error) == f"/somewhere/compiled/01-tasks/a.yaml: the reason; {hint}"


def test_the_readme_gives_the_codes_of_every_command() -> None:
    readme = (REPO / "README.md").read_text()
    table = readme.split("### 13. Exit codes, for scripts and CI\n", 1)[1].split("\n\n- ", 1)[0]
    rows = [line.split(" | ")[0][2:] for line in table.splitlines() if line.startswith("| `")]
    assert sorted(rows) == sorted(f"`{name}`" for name in [*main.commands, "compile --check"])


def test_an_os_error_without_a_path_is_its_reason() -> None:
    from modelcar_dsl.cli import _os_error_line

    assert _os_error_line(OSError(errno.EIO, "Input/output error")) == "Input/output error"
