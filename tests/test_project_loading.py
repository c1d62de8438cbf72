"""Loading a project never compiles another package's module of the same name in its place."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = """\
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import flows  # another "flows", imported first
from modelcar_dsl.diagnostics.errors import ProjectError
from modelcar_dsl.project.loading import load_project
from modelcar_dsl.project.settings import read_settings
try:
    load_project(read_settings(Path(sys.argv[2]) / "pyproject.toml"))
except ProjectError as error:
    print(error)
else:
    print("loaded", sys.modules["flows"].__file__)
"""


def _package(root: Path, text: str) -> None:
    (root / "flows").mkdir(parents=True)
    (root / "flows" / "__init__.py").write_text(text)


def test_a_module_of_the_same_name_imported_from_elsewhere_is_refused(tmp_path: Path) -> None:
    _package(tmp_path / "other", "")
    project = tmp_path / "project"
    _package(project, "from modelcar_tasks.pipelines import modelcar_build_deploy\n")
    (project / "pyproject.toml").write_text('[tool.modelcar]\nmodules = ["flows"]\n')
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "other"), str(project)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "modules names 'flows', but this Python has already imported flows from" in (
        completed.stdout
    )
    assert "rename the project's package, or load each project in its own process" in (
        completed.stdout
    )


def test_the_projects_own_module_imported_before_is_no_conflict(tmp_path: Path) -> None:
    project = tmp_path / "project"
    _package(project, "from modelcar_tasks.pipelines import modelcar_build_deploy\n")
    (project / "pyproject.toml").write_text('[tool.modelcar]\nmodules = ["flows"]\n')
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, str(project), str(project)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.startswith("loaded ")
    assert str(project / "flows") in completed.stdout
