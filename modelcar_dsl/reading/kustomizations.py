"""Kustomizations that would apply a run with only a `generateName`: `kubectl apply -k` refuses
such a resource (apply needs a name), and a GitOps sync that creates it instead starts another
run at every sync. A run is found listed in `resources` directly, or through a listed
directory's own kustomization, as kustomize reads them; nothing outside the paths given to
`modelcar validate` is ever read."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.errors import Problem
from modelcar_dsl.diagnostics.source import SourceLocation
from modelcar_dsl.reading.yaml_source import LoadedFile, Resource, YamlSyntaxError, load_documents
from modelcar_dsl.rules.document import mapping, sequence
from modelcar_dsl.rules.validate import RUN_KINDS

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
"""The names kustomize looks for in a directory, in its order."""
OPERAND_FIELDS = ("resources", "bases", "components")
"""Fields listing files and directories kustomize builds into its output (`bases` is the
deprecated spelling of `resources`; components list directories too)."""
_REMOTE_PREFIXES = ("git@", "github.com/", "gitlab.com/", "bitbucket.org/")

ReadFile = Callable[[Path], bytes]
"""Reads a file to check, within validate's size limit (InputFileError beyond it)."""


def kustomization_problems(
    roots: Sequence[Path],
    loaded: Mapping[Path, LoadedFile],
    read: ReadFile,
) -> list[Problem]:
    """The kustomization-run problems of every kustomization in or below `roots` (a file root
    stands for its directory), and of the kustomizations they reach. `loaded` holds the files
    validate already read (by real path); `read` reads any other file, within its size limit."""
    walk = _Walk(tuple(_real_root(root) for root in roots), loaded, read)
    for kustomization in _kustomizations_below(roots):
        walk.visit(kustomization)
    return walk.problems


def _real_root(root: Path) -> Path:
    real = root.resolve()
    return real if real.is_dir() else real.parent


def _kustomizations_below(roots: Iterable[Path]) -> Iterator[Path]:
    """The kustomization file of each root and of each directory below it (hidden ones
    skipped, symbolic links not followed), parents first; a file root named like one."""
    for root in roots:
        if not root.is_dir():
            if root.name in KUSTOMIZATION_FILES:
                yield root
            continue
        for directory, subdirectories, _ in os.walk(root):
            subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
            if found := kustomization_in(Path(directory)):
                yield found


def kustomization_in(directory: Path) -> Path | None:
    """The file kustomize reads in `directory`, or None."""
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


@attrs.frozen
class _Listing:
    """A kustomization to read (its path as shown and its real path), and the entry of another
    that lists it (None for one found in the tree)."""

    file: Path
    real: str
    via: SourceLocation | None = None


