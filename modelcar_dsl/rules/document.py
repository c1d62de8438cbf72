"""A Tekton document under validation, where its fields came from, and how rules report on it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.catalog import Origin, Rule
from modelcar_dsl.diagnostics.errors import Problem
from modelcar_dsl.diagnostics.source import SourceLocation
from modelcar_dsl.rules.context import ValidationContext
from modelcar_dsl.rules.findings import Finding

Locate = Callable[[str], SourceLocation | None]


@attrs.frozen
class SourceDocument:
    """A Task, Pipeline or PipelineRun as a plain dict, with a way to find the file and line of
    any field path (a YAML line index for files, a source map for compiled DSL)."""

    body: dict[str, Any]
    locate: Locate

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion", ""))

    @property
    def name(self) -> str:
        metadata = self.body.get("metadata")
        if not isinstance(metadata, dict):
            return ""
        return str(metadata.get("name") or metadata.get("generateName") or "")

    @property
    def resource(self) -> str:
        return f"{self.kind.lower() or 'document'}/{self.name or '?'}"


@attrs.define
class Report:
    """Collects the problems of one document; rules call it with a field path, rule and message."""

    document: SourceDocument
    problems: list[Problem]
    ignore: frozenset[str] = frozenset()
    context: ValidationContext = attrs.field(factory=ValidationContext)
    unchecked: Origin | None = None
    """The origin of every finding, for a part Tekton's webhook does not read (so what is wrong
    there reaches the run); `attrs.evolve` makes such a view sharing `problems`."""

    def __call__(self, path: str, rule: Rule, message: str, origin: Origin | None = None) -> None:
        if rule.id in self.ignore:
            return
        origin = self.unchecked or origin
        self.problems.append(
            catalog.problem(
                rule, self.document.resource, path, message, self.document.locate(path), origin
            )
        )

    def add(self, findings: Iterable[Finding], at: str) -> None:
        """Report `findings` a validator returned for the object at path `at`."""
        for finding in findings:
            self(finding.path.under(at), finding.rule, finding.message, finding.origin)


def mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a mapping, else empty: wrong types are reported by the type rules."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    """`value` when it is a list, else empty."""
    return value if isinstance(value, list) else []


def mappings(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The (position, item) pairs of a list of mappings, skipping items of other types."""
    return [(i, item) for i, item in enumerate(sequence(value)) if isinstance(item, dict)]


def named(
    items: Any, path: str, report: Report, what: str, origin: Origin | None = None
) -> list[tuple[int, str, dict[str, Any]]]:
    """The (position, name, item) of a list of named mappings (params, results, workspaces,
    bindings); an item without a name is reported (at `origin`, where Tekton's webhook lets
    it through) and left out."""
    found = []
    for index, item in mappings(items):
        name = item.get("name")
        if isinstance(name, str) and name:
            found.append((index, name, item))
        else:
            message = f"a {what} needs a name"
            report(f"{path}[{index}].name", catalog.MISSING_FIELD, message, origin=origin)
    return found


def shape(value: Any) -> str:
    """A value as a message names it: a list, a mapping, or its type and value (shortened)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return f"the {type(value).__name__} {text if len(text) <= 80 else text[:76] + '...'}"


def exactly_one(
    body: dict[str, Any], fields: tuple[str, str], path: str, rule: Rule, report: Report
) -> str | None:
    """The one of two exclusive fields `body` has (a taskRef or a taskSpec); when it has both
    or neither, that is reported and None returned."""
    present = [field for field in fields if field in body]
    if len(present) == 1:
        return present[0]
    report(
        path,
        rule,
        f"expected exactly one of {fields[0]} and {fields[1]}, got "
        + ("both" if present else "neither"),
    )
    return None
