"""Deterministic YAML for reviewers: insertion-ordered keys, scripts as literal blocks, no anchors.

PyYAML's resolver already quotes the YAML 1.1 booleans (`yes`, `on`, ...); `y` and `n`, which
some YAML 1.1 parsers also read as booleans, and YAML 1.2 numbers PyYAML misses (`1e3`, `0o17`),
which kustomize would read as numbers, are quoted here as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from modelcar_dsl.diagnostics.errors import ProjectError
from modelcar_dsl.output.layout import GENERATED_MARKER

_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_AMBIGUOUS_BOOLEANS = frozenset({"y", "Y", "n", "N"})
_YAML_1_2_NUMBER = re.compile(
    r"[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF))|\.(?:nan|NaN|NAN)"
)


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if value in _AMBIGUOUS_BOOLEANS or _YAML_1_2_NUMBER.fullmatch(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _represent_tuple(dumper: yaml.SafeDumper, value: tuple[Any, ...]) -> yaml.SequenceNode:
    return dumper.represent_list(list(value))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(tuple, _represent_tuple)


def header(source: str) -> str:
    """The comment that marks a file as generated and names the Python it came from."""
    return (
        f"{GENERATED_MARKER} from {source}. Do not edit:\n"
        "# change the Python source and run `modelcar compile`.\n"
    )


def dump(document: dict[str, Any], source: str) -> str:
    """One document with its header, byte-identical for identical input."""
    return header(source) + dump_body(document, source)


def dump_body(document: dict[str, Any], source: str = "") -> str:
    """The document alone, as the files hold it (for printing, not for the out tree). A string
    no UTF-8 text can hold is bad input, named by `source` (else the document's kind and name)
    and its field, never a traceback from the emitter."""
    try:
        stand_in = _unused_character(document)
        text = _dump(_tabs_replaced(document, stand_in))
    except UnicodeEncodeError:
        path, value = next(_unencodable(document, ""))
        metadata = document.get("metadata") or {}
        where = (
            source
            or f"{document.get('kind')} {metadata.get('name') or metadata.get('generateName')}"
        )
        raise ProjectError(
            f"{where}: {path or 'a key'} holds "
            f"{value[:80]!r}, which has a lone surrogate that no UTF-8 file can hold (text read "
            "with errors='surrogateescape', or a bad \\ud8xx escape); give it as proper text"
        ) from None
    return text.replace(stand_in, "\t") if stand_in else text


def _dump(document: Any) -> str:
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,
        indent=2,
    )


# Tabs in literal blocks. YAML allows a tab in a block scalar's content (only its indentation
# must be spaces), and Tekton writes a script's text to its file unchanged, so a bash heredoc
# with `<<-EOF` keeps working; but PyYAML and libyaml count a tab as a special character and
# would print the whole script as one double-quoted line. So each tab of a multi-line string is
# swapped for a character the document holds nowhere else, the document is dumped, and the
# character is swapped back: only where the emitter chose a literal block, after the spaces of
# the indentation. Not in a string that starts with a tab: libyaml and Go's yaml (Tekton's) take
# a block's indentation from its first line and refuse a tab there, so it stays quoted.


def _unused_character(document: Any) -> str:
    """A private-use character in none of the document's strings; "" when no multi-line string
    has a tab (nothing to swap), or, absurdly, the strings hold every one (tabs stay quoted)."""
    if not any("\t" in text and "\n" in text for text in _strings(document)):
        return ""  # the common case: one walk, without keeping the strings
    used = set().union(*map(set, _strings(document)))
    return next((chr(code) for code in range(0xE000, 0xF900) if chr(code) not in used), "")


def _unencodable(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(field path, text) of each string UTF-8 cannot encode, keys included."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unencodable(key, path)
            yield from _unencodable(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _unencodable(item, f"{path}[{index}]")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _tabs_replaced(value: Any, stand_in: str) -> Any:
    """`value` with the tabs of each multi-line string that dumps as a literal block once they
    are swapped for `stand_in`; any other string keeps its tabs (and is quoted)."""
    if not stand_in:
        return value
    if isinstance(value, str):
        swapped = value.replace("\t", stand_in)
        if (
            "\n" in value
            and swapped != value
            and not value.startswith("\t")
            and _dump(swapped).startswith("|")
        ):
            return swapped
        return value
    if isinstance(value, dict):
        return {key: _tabs_replaced(item, stand_in) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_tabs_replaced(item, stand_in) for item in value]
    return value
