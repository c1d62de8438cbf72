"""YAML files read back with the line of every field, so a problem's field path points into the
file (`spec.tasks[3].workspaces[0]` -> line 41), and with the duplicate keys PyYAML hides."""

from __future__ import annotations

from typing import Any

import attrs
import yaml

FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML was built with it: the same documents, several times faster."""


@attrs.frozen
class LoadedDocument:
    """One document of a YAML file: its data, the line of each field path, duplicate keys."""

    body: Any
    lines: dict[str, int]
    duplicate_keys: tuple[str, ...]

    def line_of(self, path: str) -> int:
        """The line of `path`, or of its nearest enclosing field when it is absent (a missing
        field is reported where it should have been)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.lines.get("", 1)


class YamlSyntaxError(Exception):
    """The text is not YAML; `line` is where the parser gave up (1-based)."""

    def __init__(self, message: str, line: int) -> None:
        self.line = line
        super().__init__(message)


def load_documents(text: str) -> list[LoadedDocument]:
    """Every non-empty document of `text`, in order."""
    loader = FAST_LOADER(text)
    documents: list[LoadedDocument] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            lines: dict[str, int] = {}
            duplicates: list[str] = []
            _index(node, "", lines, duplicates)
            body = loader.construct_document(node)
            if body is not None:
                documents.append(LoadedDocument(body, lines, tuple(duplicates)))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(f"{error.problem or error}", line) from error
    finally:
        loader.dispose()
    return documents


def _index(node: yaml.Node, path: str, lines: dict[str, int], duplicates: list[str]) -> None:
    """Record the line of `node` under `path` and of everything below it (iteratively: a
    generated pipeline may nest deeper than Python's recursion limit allows)."""
    pending = [(node, path)]
    while pending:
        current, where = pending.pop()
        lines.setdefault(where, current.start_mark.line + 1)
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in current.value:
                key = str(key_node.value)
                child = f"{where}.{key}" if where else key
                if key in seen:
                    duplicates.append(child)
                seen.add(key)
                lines[child] = key_node.start_mark.line + 1
                pending.append((value_node, child))
        elif isinstance(current, yaml.SequenceNode):
            for position, item in enumerate(current.value):
                pending.append((item, f"{where}[{position}]"))
