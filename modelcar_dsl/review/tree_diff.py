"""What a change does to the compiled tree, by resource and by meaning: tasks and edges added or
removed, params re-defaulted, images and scripts changed, run settings changed, rather than the
lines of YAML that moved."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

import attrs
import yaml

from modelcar_dsl.diagnostics.errors import ProjectError
from modelcar_dsl.reading.yaml_source import FAST_LOADER

MISSING = object()


@attrs.frozen
class Change:
    """One change of one resource, in words; `script_diff` holds a unified diff of a script."""

    text: str
    script_diff: str = ""


@attrs.frozen
class ResourceChanges:
    resource: str
    file: str
    changes: tuple[Change, ...]


def _resources(files: dict[str, str], origin: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """`kind/name` -> (file, document) for the Tekton documents of a tree; `origin` prefixes
    the file names in errors."""
    found = {}
    for path, text in sorted(files.items()):
        for document in _documents(text, f"{origin}{path}"):
            if isinstance(document, dict) and document.get("kind") != "Kustomization":
                metadata = document.get("metadata")
                metadata = metadata if isinstance(metadata, dict) else {}
                name = metadata.get("name") or str(metadata.get("generateName", "")).rstrip("-")
                found[f"{str(document.get('kind', '')).lower()}/{name}"] = (path, document)
    return found


def _documents(text: str, where: str) -> Iterator[Any]:
    """The documents of one file; bad YAML and aliases (which a compiled tree never holds, and
    which could make a small file a huge or endless one to compare) name the file and line."""
    loader = FAST_LOADER(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            _refuse_aliases(node, where)
            yield loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        line = f":{error.problem_mark.line + 1}" if error.problem_mark else ""
        raise ProjectError(f"{where}{line}: not valid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise ProjectError(f"{where}: not valid YAML: {error}") from None
    finally:
        loader.dispose()


def _refuse_aliases(root: yaml.Node, where: str) -> None:
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            raise ProjectError(
                f"{where}:{node.start_mark.line + 1}: a YAML anchor that an alias repeats; "
                "compiled trees have none, so compare with a compiled tree (or expand the alias)"
            )
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            pending += [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            pending += node.value


def diff_trees(
    before: dict[str, str], after: dict[str, str], origin: str = ""
) -> list[ResourceChanges]:
    """Every resource that differs, in a stable order, with its changes in words; `origin`
    names where `before` came from (`compiled/`, `HEAD:compiled/`) in errors."""
    old, new = _resources(before, origin), _resources(after, "")
    result = []
    for resource in sorted(old.keys() | new.keys()):
        if resource not in old:
            changes: list[Change] = [Change("added")]
            file = new[resource][0]
        elif resource not in new:
            changes, file = [Change("removed")], old[resource][0]
        else:
            file = new[resource][0]
            changes = list(_describe(_walk(old[resource][1], new[resource][1], "")))
        if changes:
            result.append(ResourceChanges(resource, file, tuple(changes)))
    return result


def _named(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and isinstance(item.get("name"), str) for item in value)
    )


def _walk(old: Any, new: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """(path, before, after) for every difference; lists of named items are matched by name
    (`spec.tasks[push-to-quay]`), so reordering is not a change."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            yield from _walk(old.get(key, MISSING), new.get(key, MISSING), _join(path, key))
    elif (_named(old) or old is MISSING or old == []) and (_named(new) or new in (MISSING, [])):
        itemised = path.rpartition(".")[2] in _ITEMISED
        if (old is MISSING or new is MISSING) and not itemised:
            yield path, old, new
            return
        old, new = ([] if old is MISSING else old), ([] if new is MISSING else new)
        old_items = {item["name"]: item for item in old}
        new_items = {item["name"]: item for item in new}
        for name in [*old_items, *(n for n in new_items if n not in old_items)]:
            yield from _walk(
                old_items.get(name, MISSING), new_items.get(name, MISSING), f"{path}[{name}]"
            )
    elif old != new:
        yield path, old, new


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value if "\n" not in value else f"{len(value.splitlines())} lines"
    # A lone scalar dumps with YAML's document end marker ("true\n...\n"), not a value's part.
    dumped = yaml.safe_dump(value, default_flow_style=True, width=1000)
    return dumped.removesuffix("\n...\n").strip()


