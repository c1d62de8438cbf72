"""The README documents every task the repository compiles: each param, result, workspace and
Secret, so the reference cannot fall behind the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, run_modelcar

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
