"""The user's project: `[tool.modelcar]` settings and the modules that hold pipelines and runs."""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import re
import sys
import tomllib
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import attrs

from modelcar_dsl.errors import DefinitionError, ProjectError, UserCodeError
from modelcar_dsl.image_mirrors import ImageMirrors, location_problem
from modelcar_dsl.names import dns_label_problem, dns_subdomain_problem
from modelcar_dsl.pipeline import Pipeline
from modelcar_dsl.rules.gates import (
    NEWEST_VERSION,
    Gates,
    flag_value,
    parse_api_fields,
    parse_version,
)
from modelcar_dsl.rules.run import MAX_GID
from modelcar_dsl.source import display_path, is_library_file
from modelcar_dsl.specs import PipelineSpec, RunSpec, TaskSpec
from modelcar_dsl.target import API_VERSIONS, ApiVersion, Target
from modelcar_dsl.task import Task

_KNOWN_SETTINGS = {
    "modules",
    "out",
    "api",
    "namespace",
    "fs_group",
    "service_account",
    "image_mirrors",
    "insecure_registries",
    "api_fields",
    "feature_flags",
    "tekton_version",
    "strict",
}
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?(:[0-9]{1,5})?")


@attrs.frozen
class Settings:
    """`[tool.modelcar]` of one pyproject.toml, with paths made absolute."""

    root: Path
    modules: tuple[str, ...]
    out: Path
    api: ApiVersion = "v1"
    namespace: str | None = None
    fs_group: int | None = None
    service_account: str | None = None
    insecure_registries: frozenset[str] = frozenset()
    gates: Gates = attrs.field(factory=Gates)
    """The cluster's Tekton, as `modelcar validate` judges YAML for it."""
    strict: bool = False
    """`modelcar validate` fails on policy warnings too."""
    image_mirrors: ImageMirrors = attrs.field(factory=ImageMirrors)

    def target(self, api: ApiVersion | None = None) -> Target:
        return Target(
            api=api or self.api,
            namespace=self.namespace,
            fs_group=self.fs_group,
            service_account=self.service_account,
            insecure_registries=self.insecure_registries,
            gates=self.gates,
            image_mirrors=self.image_mirrors,
        )


def project_target(directory: Path) -> Target:
    """The target of the project at or above `directory` (its `[tool.modelcar]`), or Tekton's
    defaults outside a project."""
    try:
        pyproject = find_pyproject(directory.resolve())
    except ProjectError:
        return Target()
    return read_settings(pyproject).target()


def _is_module_name(name: str) -> bool:
    """A dotted module name Python can import (`pipelines`, `flows.build`)."""
    return all(part.isidentifier() for part in name.split("."))


def find_pyproject(start: Path) -> Path:
    """The nearest pyproject.toml at or above `start` that has a [tool.modelcar] table."""
    for directory in [start, *start.parents]:
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and b"[tool.modelcar]" in _read(candidate):
            return candidate
    raise ProjectError(
        f"no pyproject.toml with a [tool.modelcar] table at or above {start}; "
        "run modelcar in your project, or pass --project DIR"
    )


def _read(pyproject: Path) -> bytes:
    """The bytes of a pyproject.toml; ProjectError naming it when it cannot be read."""
    try:
        return pyproject.read_bytes()
    except OSError as error:
        raise ProjectError(
            f"{display_path(str(pyproject))}: cannot be read ({error.strerror or error}); "
            "check its permissions"
        ) from None


def read_settings(pyproject: Path) -> Settings:
    where = display_path(str(pyproject))
    try:
        text = _read(pyproject).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProjectError(
            f"{where}: not UTF-8 text ({error.reason} at byte {error.start}); "
            "TOML files are UTF-8, save it as such"
        ) from None
    try:
        data = tomllib.loads(text)
    except ValueError as error:  # TOMLDecodeError, or an integer Python will not convert
        raise ProjectError(f"{where}: not valid TOML: {error}") from None
    tool = data.get("tool")
    table = tool.get("modelcar") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise ProjectError(f"{where}: add a [tool.modelcar] table (see the README)")
    unknown = sorted(set(table) - _KNOWN_SETTINGS)
    if unknown:
        raise ProjectError(
            f"{where}: [tool.modelcar] has unknown keys {unknown}; known: {sorted(_KNOWN_SETTINGS)}"
        )
    modules = table.get("modules")
    if (
        not isinstance(modules, list)
        or not modules
        or not all(isinstance(m, str) and _is_module_name(m) for m in modules)
    ):
        raise ProjectError(
            f"{where}: [tool.modelcar] modules must list the modules with pipelines and runs, "
            'e.g. modules = ["pipelines"]'
        )
    api = table.get("api", "v1")
    if api not in API_VERSIONS:
        raise ProjectError(f"{where}: [tool.modelcar] api must be one of {list(API_VERSIONS)}")
    fs_group = table.get("fs_group")
    if fs_group is not None and (
        isinstance(fs_group, bool) or not isinstance(fs_group, int) or not 0 <= fs_group <= MAX_GID
    ):
        raise ProjectError(
            f"{where}: [tool.modelcar] fs_group must be a whole number, the first GID of the "
            "namespace's openshift.io/sa.scc.supplemental-groups annotation"
        )
    for key in ("out", "namespace", "service_account"):
        if key in table and not isinstance(table[key], str):
            raise ProjectError(f"{where}: [tool.modelcar] {key} must be a string")
    out = table.get("out", "compiled")
    if not out or "\0" in out:
        raise ProjectError(f'{where}: [tool.modelcar] out must name a directory, e.g. "compiled"')
    for key, check in (
        ("namespace", dns_label_problem),
        ("service_account", dns_subdomain_problem),
    ):
        if key in table and (problem := check(table[key], key)):
            raise ProjectError(f"{where}: [tool.modelcar] {problem}")
    insecure = table.get("insecure_registries", [])
    if not isinstance(insecure, list) or not all(
        isinstance(host, str) and _HOST.fullmatch(host) for host in insecure
    ):
        raise ProjectError(
            f"{where}: [tool.modelcar] insecure_registries must list hosts (host or host:port) "
            'whose TLS certificate is not verified, e.g. ["registry.lab:5000"]'
        )
    root = pyproject.parent.resolve()
    gates = _gates(table, where)
    if not isinstance(table.get("strict", False), bool):
        raise ProjectError(f"{where}: [tool.modelcar] strict must be true or false")
    return Settings(
        root=root,
        modules=tuple(modules),
        out=root / out,
        api=cast(ApiVersion, api),
        namespace=table.get("namespace"),
        fs_group=fs_group,
        service_account=table.get("service_account"),
        insecure_registries=frozenset(insecure),
        gates=gates,
        strict=table.get("strict", False),
        image_mirrors=_image_mirrors(table, where),
    )


