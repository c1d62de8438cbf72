"""YAML files read back as the plain data Kubernetes decodes (strings, numbers, booleans, null,
lists, mappings with string keys), with the line of every field, so a problem's field path
points into the file (`spec.tasks[3].workspaces[0]` -> line 41), and with the duplicate keys
PyYAML hides.

A hostile file cannot make this slow or big: it is read from libyaml's events in two passes,
the first only to learn each resource's kind, so resources of kinds nobody asked for are never
built. Lines are a tree as big as the file (an alias points at its anchor's lines, never a
copy), nesting is bounded (libyaml slows down with depth, Python recursion would fail), and
aliases may repeat only so many values (a "billion laughs" file is refused, as a recursive
alias is)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML was built with it: the same documents, several times faster."""

MAX_DEPTH = 100
"""Deepest nesting read. Tekton resources nest fewer than 20 levels; libyaml's parser slows
down with the square of the depth (80 KB of brackets took 2.5 s), Python recursion fails."""
MAX_ALIAS_VALUES = 100_000
"""Values that aliases and `<<` merge keys may repeat in one file, over those written out: the
rules read that many in half a second (benchmarks/validate_limits.py), a billion never."""
MAX_NUMBER_CHARACTERS = 100
"""An integer longer than this is refused before Python converts it (64 bits fit in 20 digits;
Python refuses to convert more than 4,300)."""

GO_YAML_BOOLEANS = {"y": True, "Y": True, "n": False, "N": False}
"""Plain scalars Kubernetes' YAML reader (go-yaml v2, through sigs.k8s.io/yaml) reads as booleans
beyond YAML 1.1's yes/no/on/off, which PyYAML resolves alone."""

_NUMBER_INITIALS = frozenset("0123456789+-.")
_SPECIAL_FLOATS = frozenset(
    f"{sign}.{word}"
    for sign in ("", "+", "-")
    for word in ("inf", "Inf", "INF", "nan", "NaN", "NAN")
)
_GO_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_GO_BASES = {"0x": 16, "0o": 8, "0b": 2}


def go_yaml_number(text: str) -> int | float | None:
    """The number go-yaml v2 (Kubernetes' YAML reader) makes of a plain scalar starting like
    one, or None when it keeps it as text: underscores dropped, then Go's ParseInt with base
    prefixes (a leading 0 is octal) within 64 bits, else a float in its `yamlStyleFloat` form."""
    if text.startswith("."):
        return float(text) if _GO_FLOAT.fullmatch(text) else None
    plain = text.replace("_", "")
    if _GO_INT.fullmatch(plain):
        digits = plain.lstrip("+-")
        base = _GO_BASES.get(digits[:2].lower(), 8 if len(digits) > 1 and digits[0] == "0" else 10)
        value = int(digits[2:] if base in (16, 2) or digits[:2].lower() == "0o" else digits, base)
        value = -value if plain.startswith("-") else value
        if -(2**63) <= value < 2**64:
            return value
    return float(plain) if _GO_FLOAT.fullmatch(plain) else None


Wanted = Callable[[str, str], bool]
"""Whether a resource of (apiVersion, kind) is to be read, given as written."""

_LIST_KIND = "List"
_INDEX = re.compile(r"\[(\d{1,18})\]")
_SEPARATOR = re.compile(r"[.\[]")
_MAX_KEY_CUTS = 64
_TAG = "tag:yaml.org,2002:"
_TEXT_TAGS = {f"{_TAG}{name}" for name in ("str", "timestamp", "binary", "value")}
_COLLECTION_TAGS = {f"{_TAG}{name}" for name in ("map", "seq", "set", "omap", "pairs")}


class YamlSyntaxError(Exception):
    """The text is not YAML; `line` is where the parser gave up (1-based)."""

    def __init__(self, message: str, line: int) -> None:
        self.line = line
        super().__init__(message)


class YamlLimitError(YamlSyntaxError):
    """Valid YAML that goes beyond what is read: too deep, aliases that repeat too much or
    contain themselves, numbers no Kubernetes field holds."""


@attrs.frozen
class Lines:
    """The line of a list or mapping, and the lines of its items (an int for a plain value)."""

    line: int
    children: dict[str, LineTree] | list[LineTree]


@attrs.frozen
class AliasLines:
    """An alias: where it is written, and its anchor's lines (shared, not copied)."""

    line: int
    target: LineTree


LineTree = Lines | AliasLines | int


