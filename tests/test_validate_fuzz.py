"""validate never crashes on input: every node of valid Tasks, Pipelines and PipelineRuns (the
compiled tree and the test fixtures) swapped for lists, mappings, numbers, nulls and huge or
hostile strings, written as YAML and read back through the loader, every rule and the report;
and `[tool.modelcar]` settings swapped the same way are either read or refused as bad input.

Property-based, but deterministic (derandomized) and bounded to a few seconds."""

from __future__ import annotations

import copy
import json
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelcar_dsl.diagnostics.errors import ProjectError
from modelcar_dsl.diagnostics.source import SourceLocation
from modelcar_dsl.project.settings import Settings, read_settings
from modelcar_dsl.reading.validate_files import ValidationReport
from modelcar_dsl.reading.yaml_source import YamlSyntaxError, load_documents
from modelcar_dsl.rules import SourceDocument, validate_documents
from modelcar_dsl.rules.validate import is_validated_kind
from tests.conftest import REPO

Path_ = tuple[str | int, ...]

SOURCES = sorted((REPO / "compiled").rglob("*.yaml")) + sorted(
    (REPO / "tests" / "fixtures").glob("*.yaml")
)
RAW = "rawyamltoken"
"""A placeholder string the YAML dumper writes as is, replaced by raw YAML afterwards: what a
dumper cannot write (integers of 5,000 digits, recursive aliases)."""


def _tekton_documents() -> list[dict[str, Any]]:
    found = []
    for path in SOURCES:
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(document, dict) and is_validated_kind(
                str(document.get("apiVersion")), str(document.get("kind"))
            ):
                found.append(document)
    return found


def _node_paths(node: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _node_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _node_paths(value, (*prefix, index))


def _source_documents(text: str) -> list[SourceDocument]:
    """The resources of `text` as `modelcar validate` reads them."""
    documents = []
    for resource in load_documents(text, is_validated_kind).resources:
        if isinstance(resource.body, dict):

            def locate(path: str, resource: Any = resource) -> SourceLocation:
                return SourceLocation("fuzz.yaml", resource.line_of(path))

            documents.append(SourceDocument(resource.body, locate))
    return documents


def _dump(document: Any) -> str:
    return yaml.dump(document, Dumper=DUMPER, allow_unicode=False, sort_keys=False)


def _referenced(document: dict[str, Any]) -> set[str]:
    """The names of the Tasks and Pipelines `document` refers to, through its Pipeline too."""
    names: set[str] = set()
    pending: list[Any] = [document]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            for key in ("taskRef", "pipelineRef"):
                name = current[key].get("name") if isinstance(current.get(key), dict) else None
                if name is not None and name not in names:
                    names.add(name)
                    pending += [d for d in DOCUMENTS if d["metadata"].get("name") == name]
            pending += list(current.values())
        elif isinstance(current, list):
            pending += current
    return names


DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
DOCUMENTS = _tekton_documents()
NODES = [
    (index, path) for index, document in enumerate(DOCUMENTS) for path in _node_paths(document)
]
LOADED = [_source_documents(_dump(document)) for document in DOCUMENTS]
OTHERS = [
    [
        found
        for other, loaded in zip(DOCUMENTS, LOADED, strict=True)
        if other is not document and other["metadata"].get("name") in _referenced(document)
        for found in loaded
    ]
    for document in DOCUMENTS
]
"""For each document, the others it refers to: what the cross-resource rules read."""

HOSTILE_STRINGS = [
    "",
    "x" * 200_000,
    "\x00\x07\x1b[2J\u202e",
    "a\nb",
    "$(params.x)",
    "$(params.x[*])",
    "$(params.x.y)",
    "$(tasks.a.results.b)",
    "$(tasks.a.results.b[*])",
    "$(tasks.status)",
    "$(workspaces.x.path)",
    "$(results.x.path)",
    "$(context.taskRun.name)",
    "$(" * 5_000,
    "curl -k " * 20_000,
    "3000000h",
    "-1h",
    "1h30m",
    "tekton.dev/v1",
    "Task",
    "../..",
    "a" * 300,
]
RAW_YAML = [
    "1" * 5_000,
    "0x" + "f" * 3_000,
    ":".join(["59"] * 2_000),
    "&loop [*loop]",
    "!!binary aGVsbG8=",
    "2024-01-01",
    "!unknown x",
]
FIELD_NAMES = [
    "name",
    "value",
    "type",
    "default",
    "properties",
    "enum",
    "params",
    "workspaces",
    "workspace",
    "results",
    "steps",
    "image",
    "script",
    "env",
    "taskRef",
    "taskSpec",
    "runAfter",
    "when",
    "timeout",
    "kind",
    "apiVersion",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(HOSTILE_STRINGS),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=6)), children, max_size=3
        ),
    ),
    max_leaves=8,
)
replacements = st.one_of(values, st.sampled_from(RAW_YAML).map(lambda raw: ("raw", raw)))


