"""`modelcar validate`: Tekton YAML files and directories through the same rules as compiled
output, with cross-file checks among the files given, reported as `file:line`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from modelcar_dsl.errors import Problem
from modelcar_dsl.rules import SourceDocument, catalog, validate_documents
from modelcar_dsl.rules.document import Locate
from modelcar_dsl.rules.validate import is_validated
from modelcar_dsl.source import SourceLocation, display_path
from modelcar_dsl.yaml_source import LoadedDocument, YamlSyntaxError, load_documents

YAML_SUFFIXES = (".yaml", ".yml")


@attrs.frozen
class ValidationReport:
    """What `modelcar validate` found: the problems, and how much it looked at."""

    problems: tuple[Problem, ...]
    files: int
    validated: int
    skipped: int

    def as_text(self) -> str:
        lines = [str(problem) for problem in self.problems]
        count = len(self.problems)
        lines.append(
            f"{count} problem{'s' if count != 1 else ''} in {self.files} file"
            f"{'s' if self.files != 1 else ''} ({self.validated} Tekton resources validated, "
            f"{self.skipped} other documents skipped)"
        )
        return "\n".join(lines) + "\n"

    def as_json(self) -> str:
        body = {
            "problems": [_problem_json(problem) for problem in self.problems],
            "summary": {
                "problems": len(self.problems),
                "files": self.files,
                "validated": self.validated,
                "skipped": self.skipped,
            },
        }
        return json.dumps(body, indent=2) + "\n"


def _problem_json(problem: Problem) -> dict[str, Any]:
    location = problem.location
    return {
        "file": display_path(location.file) if location else None,
        "line": location.line if location else None,
        "resource": problem.resource,
        "path": problem.path,
        "rule": problem.rule,
        "message": problem.message,
    }


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the YAML files below the directories named (hidden ones skipped),
    each once, in a stable order."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in candidate.relative_to(path).parts)
                if candidate.suffix in YAML_SUFFIXES and candidate.is_file() and not hidden:
                    found.setdefault(candidate, None)
        else:
            found.setdefault(path, None)
    return list(found)


def _documents(file: Path, loaded: LoadedDocument) -> Iterable[SourceDocument]:
    """The documents of one loaded YAML document: itself, or the items of a `kind: List`."""
    body = loaded.body
    if (
        isinstance(body, dict)
        and body.get("kind") == "List"
        and isinstance(body.get("items"), list)
    ):
        for position, item in enumerate(body["items"]):
            if isinstance(item, dict):
                yield SourceDocument(item, _line_finder(file, loaded, f"items[{position}]"))
    elif isinstance(body, dict):
        yield SourceDocument(body, _line_finder(file, loaded, ""))


def _line_finder(file: Path, loaded: LoadedDocument, prefix: str) -> Locate:
    """Field path -> file and line, for a document at `prefix` inside the loaded one."""

    def locate(path: str) -> SourceLocation:
        inner = ".".join(part for part in (prefix, path) if part)
        return SourceLocation(str(file), loaded.line_of(inner))

    return locate


def validate_files(
    paths: Sequence[Path],
    ignore: frozenset[str] = frozenset(),
    insecure_registries: frozenset[str] = frozenset(),
) -> ValidationReport:
    """Every problem of the YAML files below `paths`; `insecure_registries` are the hosts a
    TLS switch may turn verification off for (the project's setting)."""
    files = yaml_files(paths)
    documents: list[SourceDocument] = []
    problems: list[Problem] = []
    for file in files:
        try:
            loaded = load_documents(file.read_text(encoding="utf-8"))
        except YamlSyntaxError as error:
            if catalog.YAML_SYNTAX.id not in ignore:
                problems.append(
                    Problem(
                        "",
                        "",
                        str(error),
                        catalog.YAML_SYNTAX.id,
                        SourceLocation(str(file), error.line),
                    )
                )
            continue
        except UnicodeDecodeError as error:
            problems.append(
                Problem(
                    "",
                    "",
                    f"not UTF-8 text: {error.reason}",
                    catalog.YAML_SYNTAX.id,
                    SourceLocation(str(file), 1),
                )
            )
            continue
        for document in loaded:
            for source in _documents(file, document):
                documents.append(source)
                if is_validated(source) and catalog.YAML_DUPLICATE_KEY.id not in ignore:
                    for key in document.duplicate_keys:
                        problems.append(
                            Problem(
                                source.resource,
                                key,
                                "this key appears more than once in one mapping; YAML keeps only "
                                "the last, so the first is silently lost",
                                catalog.YAML_DUPLICATE_KEY.id,
                                SourceLocation(str(file), document.line_of(key)),
                            )
                        )
    problems.extend(validate_documents(documents, ignore, insecure_registries))
    validated = sum(1 for document in documents if is_validated(document))
    return ValidationReport(
        tuple(sorted(problems, key=_position)),
        files=len(files),
        validated=validated,
        skipped=len(documents) - validated,
    )


def _position(problem: Problem) -> tuple[str, int]:
    location = problem.location
    return (location.file, location.line) if location else ("", 0)
