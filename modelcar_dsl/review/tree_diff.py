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
    if _other_source(old, new, path):
        yield path, old, new
    elif _keyed_path(path) and all(
        side is MISSING or isinstance(side, dict) for side in (old, new)
    ):
        yield from _keyed(old, new, path)
    elif path.endswith("taskRunSpecs") and _per_task(old) and _per_task(new):
        old_specs = {item["pipelineTaskName"]: item for item in old}
        new_specs = {item["pipelineTaskName"]: item for item in new}
        for name in [*old_specs, *(n for n in new_specs if n not in old_specs)]:
            yield from _walk(
                old_specs.get(name, MISSING), new_specs.get(name, MISSING), f"{path}[{name}]"
            )
    elif isinstance(old, dict) and isinstance(new, dict):
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


def _keyed_path(path: str) -> bool:
    """A document's or a taskRunSpecs entry's labels or annotations: mappings whose keys are
    names with dots and slashes (`example.com/team`), said key by key."""
    return path.removeprefix("metadata.") in ("labels", "annotations") or path.endswith(
        (".metadata.labels", ".metadata.annotations")
    )


def _keyed(old: Any, new: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """`metadata.labels` -> `labels[example.com/team]`, which is said
    `label example.com/team added: llm`."""
    owner, nested, field = path.rpartition(".metadata.")
    if not nested:
        owner, field = "", path.removeprefix("metadata.")
    before = old if isinstance(old, dict) else {}
    after = new if isinstance(new, dict) else {}
    for key in [*before, *(k for k in after if k not in before)]:
        if before.get(key, MISSING) != after.get(key, MISSING):
            where = _join(owner, f"{field}[{key}]")
            yield where, before.get(key, MISSING), after.get(key, MISSING)


def _per_task(value: Any) -> bool:
    """taskRunSpecs entries, each naming its pipeline task."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(i, dict) and isinstance(i.get("pipelineTaskName"), str) for i in value)
    )


def _other_source(old: Any, new: Any, path: str) -> bool:
    """A ref that now names a resource of the project where it fetched one through a resolver,
    or the other way round: one change, said whole, not its keys one by one."""
    return (
        path.rsplit(".", 1)[-1] in ("ref", "taskRef")
        and isinstance(old, dict)
        and isinstance(new, dict)
        and bool(old.get("resolver")) != bool(new.get("resolver"))
    )


def _ref_words(ref: dict[str, Any], path: str) -> str:
    """`StepAction fetch`, or `remote StepAction (resolver git: url ..., revision ...)`."""
    kind = "StepAction" if path.endswith(".ref") else "Task"
    if not ref.get("resolver"):
        return f"{kind} {_shown(ref.get('name'))}"
    params = ", ".join(
        f"{_shown(param.get('name'))} {_shown(param.get('value'))}"
        for param in ref.get("params") or []
        if isinstance(param, dict)
    )
    return f"remote {kind} (resolver {_shown(ref['resolver'])}: {params})"


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
        elif _other_source(old, new, path):
            yield Change(f"{subject}: {_ref_words(old, path)} -> {_ref_words(new, path)}")
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
_SHOWN_WHOLE = (
    "securityContext",
    "emptyDir",
    "configMap",
    "secret",
    "persistentVolumeClaim",
    "affinity",
    "topologySpreadConstraints",
)
"""Settings whose whole value is the news when they appear: a container's securityContext,
a volume's source, a pod's affinity and spread constraints."""
_SEGMENT = re.compile(r"\.(?![^\[]*\])")
_WORDS = {
    "tasks": "",
    "finally": "finally ",
    "steps": "step ",
    "params": "param ",
    "results": "result ",
    "workspaces": "workspace ",
    "labels": "label ",
    "annotations": "annotation ",
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


def _printable(line: str) -> str:
    """A line with its control characters escaped (`\\x1b`): a compared tree is untrusted, and
    an escape sequence in a script or an annotation could rewrite what the reviewer sees."""
    return "".join(c if c.isprintable() or c == "\t" else ascii(c)[1:-1] for c in line)


def as_text(changes: list[ResourceChanges]) -> str:
    lines = []
    for resource in changes:
        lines.append(f"{resource.resource} ({resource.file})")
        for change in resource.changes:
            lines.append(f"  {change.text}")
            lines += [f"    {line}" for line in change.script_diff.splitlines()]
    lines.append(_summary(changes))
    return "\n".join(map(_printable, lines)) + "\n"


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
    return "\n".join(map(_printable, lines)) + "\n"


def _summary(changes: list[ResourceChanges]) -> str:
    if not changes:
        return "No changes to the compiled tree."
    count = sum(len(resource.changes) for resource in changes)
    return f"{count} change{'s' if count != 1 else ''} in {len(changes)} resource" + (
        "s" if len(changes) != 1 else ""
    )
