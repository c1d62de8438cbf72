"""Loading a project: importing its configured modules, with their output kept off stdout and
their errors named at the user's line, and collecting what they declare."""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import re
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import attrs

from modelcar_dsl.authoring.collection import Specs, collect_specs
from modelcar_dsl.diagnostics.errors import DefinitionError, ProjectError, UserCodeError
from modelcar_dsl.diagnostics.source import display_path, is_library_file
from modelcar_dsl.project.settings import Settings


@attrs.frozen
class Project(Specs):
    """Everything the configured modules declare, and the settings they were loaded with."""

    settings: Settings | None = None


def load_project(settings: Settings) -> Project:
    """Import the configured modules (packages with all their submodules) and collect specs.
    Modules that declare nothing are an error: compile would empty the out tree, and a gitops
    sync would then delete every pipeline from the cluster."""
    modules = _import_all(settings)
    named = [
        (module.__name__, attribute, value)
        for module in modules
        for attribute, value in sorted(vars(module).items())
    ]
    specs = collect_specs(named)
    if not (specs.tasks or specs.pipelines or specs.runs):
        raise ProjectError(_nothing_declared(settings, [module.__name__ for module in modules]))
    return Project(specs.tasks, specs.pipelines, specs.runs, settings)


def _nothing_declared(settings: Settings, imported: list[str]) -> str:
    """Where `modules` is set, what was imported, and where declarations must be to count."""
    pyproject = settings.root / "pyproject.toml"
    line = _setting_line(pyproject.read_text(encoding="utf-8"), "modules")
    return (
        f"{display_path(str(pyproject))}{f':{line}' if line else ''}: [tool.modelcar] modules "
        f"{list(settings.modules)} declare no task, pipeline or run (imported: "
        f"{', '.join(imported)}), so there is nothing to compile; declare them at module level "
        "there (a @task or @pipeline function, a pipeline_run(...) assigned to a variable), or "
        "list the modules that do"
    )


def _setting_line(text: str, key: str) -> int | None:
    """The line of `key = ...` in the [tool.modelcar] table of a pyproject.toml's text."""
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = stripped.split("#", 1)[0].strip() == "[tool.modelcar]"
        elif in_table and re.match(rf"{key}\s*=", stripped):
            return number
    return None


def _import_all(settings: Settings) -> list[ModuleType]:
    root = str(settings.root)
    if root not in sys.path:
        sys.path.insert(0, root)
    _refuse_foreign_modules(settings)
    imported: list[ModuleType] = []
    with _output_to_stderr():
        for name in settings.modules:
            imported.extend(_import_whole(name, settings))
    return imported


def _import_whole(name: str, settings: Settings) -> list[ModuleType]:
    """The module, and a package's submodules in name order, each imported by `_import`
    (pkgutil.walk_packages would import subpackages itself, where exits go unnoticed)."""
    module = _import(name, settings)
    if not hasattr(module, "__path__"):
        return [module]
    found = [module]
    submodules = pkgutil.iter_modules(module.__path__, prefix=f"{name}.")
    for info in sorted(submodules, key=lambda info: info.name):
        found.extend(_import_whole(info.name, settings))
    return found


@contextlib.contextmanager
def _output_to_stderr() -> Iterator[None]:
    """Send what user modules print while imported (print, or a tool they run) to stderr:
    stdout carries the command's output (a diff, DOT, a PipelineRun) and nothing else."""
    original = sys.stdout
    original.flush()
    saved: int | None = None
    with contextlib.suppress(OSError):  # with stdout or stderr closed, Python's level only
        saved = os.dup(1)
        os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        original.flush()
        sys.stderr.flush()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


def _refuse_foreign_modules(settings: Settings) -> None:
    """A configured module already imported from elsewhere (an installed package of the same
    name, or another project loaded in this process) would be compiled in its place; say so
    instead of compiling the wrong code or unloading someone else's module."""
    configured = {name.split(".", 1)[0] for name in settings.modules}
    for name, module in sorted(sys.modules.items()):
        file = getattr(module, "__file__", None)
        top = name.split(".", 1)[0]
        if top in configured and file and not Path(file).resolve().is_relative_to(settings.root):
            raise ProjectError(
                f"[tool.modelcar] modules names {top!r}, but this Python has already imported "
                f"{name} from {display_path(file)}, outside {display_path(str(settings.root))}; "
                "rename the project's package, or load each project in its own process"
            )


def _import(name: str, settings: Settings) -> ModuleType:
    try:
        return importlib.import_module(name)
    except DefinitionError:
        raise
    except ModuleNotFoundError as error:
        if error.name and (name == error.name or name.startswith(error.name + ".")):
            raise ProjectError(
                f"[tool.modelcar] modules names {name!r}, which cannot be imported from "
                f"{settings.root}; check the name and that the folder has an __init__.py"
            ) from None
        raise ProjectError(_user_frame(error, settings) + f"{error}") from None
    except SyntaxError as error:
        where = f"{display_path(error.filename or '?')}:{error.lineno}: "
        raise ProjectError(f"{where}syntax error: {error.msg}") from None
    except SystemExit as error:
        raise ProjectError(
            _user_frame(error, settings) + f"module {name} called sys.exit({error.code!r}) while "
            "being imported, so nothing could be compiled; a module with pipelines must not exit "
            '(put that call under `if __name__ == "__main__":`)'
        ) from None
    except Exception as error:
        raise UserCodeError(
            _user_frame(error, settings)
            + f"{type(error).__name__}: {error} (while importing {name})"
        ) from error


def _user_frame(error: BaseException, settings: Settings) -> str:
    """`file:line: ` of the innermost traceback frame in the user's project."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.startswith("<"):
            continue
        path = Path(frame.filename).resolve()
        if path.is_relative_to(settings.root) and not is_library_file(frame.filename):
            return f"{display_path(frame.filename)}:{frame.lineno}: "
    return ""
