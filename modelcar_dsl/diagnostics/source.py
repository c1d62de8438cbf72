"""Where in the user's code a definition was written, so every error can point there."""

from __future__ import annotations

import ast
import contextlib
import functools
import linecache
import os
import site
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import attrs

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1]) + os.sep
_CONTEXTLIB = os.path.abspath(contextlib.__file__)


@functools.cache
def _installed() -> tuple[str, ...]:
    """Where Python's library and installed packages live; a user's project is elsewhere.
    Asked the first time a user's helper function declares something, not on every start."""
    return tuple(
        sorted(
            {
                os.path.join(os.path.abspath(directory), "")
                for directory in (
                    *(
                        sysconfig.get_paths()[key]
                        for key in ("stdlib", "platstdlib", "purelib", "platlib")
                    ),
                    *site.getsitepackages(),
                    site.getusersitepackages(),
                )
            }
        )
    )


@attrs.frozen
class HelperCall:
    """A line in one of the user's own functions on the way from a module-level statement to a
    call into the DSL."""

    function: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.function}() at {display_path(self.file)}:{self.line}"


@attrs.frozen
class SourceLocation:
    """A file and line in user code, plus the module it belongs to."""

    file: str
    line: int
    module: str = ""
    via: tuple[HelperCall, ...] = ()
    """The user's functions the statement at `line` called on the way to the DSL, outermost
    first: a run a helper makes is reported at each use of the helper, naming the helper's line."""

    def __str__(self) -> str:
        return f"{display_path(self.file)}:{self.line}"

    @property
    def trail(self) -> str:
        """` (via nightly() at helpers.py:6)` after a message, or "" when there is no helper."""
        return f" (via {', '.join(map(str, self.via))})" if self.via else ""


def display_path(file: str) -> str:
    """Show paths relative to the working directory when they are below it, as editors expect."""
    return _relative_to(file, os.getcwd())


@functools.lru_cache(maxsize=1024)
def _relative_to(file: str, directory: str) -> str:
    """`display_path` once per file and directory: a report names one file thousands of times."""
    try:
        relative = os.path.relpath(file, directory)
    except ValueError:
        return file
    return file if relative.startswith("..") else relative


def is_library_file(filename: str) -> bool:
    """True for modelcar-dsl's own files, which are never the place a user error points to."""
    return os.path.abspath(filename).startswith(_PACKAGE_DIR)


def declaration_location() -> SourceLocation:
    """Where the user declared what the DSL call being made creates. At module level that is
    the call itself. Inside the user's own functions (a helper that makes a run for each model)
    it is the module-level statement that called them, run while the module is imported, with
    each function's line in `via`; so every run a helper makes points at its own declaration.
    Outside an import (a test function calling the DSL) it is the call itself, as
    caller_location gives."""
    frame = _innermost_user_frame(sys._getframe(1), skip_generated=False)
    if frame is None:
        return _UNKNOWN
    helpers: list[FrameType] = []
    statement = frame
    while statement.f_code.co_name != "<module>":
        helpers.append(statement)
        outer = statement.f_back
        if outer is None or not _is_user_file(outer.f_code.co_filename):
            return _location_of(frame)
        statement = outer
    return attrs.evolve(
        _location_of(statement),
        via=tuple(
            HelperCall(
                helper.f_code.co_name, os.path.abspath(helper.f_code.co_filename), helper.f_lineno
            )
            for helper in reversed(helpers)
            if not helper.f_code.co_name.startswith("<")  # comprehensions: the line above says it
        ),
    )


def caller_location(*, skip_generated: bool = False) -> SourceLocation:
    """The innermost stack frame outside this package: the user's line that called into the DSL.
    contextlib's frames are passed over too, so a `with` of one of the DSL's context managers
    points at the `with`. `skip_generated` also passes over code without a file of its own, such
    as the `__init__` attrs writes (`<attrs generated init ...>`), in which a record's field
    factory runs."""
    frame = _innermost_user_frame(sys._getframe(1), skip_generated=skip_generated)
    return _UNKNOWN if frame is None else _location_of(frame)


_UNKNOWN = SourceLocation(file="<unknown>", line=0)


def _innermost_user_frame(frame: FrameType | None, *, skip_generated: bool) -> FrameType | None:
    while frame is not None:
        filename = frame.f_code.co_filename
        generated = skip_generated and filename.startswith("<")
        if not is_library_file(filename) and not generated and filename != _CONTEXTLIB:
            return frame
        frame = frame.f_back
    return None


def _location_of(frame: FrameType) -> SourceLocation:
    return SourceLocation(
        file=os.path.abspath(frame.f_code.co_filename),
        line=frame.f_lineno,
        module=str(frame.f_globals.get("__name__", "")),
    )


def _is_user_file(filename: str) -> bool:
    """Not modelcar-dsl, Python's own library, an installed package or code without a file
    (the import machinery): the frames a walk out of the user's functions must not enter."""
    path = os.path.abspath(filename)
    return not (
        filename.startswith("<") or is_library_file(filename) or path.startswith(_installed())
    )


@functools.lru_cache(maxsize=64)
def _functions_by_first_line(source: str) -> dict[int, ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions a module defines, by the line a code object starts at (its first
    decorator's); each module is parsed once, not tokenized again for every task in it."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    return {
        min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)]): node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def parameter_locations(
    function: Callable[..., Any], fallback: SourceLocation
) -> dict[str, SourceLocation]:
    """The line of each parameter of `function`, so a bad default is reported where it is
    written; none when the source cannot be read (the caller falls back to the decorator's)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return {}
    linecache.checkcache(code.co_filename)
    lines = linecache.getlines(code.co_filename, getattr(function, "__globals__", None))
    definition = _functions_by_first_line("".join(lines)).get(code.co_firstlineno)
    if definition is None:
        return {}
    arguments = definition.args.posonlyargs + definition.args.args + definition.args.kwonlyargs
    return {argument.arg: attrs.evolve(fallback, line=argument.lineno) for argument in arguments}
