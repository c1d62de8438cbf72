"""The ModelCar task library: one module a task with its scripts beside it, the catalogue record
they take (`ModelVersion`) and the build and test pipelines built from them
(`modelcar_tasks.pipelines`).

Names are exported lazily: a step script run on a laptop imports `modelcar_tasks.lib.*`, which
must not pull in the DSL (in the pod the library is inlined and the DSL is not there at all).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelcar_tasks.catalogue import COMMIT_NOT_LOOKED_UP, ModelVersion
    from modelcar_tasks.model_source import MovingRevision

    __version__: str

__all__ = ["COMMIT_NOT_LOOKED_UP", "ModelVersion", "MovingRevision", "__version__"]

_EXPORTS = {
    "COMMIT_NOT_LOOKED_UP": "modelcar_tasks.catalogue",
    "ModelVersion": "modelcar_tasks.catalogue",
    "MovingRevision": "modelcar_tasks.model_source",
}


if not TYPE_CHECKING:  # mypy sees the imports above, so a misspelt name stays a type error

    def __getattr__(name: str) -> Any:
        if name == "__version__":
            from importlib.metadata import version

            return version("modelcar-dsl")
        if name in _EXPORTS:
            return getattr(importlib.import_module(_EXPORTS[name]), name)
        raise AttributeError(f"module 'modelcar_tasks' has no attribute {name!r}")
