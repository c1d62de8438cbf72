#!/usr/bin/env python3
"""Generate modelcar_dsl/rules/tekton_api.json: every field of every object Tekton's admission
webhook decodes, at every depth, with the JSON type each field takes.

    python3 scripts/generate_tekton_api.py TEKTON_CHECKOUT [--tekton-version vX.Y.Z]

TEKTON_CHECKOUT is a checkout of github.com/tektoncd/pipeline at a release tag, with its
vendor/ directory (`go mod vendor` makes it): the Kubernetes types Tekton embeds (a step is a
core/v1 container, a run's podTemplate holds affinities and tolerations, every object has
meta/v1 ObjectMeta) are read from there, at the versions Tekton builds with.

Why the Go types and not Tekton's swagger.json: the webhook decodes strictly into the Go types
(knative's json.Decode with DisallowUnknownFields), so the Go structs' json tags are the
definition of what it accepts. swagger.json is generated from the same structs but stops at
Tekton's own types (the Kubernetes ones are bare references), lists no metav1 fields, and says
nothing of types with their own UnmarshalJSON. So this script reads the struct declarations and
their json tags as Go's encoding/json does: a tag's name, else the field's name; `-` and
unexported fields skipped; an embedded struct without a name (`json:",inline"` or no tag)
lends its fields to the outer one, the shallower field winning a clash.

Types that decode themselves (an UnmarshalJSON method) get the shape of what that method
accepts, in CUSTOM_DECODERS below; a reachable type with an UnmarshalJSON not in that table
stops the script, so a new Tekton release cannot slip one past silently.

Only the types reachable from the kinds in ROOTS are written; the output is sorted and
compact, so the same checkout always gives the same file.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from itertools import chain
from pathlib import Path
from typing import Any

TEKTON_MODULE = "github.com/tektoncd/pipeline"
OUTPUT = Path(__file__).resolve().parent.parent / "modelcar_dsl" / "rules" / "tekton_api.json"

ROOTS: dict[str, dict[str, str]] = {
    "v1": {
        "Task": "pkg/apis/pipeline/v1.Task",
        "Pipeline": "pkg/apis/pipeline/v1.Pipeline",
        "TaskRun": "pkg/apis/pipeline/v1.TaskRun",
        "PipelineRun": "pkg/apis/pipeline/v1.PipelineRun",
    },
    "v1beta1": {
        "Task": "pkg/apis/pipeline/v1beta1.Task",
        "Pipeline": "pkg/apis/pipeline/v1beta1.Pipeline",
        "TaskRun": "pkg/apis/pipeline/v1beta1.TaskRun",
        "PipelineRun": "pkg/apis/pipeline/v1beta1.PipelineRun",
        "StepAction": "pkg/apis/pipeline/v1beta1.StepAction",
        "CustomRun": "pkg/apis/pipeline/v1beta1.CustomRun",
    },
    "v1alpha1": {"StepAction": "pkg/apis/pipeline/v1alpha1.StepAction"},
}
"""kind -> Go type (package path inside the module, or an import path under vendor/)."""

CUSTOM_DECODERS: dict[str, str] = {
    # ParamValue.UnmarshalJSON takes a list of strings, a mapping of strings, and otherwise
    # keeps any other JSON value as its text: nothing fails to decode.
    "pkg/apis/pipeline/v1.ParamValue": "any",
    "pkg/apis/pipeline/v1beta1.ParamValue": "any",
    "pkg/apis/pipeline/v1/types.ParamValue": "any",
    # runtime.RawExtension and metav1.FieldsV1 keep the raw JSON.
    "k8s.io/apimachinery/pkg/runtime.RawExtension": "any",
    "k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1": "any",
    # metav1.Duration decodes a string, then time.ParseDuration.
    "k8s.io/apimachinery/pkg/apis/meta/v1.Duration": "duration",
    # metav1.Time and MicroTime decode a string (RFC 3339), or null.
    "k8s.io/apimachinery/pkg/apis/meta/v1.Time": "time",
    "k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime": "time",
    "knative.dev/pkg/apis.VolatileTime": "time",
    # resource.Quantity parses a quoted or a bare JSON number's text with ParseQuantity.
    "k8s.io/apimachinery/pkg/api/resource.Quantity": "quantity",
    # intstr.IntOrString: a JSON string, else an int32.
    "k8s.io/apimachinery/pkg/util/intstr.IntOrString": "int-or-string",
    # result.ResultType: an int, else a string (an unknown name becomes UnknownResultType).
    "pkg/result.ResultType": "int-or-string",
    # apis.URL decodes a string and parses it as a URL.
    "knative.dev/pkg/apis.URL": "string",
}
"""Go type -> the shape its own UnmarshalJSON accepts (see the module docstring)."""

BASIC: dict[str, str] = {
    "string": "string",
    "bool": "bool",
    "int": "int64",
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "uint": "uint64",
    "uint8": "uint8",
    "uint16": "uint16",
    "uint32": "uint32",
    "uint64": "uint64",
    "uintptr": "uint64",
    "byte": "uint8",
    "rune": "int32",
    "float32": "number",
    "float64": "number",
    "any": "any",
}
"""Go's predeclared types -> shapes (int is 64 bits on the platforms Tekton ships for)."""


