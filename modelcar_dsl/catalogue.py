"""Names that only a catalogue record may carry into a task.

A task param annotated with a `CatalogueName` subclass (the Model Registry's model and version
names) accepts only the field of that type of a catalogue-record pipeline param, so the build
registers exactly what the tests look up: a literal, a plain `str` param or a result there is a
compile error, and, with `@task`'s typed signature, a mypy error too.
"""

from __future__ import annotations

from typing import Any


class CatalogueName(str):
    """Base of the name types a catalogue record's fields declare, e.g.
    `class RegisteredModelName(CatalogueName)` and, in the record,
    `registry_name: RegisteredModelName = attrs.field(converter=RegisteredModelName)`."""

    __slots__ = ()


def catalogue_type(annotation: Any) -> str | None:
    """`module.Class` of a CatalogueName annotation, or None for any other."""
    if isinstance(annotation, type) and issubclass(annotation, CatalogueName):
        if annotation is CatalogueName:
            return None
        return f"{annotation.__module__}.{annotation.__qualname__}"
    return None
