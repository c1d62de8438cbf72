"""Constraints a task param states in its annotation, checked on every value the compiler sees.

Task scripts check the same at run time (a value may come from a result or a run); the compiler
refuses a literal that breaks one at the user's line, long before a pod starts.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import attrs

_PORTABLE_PATH = re.compile(
    r"[A-Za-z0-9._+@=,][A-Za-z0-9._+@=,-]*(/[A-Za-z0-9._+@=,][A-Za-z0-9._+@=,-]*)*"
)
_INTEGER = re.compile(r"0|[1-9][0-9]*")
"""A whole number as the task scripts read one: digits only, no sign, no leading zero."""


@attrs.frozen
class InWorkspace:
    """A path inside the task's workspace: relative, normalised, no `..`, not the root itself,
    spelt with letters, digits and `. _ + @ = , -` (no part starting with `-`). The task's
    scripts hold run-time values to the same rule."""

    def problem(self, value: Any) -> str | None:
        text = str(value)
        if not _PORTABLE_PATH.fullmatch(text):
            return (
                f"{text!r} must be a relative path inside the workspace, of letters, digits "
                "and . _ + @ = , - (like 'model' or 'models/mistral-24b')"
            )
        if any(part in (".", "..") for part in text.split("/")):
            return f"{text!r} must be a normalised path inside the workspace: no '.' or '..' parts"
        return None


@attrs.frozen
class Between:
    """A whole number from `low` to `high`: `retries: Annotated[int, Between(1, 20)]`."""

    low: int
    high: int

    def problem(self, value: Any) -> str | None:
        """`value` is a Python int, or a default as Tekton holds it (a string of digits)."""
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            value = int(value)
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        ):
            return None
        return f"{value!r} must be a whole number from {self.low} to {self.high}"


@attrs.frozen
class VerifiesTls:
    """Marks a bool param that turns TLS verification on or off for the host in the param named
    `host`: `tls_verify: Annotated[bool, VerifiesTls("registry_host")] = True`. The compiler lets
    it be False only as a literal, for a host listed in `[tool.modelcar] insecure_registries`."""

    host: str


@attrs.frozen
class PulledImage:
    """An image the task pulls itself: `base: Annotated[str, PulledImage()]`. Its default
    follows `[tool.modelcar] image_mirrors`, as step images do, so a disconnected cluster pulls
    it from its mirror."""

    def problem(self, value: Any) -> str | None:
        text = str(value)
        if text and not any(character.isspace() for character in text):
            return None
        return f"{text!r} must be an image reference, without spaces or newlines"


ParamCheck = InWorkspace | Between | PulledImage

WorkspacePath = Annotated[str, InWorkspace()]
"""A str param that names a path inside the task's workspace."""