class GoPackage:
    """The type declarations and JSON-decoding methods of one Go package directory."""

    def __init__(self, path: str, directory: Path) -> None:
        self.path = path
        self.types: dict[str, str] = {}
        """type name -> its definition's text (`struct {...}`, `[]Param`, `= Other`)."""
        self.imports: dict[str, dict[str, str]] = {}
        """type name -> the imports of the file declaring it (alias -> import path)."""
        self.decoders: set[str] = set()
        """Types with their own UnmarshalJSON or UnmarshalText."""
        for file in sorted(directory.glob("*.go")):
            if file.name.endswith("_test.go"):
                continue
            self._read(strip_comments(file.read_text(encoding="utf-8")))

    def _read(self, text: str) -> None:
        if re.search(r"^//go:build\s+ignore", text, re.M):
            return
        imports = parse_imports(text)
        for match in re.finditer(
            r"^func\s*\(\s*\w*\s*\*?\s*(\w+)\s*\)\s*Unmarshal(?:JSON|Text)\s*\(", text, re.M
        ):
            self.decoders.add(match.group(1))
        for name, definition in type_declarations(text):
            self.types[name] = definition
            self.imports[name] = imports


def strip_comments(text: str) -> str:
    """Go source without its comments, string literals kept (struct tags are raw strings)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        elif c in "\"'`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if c != "`" and text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_imports(text: str) -> dict[str, str]:
    """alias -> import path; the alias defaults to the path's last element, or the element
    before a major version suffix's package name as Go's tools guess it."""
    specs: list[str] = []
    for block in re.finditer(r"^import\s*\((.*?)\)", text, re.M | re.S):
        specs.extend(block.group(1).splitlines())
    specs.extend(m.group(1) for m in re.finditer(r"^import\s+([^(\n].*)$", text, re.M))
    imports: dict[str, str] = {}
    for spec in specs:
        match = re.match(r'\s*([\w.]+)?\s*"([^"]+)"', spec)
        if match:
            alias, path = match.group(1), match.group(2)
            imports[alias or path.rsplit("/", 1)[-1]] = path
    return imports


def matching(text: str, start: int, open_: str, close: str) -> int:
    """The index just past the bracket closing the one at `start` (strings skipped)."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c in "\"`'":
            end = text.find(c, i + 1)
            while c != "`" and end > 0 and text[end - 1] == "\\":
                end = text.find(c, end + 1)
            i = end + 1
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced brackets")


def type_declarations(text: str) -> list[tuple[str, str]]:
    """(name, definition) of each top-level `type` declaration, grouped ones included."""
    found: list[tuple[str, str]] = []
    for match in re.finditer(r"^type\s+(\(|\w+)", text, re.M):
        if match.group(1) == "(":
            end = matching(text, match.start(1), "(", ")")
            body = text[match.end(1) : end - 1]
            for spec in declaration_specs(body):
                name, _, definition = spec.strip().partition(" ")
                found.append((name, definition.strip()))
        else:
            found.append((match.group(1), type_text(text, match.end(1))))
    return found


def declaration_specs(body: str) -> list[str]:
    """The specs of a grouped declaration, one per line at bracket depth zero."""
    specs: list[str] = []
    current: list[str] = []
    depth = 0
    for c in body:
        if c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
        if c in "\n;" and depth == 0:
            specs.append("".join(current))
            current = []
        else:
            current.append(c)
    specs.append("".join(current))
    return [spec for spec in specs if spec.strip()]


