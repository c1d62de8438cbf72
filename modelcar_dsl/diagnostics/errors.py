"""The one exception hierarchy of modelcar-dsl; the CLI maps every subclass to exit code 2."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from modelcar_dsl.diagnostics.source import SourceLocation


@attrs.frozen
class Problem:
    """One thing wrong with the user's input: which rule, where (resource, field path, source
    line) and how to fix it. `rule` names the section of docs/errors.md that explains it."""

    resource: str
    path: str
    message: str
    rule: str
    location: SourceLocation | None = None
    origin: str = "tekton"
    """Who refuses it (`tekton` admission, `kubectl apply`, `run` time, `modelcar` policy, `dsl`,
    `info`)."""
    severity: str = "error"
    """`error`, `warning` (policy; an error under --strict and for compile) or `info`."""

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        subject = " ".join(part for part in (self.resource, self.path) if part)
        trail = self.location.trail if self.location else ""
        return f"{where}{subject + ': ' if subject else ''}{self.message}{trail} [{self.rule}]"


class ModelcarError(Exception):
    """Base of every error caused by the user's input rather than by a bug in modelcar-dsl."""


class DefinitionError(ModelcarError):
    """A task, pipeline or run is declared in a way the DSL cannot express (raised on import)."""

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        self.location = location
        super().__init__(f"{location}: {message}{location.trail}" if location else message)


class ValidationError(ModelcarError):
    """Declarations that Tekton would reject; carries every problem found, not only the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [str(problem) for problem in self.problems]
        lines.append(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.")
        super().__init__("\n".join(lines))


class CycleError(ModelcarError):
    """The pipeline's task graph has a cycle, so it has no order."""

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__("tasks form a cycle: " + " -> ".join([*cycle, cycle[0]]))


class ProjectError(ModelcarError):
    """The project settings or the modules they name cannot be loaded."""


class UserCodeError(ProjectError):
    """A project module raised while being imported: its own traceback (--debug) is the help."""


class InputFileError(ModelcarError):
    """A file given to read cannot be read: missing, unreadable, not a regular file, too big."""


class OutputTreeError(ModelcarError):
    """The out tree holds something the compiler must not overwrite."""


class MissingExtraError(ModelcarError):
    """A command needs an optional extra (and its system tools) that are not installed."""


class ClusterError(ModelcarError):
    """The cluster cannot be reached, refused a request, or lacks what a run needs."""


class LocalRunError(ModelcarError):
    """A local run cannot start: an unmapped Secret, a bad --param, a run directory in use."""
