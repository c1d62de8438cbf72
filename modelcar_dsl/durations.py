"""Durations as Go prints them (`1h30m0s`), the form Tekton stores, so ArgoCD sees no drift."""

from __future__ import annotations

import re
from datetime import timedelta

from modelcar_dsl.errors import DefinitionError
from modelcar_dsl.source import SourceLocation

_PART = re.compile(r"(\d+(?:\.\d+)?)(h|m|s)")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?(?:h|m|s))+")
_SECONDS = {"h": 3600, "m": 60, "s": 1}

Duration = str | int | timedelta


def canonical_duration(value: Duration) -> str:
    """`"90m"`, `5400` and `timedelta(minutes=90)` all become `"1h30m0s"`; else ValueError."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and _WHOLE.fullmatch(value):
        seconds = sum(float(n) * _SECONDS[unit] for n, unit in _PART.findall(value))
    else:
        raise ValueError(
            f"{value!r} is not a duration; write it like '90m', '6h' or '1h30m', "
            "or give seconds or a timedelta"
        )
    if seconds <= 0 or seconds != int(seconds):
        raise ValueError(f"{value!r}: durations are whole, positive numbers of seconds")
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_GO_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def go_duration_seconds(text: str) -> float | None:
    """Seconds in a duration as Go's time.ParseDuration reads it (what Tekton accepts in
    hand-written YAML: `1h30m`, `90s`, `1.5h`, `0`), or None when Go would reject it."""
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0.0
    parts = _GO_PART.findall(body)
    if not parts or "".join(n + unit for n, unit in parts) != body:
        return None
    seconds = sum(float(n) * _GO_SECONDS[unit] for n, unit in parts)
    return -seconds if text.startswith("-") else seconds


def is_duration(value: object) -> bool:
    """Whether a YAML value is a duration Tekton accepts (a string Go can parse)."""
    return isinstance(value, str) and go_duration_seconds(value) is not None


def checked_duration(value: Duration | None, location: SourceLocation) -> str | None:
    """`canonical_duration` for DSL arguments: a bad value is the user's error, at their line."""
    if value is None:
        return None
    try:
        return canonical_duration(value)
    except ValueError as error:
        raise DefinitionError(str(error), location) from None
