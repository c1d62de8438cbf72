"""A step script and the library files it uses, assembled into the one text a Task carries.

A script names its shared code the way it runs on a laptop: bash sources a file beside it
(`source "$(dirname "${BASH_SOURCE[0]}")/lib/oci.sh"`), Python imports names from a module of the
same library (`from modelcar_tasks.lib.step_inputs import confined_path`). The compiler puts that
file's text in place of the line, once per script, so the compiled Task stays self-contained,
and keeps for every line of the result the file and line it came from, so problems point at the
real source. A use of the library in any other form, or a name defined twice, is refused: inlined,
it would not mean what it means in the checkout.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from pathlib import Path

import attrs

from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation, display_path

BASH_SOURCE = re.compile(
    r'^(?:source|\.) "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)/(?P<path>[A-Za-z0-9_./-]+)"\s*$'
)
BASH_ANY_SOURCE = re.compile(r"^\s*(?:source|\.)\s")
BASH_PROLOGUE = re.compile(r"^(?:#.*|\s*|set\s.*)$")
"""Lines that may come before a library is sourced: comments, blank lines and `set` options."""
BASH_FUNCTION = re.compile(r"^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\)")
SHELLCHECK_SOURCE = re.compile(r"^\s*# shellcheck source=")
PYTHON_FROM_IMPORT = re.compile(
    r"^from (?P<module>[A-Za-z_][\w.]*) import (?P<names>\(?[\w, ]+\)?|\()\s*(?:#.*)?$"
)
PYTHON_ANY_IMPORT = re.compile(
    r"^\s*(?:from\s+(?P<from>[\w.]+)\s+import|import\s+(?P<plain>[\w.]+))"
)
FUTURE_IMPORT = re.compile(r"^from __future__ import ")
PYTHON_SHEBANG = re.compile(r"[/ ]python[0-9.]*\s*$")

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


@attrs.define
class _Assembly:
    """The lines assembled so far, where each came from, and what the files define."""

    python: bool
    location: SourceLocation
    lines: list[str] = attrs.Factory(list)
    origins: list[Origin] = attrs.Factory(list)
    included: set[Path] = attrs.Factory(set)
    defined: dict[str, Path] = attrs.Factory(dict)

    def refuse(self, path: Path, number: int, message: str) -> DefinitionError:
        return DefinitionError(f"{display_path(str(path))}:{number}: {message}", self.location)


def assemble_script(path: Path, location: SourceLocation) -> AssembledScript:
    """The script at `path` with every library file it sources or imports inlined."""
    text = _read(path, location, path)
    if not text.startswith("#!"):
        raise DefinitionError(
            f"script {path.name!r} must start with a shebang line (#!/usr/bin/env bash, "
            "#!/usr/bin/env python3) so the container knows how to run it",
            location,
        )
    python = PYTHON_SHEBANG.search(text.splitlines()[0]) is not None
    assembly = _Assembly(python, location, included={path})
    _append(path, text, assembly)
    return AssembledScript("".join(line + "\n" for line in assembly.lines), tuple(assembly.origins))


def _append(path: Path, text: str, assembly: _Assembly) -> None:
    source_lines = text.splitlines()
    _record_definitions(path, text, assembly)
    source = str(path)
    continued = False
    in_prologue = True
    for number, line in enumerate(source_lines, start=1):
        if continued:
            if " as " in line.split("#")[0]:
                raise assembly.refuse(path, number, _PYTHON_FORM)
            continued = ")" not in line.split("#")[0]
            continue
        if not assembly.python and SHELLCHECK_SOURCE.match(line):
            following = source_lines[number] if number < len(source_lines) else ""
            if BASH_SOURCE.match(following):
                continue
        library = _library_of(path, number, line, in_prologue, assembly)
        if library is None:
            if in_prologue and not BASH_PROLOGUE.match(line):
                in_prologue = False
            assembly.lines.append(line)
            assembly.origins.append((source, number))
            continue
        code = line.split("#")[0]
        continued = assembly.python and "(" in code and ")" not in code
        if library in assembly.included:
            continue
        assembly.included.add(library)
        library_text = _read(library, assembly.location, path)
        if assembly.python and any(FUTURE_IMPORT.match(row) for row in library_text.splitlines()):
            raise assembly.refuse(
                library,
                1,
                f"a `from __future__` import cannot follow the other lines of {path.name}; "
                "remove it (Python 3.11 needs none)",
            )
        assembly.lines.append(f"# modelcar-dsl: inlined {_relative(library, path)} here")
        assembly.origins.append((source, number))
        _append(library, library_text, assembly)


def _library_of(
    path: Path, number: int, line: str, in_prologue: bool, assembly: _Assembly
) -> Path | None:
    """The library file `line` sources or imports, if it is one of the script's own; a use of
    the library in a form that inlining would change is refused."""
    if not assembly.python:
        if not BASH_ANY_SOURCE.match(line) or not re.search(r"dirname|BASH_SOURCE|\$0", line):
            return None
        match = BASH_SOURCE.match(line)
        if match is None or not in_prologue:
            raise assembly.refuse(
                path,
                number,
                "source libraries at the top of the script, before its first command, as "
                'source "$(dirname "${BASH_SOURCE[0]}")/lib/NAME.sh": inlined anywhere else, '
                "a library would not run as it does in the checkout",
            )
        library = (path.parent / match["path"]).resolve()
        if not library.is_file():
            raise assembly.refuse(
                path,
                number,
                f"sources {match['path']}, which is not a file beside it; the path is relative "
                "to the script's directory",
            )
        return library
    imported = PYTHON_ANY_IMPORT.match(line)
    if imported is None:
        return None
    module = imported["from"] or imported["plain"]
    root = _library_root(path)
    if module.split(".")[0] != root.name:
        return None
    origin = _module_file(module, root)
    if origin is None or not origin.is_relative_to(root):
        return None
    supported = PYTHON_FROM_IMPORT.match(line)
    if supported is None or " as " in line.split("#")[0] or origin.name == "__init__.py":
        raise assembly.refuse(path, number, _PYTHON_FORM)
    return origin


_PYTHON_FORM = (
    "import library names at the top of the script as `from MODULE import NAME, ...` (no "
    "`as`, no module objects, not inside a function): the module is inlined, so only its own "
    "names exist in the pod"
)


def _record_definitions(path: Path, text: str, assembly: _Assembly) -> None:
    """Every top-level name a file defines; one defined in two files would be redefined by the
    inlining, silently changing the other file's code."""
    if assembly.python:
        names = _python_definitions(path, text, assembly)
    else:
        names = {match[1] for line in text.splitlines() if (match := BASH_FUNCTION.match(line))}
    for name in sorted(names):
        other = assembly.defined.setdefault(name, path)
        if other != path:
            raise DefinitionError(
                f"{display_path(str(path))} and {display_path(str(other))} both define "
                f"{name!r}; inlined into one script, one would replace the other. Rename one",
                assembly.location,
            )


def _python_definitions(path: Path, text: str, assembly: _Assembly) -> set[str]:
    try:
        return set(_top_level_names(text))
    except (SyntaxError, ValueError) as error:
        raise assembly.refuse(
            path, getattr(error, "lineno", None) or 1, f"Python cannot read it: {error}"
        ) from None


@functools.lru_cache(maxsize=256)
def _top_level_names(text: str) -> frozenset[str]:
    """Names a module binds at its top level; each library is parsed once, not once per step."""
    names: set[str] = set()
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
    return frozenset(names)


@functools.lru_cache(maxsize=256)
def _library_root(path: Path) -> Path:
    """The top of the task library a script belongs to: the outermost package around it."""
    root = path.parent.resolve()
    while (root.parent / "__init__.py").is_file():
        root = root.parent
    return root


@functools.lru_cache(maxsize=256)
def _module_file(module: str, library_root: Path) -> Path | None:
    """Where `module` is, without running it (its parent packages are imported); found once
    per library, as every step of a task library imports the same few modules."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    return Path(spec.origin).resolve() if spec and spec.origin else None


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
