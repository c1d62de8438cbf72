"""Catalogue records: names only they may carry into a task, and checks their fields declare.

A task param annotated with a `CatalogueName` subclass (the Model Registry's model and version
names) accepts only the field of that type of a catalogue-record pipeline param, so the build
registers exactly what the tests look up: a literal, a plain `str` param or a result there is a
compile error, and, with `@task`'s typed signature, a mypy error too.

A record's fields may also declare checks of their own (`RecordCheck`): the compiler runs them
on every record a run passes and reports a refused value at the line that built the record.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Annotated, Any, Protocol, runtime_checkable

import attrs

from modelcar_dsl.diagnostics.source import SourceLocation, caller_location


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


@runtime_checkable
class RecordCheck(Protocol):
    """A check a catalogue record's field declares in its annotation, e.g.
    `source: Annotated[str, PinnedRevision()]`. It sees the whole record, so a field elsewhere in
    it can be the written exception to the check; the compiler reports what it returns at the
    line that built the record."""

    def record_problem(self, value: Any, record: Any) -> str | None:
        """Why `value`, the field's value in `record`, is refused; None when it is not."""


def where_defined() -> SourceLocation:
    """attrs factory of a record's location field, so a problem points at the record:
    `defined_at: SourceLocation = attrs.field(factory=where_defined, eq=False, repr=False,
    kw_only=True)`."""
    return caller_location(skip_generated=True)


def record_location(record: Any) -> SourceLocation | None:
    """The location a record keeps in a `SourceLocation` field, if it has one."""
    return next(
        (
            value
            for field in attrs.fields(type(record))
            if isinstance(value := getattr(record, field.name), SourceLocation)
        ),
        None,
    )


def record_problems(record: Any) -> Iterator[tuple[str, str]]:
    """(field, message) for every RecordCheck a field of `record` declares that its value
    breaks."""
    hints = typing.get_type_hints(type(record), include_extras=True)
    for field in attrs.fields(type(record)):
        annotation = hints.get(field.name)
        if typing.get_origin(annotation) is not Annotated:
            continue
        for extra in typing.get_args(annotation)[1:]:
            if isinstance(extra, RecordCheck):
                problem = extra.record_problem(getattr(record, field.name), record)
                if problem:
                    yield field.name, problem
