"""`modelcar validate`: Tekton YAML files and directories through the same rules as compiled
output, with cross-file checks among the files given, reported as `file:line`."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.errors import InputFileError, Problem
from modelcar_dsl.diagnostics.source import SourceLocation, display_path
from modelcar_dsl.model.gates import Gates
from modelcar_dsl.reading.kustomizations import kustomization_problems
from modelcar_dsl.reading.yaml_source import (
    LoadedFile,
    Resource,
    YamlLimitError,
    YamlSyntaxError,
    load_documents,
)
from modelcar_dsl.rules import SourceDocument, validate_documents
from modelcar_dsl.rules.document import Locate
from modelcar_dsl.rules.validate import is_validated, is_validated_kind

YAML_SUFFIXES = (".yaml", ".yml")


@attrs.frozen
class ValidationReport:
    """What `modelcar validate` found: the problems, and how much it looked at."""

    problems: tuple[Problem, ...]
    files: int
    validated: int
    skipped: int

    def count(self, severity: str) -> int:
        return sum(1 for problem in self.problems if problem.severity == severity)

    def failed(self, strict: bool = False) -> bool:
        """An error was found (or, `strict`, a policy warning too): exit 1."""
        return any(
            problem.severity == "error" or (strict and problem.severity == "warning")
            for problem in self.problems
        )

    def as_text(self) -> str:
        lines = [_printable(report_line(problem)) for problem in self.problems]
        counts = [
            _plural(self.count(severity), word)
            for severity, word in (("error", "error"), ("warning", "warning"), ("info", "note"))
        ]
        lines.append(
            f"{', '.join(counts)} in {_plural(self.files, 'file')} "
            f"({_plural(self.validated, 'Tekton resource')} validated, "
            f"{_plural(self.skipped, 'other document')} skipped)"
        )
        return "\n".join(lines) + "\n"

    def as_json(self) -> str:
        body = {
            "problems": [_problem_json(problem) for problem in self.problems],
            "summary": {
                "problems": len(self.problems),
                "errors": self.count("error"),
                "warnings": self.count("warning"),
                "notes": self.count("info"),
                "files": self.files,
                "validated": self.validated,
                "skipped": self.skipped,
            },
        }
        return json.dumps(body, indent=2) + "\n"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def report_line(problem: Problem) -> str:
    """`file:line: <label>: resource path: message [rule]`, the label saying who refuses it."""
    where = f"{problem.location}: " if problem.location else ""
    subject = " ".join(part for part in (problem.resource, problem.path) if part)
    label = catalog.label(problem.severity, problem.origin)
    return f"{where}{label}: {subject + ': ' if subject else ''}{problem.message} [{problem.rule}]"


def _printable(line: str) -> str:
    """`line` with unprintable characters escaped (`\\x1b`): a value from a file cannot break
    the report into lines or send escape sequences to the terminal."""
    if line.isprintable():
        return line
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in line)


def _problem_json(problem: Problem) -> dict[str, Any]:
    location = problem.location
    return {
        "file": display_path(location.file) if location else None,
        "line": location.line if location else None,
        "resource": problem.resource,
        "path": problem.path,
        "rule": problem.rule,
        "severity": problem.severity,
        "origin": problem.origin,
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


def read_input(file: Path, max_bytes: int) -> bytes:
    """The bytes of a file to validate; InputFileError (exit 2) when it cannot be read, is
    not a regular file (a FIFO would block) or is over `max_bytes`."""
    shown = display_path(str(file))
    try:
        status = file.stat()
        if not stat.S_ISREG(status.st_mode):
            raise InputFileError(f"{shown}: not a regular file; name YAML files or directories")
        if status.st_size <= max_bytes:
            with file.open("rb") as stream:
                data = stream.read(max_bytes + 1)
            if len(data) <= max_bytes:
                return data
    except OSError as error:
        raise InputFileError(
            f"{shown}: cannot be read ({error.strerror or error}); check that it exists and "
            "its permissions"
        ) from None
    raise InputFileError(
        f"{shown}: {max(status.st_size, max_bytes + 1) / 2**20:.1f} MiB is over the "
        f"{max_bytes / 2**20:g} MiB a file may have; pass --max-file-mib to read bigger files"
    )


def _resources(file: Path, loaded: LoadedFile) -> Iterable[tuple[SourceDocument, Resource]]:
    """The mappings among a file's resources, each with a way to find its fields' lines."""
    for resource in loaded.resources:
        if isinstance(resource.body, dict):
            yield SourceDocument(resource.body, _line_finder(file, resource)), resource


def _line_finder(file: Path, resource: Resource) -> Locate:
    """Field path -> file and line."""
    return lambda path: SourceLocation(str(file), resource.line_of(path))


def validate_files(
    paths: Sequence[Path],
    ignore: frozenset[str] = frozenset(),
    insecure_registries: frozenset[str] = frozenset(),
    max_file_bytes: int = 16 * 2**20,
    gates: Gates | None = None,
) -> ValidationReport:
    """Every problem of the YAML files below `paths`; `insecure_registries` are the hosts a
    TLS switch may turn verification off for (the project's setting). A file that cannot be
    read, or is over `max_file_bytes`, raises InputFileError."""
    files = yaml_files(paths)
    documents: list[SourceDocument] = []
    problems: list[Problem] = []
    loaded_files: dict[Path, LoadedFile] = {}
    skipped = 0
    for file in files:
        try:
            loaded = load_documents(read_input(file, max_file_bytes), is_validated_kind)
            loaded_files[file.resolve()] = loaded
        except YamlSyntaxError as error:
            rule = catalog.YAML_LIMIT if isinstance(error, YamlLimitError) else catalog.YAML_SYNTAX
            if rule.id not in ignore:
                location = SourceLocation(str(file), error.line)
                problems.append(catalog.problem(rule, "", "", str(error), location))
            continue
        skipped += loaded.skipped
        for source, resource in _resources(file, loaded):
            documents.append(source)
            if not is_validated(source) or catalog.YAML_DUPLICATE_KEY.id in ignore:
                continue
            for key, line in resource.duplicate_keys:
                problems.append(
                    catalog.problem(
                        catalog.YAML_DUPLICATE_KEY,
                        source.resource,
                        key,
                        "this key appears more than once in one mapping; YAML keeps only "
                        "the last, so the first is silently lost",
                        SourceLocation(str(file), line),
                    )
                )
    problems.extend(validate_documents(documents, ignore, insecure_registries, gates))
    if catalog.KUSTOMIZATION_RUN.id not in ignore:
        problems.extend(
            kustomization_problems(
                paths, loaded_files, lambda file: read_input(file, max_file_bytes)
            )
        )
    validated = sum(1 for document in documents if is_validated(document))
    return ValidationReport(
        tuple(sorted(problems, key=_position)),
        files=len(files),
        validated=validated,
        skipped=skipped + len(documents) - validated,
    )


def _position(problem: Problem) -> tuple[str, int]:
    location = problem.location
    return (location.file, location.line) if location else ("", 0)
