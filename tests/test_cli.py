"""The command line itself: version, help with examples, and settings errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, run_modelcar


def test_version() -> None:
    result = run_modelcar("--version", cwd=REPO)
    assert result.exit_code == 0
    assert result.stdout.startswith("modelcar, version ")


def test_every_command_has_help_with_examples() -> None:
    for args in (["--help"], ["compile", "--help"]):
        result = run_modelcar(*args, cwd=REPO)
        assert result.exit_code == 0
        assert "Examples:" in result.stdout
        assert "modelcar compile --check" in result.stdout


@pytest.mark.parametrize(("command", "extra"), [("submit", "cluster"), ("graph", "graph")])
def test_help_says_how_to_install_an_extra_from_a_clone_or_a_wheel(
    command: str, extra: str
) -> None:
    """modelcar-dsl is on no package index, so `pip install 'modelcar-dsl[x]'` alone fails."""
    result = run_modelcar(command, "--help", cwd=REPO)
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    assert f"in a clone of modelcar-dsl, pip install -e '.[{extra}]'" in flat
    assert (
        f"from a wheel, pip install '/path/to/modelcar_dsl-VERSION-py3-none-any.whl[{extra}]'"
        in (flat)
    )


def test_no_project_is_a_clear_error(tmp_path: Path) -> None:
    result = run_modelcar("compile", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no pyproject.toml with a [tool.modelcar] table" in result.stderr


def test_modules_that_declare_nothing_are_an_error_naming_the_setting(tmp_path: Path) -> None:
    """An empty tree would make a gitops sync delete every pipeline: compile refuses it."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.modelcar]\nmodules = ["flows"]\n'
    )
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "__init__.py").write_text("")
    (tmp_path / "flows" / "helpers.py").write_text("TAG = 'v1'\n")
    for args in [(), ("--check",)]:
        result = run_modelcar("compile", *args, cwd=tmp_path)
        assert result.exit_code == 2, result.stderr
        assert result.stderr == (
            "error: pyproject.toml:5: [tool.modelcar] modules ['flows'] declare no task, "
            "pipeline or run (imported: flows, flows.helpers), so there is nothing to compile; "
            "declare them at module level there (a @task or @pipeline function, a "
            "pipeline_run(...) assigned to a variable), or list the modules that do\n"
        )
    assert not (tmp_path / "compiled").exists()


def test_unknown_setting_is_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.modelcar]\nmodules = ["x"]\nfsgroup = 1\n')
    result = run_modelcar("compile", cwd=tmp_path)
    assert result.exit_code == 2
    assert "pyproject.toml: [tool.modelcar] has unknown keys ['fsgroup']" in result.stderr


def test_missing_module_is_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.modelcar]\nmodules = ["nowhere"]\n')
    result = run_modelcar("compile", cwd=tmp_path)
    assert result.exit_code == 2
    assert "modules names 'nowhere', which cannot be imported" in result.stderr


def test_v1beta1_from_the_command_line(tmp_path: Path) -> None:
    result = run_modelcar("compile", "--api", "v1beta1", "--out", str(tmp_path), cwd=REPO)
    assert result.exit_code == 0, result.stderr
    run = (tmp_path / "03-runs" / "pipelinerun-mistral-24b-quantized-build.yaml").read_text()
    assert "apiVersion: tekton.dev/v1beta1" in run
    assert "  podTemplate:\n    securityContext:\n      fsGroup: 1000970000\n" in run
    assert "  timeout: 4h0m0s\n" in run
