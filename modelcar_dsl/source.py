"""Where in the user's code a definition was written, so every error can point there."""

from __future__ import annotations

import ast
import contextlib
import functools
import inspect
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

_PACKAGE_DIR = str(Path(__file__).resolve().parent) + os.sep
_CONTEXTLIB = os.path.abspath(contextlib.__file__)


@attrs.frozen
class SourceLocation:
    """A file and line in user code, plus the module it belongs to."""

    file: str
    line: int
    module: str = ""

    def __str__(self) -> str:
        return f"{display_path(self.file)}:{self.line}"


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


def caller_location(*, skip_generated: bool = False) -> SourceLocation:
    """The innermost stack frame outside this package: the user's line that called into the DSL.
    contextlib's frames are passed over too, so a `with` of one of the DSL's context managers
    points at the `with`. `skip_generated` also passes over code without a file of its own, such
    as the `__init__` attrs writes (`<attrs generated init ...>`), in which a record's field
    factory runs."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        generated = skip_generated and filename.startswith("<")
        if not is_library_file(filename) and not generated and filename != _CONTEXTLIB:
            return SourceLocation(
                file=os.path.abspath(filename),
                line=frame.f_lineno,
                module=str(frame.f_globals.get("__name__", "")),
            )
        frame = frame.f_back  # type: ignore[assignment]
    return SourceLocation(file="<unknown>", line=0)


def parameter_locations(
    function: Callable[..., Any], fallback: SourceLocation
) -> dict[str, SourceLocation]:
    """The line of each parameter of `function`, so a bad default is reported where it is
    written; `fallback` (the decorator's line) when the source cannot be read."""
    try:
        source = textwrap.dedent(inspect.getsource(function))
        first = function.__code__.co_firstlineno
    except (OSError, TypeError, AttributeError):
        return {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            return {
                argument.arg: attrs.evolve(fallback, line=first + argument.lineno - 1)
                for argument in arguments
            }
    return {}
