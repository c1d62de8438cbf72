"""The README documents every task the repository compiles: each param, result, workspace and
Secret, so the reference cannot fall behind the code."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, git, run_modelcar

TASK_FILES = sorted((REPO / "compiled" / "01-tasks").glob("*.yaml"))


def section_for(task: str) -> str:
    readme = (REPO / "README.md").read_text()
    for section in re.split(r"^#### ", readme, flags=re.MULTILINE)[1:]:
        heading = section.splitlines()[0]
        if task in [name.strip() for name in heading.split(",")]:
            return section
    raise AssertionError(f"README.md has no '#### {task}' section")


@pytest.mark.parametrize("path", TASK_FILES, ids=lambda path: path.stem)
def test_readme_documents_the_task(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    spec = document["spec"]
    section = section_for(document["metadata"]["name"])
    names = [p["name"] for p in spec.get("params", [])]
    names += [r["name"] for r in spec.get("results", [])]
    names += [w["name"] for w in spec.get("workspaces", [])]
    names += [
        e["valueFrom"]["secretKeyRef"]["name"]
        for e in spec.get("stepTemplate", {}).get("env", [])
        if "valueFrom" in e
    ]
    missing = [name for name in names if f"`{name}`" not in section]
    assert missing == [], f"README.md's section on {document['metadata']['name']} lacks {missing}"


def test_readme_validate_example_is_real_output() -> None:
    """The README's `modelcar validate` transcript is what the command prints on the example."""
    readme = (REPO / "README.md").read_text()
    command = "$ cd examples/hand-written-gitops && modelcar validate .\n"
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    result = run_modelcar("validate", ".", cwd=REPO / "examples" / "hand-written-gitops")
    assert result.exit_code == 1
    assert result.stdout == shown


def test_readme_pytest_examples_pass_with_the_projects_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every test README §5 shows passes when run in this repo: the graph it asserts is the
    pipeline's, and check() judges the run for [tool.modelcar] (its fs_group among them), as
    `modelcar compile` does."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("### 5. Test the graph in pytest", 1)[1].split("\n### ", 1)[0]
    blocks = [block.split("```", 1)[0] for block in section.split("```python\n")[1:]]
    monkeypatch.chdir(REPO)
    tests = []
    for block in blocks:
        namespace: dict[str, object] = {}
        exec(block, namespace)
        tests += [value for name, value in namespace.items() if name.startswith("test_")]
    assert len(tests) == 2
    for test in tests:
        assert callable(test)
        test()


def _gitops_section() -> str:
    readme = (REPO / "README.md").read_text()
    return readme.split("### 6. ", 1)[1].split("### 7. ", 1)[0]


def _console_output(section: str, command: str) -> str:
    """What a ```console block of `section` shows after `$ {command}`, up to the next prompt or
    the block's end, without the indent of a block inside a list item."""
    lines = section.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"$ {command}")
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    shown = []
    for line in lines[start + 1 :]:
        if line.strip().startswith(("$ ", "```")):
            break
        shown.append(line.removeprefix(indent))
    return "".join(shown)


def test_readme_gitops_diff_example_is_real_output(tmp_path: Path) -> None:
    """README §6's diff of this repository against a gitops checkout elsewhere: the checkout is
    its own git repository with a remote, its `origin/main` holds the compiled tree with the
    quantized build at three hours and a hand-written Namespace beside it, and HEAD has moved
    on; the ref is read there, not in this repository."""
    out = tmp_path / "gitops" / "stage01-model-serving" / "serving" / "pipelines"
    assert run_modelcar("compile", "--out", str(out), cwd=REPO).exit_code == 0
    run = out / "03-runs" / "pipelinerun-mistral-24b-quantized-build.yaml"
    run.write_text(run.read_text().replace("pipeline: 4h0m0s", "pipeline: 3h0m0s"))
    (out / "namespace.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    gitops = tmp_path / "gitops"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", "remote.git")
    git(gitops, "init", "-q", "-b", "main")
    git(gitops, "remote", "add", "origin", str(tmp_path / "remote.git"))
    git(gitops, "add", "-A")
    git(gitops, "commit", "-q", "-m", "deployed")
    git(gitops, "push", "-q", "origin", "main")
    run.unlink()
    git(gitops, "commit", "-q", "-am", "moved on")
    section = _gitops_section()
    result = run_modelcar("diff", "--out", str(out), "--against", "origin/main", cwd=REPO)
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == _console_output(section, "modelcar diff --against origin/main")