def _image_mirrors(table: dict[str, Any], where: str) -> ImageMirrors:
    """`image_mirrors`: registry or repository -> the mirror a disconnected cluster pulls from."""
    mirrors = table.get("image_mirrors", {})
    if not isinstance(mirrors, dict) or not all(isinstance(v, str) for v in mirrors.values()):
        raise ProjectError(
            f"{where}: [tool.modelcar] image_mirrors must be a table of registry or repository "
            'to mirror, e.g. image_mirrors = { "quay.io/skopeo" = "mirror.corp:5000/skopeo" }'
        )
    for location in sorted({*mirrors, *mirrors.values()}):
        if problem := location_problem(location):
            raise ProjectError(f"{where}: [tool.modelcar] image_mirrors: {problem}")
    return ImageMirrors.from_mapping(mirrors)


def _gates(table: dict[str, Any], where: str) -> Gates:
    """`api_fields`, `feature_flags` and `tekton_version` of `[tool.modelcar]`."""
    flags = table.get("feature_flags", {})
    if not isinstance(flags, dict) or not all(
        isinstance(value, str | bool) for value in flags.values()
    ):
        raise ProjectError(
            f"{where}: [tool.modelcar] feature_flags must be a table of Tekton feature flags, "
            'e.g. feature_flags = { enable-param-enum = "true" }'
        )
    try:
        return Gates(
            api_fields=parse_api_fields(str(table["api_fields"]))
            if "api_fields" in table
            else None,
            flags=tuple(sorted((name, flag_value(value)) for name, value in flags.items())),
            tekton_version=parse_version(str(table.get("tekton_version", NEWEST_VERSION))),
        )
    except ValueError as error:
        raise ProjectError(f"{where}: [tool.modelcar] {error}") from None


@attrs.frozen
class Specs:
    """Tasks, pipelines and runs to compile; `runs` pairs each run with its `module:variable`."""

    tasks: tuple[TaskSpec, ...]
    pipelines: tuple[PipelineSpec, ...]
    runs: tuple[tuple[str, RunSpec], ...]


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


def collect_specs(named: Iterable[tuple[str, str, Any]]) -> Specs:
    """The Tasks, Pipelines and runs among `(module, variable, value)`, with every task and
    pipeline they use."""
    tasks: dict[int, TaskSpec] = {}
    pipelines: dict[int, PipelineSpec] = {}
    runs: dict[int, tuple[str, RunSpec]] = {}
    for module, attribute, value in named:
        if isinstance(value, Task):
            tasks[id(value.spec)] = value.spec
        elif isinstance(value, Pipeline):
            pipelines[id(value.spec)] = value.spec
        else:
            for run in _runs_in(value):
                # Name a run after the module that declared it, if it holds it too.
                if id(run) not in runs or run.location.module == module:
                    runs[id(run)] = (f"{module}:{attribute}", run)
    for pipeline in pipelines.values():
        for call in pipeline.all_tasks:
            tasks.setdefault(id(call.task), call.task)
    for _, run in runs.values():
        pipelines.setdefault(id(run.pipeline), run.pipeline)
        for call in run.pipeline.all_tasks:
            tasks.setdefault(id(call.task), call.task)
    return Specs(
        tasks=tuple(sorted(tasks.values(), key=lambda t: (t.name, t.source))),
        pipelines=tuple(sorted(pipelines.values(), key=lambda p: (p.name, p.source))),
        runs=tuple(sorted(runs.values(), key=lambda r: (r[1].name, r[0]))),
    )


def _runs_in(value: Any) -> list[RunSpec]:
    if isinstance(value, RunSpec):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, RunSpec)]
    if isinstance(value, dict):
        return [item for item in value.values() if isinstance(item, RunSpec)]
    return []


def _import_all(settings: Settings) -> list[ModuleType]:
    root = str(settings.root)
    if root not in sys.path:
        sys.path.insert(0, root)
    _forget_foreign_modules(settings)
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


def _forget_foreign_modules(settings: Settings) -> None:
    """Drop cached modules of the same names from another project (tests compile several)."""
    for name in list(sys.modules):
        top = name.split(".", 1)[0]
        if any(top == configured.split(".", 1)[0] for configured in settings.modules):
            file = getattr(sys.modules[name], "__file__", None) or ""
            if not Path(file).resolve().is_relative_to(settings.root):
                del sys.modules[name]


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