def _swapped(index: int, path: Path_, value: Any) -> str:
    """The document with the node at `path` replaced, as YAML."""
    document: Any = copy.deepcopy(DOCUMENTS[index])
    raw = None
    if isinstance(value, tuple):
        raw, value = value[1], RAW
    if path:
        parent: Any = document
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = value
    else:
        document = value
    text = _dump(document)
    return text.replace(RAW, raw) if raw is not None else text


@settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(node=st.sampled_from(NODES), value=replacements)
def test_validate_never_crashes_on_a_swapped_node(node: tuple[int, Path_], value: Any) -> None:
    index, path = node
    text = _swapped(index, path, value)
    try:
        documents = _source_documents(text)
    except YamlSyntaxError as error:
        assert error.line >= 1
        return
    problems = validate_documents(documents + OTHERS[index])
    report = ValidationReport(tuple(problems), files=1, validated=len(documents), skipped=0)
    assert report.as_text().count("\n") == len(problems) + 1
    json.loads(report.as_json())


VALID_SETTINGS: dict[str, Any] = {
    "modules": ["pipelines"],
    "out": "compiled",
    "api": "v1",
    "namespace": "private-ai-demo",
    "fs_group": 1000970000,
    "service_account": "pipeline",
    "insecure_registries": ["registry.lab:5000"],
}
toml_scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from([*HOSTILE_STRINGS, "\x00", "compiled\x00", "..", "/", "pipelines.x"]),
)
toml_values = st.one_of(
    st.recursive(
        toml_scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.text(max_size=6), children, max_size=3),
        ),
        max_leaves=6,
    ),
    st.just(("raw", "1" * 5_000)),
)


def _toml(value: Any) -> str:
    """`value` as a TOML value (an inline table for a mapping)."""
    if isinstance(value, tuple):
        return str(value[1])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"


@settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(key=st.sampled_from([*VALID_SETTINGS, "unknown", "tool"]), value=toml_values)
def test_settings_are_read_or_refused_as_bad_input(key: str, value: Any) -> None:
    table = {**VALID_SETTINGS, key: value}
    if key == "tool":
        text = f"tool = {_toml(value)}\n[tool.modelcar]\n"
    else:
        text = "[tool.modelcar]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in table.items())
    with tempfile.TemporaryDirectory() as directory:
        pyproject = Path(directory) / "pyproject.toml"
        pyproject.write_text(text, encoding="utf-8")
        try:
            read = read_settings(pyproject)
        except ProjectError as error:
            assert "pyproject.toml" in str(error)
            return
    _assert_usable(read)


def _assert_usable(read: Settings) -> None:
    """Settings that were read hold what compile, validate and submit expect."""
    assert read.modules and all(part.isidentifier() for m in read.modules for part in m.split("."))
    assert "\0" not in str(read.out)
    target = read.target()
    assert target.api in ("v1", "v1beta1")
    assert target.fs_group is None or 0 <= target.fs_group <= 2**31 - 1
    assert all(isinstance(host, str) for host in target.insecure_registries)
    assert target.namespace is None or target.namespace.isprintable()
