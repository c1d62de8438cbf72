#!/usr/bin/env python3
"""Prove the image on the workspace is the one its descriptors name, byte for byte.

After `sync`, every blob the image reaches (the manifests of index.json, each manifest's config
and layers, nested indexes) is read again and its sha256 and size compared with its descriptor,
and the SBOM tagged beside the image must name the image as its subject.
An OCI layout is read blob by blob; an oci-archive in one pass, without unpacking it. Run by the
build before it reports a digest, and by every push before its first attempt: a corrupt image is
found here, never at the registry.

Inputs (environment): WORKSPACE_SOURCE_PATH, IMAGE_PATH; EXPECTED_DIGEST (optional: the manifest
digest the image must have, sha256:...).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from modelcar_tasks.lib.step_inputs import StepError, confined_path, failed, text

TAG = "modelcar"
SBOM_TAG = "sbom"
REF_NAME = "org.opencontainers.image.ref.name"
DIGEST = re.compile(r"sha256:([a-f0-9]{64})")
METADATA_LIMIT = 4 << 20
"""index.json, manifests and configs are small; a larger one is not read into memory."""
CHUNK = 8 << 20
SMALL_BLOBS_LIMIT = 64 << 20
"""Manifests and configs kept in memory, all of them: far above a real image's few."""
ARCHIVE_MEMBER = re.compile(r"index\.json|oci-layout|blobs|blobs/sha256|blobs/sha256/[a-f0-9]{64}")
"""The only names an oci-archive holds; anything else (another spelling of index.json, a
link) is something skopeo may read differently from this check."""
MAX_DESCRIPTORS = 100_000
"""More than any image has; an index that names more is refused, not walked for hours."""


class BrokenImage(StepError):
    """The image does not match its own descriptors: it must be rebuilt, never pushed."""


class Blobs:
    """The blobs of an image by hex digest: their sha256 as read from disk, and small ones kept."""

    def __init__(self) -> None:
        self.read: dict[str, tuple[str, int]] = {}
        self.small: dict[str, bytes] = {}
        self.small_bytes = 0

    def add(self, name: str, stream: IO[bytes]) -> None:
        sha256 = hashlib.sha256()
        size = 0
        kept = bytearray()
        while chunk := stream.read(CHUNK):
            sha256.update(chunk)
            size += len(chunk)
            if size <= METADATA_LIMIT:
                kept += chunk
        self.read[name] = (sha256.hexdigest(), size)
        if size <= METADATA_LIMIT:
            self.small[name] = bytes(kept)
            self.small_bytes += size
            if self.small_bytes > SMALL_BLOBS_LIMIT:
                raise BrokenImage(f"it holds more than {SMALL_BLOBS_LIMIT} bytes of small blobs")

    def add_files(self, directory: Path, names: set[str]) -> None:
        """The named blob files of a layout's blobs/sha256/ (a missing one stays missing)."""
        for name in sorted(names):
            path = directory / name
            if path.is_file() and not path.is_symlink():
                with open(path, "rb") as stream:
                    self.add(name, stream)


def _small_file(path: Path) -> bytes:
    if not path.is_file() or path.is_symlink():
        raise BrokenImage(f"{path} is missing")
    if path.stat().st_size > METADATA_LIMIT:
        raise BrokenImage(f"{path} is larger than {METADATA_LIMIT} bytes")
    return path.read_bytes()


def read_archive(image: Path) -> tuple[bytes, Blobs]:
    """index.json and every blob of an oci-archive, in one pass over the tar."""
    blobs = Blobs()
    index: bytes | None = None
    try:
        with tarfile.open(image, mode="r:") as archive:
            seen: set[str] = set()
            for member in archive:
                name = member.name.removeprefix("./").rstrip("/")
                if not ARCHIVE_MEMBER.fullmatch(name) or name in seen:
                    raise BrokenImage(f"the archive holds an unexpected entry {member.name!r}")
                seen.add(name)
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BrokenImage(f"the archive entry {member.name!r} is not a regular file")
                stream = archive.extractfile(member)
                if stream is None:
                    continue
                if name == "index.json":
                    if member.size > METADATA_LIMIT:
                        raise BrokenImage(f"index.json is larger than {METADATA_LIMIT} bytes")
                    index = stream.read()
                elif name.startswith("blobs/sha256/"):
                    blobs.add(name.removeprefix("blobs/sha256/"), stream)
    except (tarfile.TarError, EOFError) as error:
        raise BrokenImage(f"the archive cannot be read: {error}") from None
    if index is None:
        raise BrokenImage("the archive has no index.json")
    return index, blobs


Descriptor = tuple[dict[str, Any], str, bool]
"""A descriptor, where it was found, and whether it names a manifest or index to read on."""


def descriptors(document: Any, where: str) -> Iterator[Descriptor]:
    """The descriptors an index or manifest names."""
    if not isinstance(document, dict):
        raise BrokenImage(f"{where} is not a JSON object")
    entries: list[tuple[Any, str, bool]] = [
        (d, f"{where} manifests[{i}]", True) for i, d in enumerate(_list(document, "manifests"))
    ]
    if "config" in document:
        entries.append((document["config"], f"{where} config", False))
    entries += [(d, f"{where} layers[{i}]", False) for i, d in enumerate(_list(document, "layers"))]
    for descriptor, place, nested in entries:
        if not isinstance(descriptor, dict):
            raise BrokenImage(f"{place} is not a descriptor")
        yield descriptor, place, nested


def _list(document: dict[str, Any], key: str) -> list[Any]:
    value = document.get(key) or []
    if not isinstance(value, list):
        raise BrokenImage(f"{key} is not a list")
    return value


