"""`modelcar diff` in README §6's layout: the project in one git repository, the out tree in a
gitops checkout that is another, with hand-written files beside the compiled ones; and with no
git at all. Real repositories in tmp_path and the real git binary; no network."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from tests.conftest import MiniProject, git, run_modelcar
from tests.test_diff_command import BEFORE

OUT = "serving/pipelines"
HAND_WRITTEN = {
    "README.md": "# Serving\n",
    f"{OUT}/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n",
    f"{OUT}/01-tasks/configmap-settings.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: {a: b}\n"
    ),
    f"{OUT}/02-pipeline/pipeline-manual.yaml": (
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: manual\nspec:\n  tasks: []\n"
    ),
}
LONGER = BEFORE.replace('timeout="4h"', 'timeout="6h"')
LONGER_SAID = (
    "pipelinerun/release (03-runs/pipelinerun-release.yaml)\n"
    "  timeouts pipeline: 4h0m0s -> 6h0m0s\n"
    "1 change in 1 resource\n"
)
NO_CHANGES = "No changes to the compiled tree.\n"


@attrs.frozen
class Layout:
    """The project repository, and the gitops checkout beside it that holds the out tree."""

    project: MiniProject
    gitops: Path

    @property
    def out(self) -> Path:
        return self.gitops / OUT


def _layout(
    mini_project: Callable[..., MiniProject], tmp_path: Path, out_setting: str | None
) -> Layout:
    """The gitops checkout: a first commit of hand-written files only (tagged `empty`), then one
    with the compiled tree beside them (tagged `deployed`). The project: its own repository,
    with a tag of its own (`project-only`) that the checkout does not have. `out_setting` is the
    project's `[tool.modelcar] out`, if any."""
    project = mini_project(BEFORE)
    if out_setting is not None:
        settings = project.root / "pyproject.toml"
        settings.write_text(settings.read_text() + f'out = "{out_setting}"\n')
    gitops = tmp_path / "gitops"
    gitops.mkdir()
    for name, text in HAND_WRITTEN.items():
        (gitops / name).parent.mkdir(parents=True, exist_ok=True)
        (gitops / name).write_text(text)
    git(gitops, "init", "-q", "-b", "main")
    git(gitops, "add", "-A")
    git(gitops, "commit", "-q", "-m", "hand-written")
    git(gitops, "tag", "empty")
    assert project.compile("--out", str(gitops / OUT)).exit_code == 0
    git(gitops, "add", "-A")
    git(gitops, "commit", "-q", "-m", "compiled")
    git(gitops, "tag", "deployed")
    git(project.root, "init", "-q", "-b", "main")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "project")
    git(project.root, "tag", "project-only")
    return Layout(project, gitops)


