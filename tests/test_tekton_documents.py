"""What scripts/generate_tekton_documents.py makes from rules/tekton_api.json (the compiler's
TypedDicts and the Tekton yamale schemas) is committed as it makes it: regenerated here in
memory, compared with the files in the checkout.

They change only when asked: `MODELCAR_UPDATE_GOLDEN=1 pytest tests/test_tekton_documents.py`
rewrites them (as `python3 scripts/generate_tekton_documents.py` does), to be reviewed in the
diff; CI never sets it.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO, mypy_strict

SCRIPT = REPO / "scripts" / "generate_tekton_documents.py"


def _generator() -> ModuleType:
    """The script, imported from its file: scripts/ is not a package."""
    spec = importlib.util.spec_from_file_location("generate_tekton_documents", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()
GENERATED: dict[Path, str] = GENERATOR.render(GENERATOR.load_description())


@pytest.mark.parametrize("path", sorted(GENERATED), ids=str)
def test_committed_file_is_what_the_generator_makes(path: Path) -> None:
    committed = REPO / path
    if os.environ.get("MODELCAR_UPDATE_GOLDEN") == "1":
        committed.write_text(GENERATED[path], encoding="utf-8")
    assert committed.read_text(encoding="utf-8") == GENERATED[path], (
        f"{path} is not what the generator makes from rules/tekton_api.json; run "
        "`python3 scripts/generate_tekton_documents.py` and review the diff"
    )


WRONG_KEYS = """\
from modelcar_dsl.tekton.documents import V1beta1Step, V1PipelineRunSpec, V1Step, V1TaskSpec

step: V1Step = {"name": "build", "image": "busybox", "resources": {}}  # line 3
beta_step: V1beta1Step = {"name": "build", "computeResources": {}}  # line 4
spec: V1TaskSpec = {"steps": [step]}
spec["stepTemplate"] = {"env": [{"name": "A", "valeu": "1"}]}  # line 6
run: V1PipelineRunSpec = {"serviceAccountName": "builder"}  # line 7
run["timeouts"] = {"pipeline": 3600}  # line 8
"""


def test_mypy_refuses_a_key_or_value_tekton_would_refuse(tmp_path: Path) -> None:
    """The compiler builds its documents as these types, so a key that is not Tekton's (or not
    in that API version), or a value of the wrong type, fails `mypy --strict` before any test."""
    status, stdout = mypy_strict(tmp_path, WRONG_KEYS)
    assert status == 1, stdout
    errors = sorted(
        (int(match[1]), match[2])
        for match in re.finditer(r"flow_under_mypy\.py:(\d+): error: .*\[([a-z-]+)\]", stdout)
    )
    assert errors == [
        (3, "typeddict-unknown-key"),
        (4, "typeddict-unknown-key"),
        (6, "typeddict-unknown-key"),
        (7, "typeddict-unknown-key"),
        (8, "typeddict-item"),
    ], stdout
    assert 'Extra key "valeu" for TypedDict "EnvVar"' in stdout
