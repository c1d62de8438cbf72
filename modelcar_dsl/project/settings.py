"""The user's project: `[tool.modelcar]` settings and the modules that hold pipelines and runs."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, cast

import attrs

from modelcar_dsl.diagnostics.errors import ProjectError
from modelcar_dsl.diagnostics.source import display_path
from modelcar_dsl.formats.group_ids import is_group_id
from modelcar_dsl.formats.names import HOST, dns_label_problem, dns_subdomain_problem
from modelcar_dsl.model.gates import (
    DEFAULT_MAX_MATRIX_COMBINATIONS,
    NEWEST_VERSION,
    Gates,
    flag_value,
    parse_api_fields,
    parse_version,
)
from modelcar_dsl.model.image_mirrors import ImageMirrors, location_problem
from modelcar_dsl.model.metadata import metadata_pairs, metadata_problems
from modelcar_dsl.model.target import API_VERSIONS, ApiVersion, Target

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
    "max_matrix_combinations",
    "strict",
    "labels",
}


@attrs.frozen
class Settings:
    """`[tool.modelcar]` of one pyproject.toml, with paths made absolute: where the project is,
    what to compile and where to, and the cluster it compiles for."""

    root: Path
    modules: tuple[str, ...]
    out: Path
    cluster: Target = attrs.field(factory=Target)
    """The API version, namespace, run defaults, TLS policy, gates and mirrors of the cluster."""
    strict: bool = False
    """`modelcar validate` fails on policy warnings too."""

    def target(self, api: ApiVersion | None = None) -> Target:
        """The project's cluster, compiled for `api` where a command overrides it."""
        return attrs.evolve(self.cluster, api=api) if api else self.cluster


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
    if fs_group is not None and not is_group_id(fs_group):
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
        isinstance(host, str) and HOST.fullmatch(host) for host in insecure
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
        cluster=Target(
            api=cast(ApiVersion, api),
            namespace=table.get("namespace"),
            fs_group=fs_group,
            service_account=table.get("service_account"),
            insecure_registries=frozenset(insecure),
            gates=gates,
            image_mirrors=_image_mirrors(table, where),
            labels=_labels(table, where),
        ),
        strict=table.get("strict", False),
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


def _labels(table: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    """`labels`: the team's labels on every document, held to the DSL's rules for labels."""
    labels = table.get("labels", {})
    if not isinstance(labels, dict):
        raise ProjectError(
            f'{where}: [tool.modelcar] labels must be a table, e.g. labels = {{ team = "llm" }}'
        )
    pairs = metadata_pairs(labels)
    if problems := metadata_problems(pairs, ()):
        raise ProjectError(f"{where}: [tool.modelcar] labels: {'; '.join(problems)}")
    return pairs


def _max_matrix_combinations(table: dict[str, Any], where: str) -> int:
    """`max_matrix_combinations`: the cluster's config-defaults, when it allows more (or
    fewer) runs a matrix than Tekton's default."""
    value = table.get("max_matrix_combinations", DEFAULT_MAX_MATRIX_COMBINATIONS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ProjectError(
            f"{where}: [tool.modelcar] max_matrix_combinations must be a whole number from 1, "
            "the cluster's config-defaults default-max-matrix-combinations-count, e.g. "
            f"max_matrix_combinations = 512; got {value!r}"
        )
    return value


def _gates(table: dict[str, Any], where: str) -> Gates:
    """`api_fields`, `feature_flags`, `tekton_version` and `max_matrix_combinations` of
    `[tool.modelcar]`."""
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
            max_matrix_combinations=_max_matrix_combinations(table, where),
        )
    except ValueError as error:
        raise ProjectError(f"{where}: [tool.modelcar] {error}") from None