def type_text(text: str, start: int) -> str:
    """The type expression starting at `start`, up to the end of its line (or of its braces)."""
    i = start
    while True:
        brace, newline = text.find("{", i), text.find("\n", i)
        if newline < 0:
            return text[start:].strip()
        if 0 <= brace < newline:
            i = matching(text, brace, "{", "}")
        else:
            return text[start:newline].strip()


def struct_fields(body: str) -> list[tuple[list[str], str, str]]:
    """([names], type, tag) of each field in a struct body; an embedded field has no names."""
    fields = []
    for spec in declaration_specs(body):
        spec = spec.strip()
        tag = ""
        match = re.search(r"(`[^`]*`|\"(?:[^\"\\]|\\.)*\")\s*$", spec)
        if match:
            tag, spec = match.group(1)[1:-1], spec[: match.start()].strip()
        names = re.match(r"^(\w+(?:\s*,\s*\w+)*)\s+(\S.*)$", spec)
        if names and not re.match(r"^[\w.]+$", spec):
            fields.append(([n.strip() for n in names.group(1).split(",")], names.group(2), tag))
        else:
            fields.append(([], spec, tag))
    return fields


def json_tag(tag: str) -> tuple[str | None, bool]:
    """(name, present) from a struct tag's json key: name is None for `-`."""
    match = re.search(r'(?:^|\s)json:"([^"]*)"', tag)
    if not match:
        return "", False
    name = match.group(1).split(",")[0]
    return (None if name == "-" else name), True


