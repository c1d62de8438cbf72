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

from modelcar_dsl.compiling.yaml_emitter import header
from tests.conftest import MiniProject, git, run_modelcar

HEADER = header("flows.main:push_quay").encode()

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


def _committed(mini_project: Callable[..., MiniProject]) -> MiniProject:
    project = mini_project(BEFORE)
    assert project.compile().exit_code == 0
    git(project.root, "init", "-q")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "before")
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
    """A file with compile's header that the code no longer writes is removed; a hand-written
    one (no header) is none of compile's business, so it is not."""
    project = _committed(mini_project)
    other = tmp_path / "gitops"
    shutil.copytree(project.out, other)
    (other / "01-tasks" / "task-push-quay.yaml").unlink()
    (other / "01-tasks" / "task-old.yaml").write_bytes(
        HEADER + b"apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: old\nspec:\n"
        b"  steps: []\n"
    )
    (other / "01-tasks" / "task-hand-written.yaml").write_text(
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: mine\nspec:\n  steps: []\n"
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


def test_a_directory_without_generated_files_has_every_resource_added(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    """Said on stderr, since a copy without compile's headers is compared as no tree at all."""
    project = _committed(mini_project)
    other = tmp_path / "deployed"
    (other / "01-tasks").mkdir(parents=True)
    (other / "01-tasks" / "task-push-quay.yaml").write_bytes(
        (project.out / "01-tasks" / "task-push-quay.yaml").read_bytes().removeprefix(HEADER)
    )
    result = run_modelcar("diff", "--against", str(other), cwd=project.root)
    assert (result.exit_code, result.stdout.splitlines()[-1]) == (1, "4 changes in 4 resources")
    assert result.stderr == (
        f"note: {other}/ holds no file compile wrote (none starts with its header "
        "'# Generated by modelcar-dsl'), so every resource is added\n"
    )


def test_an_unknown_ref_is_bad_input(mini_project: Callable[..., MiniProject]) -> None:
    project = _committed(mini_project)
    result = run_modelcar("diff", "--against", "no-such-ref", cwd=project.root)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: --against 'no-such-ref' is neither a directory nor a commit of the git "
        f"repository {project.root}, which holds the out tree compiled; name a branch, tag or "
        f"commit of that repository (git -C {project.root} log --oneline), or a directory\n"
    )


def _laughs(levels: int = 9) -> bytes:
    """A few hundred bytes whose aliases name 9**9 strings when expanded."""
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    return "\n".join(lines).encode() + b"\n"


HOSTILE = {
    "not YAML": (HEADER + b"kind: [\n", "01-tasks/task-push-quay.yaml:4: not valid YAML"),
    "Latin-1": (
        HEADER + b"kind: Task\n# caf\xe9\n",
        f"01-tasks/task-push-quay.yaml is not UTF-8 text (byte {len(HEADER) + 17}), though it "
        "starts with modelcar-dsl's header",
    ),
    "recursive alias": (
        HEADER + b"kind: Task\nspec: &a [*a]\n",
        "task-push-quay.yaml:4: a YAML anchor",
    ),
    "billion laughs": (
        HEADER + _laughs(),
        "task-push-quay.yaml:3: a YAML anchor that an alias repeats",
    ),
}

SWAPPED = [
    "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: [push-quay]\n",
    "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {generateName: [1]}\n",
    "kind: Task\nmetadata: {name: push-quay}\nspec: {steps: [{name: [1]}, {name: {a: 1}}]}\n",
    "kind: Task\nmetadata: {name: push-quay}\nspec: {params: [{name: 3}], steps: 7}\n",
    "kind: Pipeline\nmetadata: {name: release}\nspec: {tasks: [{name: push-quay, runAfter: "
    "[[1], {a: 2}, null]}]}\n",
    "- a list\n- of strings\n",
    "---\n---\n",
]


def _against_a_changed_copy(
    mini_project: Callable[..., MiniProject], tmp_path: Path, name: str, content: bytes
) -> tuple[MiniProject, Path]:
    project = _committed(mini_project)
    other = tmp_path / "gitops"
    shutil.copytree(project.out, other)
    (other / name).write_bytes(HEADER + content)
    return project, other


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_file_to_compare_with_is_named(
    mini_project: Callable[..., MiniProject], tmp_path: Path, case: str
) -> None:
    content, expected = HOSTILE[case]
    project, other = _against_a_changed_copy(
        mini_project, tmp_path, "01-tasks/task-push-quay.yaml", content.removeprefix(HEADER)
    )
    result = run_modelcar("diff", "--against", str(other), cwd=project.root)
    assert result.exit_code == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"error: {other}/")
    assert expected in result.stderr


