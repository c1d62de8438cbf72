"""Secrets and ConfigMaps of a local run: each maps a name the cluster would resolve to a
directory of the user's (one file per key, as Kubernetes mounts them) or, from pytest, to a
dict of keys. Nothing is read until a step needs it, and a key is read as Kubernetes allows."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

from modelcar_dsl.diagnostics.errors import LocalRunError
from modelcar_dsl.running.untrusted_files import NotARegularFile, read_untrusted

KEY = re.compile(r"[-._a-zA-Z0-9]+")
"""A Secret or ConfigMap key (Kubernetes' IsConfigMapKey), so a key is never a path."""
MAX_VALUE_BYTES = 1024 * 1024
"""Kubernetes refuses Secrets and ConfigMaps larger than 1 MiB."""

Source = Path | Mapping[str, str]
KINDS = {"secret": "Secret", "configmap": "ConfigMap"}


@attrs.frozen
class Mounts:
    """The Secrets and ConfigMaps a run may use, by kind ("secret", "configmap") and name."""

    sources: Mapping[tuple[str, str], Source] = attrs.field(factory=dict)

    @classmethod
    def of(
        cls,
        secrets: Mapping[str, Source] | None = None,
        config_maps: Mapping[str, Source] | None = None,
    ) -> Mounts:
        sources: dict[tuple[str, str], Source] = {}
        for kind, given in (("secret", secrets or {}), ("configmap", config_maps or {})):
            for name, source in given.items():
                if isinstance(source, Path) and not source.is_dir():
                    raise LocalRunError(
                        f"--{kind} {name}={source}: not a directory; give a directory with one "
                        "file per key"
                    )
                sources[(kind, name)] = source
        return cls(sources)

    def has(self, kind: str, name: str) -> bool:
        return (kind, name) in self.sources

    def value(self, kind: str, name: str, key: str) -> str | None:
        """The value of `key`, or None when the mapped source lacks it."""
        if not KEY.fullmatch(key) or key in (".", ".."):
            return None
        source = self.sources[(kind, name)]
        if not isinstance(source, Path):
            return source.get(key)
        path = source / key
        try:
            data = read_untrusted(path, MAX_VALUE_BYTES + 1)
        except (FileNotFoundError, IsADirectoryError):
            return None
        except NotARegularFile:
            raise LocalRunError(f"{path} is not a file; a {KINDS[kind]} key is one file") from None
        except OSError as error:
            raise LocalRunError(
                f"{path}: {error.strerror}; the {KINDS[kind]} key is unreadable"
            ) from None
        if len(data) > MAX_VALUE_BYTES:
            raise LocalRunError(f"{path} is larger than a {KINDS[kind]} may be (1 MiB)")
        return data.decode("utf-8", "replace")

    def directory(self, kind: str, name: str, scratch: Path) -> Path:
        """A directory holding the source's keys: the user's own, or one written under
        `scratch` for a dict (mode 0700, as the values may be credentials)."""
        source = self.sources[(kind, name)]
        if isinstance(source, Path):
            return source
        written = scratch / f"{kind}-{name}"
        if written.is_dir():
            shutil.rmtree(written)  # an earlier run's keys are not this Secret's
        written.mkdir(mode=0o700, parents=True)
        for key, text in source.items():
            if not KEY.fullmatch(key) or key in (".", ".."):
                raise LocalRunError(f"{KINDS[kind]} {name}: {key!r} is not a valid key")
            (written / key).write_text(text)
        return written


def missing_list(needed: Iterable[tuple[str, str, str]]) -> str:
    """The options that would map each missing (kind, name, what-needs-it) entry."""
    lines = []
    for kind, name, why in sorted(set(needed)):
        lines.append(f"  --{kind} {name}=DIR    ({KINDS[kind]} {name}: {why})")
    return "\n".join(lines)