class Generator:
    """Walks the Go types from the roots, writing each reachable struct's fields."""

    def __init__(self, checkout: Path) -> None:
        self.checkout = checkout
        self.packages: dict[str, GoPackage] = {}
        self.types: dict[str, dict[str, str]] = {}
        self.pending: list[str] = []

    def package(self, path: str) -> GoPackage:
        if path not in self.packages:
            if path.startswith(TEKTON_MODULE + "/"):
                directory = self.checkout / path.removeprefix(TEKTON_MODULE + "/")
            else:
                directory = self.checkout / "vendor" / path
            if not directory.is_dir():
                raise SystemExit(f"no Go package {path} at {directory}")
            self.packages[path] = GoPackage(path, directory)
        return self.packages[path]

    def run(self) -> dict[str, Any]:
        """The kinds of each API version and every struct reachable from them."""
        kinds = {
            version: {
                kind: self.shape_of_named(TEKTON_MODULE + "/" + root)
                for kind, root in roots.items()
            }
            for version, roots in ROOTS.items()
        }
        while self.pending:
            self.describe(self.pending.pop())
        used = set(chain.from_iterable(roots.values() for roots in kinds.values()))
        for fields in self.types.values():
            used.update(re.sub(r"^(\[\]|map\[\])+", "", shape) for shape in fields.values())
        return {
            "kinds": kinds,
            "types": {key: fields for key, fields in self.types.items() if key in used},
        }

    def shape_of_named(self, qualified: str) -> str:
        """The shape of a named type `importpath.Name`: a custom decoder's, a basic type's for
        named basic types, the shape of a slice or map it names, or a reference to a struct."""
        path, _, name = qualified.rpartition(".")
        key = short(qualified)
        if key in CUSTOM_DECODERS:
            return CUSTOM_DECODERS[key]
        package = self.package(path)
        if name not in package.types:
            raise SystemExit(f"type {qualified} not found")
        if name in package.decoders:
            raise SystemExit(
                f"{qualified} decodes itself (UnmarshalJSON): read it and add what it accepts "
                "to CUSTOM_DECODERS"
            )
        definition = package.types[name].removeprefix("=").strip()
        if definition.startswith("struct"):
            if key not in self.types and key not in self.pending:
                self.pending.append(key)
                self.types[key] = {}
            return key
        return self.shape(definition, package, name)

    def shape(self, expression: str, package: GoPackage, context: str) -> str:
        """The shape of a type expression written in `package` (in the file declaring
        `context`)."""
        expression = expression.strip()
        if expression.startswith("*"):
            return self.shape(expression[1:], package, context)
        if expression.startswith("[]"):
            element = self.shape(expression[2:], package, context)
            return "bytes" if element == "uint8" else "[]" + element
        if expression.startswith("["):
            return "[]" + self.shape(expression[expression.index("]") + 1 :], package, context)
        if expression.startswith("map["):
            end = matching(expression, 3, "[", "]")
            return "map[]" + self.shape(expression[end:], package, context)
        if expression.startswith(("interface", "any")) and not expression[3:4].isalnum():
            return "any"
        if expression.startswith("struct"):
            raise SystemExit(f"anonymous struct in {package.path}.{context}: not supported")
        if expression in BASIC and expression not in package.types:
            return BASIC[expression]
        if "." in expression:
            alias, _, name = expression.partition(".")
            path = package.imports[context].get(alias)
            if path is None:
                raise SystemExit(f"unknown package {alias} in {package.path}.{context}")
            return self.shape_of_named(f"{path}.{name}")
        return self.shape_of_named(f"{package.path}.{expression}")

    def describe(self, key: str) -> None:
        """Record the JSON fields of the struct `key`, embedded structs' fields promoted."""
        fields: dict[str, tuple[int, bool, str]] = {}
        self.collect(key, 0, fields, set())
        self.types[key] = {name: shape for name, (_, _, shape) in sorted(fields.items())}
        folded: dict[str, str] = {}
        for name in self.types[key]:
            if folded.setdefault(name.lower(), name) != name:
                raise SystemExit(f"{key} has fields {name} and {folded[name.lower()]}")

    def collect(
        self, key: str, depth: int, fields: dict[str, tuple[int, bool, str]], seen: set[str]
    ) -> None:
        """Go's rules for embedded fields: the shallowest wins; at equal depth a tagged one
        wins over untagged ones, and otherwise both are dropped (marked with shape '')."""
        if key in seen:
            return
        seen = seen | {key}
        package_path, _, name = long_name(key).rpartition(".")
        package = self.package(package_path)
        body = package.types[name].removeprefix("=").strip()
        body = body[body.index("{") + 1 : body.rindex("}")]
        for names, expression, tag in struct_fields(body):
            json_name, tagged = json_tag(tag)
            if json_name is None:
                continue
            if not names:
                embedded = expression.lstrip("*")
                base = embedded.rpartition(".")[2]
                if not base[:1].isupper() and not json_name:
                    continue
                target = self.shape(embedded, package, name)
                if not json_name and target in self.types:
                    self.collect(target, depth + 1, fields, seen)
                    continue
                names = [base]
            for field in names:
                if not field[:1].isupper():
                    continue
                add_field(
                    fields, json_name or field, depth, tagged, self.shape(expression, package, name)
                )


def add_field(
    fields: dict[str, tuple[int, bool, str]], name: str, depth: int, tagged: bool, shape: str
) -> None:
    old = fields.get(name)
    if old is None or depth < old[0] or (depth == old[0] and tagged and not old[1]):
        fields[name] = (depth, tagged, shape)
    elif depth == old[0] and tagged == old[1]:
        raise SystemExit(f"ambiguous embedded field {name}: not supported")


def short(qualified: str) -> str:
    """A type's name in the output: Tekton's under its module, others by import path."""
    return qualified.removeprefix(TEKTON_MODULE + "/")


def long_name(key: str) -> str:
    """The import path and name of a type named `key` in the output."""
    return f"{TEKTON_MODULE}/{key}" if key.startswith("pkg/") else key


def tekton_version(checkout: Path) -> str:
    result = subprocess.run(
        ["git", "-C", str(checkout), "describe", "--tags", "--exact-match"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit("not a checkout at a release tag: pass --tekton-version vX.Y.Z")
    return result.stdout.strip()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="a tektoncd/pipeline checkout with vendor/")
    parser.add_argument("--tekton-version", help="its release tag (default: git describe)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    version = args.tekton_version or tekton_version(args.checkout)
    api = Generator(args.checkout).run()
    document = {
        "generated": (
            f"from tektoncd/pipeline {version} by scripts/generate_tekton_api.py; do not edit"
        ),
        "tekton": version,
        **api,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    args.output.write_text(text + "\n", encoding="utf-8")
    print(f"{args.output}: {len(api['types'])} types, {len(text)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
