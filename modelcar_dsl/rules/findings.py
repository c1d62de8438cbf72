"""Problems found relative to the object a validator checks, which its callers place by
prefixing the field that holds it, as Tekton's `FieldError.ViaField` does: validators return
findings instead of threading absolute path strings and a report down."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from modelcar_dsl.diagnostics.catalog import Origin, Rule


@attrs.frozen
class FieldPath:
    """A place under the object being checked, as segments (`.tasks`, `[0]`) so that prefixing
    is joining tuples; rendered only once a caller knows where the object sits."""

    segments: tuple[str, ...] = ()

    def field(self, name: str) -> FieldPath:
        return FieldPath((*self.segments, f".{name}"))

    def index(self, position: int) -> FieldPath:
        return FieldPath((*self.segments, f"[{position}]"))

    @classmethod
    def rendered(cls, text: str) -> FieldPath:
        """A relative path the string walkers (`variables.strings`) already rendered, such as
        `.params[0].value`."""
        return cls((text,))

    def under(self, prefix: str) -> str:
        """The path below `prefix` (an absolute path such as `spec.tasks[0]`, or "" for the
        relative path itself)."""
        text = "".join(self.segments)
        return prefix + text if prefix else text.removeprefix(".")


HERE = FieldPath()
"""The object being checked itself."""


@attrs.frozen
class Finding:
    """One problem at a path relative to the object its validator checked; `origin` as the
    catalog's (None: Tekton's webhook refuses it)."""

    rule: Rule
    message: str
    path: FieldPath = HERE
    origin: Origin | None = None

    def via_field(self, name: str) -> Finding:
        return attrs.evolve(self, path=FieldPath((f".{name}", *self.path.segments)))

    def via_index(self, position: int) -> Finding:
        return attrs.evolve(self, path=FieldPath((f"[{position}]", *self.path.segments)))

    def via_field_index(self, name: str, position: int) -> Finding:
        return self.via_index(position).via_field(name)


def via_field(findings: Iterable[Finding], name: str) -> list[Finding]:
    """`findings` of an object held in field `name`."""
    return [finding.via_field(name) for finding in findings]


def via_index(findings: Iterable[Finding], position: int) -> list[Finding]:
    """`findings` of the item at `position` of a list."""
    return [finding.via_index(position) for finding in findings]
