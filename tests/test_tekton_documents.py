"""What scripts/generate_tekton_documents.py makes from rules/tekton_api.json is committed as
it makes it: regenerated here in memory, compared with the files in the checkout.

They change only when asked: `MODELCAR_UPDATE_GOLDEN=1 pytest tests/test_tekton_documents.py`
rewrites them (as `python3 scripts/generate_tekton_documents.py` does), to be reviewed in the
diff; CI never sets it.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO

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
