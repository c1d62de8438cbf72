"""Every input of a step is hostile until checked: paths stay inside their workspace, numbers are
digits within bounds, other values match what they name. A bad value stops the step before it
reads or removes anything, with exit code 2 and a message naming the param."""

import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO

WHOLE_NUMBER = re.compile(r"0|[1-9][0-9]{0,8}")
PORTABLE_PATH = re.compile(
    r"[A-Za-z0-9._+@=,][A-Za-z0-9._+@=,-]*(/[A-Za-z0-9._+@=,][A-Za-z0-9._+@=,-]*)*"
)
"""A path param's spelling: POSIX portable file name characters and a few more, no part
starting with '-', so a value can be neither an option nor shell syntax anywhere it lands."""
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class StepError(Exception):
    """A failure explained for the user; the step prints it without a traceback and fails."""

    exit_code = 1


class InputError(StepError):
    """A param value the step refuses before doing anything with it."""

    exit_code = 2


def failed(error: StepError) -> int:
    """Print a step's failure for the user, without a traceback; return its exit code."""
    print(f"error: {error}", file=sys.stderr)
    return error.exit_code


def param_of(variable: str) -> str:
    """The param a variable carries: IMAGE_PATH -> image-path."""
    return variable.lower().replace("_", "-")


def text(variable: str, pattern: str, what: str, default: str | None = None) -> str:
    """The variable's value, which must match `pattern` whole. `\\w` and `\\d` mean ASCII only:
    a letter urllib cannot put in a request line must be refused here, not crash the step."""
    value = os.environ.get(variable, default)
    if value is None or not re.fullmatch(pattern, value, re.ASCII):
        raise InputError(f"{param_of(variable)} {value!r} is not {what}")
    return value


def count(variable: str, low: int, high: int, default: int | None = None) -> int:
    """A whole number from `low` to `high`, written with digits only."""
    value = os.environ.get(variable)
    if value is None and default is not None:
        return default
    if value is None or not WHOLE_NUMBER.fullmatch(value) or not low <= int(value) <= high:
        raise InputError(
            f"{param_of(variable)} {value!r} must be a whole number from {low} to {high}"
        )
    return int(value)


def inside(root: Path, relative: str, what: str) -> Path:
    """`root/relative`, resolved: `relative` must be normalised, name something below `root`,
    and stay inside it after symbolic links."""
    if (
        not relative
        or relative.startswith("/")
        or relative.endswith("/")
        or CONTROL.search(relative)
    ):
        raise InputError(f"{what} {relative!r} must be a relative path inside {root}, like model")
    if any(part in ("", ".", "..") for part in relative.split("/")):
        raise InputError(
            f"{what} {relative!r} must be a normalised path inside {root}: "
            "no empty, '.' or '..' parts"
        )
    real_root = root.resolve(strict=True)
    try:
        resolved = (real_root / relative).resolve()
    except (OSError, RuntimeError):
        raise InputError(
            f"{what} {relative!r} cannot be resolved (a symbolic link loop?)"
        ) from None
    if not resolved.is_relative_to(real_root) or resolved == real_root:
        raise InputError(
            f"{what} {relative!r} leads to {resolved}, outside {real_root}, through a symbolic link"
        )
    return resolved


def confined_path(variable: str, default: str | None = None) -> Path:
    """The path the variable names inside the source workspace: spelt with PORTABLE_PATH's
    characters, and inside it as `inside` checks."""
    root = Path(os.environ["WORKSPACE_SOURCE_PATH"])
    if not root.is_dir():
        raise InputError(f"the source workspace {str(root)!r} does not exist")
    value = os.environ.get(variable, default) or ""
    if not PORTABLE_PATH.fullmatch(value):
        raise InputError(
            f"{param_of(variable)} {value!r} must be a relative path inside the workspace, of "
            "letters, digits and . _ + @ = , - (like model or models/mistral-24b)"
        )
    return inside(root, value, param_of(variable))


def overlap(first: Path, second: Path) -> bool:
    """One path holds the other (or they are the same): removing one would remove the other."""
    return first.is_relative_to(second) or second.is_relative_to(first)


def open_new(path: Path, buffering: int = -1) -> IO[bytes]:
    """A file created afresh at `path` for writing. Whatever is there, a file or a link planted
    to lead out of the workspace, is removed first, and the open never follows a link."""
    if path.is_symlink() or path.exists():
        path.unlink()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    return os.fdopen(descriptor, "wb", buffering=buffering)


def regular_files(paths: Iterable[Path]) -> list[Path]:
    """The regular files among `paths`, links left out: what a step reads from a workspace."""
    return [path for path in paths if path.is_file() and not path.is_symlink()]


def workspace_path(name: str) -> Path | None:
    """The mount path of an optional workspace (e.g. CA_BUNDLE), or None when it is unbound."""
    path = os.environ.get(f"WORKSPACE_{name}_PATH", "")
    if not path or os.environ.get(f"WORKSPACE_{name}_BOUND", "true") != "true":
        return None
    return Path(path)
