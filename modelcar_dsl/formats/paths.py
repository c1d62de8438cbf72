"""Container paths cleaned as Tekton's webhook cleans them (Go's filepath.Clean), so a path
the DSL or the rules accept is one Tekton accepts."""

from __future__ import annotations

import posixpath


def clean_path(path: str) -> str:
    """`path` as Go's filepath.Clean gives it. Python's normpath keeps a leading '//' (POSIX
    leaves its meaning to the system), Go's makes it '/': without this, `//tekton/results`
    would pass the /tekton/ check that Tekton refuses it by."""
    clean = posixpath.normpath(path)
    return "/" + clean.lstrip("/") if clean.startswith("//") else clean