class _Walk:
    """Kustomizations read breadth-first, each once by its real path (a cycle ends there)."""

    def __init__(
        self, roots: tuple[Path, ...], loaded: Mapping[Path, LoadedFile], read: ReadFile
    ) -> None:
        self.prefixes = tuple(os.path.join(str(root), "") for root in roots)
        self.loaded = loaded
        self.read = read
        self.queued: set[str] = set()
        self.directories: set[str] = set()
        """Listed directories already followed: listing one again reaches nothing new."""
        self.targets: dict[tuple[str, str], str | None] = {}
        self.runs_by_file: dict[str, list[dict[str, Any]]] = {}
        self.problems: list[Problem] = []

    def visit(self, kustomization: Path) -> None:
        pending: deque[_Listing] = deque()
        self._enqueue(pending, kustomization, None)
        while pending:
            listing = pending.popleft()
            document = self._kustomization(listing.real)
            if document is None:
                continue
            directory = str(listing.file.parent)
            for path, entry in _entries(document.body):
                target = self._target(directory, entry)
                if target is None:
                    continue
                if target in self.directories:
                    continue
                if os.path.isdir(target):
                    self.directories.add(target)
                    nested = kustomization_in(Path(target))
                    if nested is not None:
                        shown = Path(os.path.normpath(os.path.join(directory, entry, nested.name)))
                        where = SourceLocation(str(listing.file), document.line_of(path))
                        self._enqueue(pending, shown, where)
                elif runs := self._runs(target):
                    where = SourceLocation(str(listing.file), document.line_of(path))
                    for run in runs:
                        self.problems.append(_problem(run, entry, path, where, listing.via))

    def _enqueue(self, pending: deque[_Listing], file: Path, via: SourceLocation | None) -> None:
        real = self._inside(str(file))
        if real is not None and real not in self.queued:
            self.queued.add(real)
            pending.append(_Listing(file, real, via))

    def _target(self, directory: str, entry: str) -> str | None:
        """What `entry` of a kustomization in `directory` names, resolved once: a list of many
        equal entries costs one look-up."""
        key = (directory, entry)
        if key not in self.targets:
            self.targets[key] = self._inside(os.path.join(directory, entry))
        return self.targets[key]

    def _inside(self, path: str) -> str | None:
        """`path`'s real path when it exists within a root; None when it leaves them (through
        `..`, an absolute path or a symbolic link) or cannot be resolved. A missing path costs
        one stat."""
        if not os.path.exists(path):
            return None
        try:
            real = os.path.realpath(path)
        except (OSError, ValueError):
            return None
        if os.path.join(real, "").startswith(self.prefixes):
            return real
        return None

    def _kustomization(self, file: str) -> Resource | None:
        """The kustomization's first document, when it is a mapping that reads as YAML (a broken
        one is reported as a YAML file, or by kustomize)."""
        try:
            resources = load_documents(self.read(Path(file))).resources
        except YamlSyntaxError:
            return None
        first = resources[0] if resources else None
        return first if first is not None and isinstance(first.body, dict) else None

    def _runs(self, file: str) -> list[dict[str, Any]]:
        """The runs with only a generateName among a listed file's resources, read once (a
        directory without a kustomization, or anything but a regular file, holds none)."""
        if file not in self.runs_by_file:
            loaded = self.loaded.get(Path(file))
            if loaded is None and not os.path.isfile(file):
                loaded = LoadedFile((), 0)
            if loaded is None:
                try:
                    loaded = load_documents(self.read(Path(file)), _is_run)
                except YamlSyntaxError:
                    loaded = LoadedFile((), 0)
            self.runs_by_file[file] = [
                resource.body for resource in loaded.resources if _generated_run(resource.body)
            ]
        return self.runs_by_file[file]


def _entries(body: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field path, entry) of each local file or directory the kustomization lists."""
    for field in OPERAND_FIELDS:
        for index, entry in enumerate(sequence(body.get(field))):
            if isinstance(entry, str) and entry and not _is_remote(entry):
                yield f"{field}[{index}]", entry


def _is_remote(entry: str) -> bool:
    return "://" in entry or "\0" in entry or entry.startswith(_REMOTE_PREFIXES)


def _is_run(api_version: str, kind: str) -> bool:
    return kind in RUN_KINDS


def _generated_run(body: Any) -> bool:
    if not isinstance(body, dict) or body.get("kind") not in RUN_KINDS:
        return False
    if not str(body.get("apiVersion", "")).startswith("tekton.dev/"):
        return False
    metadata = mapping(body.get("metadata"))
    return bool(metadata.get("generateName")) and not metadata.get("name")


def _problem(
    run: dict[str, Any],
    entry: str,
    path: str,
    location: SourceLocation,
    via: SourceLocation | None,
) -> Problem:
    kind = str(run.get("kind"))
    generate_name = str(mapping(run.get("metadata")).get("generateName"))
    through = f" (this kustomization is applied through {via})" if via else ""
    message = (
        f"{entry} holds a {kind} with only generateName {generate_name!r}{through}: "
        "`kubectl apply -k` refuses it ('cannot use generate name with apply') and a GitOps "
        "sync that creates it instead starts another run at every sync. List runs outside the "
        "kustomization (like compile's 03-runs/) and start each with `oc create -f`"
    )
    return catalog.problem(catalog.KUSTOMIZATION_RUN, "kustomization", path, message, location)
