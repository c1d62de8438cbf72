#!/usr/bin/env python3
"""Generate, from the one description of Tekton's API (modelcar_dsl/rules/tekton_api.json), the
TypedDicts the compiler builds its documents as (modelcar_dsl/tekton/documents.py).

    python3 scripts/generate_tekton_documents.py

No Tekton checkout is needed: scripts/generate_tekton_api.py read Tekton's Go types into the
JSON once; this turns that JSON into Python. tests/test_tekton_documents.py regenerates in
memory and fails when a committed file differs (MODELCAR_UPDATE_GOLDEN=1 rewrites them).
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DESCRIPTION = REPO / "modelcar_dsl" / "rules" / "tekton_api.json"
DOCUMENTS = Path("modelcar_dsl") / "tekton" / "documents.py"

API_VERSIONS = ("v1", "v1beta1")
KINDS = ("Task", "Pipeline", "PipelineRun")
"""The documents the compiler writes, in the versions it writes them in."""
WRITTEN_BY_THE_CLUSTER = "status"
"""A root's field that only the cluster writes: neither typed nor accepted in a schema."""
_TEKTON_PIPELINE = "pkg/apis/pipeline/"
_CONTAINERS = re.compile(r"^(\[\]|map\[\])")

SCALARS: dict[str, str] = {
    "string": "str",
    "bytes": "str",
    "duration": "str",
    "time": "str",
    "bool": "bool",
    "number": "float",
    "quantity": "Quantity",
    "int-or-string": "IntOrString",
    "any": "Any",
    **{f"{sign}int{bits}": "int" for sign in ("", "u") for bits in (8, 16, 32, 64)},
}
"""Each scalar shape of the description -> the Python type of a value Tekton decodes there."""


def load_description(path: Path = DESCRIPTION) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def element(shape: str) -> str:
    """The type a shape holds, without its list and map wrappers."""
    while match := _CONTAINERS.match(shape):
        shape = shape[match.end() :]
    return shape


def reachable(description: dict[str, object]) -> list[str]:
    """Every struct the written kinds reach, the cluster's status aside, sorted."""
    types: dict[str, dict[str, str]] = description["types"]  # type: ignore[assignment]
    kinds: dict[str, dict[str, str]] = description["kinds"]  # type: ignore[assignment]
    roots = [kinds[version][kind] for version in API_VERSIONS for kind in KINDS]
    seen: set[str] = set(roots)
    stack = [
        shape
        for root in roots
        for field, shape in types[root].items()
        if field != WRITTEN_BY_THE_CLUSTER
    ]
    while stack:
        name = element(stack.pop())
        if name in types and name not in seen:
            seen.add(name)
            stack.extend(types[name].values())
    return sorted(seen)


def class_name(go_type: str) -> str:
    """A struct's Python name: Tekton's carry their package (`V1beta1Step`, `PodTemplate`),
    Kubernetes' keep their own (`EnvVar`), which do not clash."""
    package, _, name = go_type.rpartition(".")
    if package.startswith("pkg/apis/"):
        return package.rpartition("/")[2].capitalize() + name
    return name


def python_type(shape: str, names: dict[str, str]) -> str:
    if shape.startswith("[]"):
        return f"list[{python_type(shape[2:], names)}]"
    if shape.startswith("map[]"):
        return f"dict[str, {python_type(shape[5:], names)}]"
    return names.get(shape) or SCALARS[shape]


def _fields(fields: dict[str, str], names: dict[str, str], root: bool) -> list[str]:
    return [
        f"{field}: {python_type(shape, names)}"
        for field, shape in sorted(fields.items())
        if not (root and field == WRITTEN_BY_THE_CLUSTER)
    ]


def render_documents(description: dict[str, object]) -> str:
    """The text of modelcar_dsl/tekton/documents.py."""
    types: dict[str, dict[str, str]] = description["types"]  # type: ignore[assignment]
    kinds: dict[str, dict[str, str]] = description["kinds"]  # type: ignore[assignment]
    roots = {kinds[version][kind] for version in API_VERSIONS for kind in KINDS}
    structs = reachable(description)
    names = {go_type: class_name(go_type) for go_type in structs}
    clashes = sorted(name for name in names.values() if list(names.values()).count(name) > 1)
    if clashes:
        raise SystemExit(f"two Go types would share a Python name: {clashes}")
    lines = [
        '"""Tekton\'s documents as TypedDicts: one for each Go struct a Task, Pipeline or',
        "PipelineRun reaches, in tekton.dev/v1 and v1beta1, so mypy refuses a key or a value",
        "Tekton would refuse.",
        "",
        f"Generated from modelcar_dsl/rules/tekton_api.json (Tekton {description['tekton']}) by",
        "scripts/generate_tekton_documents.py; do not edit. Every key is optional (total=False):",
        "Tekton's own checks say which are required.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any, TypedDict",
        "",
        "Quantity = str | int | float",
        '"""resource.Quantity: a string such as "10Gi", or a bare number."""',
        "IntOrString = int | str",
        '"""intstr.IntOrString: a port number or a port name."""',
    ]
    for go_type in sorted(structs, key=names.__getitem__):
        name = names[go_type]
        fields = _fields(types[go_type], names, go_type in roots)
        lines += ["", ""]
        if any(keyword.iskeyword(field.partition(":")[0]) for field in fields):
            # A key that is a Python keyword (`finally`) needs the functional form.
            lines.append(f"{name} = TypedDict(")
            lines.append(f'    "{name}",')
            lines.append("    {")
            for field in fields:
                key, _, value = field.partition(": ")
                lines.append(f'        "{key}": "{value}",')
            lines.append("    },")
            lines.append("    total=False,")
            lines.append(")")
            lines.append(f'"""{go_type}"""')
        else:
            lines.append(f"class {name}(TypedDict, total=False):")
            lines.append(f'    """{go_type}"""')
            lines.append("")
            lines.extend(f"    {field}" for field in fields)
    return "\n".join(lines) + "\n"


def render(description: dict[str, object]) -> dict[Path, str]:
    """Every generated file, by its path in the repository."""
    return {DOCUMENTS: render_documents(description)}


def main() -> int:
    for path, text in render(load_description()).items():
        (REPO / path).write_text(text, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
