#!/usr/bin/env python3
"""Generate, from the one description of Tekton's API (modelcar_dsl/rules/tekton_api.json), the
TypedDicts the compiler builds its documents as (modelcar_dsl/tekton/documents.py) and the yamale
schemas compiled documents are checked against (modelcar_dsl/rules/schemas/<kind>-<version>.yaml).

    python3 scripts/generate_tekton_documents.py

No Tekton checkout is needed: scripts/generate_tekton_api.py read Tekton's Go types into the
JSON once; this turns that JSON into Python types and yamale schemas.
tests/test_tekton_documents.py regenerates them in memory and fails when a committed file
differs (MODELCAR_UPDATE_GOLDEN=1 rewrites them).
"""

from __future__ import annotations

import json
import keyword
import re
import sys
import textwrap
from pathlib import Path
from typing import TypeVar

import attrs

from modelcar_dsl.rules.api_fields import INTEGER_BOUNDS

REPO = Path(__file__).resolve().parent.parent
DESCRIPTION = REPO / "modelcar_dsl" / "rules" / "tekton_api.json"
DOCUMENTS = Path("modelcar_dsl") / "tekton" / "documents.py"
SCHEMAS = Path("modelcar_dsl") / "rules" / "schemas"

API_VERSIONS = ("v1", "v1beta1")
KINDS = ("Task", "Pipeline", "PipelineRun")
"""The documents the compiler writes, in the versions it writes them in."""
WRITTEN_BY_THE_CLUSTER = "status"
"""A root's field that only the cluster writes: neither typed nor accepted in a schema."""
_CONTAINERS = re.compile(r"^(\[\]|map\[\])")
Rule = TypeVar("Rule")

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


@attrs.frozen
class Description:
    """The parts of tekton_api.json generated files are made from."""

    tekton: str
    kinds: dict[str, dict[str, str]]
    types: dict[str, dict[str, str]]

    def root(self, version: str, kind: str) -> str:
        return self.kinds[version][kind]


def load_description(path: Path = DESCRIPTION) -> Description:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Description(data["tekton"], data["kinds"], data["types"])


def element(shape: str) -> str:
    """The type a shape holds, without its list and map wrappers."""
    while match := _CONTAINERS.match(shape):
        shape = shape[match.end() :]
    return shape


def reachable(description: Description, roots: list[str]) -> list[str]:
    """The roots and every struct they reach, the cluster's status aside, sorted."""
    types = description.types
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