def line_of(tree: LineTree, path: str) -> int:
    """The line of the field at `path` (`spec.tasks[3].workspaces[0]`), or of its nearest
    enclosing field when it is absent (a missing field is reported where it should have
    been). A key holding dots is found too (`metadata.annotations.tekton.dev/tags`)."""
    node, line, rest = tree, _line(tree), path
    while rest:
        while isinstance(node, AliasLines):
            node = node.target
        if isinstance(node, int):
            break
        children = node.children
        if isinstance(children, list):
            index = _INDEX.match(rest)
            if index is None or int(index[1]) >= len(children):
                break
            child, rest = children[int(index[1])], rest[index.end() :]
        else:
            key = _key_at(children, rest)
            if key is None:
                break
            child, rest = children[key], rest[len(key) :]
        rest = rest.removeprefix(".")
        node, line = child, _line(child)
    return line


def _line(tree: LineTree) -> int:
    return tree if isinstance(tree, int) else tree.line


def _key_at(children: dict[str, LineTree], path: str) -> str | None:
    """The key of `children` that `path` starts with, ending at a `.`, `[` or the path's end:
    the shortest that is a key (keys with dots are tried up to a bound, not to any length)."""
    separator = _SEPARATOR.search(path)
    for _ in range(_MAX_KEY_CUTS):
        key = path if separator is None else path[: separator.start()]
        if key in children:
            return key
        if separator is None:
            return None
        separator = _SEPARATOR.search(path, separator.start() + 1)
    return None


@attrs.frozen
class Resource:
    """One resource of a file (a document, an item of a list document or of a `kind: List`):
    its data, the lines of its fields, and its duplicate keys as (path, line)."""

    body: Any
    lines: LineTree
    duplicate_keys: tuple[tuple[str, int], ...] = ()

    def line_of(self, path: str) -> int:
        return line_of(self.lines, path)


@attrs.frozen
class LoadedFile:
    """The resources of a file that were read, and how many others were skipped unread."""

    resources: tuple[Resource, ...]
    skipped: int


def load_documents(data: bytes | str, wanted: Wanted | None = None) -> LoadedFile:
    """The resources of every document of `data`: each document, or each item of a document
    that is a list or a `kind: List`. `wanted` chooses them by apiVersion and kind as written;
    a resource whose kind is only known through an alias or a merge key is always read."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    plans = [_plan(header, wanted) for header in _scan(raw)]
    if not any(plan.root or plan.positions for plan in plans):
        return LoadedFile((), sum(plan.skipped for plan in plans))
    return LoadedFile(_Builder(raw, plans).build(), sum(plan.skipped for plan in plans))


def _events(raw: bytes) -> Iterator[Any]:
    """libyaml's events (untyped: dispatched on their exact type for speed), its errors as
    YamlSyntaxError at their line."""
    loader: Any = FAST_LOADER(raw)
    next_event = loader.get_event
    try:
        while (event := next_event()) is not None:
            yield event
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        if "maximum nesting depth" in str(error.problem):
            # libyaml 0.2.6 (PyYAML 6.0.4's wheels) stops deep nesting itself, past our limit.
            raise YamlLimitError(TOO_DEEP, line) from None
        raise YamlSyntaxError(f"{error.problem or error}", line) from None
    except yaml.reader.ReaderError as error:
        line = raw[: max(error.position, 0)].count(b"\n") + 1
        if "control character" not in error.reason:
            raise YamlSyntaxError(f"not UTF-8 text: {error.reason}", line) from None
        code = error.character
        escape = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
        raise YamlSyntaxError(
            f"character U+{code:04X}: {error.reason} in YAML; write it escaped in a "
            f'double-quoted string ("{escape}")',
            line,
        ) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), 1) from None
    finally:
        loader.dispose()


TOO_DEEP = (
    f"nested more than {MAX_DEPTH} levels deep; no Tekton resource needs that many, so the file "
    "is not read"
)


def _check_depth(depth: int, event: Event) -> None:
    if depth > MAX_DEPTH:
        raise YamlLimitError(TOO_DEEP, _event_line(event))


def _event_line(event: Event) -> int:
    return event.start_mark.line + 1 if event.start_mark else 1


def _is_merge_key(event: Event) -> bool:
    """A plain `<<` key (a quoted one is an ordinary key)."""
    return (
        isinstance(event, ScalarEvent)
        and event.tag is None
        and event.implicit[0]
        and event.value == "<<"
    )


@attrs.define
class _Header:
    """What the first pass learns of a resource: its apiVersion and kind as written."""

    api: str = ""
    kind: str = ""
    known: bool = True
    """False when an alias or merge key could supply them: the resource is read to find out."""


@attrs.define
class _DocumentHeader:
    root: _Header | None = None
    root_is_list: bool = False
    items: list[_Header | None] | None = None
    """The resources of a list document, or of the root's `items` list (a `kind: List`)."""


