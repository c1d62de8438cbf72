"""The public API is lazy: importing modelcar_dsl, or running `modelcar --help`, loads no more
of the package than it uses, and every exported name still resolves."""

from __future__ import annotations

import subprocess
import sys

import pytest

import modelcar_dsl
from tests.conftest import REPO


def _imported_by(code: str) -> list[str]:
    """The modules of modelcar_dsl and of its heavier dependencies that `code` loads in a fresh
    interpreter (listed on stderr, as `code` may print)."""
    probe = (
        f"{code}\n"
        "import sys\n"
        "print(*sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('modelcar_dsl', 'attr', 'attrs', 'yaml')), file=sys.stderr)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    return completed.stderr.split()


def test_importing_the_package_loads_none_of_its_modules() -> None:
    assert _imported_by("import modelcar_dsl") == ["modelcar_dsl"]


def test_help_loads_only_the_command_line() -> None:
    """`modelcar --help` needs click and the CLI's own module, not attrs, PyYAML or the rules."""
    code = (
        "from modelcar_dsl.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass"
    )
    assert _imported_by(code) == [
        "modelcar_dsl",
        "modelcar_dsl.cli",
        "modelcar_dsl.diagnostics",
        "modelcar_dsl.diagnostics.extras",
    ]


@pytest.mark.parametrize("name", modelcar_dsl.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(modelcar_dsl, name) is not None
    assert name in dir(modelcar_dsl)


def test_a_misspelt_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'pipline'"):
        _ = modelcar_dsl.pipline  # type: ignore[attr-defined]


def test_the_exported_functions_are_not_the_submodules_of_the_same_name() -> None:
    """`task` and `pipeline` are also the names of modules of modelcar_dsl.authoring; importing
    those modules must not shadow the functions."""
    import modelcar_dsl.authoring.pipeline
    import modelcar_dsl.authoring.task

    assert callable(modelcar_dsl.task)
    assert callable(modelcar_dsl.pipeline)
    assert modelcar_dsl.task.__module__ == "modelcar_dsl.authoring.task"
