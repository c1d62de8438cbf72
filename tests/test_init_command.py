"""`modelcar init`: a new team's repository that compiles and passes its tests as created."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import modelcar_dsl
from modelcar_dsl.diagnostics.errors import ProjectError
from modelcar_dsl.project.scaffold import Answers, render, write
from tests.conftest import run_modelcar

ANSWERS = (
    "--namespace",
    "team-a",
    "--fs-group",
    "1000970000",
    "--registry-url",
    "https://model-registry.apps.example:8443",
)
FILES = [
    ".gitignore",
    ".pre-commit-config.yaml",
    "README.md",
    "pipelines/__init__.py",
    "pipelines/catalogue.py",
    "pipelines/runs.py",
    "pyproject.toml",
    "requirements.txt",
    "tests/test_pipelines.py",
]


def _tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _bare(
    command: list[str], cwd: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`command` in the new project as its team runs it: no PYTHONPATH into this repo."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env |= extra_env or {}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_the_new_project_compiles_and_passes_pytest_ruff_and_mypy(tmp_path: Path) -> None:
    """The README's path: init, then compile and a bare pytest pass with no edits; the
    Python it writes is as clean as this repo's (ruff, mypy --strict)."""
    result = run_modelcar("init", "team-pipelines", *ANSWERS, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    project = tmp_path / "team-pipelines"
    assert _tree(project) == FILES
    settings = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["modelcar"]
    assert (settings["namespace"], settings["fs_group"]) == ("team-a", 1000970000)

    compiled = run_modelcar("compile", cwd=project)
    assert compiled.exit_code == 0, compiled.stderr
    runs = sorted(p.name for p in (project / "compiled" / "03-runs").iterdir())
    assert runs == [
        "pipelinerun-mistral-small-24b-instruct-2501-quantized-w4a16-build.yaml",
        "pipelinerun-mistral-small-24b-instruct-2501-quantized-w4a16-test.yaml",
    ]
    assert "namespace: team-a" in (project / "compiled" / "03-runs" / runs[0]).read_text()

    tests = _bare([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout
    lint = _bare([sys.executable, "-m", "ruff", "check", "--no-cache", "."], project)
    assert lint.returncode == 0, lint.stdout
    fmt = _bare([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."], project)
    assert fmt.returncode == 0, fmt.stdout
    # mypy cannot follow an editable install's import hook (CI's wheel job needs no help).
    installed = str(Path(modelcar_dsl.__file__).parents[1])
    typed = _bare(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "mypy"), "."],
        project,
        {"MYPYPATH": installed},
    )
    assert typed.returncode == 0, typed.stdout


def test_a_broken_catalogue_fails_the_new_projects_own_tests(tmp_path: Path) -> None:
    """The tests init writes can fail: a run that breaks a rule is caught by `pytest`."""
    assert run_modelcar("init", "p", *ANSWERS, cwd=tmp_path).exit_code == 0
    (tmp_path / "p" / "pyproject.toml").write_text(
        (tmp_path / "p" / "pyproject.toml").read_text().replace("fs_group = 1000970000\n", "")
    )
    tests = _bare([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path / "p")
    assert tests.returncode == 1
    assert "pipelines/runs.py:15: pipelinerun/" in tests.stdout
    assert "[run-fs-group]" in tests.stdout


def test_init_asks_on_a_terminal_for_what_no_option_gave(tmp_path: Path) -> None:
    """On a terminal (a pseudo-terminal made by util-linux `script`) init asks, offering the
    namespace as the Quay organization."""
    script = shutil.which("script")
    if script is None:
        pytest.skip("util-linux script is not installed")
    command = f"{sys.executable} -m modelcar_dsl init asked"
    answers = "team-b\n1000\n\nhttps://registry.example\n"
    completed = subprocess.run(
        [script, "-qec", command, "/dev/null"],
        input=answers,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout
    assert "Quay organization [team-b]:" in completed.stdout
    runs = (tmp_path / "asked" / "pipelines" / "runs.py").read_text()
    assert '"quay_repository": "team-b/mistral-small-24b' in runs
    assert 'MODEL_REGISTRY_URL = "https://registry.example"' in runs


def test_without_a_terminal_init_names_the_options_it_needs(tmp_path: Path) -> None:
    result = run_modelcar("init", "p", "--namespace", "team-a", cwd=tmp_path)
    assert result.exit_code == 2
    assert "give --fs-group, --registry-url" in result.stderr
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--namespace", "team-a\nimport os", "namespace 'team-a\\nimport os' is not a DNS-1123"),
        ("--namespace", '$(params.x)"', "is not a DNS-1123 label"),
        ("--registry-url", 'https://x"; import os; "', "must be the Model Registry's REST"),
        ("--registry-url", "http://registry.example", "must be the Model Registry's REST"),
        ("--model", "../../etc/passwd", "must be a Hugging Face repository"),
        ("--model", "org/name\nx", "must be a Hugging Face repository"),
        ("--quay-organization", "Org/Name", "quay organization 'Org/Name' must be lower-case"),
        ("--fs-group", "-1", "fs-group -1 must be a GID"),
    ],
)
def test_a_hostile_answer_is_refused_and_nothing_is_written(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    answers = dict(zip(ANSWERS[::2], ANSWERS[1::2], strict=True)) | {option: value}
    result = run_modelcar(
        "init", "p", *[part for pair in answers.items() for part in pair], cwd=tmp_path
    )
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "p").exists()


def test_init_never_overwrites_and_names_everything_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "README.md").write_text("ours\n")
    (tmp_path / ".git").mkdir()
    result = run_modelcar("init", *ANSWERS, cwd=tmp_path)
    assert result.exit_code == 2
    assert "already has README.md, pipelines; init never overwrites" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git", "README.md", "pipelines"]
    assert (tmp_path / "README.md").read_text() == "ours\n"


def test_init_in_a_fresh_clone_keeps_what_is_there(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "LICENSE").write_text("x\n")
    assert run_modelcar("init", *ANSWERS, cwd=tmp_path).exit_code == 0
    assert _tree(tmp_path) == sorted([*FILES, "LICENSE"])


def test_a_failure_half_way_removes_what_init_moved_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = render(tmp_path, Answers("team-a", 1, "team-a", "https://r.example", "org/model-w8a8"))
    linked: list[str] = []
    real_link = os.link

    def link_then_fail(source: str | Path, target: str | Path) -> None:
        if len(linked) == 3:
            raise OSError(28, "No space left on device")
        real_link(source, target)
        linked.append(Path(target).name)

    monkeypatch.setattr(os, "link", link_then_fail)
    with pytest.raises(OSError, match="No space left"):
        write(tmp_path, files)
    assert linked == [".gitignore", ".pre-commit-config.yaml", "README.md"]
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_appears_while_init_runs_is_kept_and_init_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second init (or an editor) creating README.md between the check and the move: that
    file stays as it is, and init takes back everything it moved."""
    files = render(tmp_path, Answers("team-a", 1, "team-a", "https://r.example", "org/model"))
    real_link = os.link

    def someone_else_first(source: str | Path, target: str | Path) -> None:
        if Path(target).name == "README.md":
            Path(target).write_text("theirs\n")
        real_link(source, target)

    monkeypatch.setattr(os, "link", someone_else_first)
    with pytest.raises(FileExistsError):
        write(tmp_path, files)
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]
    assert (tmp_path / "README.md").read_text() == "theirs\n"


def test_render_refuses_every_bad_answer_at_once(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as raised:
        render(tmp_path, Answers("Team A", 1, "team-a", "ftp://x", "model"))
    assert str(raised.value).count("; ") == 2
    assert "quantization" not in str(raised.value)
    assert (
        '"w8a8"'
        in render(tmp_path, Answers("team-a", 1, "team-a", "https://r.example", "org/model-w8a8"))[
            "pipelines/catalogue.py"
        ]
    )
