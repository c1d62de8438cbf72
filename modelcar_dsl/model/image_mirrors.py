"""Image mirrors: where a disconnected cluster pulls the images the tasks name.

`[tool.modelcar] image_mirrors = { "quay.io/skopeo" = "mirror.corp:5000/skopeo" }` maps a
repository, or a registry or namespace above it, to the mirror that serves the same images, as
OpenShift's ImageDigestMirrorSet does for the nodes. The compiler writes the mirrored
reference into each step, so the Tasks name what the cluster can pull and review shows it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from modelcar_dsl.formats.names import HOST_PATTERN

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
LOCATION = re.compile(rf"{HOST_PATTERN}(?:/{_COMPONENT})*")
"""A registry host, or a repository path under one, without tag or digest."""


def location_problem(location: str) -> str | None:
    """Why `location` is no registry or repository a mirror can stand for, if it is not."""
    if LOCATION.fullmatch(location) and len(location) <= 255:
        return None
    return (
        f"{location!r} is no registry or repository: write host[:port] or host[:port]/path in "
        "lower case, without tag or digest (e.g. quay.io/skopeo)"
    )


@attrs.frozen
class ImageMirrors:
    """Source location -> mirror location; the longest source that holds an image wins."""

    mirrors: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_mapping(cls, mirrors: Mapping[str, str]) -> ImageMirrors:
        return cls(tuple(sorted(mirrors.items())))

    def mirrored(self, image: str) -> str:
        """`image` pulled from its mirror, or unchanged where no source holds it."""
        holding = [
            (len(source), source, mirror)
            for source, mirror in self.mirrors
            if _holds(source, image)
        ]
        if not holding:
            return image
        _, source, mirror = max(holding)
        return mirror + image[len(source) :]


def _holds(source: str, image: str) -> bool:
    """After a repository a tag (`:`) or digest (`@`) may follow; after a bare host, `:` would
    start another port, so only a path (`/`) may."""
    if not image.startswith(source):
        return False
    rest = image[len(source) :]
    return rest == "" or rest[0] == "/" or ("/" in source and rest[0] in ":@")