@pytest.mark.parametrize("content", SWAPPED)
def test_documents_of_any_shape_are_compared_not_crashed_on(
    mini_project: Callable[..., MiniProject], tmp_path: Path, content: str
) -> None:
    for name in ("01-tasks/task-push-quay.yaml", "02-pipeline/pipeline-release.yaml"):
        project, other = _against_a_changed_copy(
            mini_project, tmp_path / name.replace("/", "-"), name, content.encode()
        )
        result = run_modelcar("diff", "--against", str(other), cwd=project.root)
        assert result.exit_code == 1, result.stderr
        assert result.stderr == ""
        shutil.rmtree(project.root)


def test_a_directory_named_like_a_yaml_file_is_not_read(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    project = _committed(mini_project)
    other = tmp_path / "gitops"
    shutil.copytree(project.out, other)
    (other / "01-tasks" / "notes.yaml").mkdir()
    result = run_modelcar("diff", "--against", str(other), cwd=project.root)
    assert (result.exit_code, result.stderr) == (0, "")


def test_a_committed_file_that_is_not_utf8_is_named(
    mini_project: Callable[..., MiniProject],
) -> None:
    project = _committed(mini_project)
    (project.out / "01-tasks" / "task-push-quay.yaml").write_bytes(
        HEADER + b"kind: Task\n# caf\xe9\n"
    )
    git(project.root, "commit", "-q", "-am", "latin-1")
    result = run_modelcar("diff", cwd=project.root)
    assert result.exit_code == 2, result.stderr
    assert result.stderr == (
        "error: HEAD:compiled/01-tasks/task-push-quay.yaml: not UTF-8 text (invalid "
        f"continuation byte at byte {len(HEADER) + 16}); compiled trees are UTF-8, so this is no "
        "tree to compare with\n"
    )


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("notes.yaml", lambda path: path.write_bytes("# für das Team\n".encode("latin-1"))),
        ("broken.yaml", lambda path: path.write_text("kind: Task\nspec: [unclosed\n")),
        ("task-mine.yaml", lambda path: path.write_text("kind: Task\nmetadata: {name: mine}\n")),
        ("pipe.yaml", os.mkfifo),
    ],
)
def test_hand_written_files_in_the_directory_are_left_alone(
    mini_project: Callable[..., MiniProject],
    tmp_path: Path,
    name: str,
    make: Callable[[Path], object],
) -> None:
    """Compile never changes or removes a file without its header, so diff never reads one (a
    FIFO is not even opened, so never waited on): not Latin-1, not broken YAML, not a Task."""
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
    assert (completed.returncode, completed.stderr) == (0, "")
    assert completed.stdout == "No changes to the compiled tree.\n"


def test_control_characters_in_a_compared_tree_are_shown_escaped_never_sent_raw() -> None:
    """A hostile tree's escape sequences (in a script, an annotation) could rewrite what the
    reviewer's terminal shows; the diff prints them as `\\x1b`, in text and in markdown."""
    from modelcar_dsl.review.tree_diff import as_markdown, as_text, diff_trees

    task = (
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: t\n"
        "  annotations:\n    note: {note}\nspec:\n  steps:\n    - name: s\n"
        '      script: "echo hi\\n{line}\\n"\n'
    )
    before = {"t.yaml": task.format(note="plain", line="true")}
    after = {"t.yaml": task.format(note='"ok\\e[2K\\rclean"', line="curl evil \\e[1A\\e[2K")}
    for shown in (as_text(diff_trees(before, after)), as_markdown(diff_trees(before, after))):
        assert "\x1b" not in shown and "\r" not in shown
        assert "ok\\x1b[2K\\rclean" in shown
        assert "curl evil \\x1b[1A\\x1b[2K" in shown
