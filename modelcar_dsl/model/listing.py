"""Lists given to the DSL, held to being lists: a string where a list belongs would be split
into its letters (`command="sleep 1"`, `namespaces="default"`, each letter a valid name), and a
single value would fail with a TypeError instead of at the user's line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def listing_problem(value: object, field: str) -> str | None:
    """Why `value`, given for the list `field`, is not one, or None."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return f"{field} must be a list, got {value!r}"
    return None


def listing_problems(**fields: object) -> list[str]:
    """`listing_problem` of each keyword's value, named by the keyword."""
    return [p for field, value in fields.items() if (p := listing_problem(value, field))]


def as_tuple(value: Any) -> tuple[Any, ...]:
    """An attrs converter: any iterable as a tuple, frozen like the spec that holds it
    (`as_listed` instead keeps a string or single value for the class to refuse)."""
    return tuple(value)


def as_listed(value: Any) -> Any:
    """An attrs converter: a list as a tuple; anything `listing_problem` refuses as given, for
    the class's check to name it."""
    return value if listing_problem(value, "") else tuple(value)
