#!/usr/bin/env python3
"""Add the model directory as a /models layer to the base image and move the image into place.

Inputs (environment): WORKSPACE_SOURCE_PATH, MODEL_DIR, IMAGE_PATH, IMAGE_FORMAT (oci or
oci-archive). build_modelcar_image.sh left the base in IMAGE_PATH.partial. The layer is an
uncompressed tar (weights do not compress), hashed while it is written; entries are sorted, owned
by 0:0 with mtime 0 and world-readable modes, so any UID reads them and the same model always
gives the same digest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tarfile
from pathlib import Path
from typing import IO, Any

LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
REF_NAME = "org.opencontainers.image.ref.name"
BASE_TAG = "base"
TAG = "modelcar"
COPY_BUFFER = 8 << 20
# KServe's modelcar container runs `sh -c 'ln -s /proc/$$/root/models ... && sleep infinity'`.
REQUIRED_TOOLS = ("sh", "ln", "sleep")
TOOL_DIRS = ("bin", "usr/bin")


class BuildError(Exception):
    """A problem the user fixes in the task's params or inputs; printed without a traceback."""


class HashingWriter:
    """A file wrapper that hashes and counts every byte written through it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.handle.write(data)


def tar_info(name: str, path: Path) -> tarfile.TarInfo:
    """A reproducible entry: owner 0:0, mtime 0, 0755 directories and 0644 files."""
    info = tarfile.TarInfo(name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    if path.is_dir():
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.size = path.stat().st_size
        info.mode = 0o644
    return info


def tree_entries(root: Path, prefix: str) -> list[tuple[str, Path]]:
    """Every directory and file under `root` (links followed), sorted, named under `prefix`."""
    entries = [(prefix, root)]
    for directory, dirs, files in os.walk(root, followlinks=True):
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(directory) / name
            entries.append((f"{prefix}/{path.relative_to(root).as_posix()}", path))
    return entries


def write_tar(target: IO[bytes], entries: list[tuple[str, Path]]) -> None:
    with tarfile.open(  # type: ignore[call-overload]
        fileobj=target, mode="w|", format=tarfile.PAX_FORMAT, copybufsize=COPY_BUFFER
    ) as archive:
        for name, path in entries:
            info = tar_info(name, path)
            if info.isdir():
                archive.addfile(info)
            else:
                with open(path, "rb") as content:
                    archive.addfile(info, content)


def write_layer(model_dir: Path, blobs: Path) -> tuple[str, int]:
    """Write the layer blob in one pass; return its digest (its diff ID too: uncompressed)."""
    staging = blobs / ".layer.partial"
    with open(staging, "wb") as raw:
        writer = HashingWriter(raw)
        write_tar(writer, tree_entries(model_dir, "models"))  # type: ignore[arg-type]
        raw.flush()
        os.fsync(raw.fileno())
    digest = writer.sha256.hexdigest()
    os.replace(staging, blobs / digest)
    return f"sha256:{digest}", writer.size


def write_blob(blobs: Path, document: dict[str, Any]) -> tuple[str, int]:
    data = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(data).hexdigest()
    (blobs / digest).write_bytes(data)
    return f"sha256:{digest}", len(data)


def read_blob(blobs: Path, digest: str) -> Any:
    return json.loads((blobs / digest.split(":", 1)[1]).read_bytes())


def check_base_tools(blobs: Path, manifest: dict[str, Any], base_image: str) -> None:
    """Fail before the long copy when the base lacks what KServe's modelcar container runs."""
    names: set[str] = set()
    for layer in manifest["layers"]:
        path = blobs / layer["digest"].split(":", 1)[1]
        try:
            with tarfile.open(path, mode="r|*") as archive:
                names.update(member.name.removeprefix("./") for member in archive)
        except tarfile.ReadError:
            print(f"note: cannot list layer {layer['mediaType']}; not checking base tools")
            return
    missing = [
        tool for tool in REQUIRED_TOOLS if not any(f"{d}/{tool}" in names for d in TOOL_DIRS)
    ]
    if missing:
        raise BuildError(
            f"base image {base_image} has no {', '.join(missing)} in /bin or /usr/bin; KServe's "
            "modelcar container needs sh, ln and sleep. Use ubi-micro or busybox as base_image."
        )


def add_layer(layout: Path, model_dir: Path, base_image: str) -> str:
    """Append the /models layer to the base in `layout`, tag it `modelcar`; return its digest."""
    blobs = layout / "blobs" / "sha256"
    index = json.loads((layout / "index.json").read_text())
    base = next(m for m in index["manifests"] if m.get("annotations", {}).get(REF_NAME) == BASE_TAG)
    manifest = read_blob(blobs, base["digest"])
    check_base_tools(blobs, manifest, base_image)
    base_config = manifest["config"]["digest"]
    config = read_blob(blobs, base_config)

    layer_digest, layer_size = write_layer(model_dir, blobs)
    config["rootfs"]["diff_ids"].append(layer_digest)
    config.setdefault("history", []).append({"created_by": "modelcar-dsl: model under /models"})
    config.pop("created", None)
    config_digest, config_size = write_blob(blobs, config)
    manifest["config"] = {**manifest["config"], "digest": config_digest, "size": config_size}
    manifest["layers"].append({"mediaType": LAYER_TYPE, "digest": layer_digest, "size": layer_size})
    manifest_digest, manifest_size = write_blob(blobs, manifest)
    for replaced in (base["digest"], base_config):
        (blobs / replaced.split(":", 1)[1]).unlink()
    index["manifests"] = [
        {
            "mediaType": manifest.get("mediaType", MANIFEST_TYPE),
            "digest": manifest_digest,
            "size": manifest_size,
            "annotations": {REF_NAME: TAG},
        }
    ]
    (layout / "index.json").write_text(json.dumps(index, sort_keys=True))
    print(f"Added /models layer {layer_digest} ({layer_size} bytes); image {manifest_digest}")
    return manifest_digest


def move_into_place(staging: Path, image: Path, image_format: str) -> None:
    """Replace the previous image at `image` with the new one, as a directory or an archive."""
    if image.is_dir():
        shutil.rmtree(image)
    elif image.exists():
        image.unlink()
    if image_format == "oci":
        staging.rename(image)
        return
    partial = image.with_name(image.name + ".tar.partial")
    with open(partial, "wb") as raw:
        entries = tree_entries(staging, ".")[1:]
        write_tar(raw, [(name.removeprefix("./"), path) for name, path in entries])
        raw.flush()
        os.fsync(raw.fileno())
    partial.rename(image)
    shutil.rmtree(staging)


def main() -> int:
    workspace = Path(os.environ["WORKSPACE_SOURCE_PATH"])
    model_dir = workspace / os.environ["MODEL_DIR"]
    image = workspace / os.environ["IMAGE_PATH"]
    image_format = os.environ.get("IMAGE_FORMAT", "oci")
    staging = image.with_name(image.name + ".partial")
    try:
        if image_format not in ("oci", "oci-archive"):
            raise BuildError(f"IMAGE_FORMAT must be oci or oci-archive, not {image_format!r}")
        if not model_dir.is_dir():
            raise BuildError(f"model directory {model_dir} does not exist; did download-model run?")
        add_layer(staging, model_dir, os.environ.get("BASE_IMAGE", "the base image"))
        move_into_place(staging, image, image_format)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Wrote the image to {image} ({image_format})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
