"""Shared test helpers: throwaway projects on disk and the real `modelcar` CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest

from modelcar_dsl.diagnostics.errors import Problem
from modelcar_dsl.model.gates import Gates
from modelcar_dsl.reading.validate_files import validate_files
from tests.registry_server import Registry, running_registry

REPO = Path(__file__).resolve().parent.parent
_UNTRACKED_AT_START = pytest.StashKey[frozenset[str] | None]()

PROJECT_SETTINGS = """\
[tool.modelcar]
modules = ["flows"]
namespace = "demo"
{fs_group}
"""

HELLO_SCRIPT = """\
#!/usr/bin/env bash
set -euo pipefail
echo "hello ${WHO:-world}"
"""


@attrs.frozen
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@attrs.frozen
class MiniProject:
    """A project in a temporary directory: `flows/main.py` holds the user's code."""

    root: Path

    @property
    def main(self) -> Path:
        return self.root / "flows" / "main.py"

    @property
    def out(self) -> Path:
        return self.root / "compiled"

    def line_of(self, marker: str) -> int:
        """The 1-based line of main.py that contains `marker`."""
        for number, line in enumerate(self.main.read_text().splitlines(), start=1):
            if marker in line:
                return number
        raise AssertionError(f"{marker!r} not in {self.main}")

    def compile(self, *args: str, env: dict[str, str] | None = None) -> CliResult:
        return run_modelcar("compile", *args, cwd=self.root, env=env)

    def snapshot(self) -> dict[str, bytes]:
        """Every file of the out tree and its bytes."""
        if not self.out.exists():
            return {}
        return {
            path.relative_to(self.out).as_posix(): path.read_bytes()
            for path in sorted(self.out.rglob("*"))
            if path.is_file()
        }


def git(root: Path, *args: str) -> str:
    """Run the real git in `root` as a committer with a fixed name; its stdout."""
    completed = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return completed.stdout


def run_modelcar(*args: str, cwd: Path, env: dict[str, str] | None = None) -> CliResult:
    """Run the CLI as users do, in a fresh interpreter, so no import state leaks between tests."""
    completed = subprocess.run(
        [sys.executable, "-m", "modelcar_dsl", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def mini_project(tmp_path: Path) -> Callable[..., MiniProject]:
    """Write a project whose `flows/main.py` is `code` (dedented) and return it."""

    def make(
        code: str, fs_group: int | None = 1000970000, script: str = HELLO_SCRIPT
    ) -> MiniProject:
        root = tmp_path / "project"
        (root / "flows").mkdir(parents=True)
        setting = f"fs_group = {fs_group}" if fs_group is not None else ""
        (root / "pyproject.toml").write_text(PROJECT_SETTINGS.format(fs_group=setting))
        (root / "flows" / "__init__.py").write_text("")
        (root / "flows" / "hello.sh").write_text(script)
        (root / "flows" / "main.py").write_text(textwrap.dedent(code))
        return MiniProject(root)

    return make


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A real docker-registry on loopback for a test module; its log names every request."""
    with running_registry(tmp_path_factory.mktemp("registry"), log_level="info") as running:
        yield running


def validated(tmp_path: Path, *documents: str, gates: Gates | None = None) -> list[Problem]:
    """What `modelcar validate` finds in `documents` (dedented) saved as one file, for the
    cluster `gates` describes (Tekton's defaults when None)."""
    file = tmp_path / "resources.yaml"
    file.write_text("---\n".join(textwrap.dedent(document) for document in documents))
    return list(validate_files([file], gates=gates).problems)


def admission_errors(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    """(rule, path) of every finding Tekton's webhook would reject `text` for."""
    return [(p.rule, p.path) for p in validated(tmp_path, text) if p.origin == "tekton"]


def mypy_strict(tmp_path: Path, program: str) -> tuple[int, str]:
    """mypy --strict's exit status and report on `program`, written as flow_under_mypy.py, with
    this repo's settings and a fresh cache (nothing carries over between tests)."""
    from mypy import api as mypy_api

    path = tmp_path / "flow_under_mypy.py"
    path.write_text(program)
    arguments = ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache")]
    arguments += ["--config-file", str(REPO / "pyproject.toml"), str(path)]
    stdout, _, status = mypy_api.run(arguments)
    return status, stdout


def _untracked_files() -> frozenset[str] | None:
    """The checkout's untracked, not ignored files; None where the tests run outside git."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--others", "--exclude-standard", "-z"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return frozenset(name for name in listed.stdout.decode().split("\0") if name)


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    if not _is_xdist_worker(session.config):
        session.config.stash[_UNTRACKED_AT_START] = _untracked_files()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run when it left new files in the checkout: tests write under temporary
    directories only (a step once ran in the checkout and a test's output got committed)."""
    before = session.config.stash.get(_UNTRACKED_AT_START, None)
    after = _untracked_files() if before is not None else None
    if before is None or after is None:
        return
    left = sorted(after - before)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                "error: the tests left files in the checkout (write them under tmp_path): "
                + ", ".join(left),
                red=True,
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
