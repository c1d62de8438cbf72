"""A step script and the library files it uses, assembled into the one text a Task carries.

A script names its shared code the way it runs on a laptop: bash sources a file beside it
(`source "$(dirname "${BASH_SOURCE[0]}")/lib/oci.sh"`), Python imports a module of the same
library (`from tasks.lib.step_inputs import confined_path`). The compiler puts that file's text in
place of the line, once per script, so the compiled Task stays self-contained, and keeps for
every line of the result the file and line it came from, so problems point at the real source.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import attrs

from modelcar_dsl.errors import DefinitionError
from modelcar_dsl.source import SourceLocation, display_path

BASH_SOURCE = re.compile(
    r'^\s*(?:source|\.) "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)/(?P<path>[A-Za-z0-9_./-]+)"\s*$'
)
SHELLCHECK_SOURCE = re.compile(r"^\s*# shellcheck source=")
PYTHON_FROM_IMPORT = re.compile(r"^from (?P<module>[A-Za-z_][\w.]*) import [\w, ()]+$")
FUTURE_IMPORT = re.compile(r"^from __future__ import ")

Origin = tuple[str, int]
"""(file, 1-based line) a line of an assembled script came from."""


@attrs.frozen
class AssembledScript:
    """A script with its included files inlined; `origins[i]` is where line i+1 came from."""

    text: str
    origins: tuple[Origin, ...]


def line_origin(origins: tuple[Origin, ...], line: int) -> str:
    """`file:line` where line `line` (1-based) of an assembled script was written."""
    file, number = origins[line - 1] if 0 < line <= len(origins) else ("?", line)
    return f"{display_path(file)}:{number}"


def assemble_script(path: Path, location: SourceLocation) -> AssembledScript:
    """The script at `path` with every library file it sources or imports inlined."""
    text = _read(path, location, path)
    if not text.startswith("#!"):
        raise DefinitionError(
            f"script {path.name!r} must start with a shebang line (#!/usr/bin/env bash, "
            "#!/usr/bin/env python3) so the container knows how to run it",
            location,
        )
    python = text.splitlines()[0].rstrip().endswith(("python", "python3"))
    lines: list[str] = []
    origins: list[Origin] = []
    _append(path, text, python, location, lines, origins, included={path})
    return AssembledScript("".join(line + "\n" for line in lines), tuple(origins))


def _append(
    path: Path,
    text: str,
    python: bool,
    location: SourceLocation,
    lines: list[str],
    origins: list[Origin],
    included: set[Path],
) -> None:
    source_lines = text.splitlines()
    continued = False
    for number, line in enumerate(source_lines, start=1):
        if continued:
            continued = ")" not in line
            continue
        directive = not python and SHELLCHECK_SOURCE.match(line)
        if directive and _next_is_bash_source(source_lines, number):
            continue
        library = _library_of(path, line, python, location)
        if library is None:
            lines.append(line)
            origins.append((str(path), number))
            continue
        continued = python and line.rstrip().endswith("(")
        if library in included:
            continue
        included.add(library)
        library_text = _read(library, location, path)
        if python and any(FUTURE_IMPORT.match(row) for row in library_text.splitlines()):
            raise DefinitionError(
                f"{display_path(str(library))} has a `from __future__` import, which cannot "
                f"follow the other lines of {path.name}; remove it (Python 3.11 needs none)",
                location,
            )
        lines.append(f"# modelcar-dsl: inlined {_relative(library, path)} here")
        origins.append((str(path), number))
        _append(library, library_text, python, location, lines, origins, included)


def _next_is_bash_source(lines: list[str], number: int) -> bool:
    """The shellcheck directive is dropped with the `source` line it annotates."""
    return number < len(lines) and BASH_SOURCE.match(lines[number]) is not None


def _library_of(path: Path, line: str, python: bool, location: SourceLocation) -> Path | None:
    """The library file `line` sources or imports, if it is one of the script's own."""
    if not line.startswith("from " if python else ("source ", ". ")):
        return None
    if not python:
        match = BASH_SOURCE.match(line)
        if match is None:
            return None
        library = (path.parent / match["path"]).resolve()
        if not library.is_file():
            raise DefinitionError(
                f"{display_path(str(path))} sources {match['path']}, which is not a file beside "
                "it; the path is relative to the script's directory",
                location,
            )
        return library
    match = PYTHON_FROM_IMPORT.match(line.strip()) if not line.startswith((" ", "\t")) else None
    if match is None or match["module"].split(".")[0] == "__future__":
        return None
    root = _library_root(path)
    origin = _module_file(match["module"], root)
    if origin is None or not origin.is_relative_to(root) or origin.suffix != ".py":
        return None
    return origin


_MODULE_FILES: dict[tuple[str, Path], Path | None] = {}
"""Found once per library: every step of a task library imports the same few modules."""


def _module_file(module: str, library_root: Path) -> Path | None:
    """Where `module` is, without running it (its parent packages are imported)."""
    key = (module, library_root)
    if key not in _MODULE_FILES:
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        _MODULE_FILES[key] = Path(spec.origin).resolve() if spec and spec.origin else None
    return _MODULE_FILES[key]


def _library_root(path: Path) -> Path:
    """The top of the task library a script belongs to: the outermost package around it."""
    root = path.parent.resolve()
    while (root.parent / "__init__.py").is_file():
        root = root.parent
    return root


def _relative(library: Path, including: Path) -> str:
    try:
        return library.relative_to(_library_root(including)).as_posix()
    except ValueError:
        return library.name


def _read(path: Path, location: SourceLocation, script: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise DefinitionError(
            f"cannot read script {display_path(str(path))} ({reason}); script paths are "
            "relative to the file that calls script_step"
            + (f", included from {script.name}" if path != script else ""),
            location,
        ) from None