def test_readme_out_of_git_example_is_real_output(tmp_path: Path) -> None:
    deployed = tmp_path / "srv" / "deployed" / "pipelines"
    assert run_modelcar("compile", "--out", str(deployed), cwd=REPO).exit_code == 0
    section = _gitops_section()
    outside = run_modelcar(
        "diff",
        "--out",
        str(deployed),
        cwd=REPO,
        env={"GIT_CEILING_DIRECTORIES": str(tmp_path)},
    )
    assert (outside.exit_code, outside.stdout) == (2, "")
    shown = _console_output(section, "modelcar diff").replace(
        "/srv/deployed/pipelines", str(deployed)
    )
    assert outside.stderr == shown
    against = run_modelcar("diff", "--against", str(deployed), cwd=REPO)
    assert (against.exit_code, against.stderr) == (0, "")
    assert against.stdout == _console_output(
        section, "modelcar diff --against /srv/deployed/pipelines"
    )


def _local_run_section() -> str:
    readme = (REPO / "README.md").read_text()
    return readme.split("### 11. Run a pipeline on this machine\n", 1)[1].split("\n### ", 1)[0]


def _summary_rows(text: str) -> list[list[str]]:
    """TASK and STATUS of each row of a `modelcar run` summary table."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("TASK "))
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("PipelineRun "):
            return rows
        rows.append(line.split()[:2])
    raise AssertionError("no PipelineRun line after the summary")


def _without_ports(text: str) -> str:
    return re.sub(r"localhost:[0-9]+", "localhost:PORT", text)


def test_readme_local_run_example_runs_as_shown(tmp_path: Path) -> None:
    """README §11's two commands, run from the repository with `modelcar` and `python3` on
    PATH meaning this checkout, `/tmp/loopback` under tmp_path and `--run-dir` there too: the
    loopback services serve, `build.args` holds what the README shows (ports aside), the build
    succeeds with the summary shown, and SIGTERM stops the services."""
    section = _local_run_section()
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    loopback = tmp_path / "loopback"
    shown_serve, shown_run = (line.split("  #", 1)[0].strip() for line in block.splitlines())
    serve, run = (line.replace("/tmp/loopback", str(loopback)) for line in (shown_serve, shown_run))
    assert serve.endswith(" &")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    (bin_dir / "modelcar").write_text(f'#!/bin/sh\nexec {sys.executable} -m modelcar_dsl "$@"\n')
    (bin_dir / "modelcar").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(REPO)}
    server = subprocess.Popen(
        ["bash", "-c", f"exec {serve.removesuffix(' &')}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("serving on loopback"), "the services died"
        shown_args = section.split("```text\n", 1)[1].split("```", 1)[0]
        written = (loopback / "build.args").read_text().splitlines()
        pairs = [
            f"{option} {value}" for option, value in zip(written[::2], written[1::2], strict=True)
        ]
        assert _without_ports("\n".join(pairs) + "\n") == _without_ports(
            shown_args.replace("/tmp/loopback", str(loopback))
        )
        completed = subprocess.run(
            ["bash", "-c", f"{run} --run-dir {tmp_path / 'run'}"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        stopped = server.wait(timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert stopped == 0
    shown = _console_output(section, shown_run)
    assert _summary_rows(completed.stderr) == _summary_rows(shown)
    assert completed.stderr.splitlines()[0] == shown.splitlines()[0]


def test_readme_run_local_example_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pytest example of README §11 passes, run from this repository."""
    section = _local_run_section()
    (block,) = [block.split("```", 1)[0] for block in section.split("```python\n")[1:]]
    monkeypatch.chdir(REPO)
    namespace: dict[str, object] = {}
    exec(block, namespace)
    (test,) = [value for name, value in namespace.items() if name.startswith("test_")]
    assert callable(test)
    test(tmp_path)