@attrs.define
class _ScanFrame:
    mapping: bool
    anchor: str | None
    header: _Header | None = None
    items: list[_Header | None] | None = None
    watched: bool = False
    key: str | None = None
    expect_key: bool = True


def _recursive_alias(name: str, line: int) -> YamlLimitError:
    return YamlLimitError(
        f"alias *{name} is inside the node its anchor &{name} names (a recursive alias), "
        "which never ends; write the value out",
        line,
    )


def _scan(raw: bytes) -> Iterator[_DocumentHeader]:
    """First pass: the headers of each document's resources; the depth limit is enforced
    here, before anything is built. Events deep inside a resource cost a type check and a
    flag: only the frames of resources and of their lists are watched."""
    stack: list[_ScanFrame] = []
    open_anchors: list[str] = []
    document = _DocumentHeader()
    for event in _events(raw):
        kind = type(event)
        if kind is ScalarEvent or kind is AliasEvent:
            if kind is AliasEvent and event.anchor in open_anchors:
                raise _recursive_alias(str(event.anchor), _event_line(event))
            if stack:
                parent = stack[-1]
                if parent.watched:
                    _scan_node(event, parent, parent.mapping and parent.expect_key)
                parent.expect_key = not parent.expect_key
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            outer = stack[-1] if stack else None
            is_key = outer is not None and outer.mapping and outer.expect_key
            frame = _ScanFrame(kind is MappingStartEvent, event.anchor)
            if outer is None:
                if frame.mapping:
                    document.root = frame.header = _Header()
                else:
                    frame.items = document.items = []
                    document.root_is_list = True
            elif outer.watched:
                frame.header = _scan_node(event, outer, is_key)
                if len(stack) == 1 and outer.key == "items" and not frame.mapping and not is_key:
                    frame.items = document.items = []
            frame.watched = frame.header is not None or frame.items is not None
            stack.append(frame)
            if event.anchor is not None:
                open_anchors.append(event.anchor)
            _check_depth(len(stack), event)
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            frame = stack.pop()
            if frame.anchor is not None:
                open_anchors.pop()
            if stack:
                stack[-1].expect_key = not stack[-1].expect_key
        elif kind is DocumentStartEvent:
            document = _DocumentHeader()
        elif kind is DocumentEndEvent:
            yield document


def _scan_node(event: NodeEvent, parent: _ScanFrame, is_key: bool) -> _Header | None:
    """Note what a node tells of its resource; the header of a resource it starts."""
    if is_key:
        parent.key = event.value if isinstance(event, ScalarEvent) else None
        if parent.header is not None and (isinstance(event, AliasEvent) or _is_merge_key(event)):
            parent.header.known = False
        return None
    if parent.header is not None and parent.key in ("apiVersion", "kind"):
        if isinstance(event, AliasEvent):
            parent.header.known = False
        elif isinstance(event, ScalarEvent):
            setattr(parent.header, "api" if parent.key == "apiVersion" else "kind", event.value)
    if parent.items is None:
        return None
    header = None
    if isinstance(event, MappingStartEvent):
        header = _Header()
    elif isinstance(event, AliasEvent):
        header = _Header(known=False)
    parent.items.append(header)
    return header if isinstance(event, MappingStartEvent) else None


@attrs.frozen
class _Plan:
    """What the second pass reads of one document."""

    root: bool
    items_key: str | None
    """"" for the items of a list document, "items" for those of a `kind: List`."""
    positions: frozenset[int]
    skipped: int


def _plan(document: _DocumentHeader, wanted: Wanted | None) -> _Plan:
    def read(header: _Header) -> bool:
        return wanted is None or not header.known or wanted(header.api, header.kind)

    root = document.root
    listed = document.root_is_list or (root is not None and root.known and root.kind == _LIST_KIND)
    if listed and document.items is not None:
        resources = [(i, item) for i, item in enumerate(document.items) if item is not None]
        positions = frozenset(i for i, item in resources if read(item))
        key = "" if document.root_is_list else "items"
        return _Plan(False, key, positions, len(resources) - len(positions))
    if root is None:
        return _Plan(False, None, frozenset(), 0)
    return _Plan(read(root), None, frozenset(), 0 if read(root) else 1)


