"""The task library as users import it: its exports, and step scripts that stay stdlib-only."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

import modelcar_tasks
from modelcar_tasks.catalogue import ModelVersion


def test_the_library_exports_the_record_type_and_its_version() -> None:
    assert modelcar_tasks.ModelVersion is ModelVersion
    assert modelcar_tasks.__version__ == metadata.version("modelcar-dsl")
    with pytest.raises(AttributeError, match="has no attribute 'ModelVersoin'"):
        _ = modelcar_tasks.ModelVersoin  # type: ignore[attr-defined]


def test_a_step_script_importing_the_library_does_not_load_the_dsl() -> None:
    """On a laptop a Python step imports `modelcar_tasks.lib.*`; the package must not pull in
    modelcar_dsl (or attrs), which the pod does not have."""
    probe = (
        "import sys, modelcar_tasks.lib.step_inputs, modelcar_tasks.lib.model_registry_api\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('modelcar_dsl', 'attrs')))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"