def verify(
    index_json: bytes, blobs: Blobs, reader: Callable[[set[str]], None] | None = None
) -> str:
    """Check every blob reachable from index.json, each once; return the `modelcar` manifest's
    digest. `reader(names)` reads more blobs into `blobs` (a layout reads each level as it is
    found)."""
    index = _json(index_json, "index.json")
    tagged = [
        d
        for d, _, _ in descriptors(index, "index.json")
        if isinstance(d.get("annotations"), dict) and d["annotations"].get(REF_NAME) == TAG
    ]
    if len(tagged) != 1:
        raise BrokenImage(f"index.json names {len(tagged)} images tagged {TAG!r}, not one")
    level = list(descriptors(index, "index.json"))
    verified: set[str] = set()
    expanded: set[str] = set()
    while level:
        if reader is not None:
            reader({_hex(d, place) for d, place, _ in level} - set(blobs.read))
        following: list[Descriptor] = []
        for descriptor, place, nested in level:
            name = _hex(descriptor, place)
            found = blobs.read.get(name)
            if found is None:
                raise BrokenImage(f"blob {descriptor['digest']} ({place}) is missing")
            sha256, size = found
            if sha256 != name:
                raise BrokenImage(
                    f"blob {descriptor['digest']} ({place}) reads back as sha256:{sha256}: "
                    "its bytes changed after it was written"
                )
            if size != descriptor.get("size"):
                raise BrokenImage(
                    f"blob {descriptor['digest']} ({place}) is {size} bytes, its descriptor "
                    f"says {descriptor.get('size')}"
                )
            verified.add(name)
            if nested and name not in expanded:
                expanded.add(name)
                if name not in blobs.small:
                    raise BrokenImage(f"{place} is larger than {METADATA_LIMIT} bytes")
                following += descriptors(_json(blobs.small[name], place), place)
                if len(following) > MAX_DESCRIPTORS:
                    raise BrokenImage(f"{place} and its siblings list over {MAX_DESCRIPTORS} blobs")
        level = following
    print(f"Verified {len(verified)} blobs against their sha256 digests")
    digest = str(tagged[0]["digest"])
    check_sbom(index, blobs, digest)
    return digest


def check_sbom(index: Any, blobs: Blobs, image_digest: str) -> None:
    """The image carries one SBOM, and it describes this image: its `subject` is the image."""
    sboms = [
        d
        for d, _, _ in descriptors(index, "index.json")
        if isinstance(d.get("annotations"), dict) and d["annotations"].get(REF_NAME) == SBOM_TAG
    ]
    if len(sboms) != 1:
        raise BrokenImage(f"index.json names {len(sboms)} SBOMs tagged {SBOM_TAG!r}, not one")
    artifact = _json(blobs.small[_hex(sboms[0], "the SBOM")], "the SBOM")
    subject = artifact.get("subject") if isinstance(artifact, dict) else None
    if not isinstance(subject, dict) or subject.get("digest") != image_digest:
        raise BrokenImage(f"its SBOM describes another image than {image_digest}")


def _hex(descriptor: dict[str, Any], place: str) -> str:
    match = DIGEST.fullmatch(str(descriptor.get("digest", "")))
    if match is None:
        raise BrokenImage(f"{place} has no sha256 digest: {descriptor.get('digest')!r}")
    return match.group(1)


def _json(data: bytes, where: str) -> Any:
    """A JSON document read as strictly as the strictest reader: a key given twice, even in
    another case (Go's decoder matches keys ignoring case), is refused."""
    try:
        return json.loads(data, object_pairs_hook=lambda pairs: _unique_keys(pairs, where))
    except (ValueError, UnicodeDecodeError) as error:
        raise BrokenImage(f"{where} is not JSON: {error}") from None


def _unique_keys(pairs: list[tuple[str, Any]], where: str) -> dict[str, Any]:
    folded = [key.lower() for key, _ in pairs]
    if len(set(folded)) != len(folded):
        raise BrokenImage(f"{where} gives a key twice (keys are compared ignoring case)")
    return dict(pairs)


def verify_image(image: Path) -> str:
    """The manifest digest of the image at `image`, every blob checked first."""
    if image.is_dir():
        blobs = Blobs()
        directory = image / "blobs" / "sha256"
        index_json = _small_file(image / "index.json")
        return verify(index_json, blobs, lambda names: blobs.add_files(directory, names))
    if image.is_file():
        index_json, blobs = read_archive(image)
        return verify(index_json, blobs)
    raise BrokenImage(f"there is no image at {image}")


def main() -> int:
    image: Path | str = os.environ.get("IMAGE_PATH", "image")
    try:
        image = confined_path("IMAGE_PATH", "image")
        expected = text("EXPECTED_DIGEST", "|sha256:[a-f0-9]{64}", "a sha256:... digest", "")
        os.sync()
        try:
            digest = verify_image(image)
        except OSError as error:
            raise BrokenImage(f"it cannot be read: {error}") from None
        if expected and digest != expected:
            raise StepError(
                f"Not pushing: {image} holds {digest}, but build-modelcar-image validated "
                f"{expected}. This workspace holds another image than the one this run built: "
                "is another run's PVC bound, or did something rewrite the image after the build?"
            )
    except BrokenImage as error:
        print(f"error: the image at {image} is broken: {error}", file=sys.stderr)
        print(
            "Rebuild it; do not push it. A full disk, an interrupted build or a bad volume "
            "leaves images like this.",
            file=sys.stderr,
        )
        return error.exit_code
    except StepError as error:
        return failed(error)
    print(f"{image} is whole: {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
