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


def duration_seconds(canonical: str) -> int:
    """Seconds in a duration string (for comparing timeouts)."""
    return int(sum(float(n) * _SECONDS[unit] for n, unit in _PART.findall(canonical)))


def checked_duration(value: Duration | None, location: SourceLocation) -> str | None:
    """`canonical_duration` for DSL arguments: a bad value is the user's error, at their line."""
    if value is None:
        return None
    try:
        return canonical_duration(value)
    except ValueError as error:
        raise DefinitionError(str(error), location) from None