def _diff(layout: Layout, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = run_modelcar("diff", *args, cwd=layout.project.root, env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def layout(mini_project: Callable[..., MiniProject], tmp_path: Path) -> Layout:
    return _layout(mini_project, tmp_path, f"../gitops/{OUT}")


def test_hand_written_files_beside_the_compiled_ones_are_not_removed(layout: Layout) -> None:
    """The checkout holds a Namespace, a ConfigMap in 01-tasks/ and a Pipeline in 02-pipeline/
    that no compile wrote: at HEAD, at a named ref and as a directory, nothing changed."""
    assert _diff(layout) == (0, NO_CHANGES, "")
    assert _diff(layout, "--against", "deployed") == (0, NO_CHANGES, "")
    assert _diff(layout, "--against", str(layout.out)) == (0, NO_CHANGES, "")


def test_a_ref_names_a_commit_of_the_checkout_that_holds_the_out_tree(layout: Layout) -> None:
    layout.project.main.write_text(LONGER)
    assert layout.project.compile().exit_code == 0
    git(layout.gitops, "commit", "-q", "-am", "six hours")
    assert _diff(layout) == (0, NO_CHANGES, "")
    layout.project.main.write_text(BEFORE)
    assert _diff(layout, "--against", "main") == (
        1,
        LONGER_SAID.replace("4h0m0s -> 6h0m0s", "6h0m0s -> 4h0m0s"),
        "",
    )
    assert _diff(layout, "--against", "deployed") == (0, NO_CHANGES, "")


def test_a_ref_of_the_project_alone_is_unknown_there(layout: Layout) -> None:
    code, stdout, stderr = _diff(layout, "--against", "project-only")
    assert (code, stdout) == (2, "")
    assert stderr == (
        f"error: --against 'project-only' is neither a directory nor a commit of the git "
        f"repository {layout.gitops}, which holds the out tree {layout.out}; name a branch, tag "
        f"or commit of that repository (git -C {layout.gitops} log --oneline), or a directory\n"
    )


def test_a_commit_before_the_first_compile_has_every_resource_added(layout: Layout) -> None:
    code, stdout, stderr = _diff(layout, "--against", "empty")
    assert code == 1
    assert stdout.endswith("4 changes in 4 resources\n")
    assert stdout.count("  added\n") == 4
    assert stderr == (
        f"note: empty:{OUT}/ holds no file compile wrote (none starts with its header "
        "'# Generated by modelcar-dsl'), so every resource is added\n"
    )


def test_out_on_the_command_line_names_the_checkout(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    """README §6 compiles with --out; diff takes the same --out, relative to where it runs."""
    layout = _layout(mini_project, tmp_path, None)
    layout.project.main.write_text(LONGER)
    assert _diff(layout, "--out", f"../gitops/{OUT}", "--against", "deployed") == (
        1,
        LONGER_SAID,
        "",
    )


def test_a_checkout_whose_top_is_the_out_tree(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    """The out tree may be the checkout itself: its paths are then the repository's own."""
    project = mini_project(BEFORE)
    gitops = tmp_path / "gitops"
    assert project.compile("--out", str(gitops)).exit_code == 0
    (gitops / "namespace.yaml").write_text(HAND_WRITTEN[f"{OUT}/namespace.yaml"])
    git(gitops, "init", "-q", "-b", "main")
    git(gitops, "add", "-A")
    git(gitops, "commit", "-q", "-m", "compiled")
    project.main.write_text(LONGER)
    result = run_modelcar("diff", "--out", "../gitops", cwd=project.root)
    assert (result.exit_code, result.stdout, result.stderr) == (1, LONGER_SAID, "")


def test_a_git_dir_set_by_a_hook_does_not_redirect_the_ref(layout: Layout) -> None:
    """A git hook runs `modelcar diff` with GIT_DIR naming the project's repository; the ref
    is still read in the checkout."""
    environment = {"GIT_DIR": str(layout.project.root / ".git"), "GIT_WORK_TREE": "."}
    assert _diff(layout, env=environment) == (0, NO_CHANGES, "")


@pytest.mark.parametrize(
    "ref",
    [
        "--output=WRITTEN",
        "-oWRITTEN",
        "--end-of-options",
        "-",
        "deployed..main",
        "main...deployed",
        "main\n--output=WRITTEN",
        "main:serving",
        "main -- x",
        "main^{tree}",
    ],
)
def test_a_hostile_ref_is_no_option_and_names_nothing(
    layout: Layout, tmp_path: Path, ref: str
) -> None:
    written = tmp_path / "written-by-git"
    ref = ref.replace("WRITTEN", str(written))
    code, stdout, stderr = _diff(layout, f"--against={ref}")
    assert (code, stdout) == (2, "")
    assert stderr.startswith(f"error: --against {ref!r} is neither a directory nor a commit")
    assert len(stderr.splitlines()) == 1
    assert not written.exists()


def test_a_checkout_without_commits_says_so(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    project = mini_project(BEFORE)
    gitops = tmp_path / "gitops"
    gitops.mkdir()
    git(gitops, "init", "-q", "-b", "main")
    assert project.compile("--out", str(gitops / OUT)).exit_code == 0
    result = run_modelcar("diff", "--out", str(gitops / OUT), cwd=project.root)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: --against 'HEAD': the git repository {gitops}, which holds the out tree "
        f"{gitops / OUT}, has no commits yet; commit the compiled tree there first, or compare "
        "with a directory of YAML instead: modelcar diff --against DIR (a checkout or a copy of "
        "the deployed tree)\n"
    )


def test_out_of_git_the_message_points_to_against_dir(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    """No repository around the out tree (git may look no higher than tmp_path): one line that
    says so and what to use; with --against DIR the same tree compares cleanly."""
    project = mini_project(BEFORE)
    assert project.compile().exit_code == 0
    result = run_modelcar("diff", cwd=project.root, env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: the out tree compiled is in no git repository, so it has no commit 'HEAD' to "
        "compare with; compare with a directory of YAML instead: modelcar diff --against DIR (a "
        "checkout or a copy of the deployed tree)\n"
    )
    against = run_modelcar("diff", "--against", "compiled", cwd=project.root)
    assert (against.exit_code, against.stdout, against.stderr) == (0, NO_CHANGES, "")


def test_without_git_installed_the_message_points_to_against_dir(
    layout: Layout, tmp_path: Path
) -> None:
    no_git = tmp_path / "bin-without-git"
    no_git.mkdir()
    code, stdout, stderr = _diff(layout, env={"PATH": str(no_git)})
    assert (code, stdout) == (2, "")
    assert stderr == (
        "error: git is not installed (no git on PATH), so no git ref can name a committed out "
        "tree; install git, or compare with a directory of YAML instead: modelcar diff --against "
        "DIR (a checkout or a copy of the deployed tree)\n"
    )
    assert _diff(layout, "--against", str(layout.out), env={"PATH": str(no_git)}) == (
        0,
        NO_CHANGES,
        "",
    )


def test_help_says_which_repository_a_ref_names(tmp_path: Path) -> None:
    result = run_modelcar("diff", "--help", cwd=tmp_path)
    assert result.exit_code == 0
    assert "A ref names a commit of the git repository that holds the out tree" in result.stdout
    assert "Out of git, compare with a directory: --against DIR." in result.stdout
