"""Kubernetes resource quantities (`500m`, `4Gi`, `1e3`) as the API server decodes them:
k8s.io/apimachinery's ParseQuantity behind Quantity.UnmarshalJSON, step by step, so a value is
refused here exactly when `kubectl apply` / Tekton's webhook would fail to decode it."""

from __future__ import annotations

import math
from typing import Any

DIGITS = frozenset("0123456789")
_SUFFIX_CHARACTERS = frozenset("eEinumkKMGTP")
_DECIMAL_SUFFIXES = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9}
_DECIMAL_SUFFIXES |= {"T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_JSON_SPACES = frozenset(" \u0085\u00a0\u1680\u202f\u205f\u3000") | frozenset(
    chr(code) for code in range(0x2000, 0x200B)
)
"""The white space Go's strings.TrimSpace strips that survives JSON encoding unescaped (tabs
and line breaks reach the decoder as `\\t`, `\\n`, which it does not trim)."""
_NANO = -9
"""The smallest scale ParseQuantity's fast path takes; below it a number needs digits."""
_DIGITLESS_BINARY_LIMIT = 40
"""The largest binary exponent (Ti) its fast path takes for a one-digit number: it keeps 15
digits, less about 0.3 per binary exponent; beyond, the number needs digits."""
_INT64 = 2**63
_SHOWN = 40

SUFFIXES_HELP = (
    "a number with a unit among Ki Mi Gi Ti Pi Ei (powers of 2), m k M G T P E (powers of 10) "
    "or e3 (an exponent), or none: 500m, 4Gi, 50G"
)


def quantity_problem(value: Any) -> str | None:
    """Why Kubernetes cannot decode `value` (as loaded from YAML) into a resource.Quantity, or
    None when it can: a string ParseQuantity accepts, a JSON number, or null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return f"{str(value).lower()} is a boolean, not a quantity; write {SUFFIXES_HELP}"
    if isinstance(value, int):
        return None
    if isinstance(value, float):
        if math.isfinite(value):
            return None
        return f"{value} is not a number JSON can hold; write {SUFFIXES_HELP}"
    if isinstance(value, dict | list):
        what = "mapping" if isinstance(value, dict) else "list"
        return f"a {what} is not a quantity; write {SUFFIXES_HELP}"
    if not isinstance(value, str):
        return f"{value!r} is not a quantity; write {SUFFIXES_HELP}"
    problem = parse_problem(_trim(value))
    return None if problem is None else f"{_shown(value)} {problem}; write {SUFFIXES_HELP}"


def _trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and text[start] in _JSON_SPACES:
        start += 1
    while end > start and text[end - 1] in _JSON_SPACES:
        end -= 1
    return text[start:end]


def _shown(text: str) -> str:
    return repr(text) if len(text) <= _SHOWN else repr(text[: _SHOWN - 3]) + "..."


def parse_problem(text: str) -> str | None:
    """ParseQuantity's verdict on `text`: None when it parses, else what is wrong. The grammar
    is looser than its documented regular expression: `1.G`, `.`, `+`, even `Gi` are 0."""
    if not text:
        return "is empty"
    position, end = 0, len(text)
    if text[0] in "+-":
        position = 1
    while position < end and text[position] == "0":
        position += 1
    if position == end:
        return None
    while position < end and text[position] in DIGITS:
        position += 1
    if position < end and text[position] == ".":
        position += 1
        while position < end and text[position] in DIGITS:
            position += 1
    has_digits = any(character in DIGITS for character in text[:position])
    suffix_start = position
    while position < end and text[position] in _SUFFIX_CHARACTERS:
        position += 1
    if position < end and text[position] in "+-":
        position += 1
    while position < end and text[position] in DIGITS:
        position += 1
    if position < end:
        unit = text[suffix_start:]
        if has_digits and unit.isascii() and unit.isalpha():
            return f"has the unit {unit!r}, which Kubernetes does not know"
        return "is not a number followed by a unit"
    return _suffix_problem(text[suffix_start:], has_digits)


def _suffix_problem(suffix: str, has_digits: bool) -> str | None:
    """The suffix's verdict, and the one case where the number's digits matter: a number with
    none (`Pi`, `e-10`) is 0 when ParseQuantity takes its fast path and an error when it
    takes the exact one (huge binary suffixes, scales below nano)."""
    if suffix in _DECIMAL_SUFFIXES:
        scale = _DECIMAL_SUFFIXES[suffix]
    elif suffix in _BINARY_SUFFIXES:
        fast = _BINARY_SUFFIXES[suffix] <= _DIGITLESS_BINARY_LIMIT
        return None if has_digits or fast else "has no digits before its unit"
    elif len(suffix) > 1 and suffix[0] in "eE" and _is_go_int64(suffix[1:]):
        scale = _as_int32(int(suffix[1:]))
    else:
        return f"has the unit {suffix!r}, which Kubernetes does not know"
    return None if has_digits or scale >= _NANO else "has no digits before its unit"


def _is_go_int64(text: str) -> bool:
    """strconv.ParseInt(text, 10, 64) succeeds: a sign, then decimal digits, within int64."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or any(character not in DIGITS for character in body) or len(body) > 30:
        return False
    return -_INT64 <= int(text) < _INT64


def _as_int32(value: int) -> int:
    """Go's int32(value) conversion, which wraps."""
    return (value + 2**31) % 2**32 - 2**31
