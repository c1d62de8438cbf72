"""Small real OCI images for the build and push tests, made here instead of pulled."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

BUSYBOX = Path("/bin/busybox")


def require_tool(name: str, package: str) -> str:
    """The path of `name`; the test fails (CI must have it) rather than skips when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; .ci/run installs it (apt-get install {package})")
    return path


def _blob(blobs: Path, data: bytes) -> dict[str, object]:
    digest = hashlib.sha256(data).hexdigest()
    (blobs / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def busybox_base(
    directory: Path,
    tools: tuple[str, ...] = ("sh", "ln", "sleep", "ls"),
    platforms: tuple[str, ...] = ("linux/amd64",),
) -> str:
    """An OCI layout holding Debian's busybox-static with `tools` linked to it; its reference.
    One platform gives an image manifest; more give an index of one manifest each (the same
    busybox, labelled for each platform, with /etc/platform naming it)."""
    if not BUSYBOX.is_file():
        pytest.fail(
            "busybox is not installed; .ci/run installs it (apt-get install busybox-static)"
        )
    blobs = directory / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    manifests = [_platform_manifest(blobs, tools, platform) for platform in platforms]
    top = manifests[0]
    if len(platforms) > 1:
        top = {
            "mediaType": "application/vnd.oci.image.index.v1+json",
            **_blob(
                blobs,
                json.dumps(
                    {
                        "schemaVersion": 2,
                        "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": manifests,
                    }
                ).encode(),
            ),
        }
    top = {key: value for key, value in top.items() if key != "platform"}
    index = {
        "schemaVersion": 2,
        "manifests": [{**top, "annotations": {"org.opencontainers.image.ref.name": "latest"}}],
    }
    (directory / "index.json").write_text(json.dumps(index))
    (directory / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    return f"oci:{directory}:latest"


def _platform_manifest(blobs: Path, tools: tuple[str, ...], platform: str) -> dict[str, object]:
    """The manifest of one platform's busybox image, as an index names it."""
    os_name, architecture, *variant = platform.split("/")
    fields = {"os": os_name, "architecture": architecture} | (
        {"variant": variant[0]} if variant else {}
    )
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as archive:
        for folder_name in ("bin", "etc"):
            folder = tarfile.TarInfo(folder_name)
            folder.type, folder.mode = tarfile.DIRTYPE, 0o755
            archive.addfile(folder)
        archive.add(BUSYBOX, arcname="bin/busybox")
        for tool in tools:
            link = tarfile.TarInfo(f"bin/{tool}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            archive.addfile(link)
        named = tarfile.TarInfo("etc/platform")
        named.size = len(platform)
        archive.addfile(named, io.BytesIO(platform.encode()))
    raw = layer.getvalue()
    config = {
        **fields,
        "config": {"Cmd": ["sh"], "Labels": {"name": "busybox", "vendor": "Debian"}},
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{hashlib.sha256(raw).hexdigest()}"]},
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            **_blob(blobs, json.dumps(config).encode()),
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                **_blob(blobs, gzip.compress(raw, mtime=0)),
            }
        ],
    }
    return {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        **_blob(blobs, json.dumps(manifest).encode()),
        "platform": fields,
    }


def layer_members(image: str, layer_index: int = -1) -> dict[str, tarfile.TarInfo]:
    """The entries of one layer of `image` (a skopeo reference), read through a real copy."""
    skopeo = require_tool("skopeo", "skopeo")
    with tempfile.TemporaryDirectory(prefix="modelcar-oci-") as scratch:
        subprocess.run([skopeo, "copy", "-q", image, f"dir:{scratch}"], check=True)
        manifest = json.loads((Path(scratch) / "manifest.json").read_text())
        blob = Path(scratch) / manifest["layers"][layer_index]["digest"].split(":", 1)[1]
        with tarfile.open(blob) as archive:
            return {member.name: member for member in archive.getmembers()}


def flip_byte(path: Path, offset: int) -> None:
    """Corrupt one byte in place: the file keeps its size, so only a digest check finds it."""
    with open(path, "r+b") as file:
        file.seek(offset)
        value = file.read(1)
        file.seek(offset)
        file.write(bytes([value[0] ^ 0xFF]))