@attrs.frozen
class _Anchor:
    data: Any
    lines: LineTree
    size: int
    text: str | None
    """A plain value's text, for an alias used as a mapping key."""


@attrs.define
class _ResourceBuild:
    """A resource being read: where its root is on the stack, its duplicate keys so far."""

    root: int
    duplicates: list[tuple[str, int]] = attrs.Factory(list)


@attrs.define
class _Frame:
    """A list or mapping being read; `data` is None while skipping one nobody asked for."""

    mapping: bool
    is_key: bool
    line: int
    anchor: str | None
    data: dict[str, Any] | list[Any] | None = None
    lines: Lines | None = None
    resource: _ResourceBuild | None = None
    starts_resource: bool = False
    filter_items: bool = False
    position: int = 0
    key: str | None = None
    key_line: int = 0
    merge_next: bool = False
    expect_key: bool = True
    size: int = 1
    merges: list[tuple[Any, LineTree]] = attrs.Factory(list)


class _Builder:
    """Second pass: the planned resources built from the events, with their lines."""

    def __init__(self, raw: bytes, plans: list[_Plan]) -> None:
        self.raw = raw
        self.plans = plans
        self.loader: Any = FAST_LOADER("")
        self.resolved_initials = {
            initial for initial in self.loader.yaml_implicit_resolvers if initial is not None
        }
        """First characters of the plain values YAML may read as other than text."""
        self.anchors: dict[str, _Anchor] = {}
        self.repeated = 0
        self.resources: list[Resource] = []
        self.plan = _Plan(False, None, frozenset(), 0)
        self.stack: list[_Frame] = []

    def build(self) -> tuple[Resource, ...]:
        events = _events(self.raw)
        plans = iter(self.plans)
        try:
            for event in events:
                if isinstance(event, DocumentStartEvent):
                    self._document(events, next(plans))
        finally:
            self.loader.dispose()
        return tuple(self.resources)

    def _document(self, events: Iterator[Any], plan: _Plan) -> None:
        self.anchors, self.plan, self.stack = {}, plan, []
        reads = plan.root or plan.positions
        for event in events:
            kind = type(event)
            if kind is ScalarEvent or kind is AliasEvent:
                if reads:
                    self._leaf(event)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if reads:
                    self._open(event)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                if reads:
                    self._close()
            elif kind is DocumentEndEvent:
                return

    def _starts(self, parent: _Frame | None) -> bool:
        """Whether a value at this place is a resource the plan reads."""
        if parent is None:
            return self.plan.root
        return (
            parent.filter_items
            and parent.resource is None
            and parent.position in self.plan.positions
        )

    def _open(self, event: CollectionStartEvent) -> None:
        parent = self.stack[-1] if self.stack else None
        mapping = isinstance(event, MappingStartEvent)
        is_key = parent is not None and parent.mapping and parent.expect_key
        frame = _Frame(mapping, is_key, self._value_line(event, parent), event.anchor)
        builds = parent is not None and parent.data is not None
        if builds and is_key:
            raise YamlSyntaxError(
                "a mapping key is a list or mapping (a template's {{...}} left in?); Kubernetes "
                "cannot convert it to JSON, whose keys are plain strings",
                frame.line,
            )
        if not is_key and self._starts(parent):
            frame.resource = _ResourceBuild(len(self.stack))
            frame.starts_resource = True
        elif builds and parent is not None:
            frame.resource = parent.resource
        if builds or frame.starts_resource or event.anchor is not None:
            if event.tag not in (None, "!") and event.tag not in _COLLECTION_TAGS:
                raise YamlSyntaxError(f"unknown tag {event.tag}", frame.line)
            frame.data = {} if mapping else []
            frame.lines = Lines(frame.line, {} if mapping else [])
        frame.filter_items = (
            not mapping
            and self.plan.items_key is not None
            and (
                (parent is None and self.plan.items_key == "")
                or (
                    parent is not None
                    and len(self.stack) == 1
                    and parent.key == self.plan.items_key
                    and not is_key
                )
            )
        )
        self.stack.append(frame)

    def _leaf(self, event: NodeEvent) -> None:
        """A plain value or an alias: a key, or a value put into its parent."""
        parent = self.stack[-1] if self.stack else None
        line = _event_line(event)
        if parent is not None and parent.mapping and parent.expect_key:
            self._key(event, parent, line)
            return
        starts = self._starts(parent)
        if (parent is None or parent.data is None) and not starts:
            if isinstance(event, ScalarEvent) and event.anchor is not None:
                value = self._scalar(event, line)
                self.anchors[event.anchor] = _Anchor(value, line, 1, event.value)
            self._put(parent, False, None, line, 1)
            return
        tree: LineTree
        if isinstance(event, AliasEvent):
            anchor = self._alias(event, line)
            self.repeated += anchor.size
            if self.repeated > MAX_ALIAS_VALUES:
                raise YamlLimitError(
                    f"aliases repeat more than {MAX_ALIAS_VALUES:,} values in this file (a "
                    '"billion laughs"); write the values out, or alias less',
                    line,
                )
            value, size = anchor.data, anchor.size
            tree = AliasLines(self._value_line(event, parent), anchor.lines)
        else:
            assert isinstance(event, ScalarEvent)
            value, size = self._scalar(event, line), 1
            tree = self._value_line(event, parent)
            if event.anchor is not None:
                self.anchors[event.anchor] = _Anchor(value, tree, 1, event.value)
        if starts:
            self.resources.append(Resource(value, tree))
        self._put(parent, False, value, tree, size)

    def _key(self, event: NodeEvent, parent: _Frame, line: int) -> None:
        parent.expect_key, parent.key_line, parent.merge_next = False, line, False
        if parent.data is None:
            parent.key = event.value if isinstance(event, ScalarEvent) else None
            return
        if isinstance(event, AliasEvent):
            anchor = self._alias(event, line)
            if anchor.text is None:
                raise YamlLimitError(
                    f"alias *{event.anchor} is a key but names a list or mapping; Kubernetes "
                    "keys are plain strings",
                    line,
                )
            parent.key = anchor.text
            return
        assert isinstance(event, ScalarEvent)
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchor(event.value, line, 1, event.value)
        parent.key, parent.merge_next = event.value, _is_merge_key(event)
        if event.value in parent.data and parent.resource is not None:
            parent.resource.duplicates.append((self._path(event.value), line))

    def _path(self, key: str) -> str:
        """The field path of `key` in the mapping on top of the stack, within its resource."""
        top = self.stack[-1]
        assert top.resource is not None
        path = ""
        for frame in self.stack[top.resource.root : -1]:
            if frame.mapping:
                path = f"{path}.{frame.key}" if path else str(frame.key)
            else:
                path = f"{path}[{frame.position}]"
        return f"{path}.{key}" if path else key

    def _alias(self, event: AliasEvent, line: int) -> _Anchor:
        name = str(event.anchor)
        if name not in self.anchors:
            raise YamlSyntaxError(f"found undefined alias *{name}", line)
        return self.anchors[name]

    def _scalar(self, event: ScalarEvent, line: int) -> Any:
        """The value of a plain or quoted scalar as YAML 1.1 resolves it; dates and binary
        stay text (JSON has neither)."""
        tag, text = event.tag, event.value
        if tag is None and event.implicit[0] and text in GO_YAML_BOOLEANS:
            return GO_YAML_BOOLEANS[text]
        number_like = text[:1] in _NUMBER_INITIALS and len(text) <= MAX_NUMBER_CHARACTERS
        if tag is None and event.implicit[0] and number_like:
            go = go_yaml_number(text)
            tag = self.loader.resolve(yaml.ScalarNode, text, event.implicit)
            is_number = tag in (f"{_TAG}int", f"{_TAG}float")
            if go is None and is_number and text not in _SPECIAL_FLOATS:
                return text  # `1:20`: YAML 1.1's base 60, which go-yaml v2 reads as text
            if go is not None and not is_number:
                return go  # `1e3`, `0o17`, `08`: numbers to go-yaml v2, text to PyYAML
        if tag is None:
            if not event.implicit[0] or (text and text[0] not in self.resolved_initials):
                return text
            tag = self.loader.resolve(yaml.ScalarNode, text, event.implicit)
        if tag == "!" or tag in _TEXT_TAGS or tag == f"{_TAG}merge":
            return text
        if tag == f"{_TAG}null":
            return None
        if tag == f"{_TAG}bool" and text.lower() in self.loader.bool_values:
            return self.loader.bool_values[text.lower()]
        if tag == f"{_TAG}int":
            return self._integer(text, line)
        if tag == f"{_TAG}float":
            try:
                return self.loader.construct_yaml_float(yaml.ScalarNode(tag, text))
            except ValueError:
                pass
        if tag.startswith(_TAG):
            raise YamlSyntaxError(f"{text[:40]!r} cannot be read as !!{tag[len(_TAG) :]}", line)
        raise YamlSyntaxError(f"unknown tag {tag}", line)

    def _integer(self, text: str, line: int) -> int:
        if len(text) > MAX_NUMBER_CHARACTERS:
            raise YamlLimitError(
                f"a number of {len(text):,} characters; no Kubernetes field holds a number "
                "beyond 64 bits: quote it if it is text",
                line,
            )
        try:
            value = int(self.loader.construct_yaml_int(yaml.ScalarNode(f"{_TAG}int", text)))
        except ValueError:
            raise YamlSyntaxError(f"{text!r} cannot be read as an integer", line) from None
        if not -(2**63) <= value < 2**64:
            raise YamlLimitError(
                f"{text} is beyond 64 bits, which no Kubernetes field holds: quote it if it "
                "is text",
                line,
            )
        return value

    @staticmethod
    def _value_line(event: Event, parent: _Frame | None) -> int:
        """A mapping's value is at its key's line; a list item or a root at its own."""
        if parent is not None and parent.mapping and not parent.expect_key:
            return parent.key_line
        return _event_line(event)

    def _put(
        self, parent: _Frame | None, is_key: bool, value: Any, tree: LineTree, size: int
    ) -> None:
        """Put a finished value into its parent; a skipped parent only keeps count."""
        if parent is None:
            return
        if parent.mapping:
            parent.expect_key = not is_key
            if is_key:
                parent.key = None
                return
        else:
            parent.position += 1
        if parent.data is None or parent.lines is None:
            return
        parent.size += size
        children = parent.lines.children
        if isinstance(parent.data, list):
            assert isinstance(children, list)
            parent.data.append(value)
            children.append(tree)
        elif parent.merge_next:
            parent.merges.append((value, tree))
        elif parent.key is not None:
            assert isinstance(children, dict)
            parent.data[parent.key] = value
            children[parent.key] = tree

    def _close(self) -> None:
        frame = self.stack.pop()
        parent = self.stack[-1] if self.stack else None
        if frame.merges:
            self._merge(frame)
        if frame.anchor is not None and frame.data is not None and frame.lines is not None:
            self.anchors[frame.anchor] = _Anchor(frame.data, frame.lines, frame.size, None)
        tree: LineTree = frame.lines if frame.lines is not None else frame.line
        if frame.starts_resource and frame.resource is not None:
            self.resources.append(Resource(frame.data, tree, tuple(frame.resource.duplicates)))
        self._put(parent, frame.is_key, frame.data, tree, frame.size)

    def _merge(self, frame: _Frame) -> None:
        """`<<: *base` or `<<: [*a, *b]`: keys written out win over merged ones, and earlier
        merged mappings over later ones."""
        assert isinstance(frame.data, dict) and frame.lines is not None
        children = frame.lines.children
        assert isinstance(children, dict)
        sources: list[tuple[Any, LineTree]] = []
        for value, tree in frame.merges:
            if isinstance(value, list):
                items = _items(tree)
                lines = items if isinstance(items, list) else []
                sources += [
                    (item, lines[i] if i < len(lines) else tree) for i, item in enumerate(value)
                ]
            else:
                sources.append((value, tree))
        for value, tree in sources:
            if not isinstance(value, dict):
                raise YamlSyntaxError(
                    "a merge key (<<) takes a mapping or a list of mappings", frame.line
                )
            self.repeated += len(value)
            if self.repeated > MAX_ALIAS_VALUES:
                raise YamlLimitError(
                    f"merge keys (<<) repeat more than {MAX_ALIAS_VALUES:,} values in this "
                    "file; write the values out, or merge less",
                    frame.line,
                )
            source_lines = _items(tree)
            for key, item in value.items():
                if key not in frame.data:
                    frame.data[key] = item
                    frame.size += 1
                    if isinstance(source_lines, dict) and key in source_lines:
                        children[key] = source_lines[key]


def _items(tree: LineTree) -> dict[str, LineTree] | list[LineTree]:
    """The lines of a list's or mapping's items, through an alias."""
    while isinstance(tree, AliasLines):
        tree = tree.target
    return tree.children if isinstance(tree, Lines) else []