def render_documents(description: Description) -> str:
    """The text of modelcar_dsl/tekton/documents.py."""
    types = description.types
    roots = [description.root(version, kind) for version in API_VERSIONS for kind in KINDS]
    structs = reachable(description, roots)
    names = {go_type: class_name(go_type) for go_type in structs}
    clashes = sorted(name for name in names.values() if list(names.values()).count(name) > 1)
    if clashes:
        raise SystemExit(f"two Go types would share a Python name: {clashes}")
    lines = [
        '"""Tekton\'s documents as TypedDicts: one for each Go struct a Task, Pipeline or',
        "PipelineRun reaches, in tekton.dev/v1 and v1beta1, so mypy refuses a key or a value",
        "Tekton would refuse.",
        "",
        f"Generated from modelcar_dsl/rules/tekton_api.json (Tekton {description.tekton}) by",
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


SCALAR_VALIDATORS: dict[str, str] = {
    "string": "str()",
    "bytes": "str()",
    "duration": "include('duration')",
    # YAML reads an unquoted timestamp as a datetime; Tekton receives it as the same string.
    "time": "any(str(), timestamp())",
    "bool": "bool()",
    "number": "num()",
    "quantity": "include('quantity')",
    "int-or-string": "any(int(), str())",
    "any": "any()",
    **{
        shape: f"int(min={least}, max={greatest})"
        for shape, (least, greatest) in INTEGER_BOUNDS.items()
    },
}
"""Each scalar shape of the description -> the yamale validator of a value Tekton decodes."""

NAMED_CHECKS: tuple[tuple[str, str, str], ...] = (
    (
        "duration",
        'metav1.Duration, parsed with Go\'s time.ParseDuration ("1h30m", "90s", "0"). No sign:'
        " Tekton rejects negative timeouts.",
        r"regex(r'^(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|ms|s|m|h))+)$',"
        " name='Go duration such as \"1h0m0s\"')",
    ),
    (
        "quantity",
        'resource.Quantity: YAML gives "1Gi" as a string but "2" / "0.5" as numbers.',
        "any(str(), num())",
    ),
    (
        "dns_label",
        "Names of steps, sidecars, pipeline tasks and namespaces: DNS-1123 labels.",
        r"regex(r'^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$',"
        " name='DNS-1123 label (lowercase alphanumerics and \"-\", at most 63 chars)')",
    ),
    (
        "object_name",
        "Resource names: Tekton's validate.ObjectMetadata takes a DNS-1123 subdomain and cuts it"
        " to a label's 63 characters.",
        r"regex(r'^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',"
        " name='DNS-1123 subdomain of at most 63 chars')",
    ),
    (
        "generate_name",
        "generateName is a prefix: the API server appends 5 random characters, so leave room"
        " for them under the 63-character limit.",
        r"regex(r'^(?=.{1,58}$)[a-z0-9][-a-z0-9.]*$', name='generateName prefix"
        ' (lowercase alphanumerics, "-" and ".", at most 58 chars)\')',
    ),
    (
        "param_value",
        "A ParamValue is a string, a list of strings or a string-to-string map. Tekton would turn"
        " YAML numbers and booleans into strings; the schemas refuse them, so `value: 1.10`"
        ' cannot silently become "1.1".',
        "any(str(), list(str()), map(str(), key=str()))",
    ),
)
"""The named validators every schema shares (name, why, validator), written by hand: what
Tekton checks past decoding, which the Go types cannot say."""


def _both(name: str) -> tuple[str, str]:
    return f"V1{name}", f"V1beta1{name}"


def _for(names: tuple[str, ...], value: Rule) -> dict[str, Rule]:
    return {name: value for name in names}


PULL_POLICY = "enum('Always', 'Never', 'IfNotPresent')"
PARAM_TYPE = "enum('string', 'array', 'object')"

CHECKS: dict[str, dict[str, str]] = {
    **_for(_both("ParamSpec"), {"type": PARAM_TYPE, "default": "include('param_value')"}),
    **_for(_both("Param"), {"value": "include('param_value')"}),
    **_for(_both("PropertySpec"), {"type": "enum('string')"}),
    **_for(
        _both("TaskResult") + _both("PipelineResult") + _both("StepResult"),
        {"type": PARAM_TYPE, "value": "include('param_value')"},
    ),
    **_for(
        _both("WhenExpression"),
        {"operator": "enum('in', 'notin')", "values": "list(str(), min=1)"},
    ),
    **_for(
        _both("Step"),
        {
            "name": "include('dns_label')",
            "imagePullPolicy": PULL_POLICY,
            "onError": "enum('continue', 'stopAndFail')",
            "terminationMessagePolicy": "enum('File', 'FallbackToLogsOnError')",
        },
    ),
    **_for(
        _both("Sidecar"),
        {
            "name": "include('dns_label')",
            "imagePullPolicy": PULL_POLICY,
            "terminationMessagePolicy": "enum('File', 'FallbackToLogsOnError')",
        },
    ),
    **_for(
        _both("StepTemplate"),
        {
            "imagePullPolicy": PULL_POLICY,
            "terminationMessagePolicy": "enum('File', 'FallbackToLogsOnError')",
        },
    ),
    **{
        f"{version}{struct}": {"steps": f"list(include('{version}Step'), min=1)"}
        for version in ("V1", "V1beta1")
        for struct in ("TaskSpec", "EmbeddedTask")
    },
    **{
        f"{version}PipelineSpec": {"tasks": f"list(include('{version}PipelineTask'), min=1)"}
        for version in ("V1", "V1beta1")
    },
    **_for(_both("PipelineTask"), {"name": "include('dns_label')", "retries": "int(min=0)"}),
    "ObjectMeta": {
        "name": "include('object_name')",
        "generateName": "include('generate_name')",
        "namespace": "include('dns_label')",
    },
    "PersistentVolumeClaimSpec": {
        "accessModes": "list(enum('ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', "
        "'ReadWriteOncePod'))"
    },
    "PodSecurityContext": {"fsGroupChangePolicy": "enum('OnRootMismatch', 'Always')"},
    "SeccompProfile": {"type": "enum('RuntimeDefault', 'Unconfined', 'Localhost')"},
    "ContainerPort": {
        "containerPort": "int(min=1, max=65535)",
        "hostPort": "int(min=1, max=65535)",
        "protocol": "enum('TCP', 'UDP', 'SCTP')",
    },
    "VolumeMount": {
        "recursiveReadOnly": "enum('Disabled', 'IfPossible', 'Enabled')",
        "mountPropagation": "enum('None', 'HostToContainer', 'Bidirectional')",
    },
}
"""Struct (by its name in documents.py) -> field -> a validator narrower than its Go type's:
what Tekton's or Kubernetes' validation refuses past decoding."""

REQUIRED: dict[str, tuple[str, ...]] = {
    **_for(_both("Param"), ("name", "value")),
    **_for(
        _both("ParamSpec")
        + _both("TaskResult")
        + _both("WorkspaceDeclaration")
        + _both("PipelineWorkspaceDeclaration")
        + _both("WorkspaceBinding")
        + _both("PipelineTask")
        + _both("Step")
        + _both("Sidecar"),
        ("name",),
    ),
    **_for(_both("PipelineResult") + _both("WorkspacePipelineTaskBinding"), ("name",)),
    "NamedObjectMeta": ("name",),
    "GeneratedObjectMeta": ("generateName",),
    "EnvVar": ("name",),
    "SecretKeySelector": ("key",),
    "ConfigMapKeySelector": ("key",),
    "VolumeMount": ("name", "mountPath"),
    "ContainerPort": ("containerPort",),
}
"""Struct -> the fields a document must give it, which Tekton's validation asks for."""

NOT_WRITTEN: dict[str, tuple[str, ...]] = {
    "ObjectMeta": (
        "creationTimestamp",
        "deletionGracePeriodSeconds",
        "deletionTimestamp",
        "generation",
        "managedFields",
        "resourceVersion",
        "selfLink",
        "uid",
    ),
    **_for(
        (
            "V1beta1TaskSpec",
            "V1beta1PipelineSpec",
            "V1beta1PipelineTask",
            "V1beta1PipelineRunSpec",
            "V1beta1EmbeddedTask",
        ),
        ("resources",),
    ),
}
"""Struct -> fields Tekton's types still hold that no document should write: what the API server
fills in, and v1beta1's PipelineResources, unused since Tekton v0.46."""

ROOT_METADATA = {
    "Task": "NamedObjectMeta",
    "Pipeline": "NamedObjectMeta",
    "PipelineRun": "RunObjectMeta",
}
"""A kind -> the include its metadata is checked with: Tasks and Pipelines are referenced by
name, so they need one; a PipelineRun takes a name or a generateName."""
OBJECT_META = "k8s.io/apimachinery/pkg/apis/meta/v1.ObjectMeta"


def _validator(shape: str, names: dict[str, str]) -> str:
    if shape.startswith("[]"):
        return f"list({_validator(shape[2:], names)})"
    if shape.startswith("map[]"):
        return f"map({_validator(shape[5:], names)}, key=str())"
    if shape in names:
        return f"include('{names[shape]}')"
    return SCALAR_VALIDATORS[shape]


def _optional(validator: str) -> str:
    """`validator` for a field a document may leave out: its outermost call gets
    required=False."""
    name, _, arguments = validator.partition("(")
    arguments = arguments.removesuffix(")")
    return f"{name}({arguments}{', ' if arguments else ''}required=False)"


def _struct(include: str, name: str, fields: dict[str, str], names: dict[str, str]) -> list[str]:
    """The include `include` for the struct named `name` in documents.py: each field the
    document may write, with its check."""
    checks = CHECKS.get(name, {})
    required = REQUIRED.get(include, REQUIRED.get(name, ()))
    lines = [f"{include}:"]
    for field, shape in sorted(fields.items()):
        if field in NOT_WRITTEN.get(name, ()):
            continue
        validator = checks.get(field) or _validator(shape, names)
        lines.append(f"  {field}: {validator if field in required else _optional(validator)}")
    return lines


def render_schema(description: Description, version: str, kind: str) -> str:
    """The text of the yamale schema for a tekton.dev/`version` `kind`."""
    types = description.types
    root = description.root(version, kind)
    structs = reachable(description, [root])
    names = {go_type: class_name(go_type) for go_type in structs}
    lines = [
        f"# Tekton {kind}, apiVersion tekton.dev/{version}; validate with strict=True.",
        "#",
        f"# Generated from modelcar_dsl/rules/tekton_api.json (Tekton {description.tekton}) by",
        "# scripts/generate_tekton_documents.py; do not edit. Past the named checks, each include",
        "# is a struct of Tekton's or Kubernetes' Go types, named as in tekton/documents.py.",
        "",
        f"apiVersion: enum('tekton.dev/{version}')",
        f"kind: enum('{kind}')",
        f"metadata: include('{ROOT_METADATA[kind]}')",
        f"spec: include('{names[element(types[root]['spec'])]}')",
        "",
        "---",
    ]
    for name, why, validator in NAMED_CHECKS:
        lines += [f"# {line}" for line in textwrap.wrap(why, 97)]
        lines += [f"{name}: {validator}", ""]
    if ROOT_METADATA[kind] == "RunObjectMeta":
        lines += [
            "RunObjectMeta: any(include('NamedObjectMeta'), include('GeneratedObjectMeta'))",
            "",
        ]
        lines += [*_struct("GeneratedObjectMeta", "ObjectMeta", types[OBJECT_META], names), ""]
    lines += _struct("NamedObjectMeta", "ObjectMeta", types[OBJECT_META], names)
    for go_type in sorted(structs, key=names.__getitem__):
        if go_type != root:
            lines.append("")
            lines += _struct(names[go_type], names[go_type], types[go_type], names)
    return "\n".join(lines) + "\n"


def render(description: Description) -> dict[Path, str]:
    """Every generated file, by its path in the repository."""
    schemas = {
        SCHEMAS / f"{kind.lower()}-{version}.yaml": render_schema(description, version, kind)
        for version in API_VERSIONS
        for kind in KINDS
    }
    return {DOCUMENTS: render_documents(description), **schemas}


def main() -> int:
    for path, text in render(load_description()).items():
        (REPO / path).write_text(text, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