def _describe(differences: Iterator[tuple[str, Any, Any]]) -> Iterator[Change]:
    for path, old, new in differences:
        subject = _subject(path)
        if path.endswith(".runAfter"):
            before = {_shown(name) for name in old} if isinstance(old, list) else set()
            after = {_shown(name) for name in new} if isinstance(new, list) else set()
            for name in sorted(after - before):
                yield Change(f"{subject}: runAfter {name} added")
            for name in sorted(before - after):
                yield Change(f"{subject}: runAfter {name} removed")
        elif path.endswith(".script") and isinstance(old, str) and isinstance(new, str):
            diff = "".join(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    fromfile="before",
                    tofile="after",
                )
            )
            yield Change(f"{subject}: script changed", diff)
        elif old is MISSING and path.rpartition(".")[2] in _SHOWN_WHOLE:
            yield Change(f"{subject} added: {_shown(new)}")
        elif old is MISSING:
            yield Change(f"{subject} added" + _value_note(new))
        elif new is MISSING:
            yield Change(f"{subject} removed")
        elif path.endswith(".default"):
            yield Change(f"{subject}: re-defaulted {_shown(old)} -> {_shown(new)}")
        else:
            yield Change(f"{subject}: {_shown(old)} -> {_shown(new)}")


def _value_note(value: Any) -> str:
    if isinstance(value, dict):
        for key in ("default", "value", "taskRef"):
            if key in value:
                return f" ({key} {_shown(value[key])})"
        return ""
    return f": {_shown(value)}"


_ITEMISED = ("sidecars", "volumes", "volumeMounts")
"""Lists whose first or last item is said by name (`sidecar registry added`), not as a list."""
_SHOWN_WHOLE = ("securityContext", "emptyDir", "configMap", "secret", "persistentVolumeClaim")
"""Settings whose whole value is the news when they appear: a container's securityContext,
a volume's source."""
_SEGMENT = re.compile(r"\.(?![^\[]*\])")
_WORDS = {
    "tasks": "",
    "finally": "finally ",
    "steps": "step ",
    "params": "param ",
    "results": "result ",
    "workspaces": "workspace ",
    "sidecars": "sidecar ",
    "volumes": "volume ",
    "volumeMounts": "mount ",
}
_PHRASED = ("runAfter", "script", "default")


def _subject(path: str) -> str:
    """`spec.tasks[push-to-quay].runAfter` -> `push-to-quay`, `spec.steps[push].image` ->
    `step push image`: the field path, said the way a reviewer says it."""
    segments = _SEGMENT.split(path)
    if segments[-1] in _PHRASED:
        segments.pop()
    words = []
    for segment in segments:
        field, _, name = segment.partition("[")
        if field == "spec":
            continue
        if name:
            words.append(_WORDS.get(field, f"{field} ") + name.rstrip("]"))
        else:
            words.append(field)
    return " ".join(words)


def as_text(changes: list[ResourceChanges]) -> str:
    lines = []
    for resource in changes:
        lines.append(f"{resource.resource} ({resource.file})")
        for change in resource.changes:
            lines.append(f"  {change.text}")
            lines += [f"    {line}" for line in change.script_diff.splitlines()]
    lines.append(_summary(changes))
    return "\n".join(lines) + "\n"


def as_markdown(changes: list[ResourceChanges]) -> str:
    lines = ["## modelcar diff", ""]
    for resource in changes:
        lines.append(f"### `{resource.resource}` ({resource.file})")
        lines.append("")
        for change in resource.changes:
            lines.append(f"- {change.text}")
            if change.script_diff:
                lines += ["", "  ```diff"]
                lines += [f"  {line}" for line in change.script_diff.splitlines()]
                lines += ["  ```"]
        lines.append("")
    lines.append(_summary(changes))
    return "\n".join(lines) + "\n"


def _summary(changes: list[ResourceChanges]) -> str:
    if not changes:
        return "No changes to the compiled tree."
    count = sum(len(resource.changes) for resource in changes)
    return f"{count} change{'s' if count != 1 else ''} in {len(changes)} resource" + (
        "s" if len(changes) != 1 else ""
    )
