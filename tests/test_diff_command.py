"""`modelcar diff` through the CLI on a throwaway project with its own git repository: the fresh
compile against the committed tree (a git ref) or against a directory, said by meaning."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import MiniProject, run_modelcar

BEFORE = """\
from modelcar_dsl import (
    PipelineWorkspace, VolumeClaim, Workspace, pipeline, pipeline_run, script_step, task,
)

SOURCE = PipelineWorkspace("source", default=VolumeClaim())


@task(image="registry.example/tools:1", workspaces=[Workspace("source", read_only=True)])
def push_internal(tag: str = "latest") -> list:
    \"\"\"Push inside.\"\"\"
    return [script_step("hello.sh")]


@task(image="registry.example/tools:1", workspaces=[Workspace("source", read_only=True)])
def push_quay(tag: str = "latest") -> list:
    \"\"\"Push outside.\"\"\"
    return [script_step("hello.sh")]


@pipeline(workspaces=[SOURCE])
def release() -> None:
    push_internal()
    push_quay()


run = pipeline_run("release", release, timeout="4h")
"""


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _committed(mini_project: Callable[..., MiniProject]) -> MiniProject:
    project = mini_project(BEFORE)
    assert project.compile().exit_code == 0
    _git(project.root, "init", "-q")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-q", "-m", "before")
    return project


def test_no_change_exits_0(mini_project: Callable[..., MiniProject]) -> None:
    project = _committed(mini_project)
    result = run_modelcar("diff", cwd=project.root)
    assert (result.exit_code, result.stdout) == (0, "No changes to the compiled tree.\n")


def test_changes_are_said_by_meaning(mini_project: Callable[..., MiniProject]) -> None:
    """The internal push now writes `source`, so the compiler serializes the Quay push after
    it: the diff says the edge was added, not which YAML lines moved; likewise the default,
    the image and the timeout."""
    project = _committed(mini_project)
    after = (
        BEFORE.replace(
            '@task(image="registry.example/tools:1", workspaces=[Workspace("source", '
            "read_only=True)])\ndef push_internal",
            '@task(image="registry.example/tools:2", workspaces=[Workspace("source")])\n'
            "def push_internal",
        )
        .replace('def push_internal(tag: str = "latest")', 'def push_internal(tag: str = "v2")')
        .replace('timeout="4h"', 'timeout="6h"')
    )
    project.main.write_text(after)
    result = run_modelcar("diff", cwd=project.root)
    assert result.exit_code == 1, result.stderr
    assert result.stdout == (
        "pipeline/release (02-pipeline/pipeline-release.yaml)\n"
        "  push-quay: runAfter push-internal added\n"
        "pipelinerun/release (03-runs/pipelinerun-release.yaml)\n"
        "  timeouts pipeline: 4h0m0s -> 6h0m0s\n"
        "task/push-internal (01-tasks/task-push-internal.yaml)\n"
        "  param tag: re-defaulted latest -> v2\n"
        "  workspace source readOnly removed\n"
        "  step hello image: registry.example/tools:1 -> registry.example/tools:2\n"
        "5 changes in 3 resources\n"
    )


def test_scripts_get_a_diff_of_their_own_in_markdown(
    mini_project: Callable[..., MiniProject],
) -> None:
    project = _committed(mini_project)
    script = project.root / "flows" / "hello.sh"
    script.write_text(script.read_text().replace("hello", "goodbye"))
    result = run_modelcar("diff", "--format", "md", cwd=project.root)
    assert result.exit_code == 1
    assert "### `task/push-internal` (01-tasks/task-push-internal.yaml)" in result.stdout
    assert "- step hello: script changed\n\n  ```diff\n  --- before\n  +++ after\n" in result.stdout
    assert '  -echo "hello ${WHO:-world}"\n  +echo "goodbye ${WHO:-world}"' in result.stdout


def test_against_a_directory_with_added_and_removed_resources(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    project = _committed(mini_project)
    other = tmp_path / "gitops"
    shutil.copytree(project.out, other)
    (other / "01-tasks" / "task-push-quay.yaml").unlink()
    (other / "01-tasks" / "task-old.yaml").write_text(
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: old\nspec:\n  steps: []\n"
    )
    result = run_modelcar("diff", "--against", str(other), cwd=project.root)
    assert result.exit_code == 1
    assert result.stdout == (
        "task/old (01-tasks/task-old.yaml)\n"
        "  removed\n"
        "task/push-quay (01-tasks/task-push-quay.yaml)\n"
        "  added\n"
        "2 changes in 2 resources\n"
    )


def test_an_unknown_ref_is_bad_input(mini_project: Callable[..., MiniProject]) -> None:
    project = _committed(mini_project)
    result = run_modelcar("diff", "--against", "no-such-ref", cwd=project.root)
    assert result.exit_code == 2
    assert "--against 'no-such-ref' is not a directory, and git does not know it" in (result.stderr)


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        (
            "notes.yaml",
            lambda path: path.write_bytes("# für das Team\nkind: Task\n".encode("latin-1")),
            "01-tasks/notes.yaml is not UTF-8 text (byte 4)",
        ),
        (
            "broken.yaml",
            lambda path: path.write_text("kind: Task\nspec: [unclosed\n"),
            "01-tasks/broken.yaml:3: not YAML",
        ),
        ("pipe.yaml", os.mkfifo, "01-tasks/pipe.yaml is not a regular file"),
    ],
)
def test_a_file_in_the_directory_that_is_not_yaml_text_is_bad_input(
    mini_project: Callable[..., MiniProject],
    tmp_path: Path,
    name: str,
    make: Callable[[Path], object],
    message: str,
) -> None:
    """Named with what to do, never a traceback; a FIFO is never opened, so never waited on."""
    project = _committed(mini_project)
    other = tmp_path / "gitops"
    shutil.copytree(project.out, other)
    make(other / "01-tasks" / name)
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "modelcar_dsl", "diff", "--against", str(other)],
            cwd=project.root,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,  # a hang guard only
        )
    except subprocess.TimeoutExpired:
        pytest.fail("diff hung on a FIFO")
    assert completed.returncode == 2, completed.stderr
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr
