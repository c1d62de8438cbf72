"""A Tekton bundle as an OCI image layout directory (`skopeo copy oci:DIR docker://...` pushes
it): one gzipped tar layer per resource, holding its YAML, annotated as Tekton's bundle
contract says (docs/tekton-bundle-contracts.md of tektoncd/pipeline). Byte-identical for the
same resources: fixed times, owners and order, and no timestamps anywhere."""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import json
import shutil
import tarfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

MAX_RESOURCES = 20
"""The contract's, and the resolver's, limit on the resources of one bundle."""
LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"


@attrs.frozen
class BundleResource:
    """One resource of a bundle: its identity, as the layer's annotations, and its YAML."""

    api_version: str
    kind: str
    name: str
    text: str

    @property
    def annotations(self) -> dict[str, str]:
        """Tekton matches the kind lower-cased and singular (`task`, `stepaction`)."""
        return {
            "dev.tekton.image.apiVersion": self.api_version,
            "dev.tekton.image.kind": self.kind.lower(),
            "dev.tekton.image.name": self.name,
        }


def bundle_problems(resources: Iterable[BundleResource]) -> list[str]:
    """What keeps the resources from being one bundle Tekton resolves: too many, or two with
    one kind and name (the resolver would only ever find the first)."""
    problems = []
    listed = list(resources)
    if len(listed) > MAX_RESOURCES:
        problems.append(
            f"{len(listed)} resources, and a Tekton bundle holds at most {MAX_RESOURCES}"
        )
    seen: set[tuple[str, str]] = set()
    for resource in listed:
        key = (resource.kind.lower(), resource.name)
        if key in seen:
            problems.append(f"two resources are {resource.kind} {resource.name}")
        seen.add(key)
    return problems


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _tar(member: str, data: bytes) -> bytes:
    """A tar of one file with no time, owner or mode of the machine that made it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        info.mode = 0o644
        info.mtime = 0
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _gzip(data: bytes) -> bytes:
    """gzip with no file name and time 0 in its header."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as compressed:
        compressed.write(data)
    return buffer.getvalue()


class _Blobs:
    """The layout's content-addressed blobs, written as they are added."""

    def __init__(self, root: Path) -> None:
        self.directory = root / "blobs" / "sha256"
        self.directory.mkdir(parents=True)

    def add(self, media_type: str, data: bytes) -> dict[str, Any]:
        digest = hashlib.sha256(data).hexdigest()
        (self.directory / digest).write_bytes(data)
        return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}


def write_bundle(directory: Path, resources: Iterable[BundleResource], tag: str) -> str:
    """Write the OCI layout at `directory` (replacing an earlier layout there, never other
    files), its image tagged `tag`; return the manifest's digest."""
    ordered = sorted(resources, key=lambda r: (r.kind.lower(), r.name))
    if directory.exists():
        if any(directory.iterdir()) and not (directory / "oci-layout").is_file():
            raise FileExistsError(
                errno.EEXIST,
                "is neither empty nor an OCI layout; bundle only replaces those, so give "
                "another --out",
                str(directory),
            )
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    blobs = _Blobs(directory)
    layers, diff_ids = [], []
    for resource in ordered:
        tar = _tar(f"{resource.kind.lower()}-{resource.name}.yaml", resource.text.encode())
        diff_ids.append(f"sha256:{hashlib.sha256(tar).hexdigest()}")
        layers.append(
            {**blobs.add(LAYER_MEDIA_TYPE, _gzip(tar)), "annotations": resource.annotations}
        )
    config = {"rootfs": {"type": "layers", "diff_ids": diff_ids}}
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": blobs.add(CONFIG_MEDIA_TYPE, _json(config)),
        "layers": layers,
    }
    described = blobs.add(MANIFEST_MEDIA_TYPE, _json(manifest))
    index = {
        "schemaVersion": 2,
        "manifests": [{**described, "annotations": {"org.opencontainers.image.ref.name": tag}}],
    }
    (directory / "index.json").write_bytes(_json(index))
    (directory / "oci-layout").write_bytes(_json({"imageLayoutVersion": "1.0.0"}))
    return str(described["digest"])
