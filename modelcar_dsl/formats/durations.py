"""Durations as Go prints them (`1h30m0s`), the form Tekton stores, so ArgoCD sees no drift."""

from __future__ import annotations

import re
from datetime import timedelta
from fractions import Fraction

from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation

_PART = re.compile(r"(\d+(?:\.\d+)?)(h|m|s)")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?(?:h|m|s))+")
_SECONDS = {"h": 3600, "m": 60, "s": 1}

MAX_NANOSECONDS = 2**63 - 1
"""Go's time.Duration is an int64 of nanoseconds: at most 2562047h47m16.854775807s."""
MAX_SECONDS = MAX_NANOSECONDS // 10**9
_MAX_DIGITS = 12
"""Longer numbers are out of range (or, after the point, never whole seconds): refused before
Python converts them, which it will not do past 4,300 digits."""

Duration = str | int | timedelta
_NOT_WHOLE = "durations are whole, positive numbers of seconds"


def canonical_duration(value: Duration) -> str:
    """`"90m"`, `5400` and `timedelta(minutes=90)` all become `"1h30m0s"`; else ValueError,
    also for durations beyond what Go's time.Duration holds (Tekton could not read them)."""
    seconds = _dsl_seconds(value)
    if seconds <= 0 or seconds.denominator != 1:
        raise ValueError(f"{_shown(value)}: {_NOT_WHOLE}")
    if seconds > MAX_SECONDS:
        raise ValueError(
            f"{_shown(value)} is longer than Go's time.Duration holds (2562047h47m16s), so Tekton "
            "could not read it; give a shorter duration"
        )
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def _dsl_seconds(value: Duration) -> Fraction:
    """The exact seconds of a DSL duration; what cannot be one is a ValueError."""
    if isinstance(value, timedelta):
        return Fraction(value // timedelta(microseconds=1), 10**6)
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        total = Fraction(0)
        for number, unit in _PART.findall(value):
            whole, _, fraction = number.partition(".")
            whole, fraction = whole.lstrip("0"), fraction.rstrip("0")
            if len(whole) > _MAX_DIGITS:
                total = Fraction(MAX_SECONDS + 1)
                continue
            if len(fraction) > _MAX_DIGITS:
                raise ValueError(f"{_shown(value)}: {_NOT_WHOLE}")
            total += Fraction(f"{whole or 0}.{fraction or 0}") * _SECONDS[unit]
        return total
    raise ValueError(
        f"{_shown(value)} is not a duration; write it like '90m', '6h' or '1h30m', "
        "or give seconds or a timedelta"
    )


def _shown(value: object) -> str:
    """`value` for a message: a huge number by its size (Python cannot print one past 4,300
    digits), anything else as Python writes it, shortened."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"a number of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= 60 else text[:56] + "..."


_GO_PART = re.compile(r"(\d*)(?:\.(\d*))?(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_GO_UNITS = {
    "ns": 1,
    "us": 10**3,
    "\u00b5s": 10**3,
    "\u03bcs": 10**3,
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}


def go_duration_seconds(text: str) -> float | None:
    """Seconds in a duration as Go's time.ParseDuration reads it (what Tekton accepts in
    hand-written YAML: `1h30m`, `90s`, `1.5h`, `0`), or None when Go would reject it,
    including when it overflows time.Duration's int64 nanoseconds."""
    nanoseconds = go_duration_nanoseconds(text)
    return None if nanoseconds is None else nanoseconds / 10**9


def go_duration_nanoseconds(text: str) -> int | None:
    """time.ParseDuration step by step: each number's whole part, the fraction (digits past
    what fits are ignored, as Go does), the unit, each checked against 2**63 as Go checks."""
    negative = text[:1] == "-"
    body = text[1:] if text[:1] in ("+", "-") else text
    if body == "0":
        return 0
    if not body:
        return None
    total, position = 0, 0
    while position < len(body):
        part = _GO_PART.match(body, position)
        if part is None or not (part[1] or part[2]):
            return None
        position = part.end()
        whole = part[1].lstrip("0")
        if len(whole) > 19 or int(whole or 0) > 2**63:
            return None
        unit = _GO_UNITS[part[3]]
        if int(whole or 0) > 2**63 // unit:
            return None
        value = int(whole or 0) * unit
        fraction, scale = _go_fraction(part[2] or "")
        if fraction > 0:
            value += int(float(fraction) * (float(unit) / scale))
            if value > 2**63:
                return None
        total += value
        if total > 2**63:
            return None
    if not negative and total > MAX_NANOSECONDS:
        return None
    return -total if negative else total


def _go_fraction(digits: str) -> tuple[int, float]:
    """Go's leadingFraction: the digits that fit in 63 bits, and 10 to their count."""
    value, scale = 0, 1.0
    for digit in digits:
        if value > MAX_NANOSECONDS // 10 or value * 10 + int(digit) > 2**63:
            break
        value, scale = value * 10 + int(digit), scale * 10
    return value, scale


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
