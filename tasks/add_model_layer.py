#!/usr/bin/env python3
"""Add the model directory as a layer under /models to the base image in an OCI layout.

Inputs (environment): WORKSPACE_SOURCE_PATH, MODEL_DIR, IMAGE_DIR. The layer is an uncompressed
tar (weights do not compress) hashed while it is written; entries are sorted, owned by 0:0 with
mtime 0 and group-readable modes, so the same model always gives the same digest.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tarfile
from pathlib import Path
from typing import IO, Any

LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar"
BASE_TAG = "base"
TAG = "modelcar"


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


def _tar_info(name: str, path: Path) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    if path.is_dir():
        info.type = tarfile.DIRTYPE
        info.mode = 0o775
    else:
        info.size = path.stat().st_size
        info.mode = 0o664
    return info


def write_layer(model_dir: Path, blobs: Path) -> tuple[str, int]:
    """Write the layer blob; return its digest (equal to its diff ID: it is uncompressed)."""
    staging = blobs / ".layer.partial"
    with open(staging, "wb") as raw:
        writer = HashingWriter(raw)
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as archive:  # type: ignore[call-overload]
            archive.addfile(_tar_info("models", model_dir))
            for root, dirs, files in os.walk(model_dir):
                dirs.sort()
                for name in sorted(dirs) + sorted(files):
                    path = Path(root) / name
                    arcname = "models/" + path.relative_to(model_dir).as_posix()
                    info = _tar_info(arcname, path)
                    if info.isdir():
                        archive.addfile(info)
                    else:
                        with open(path, "rb") as content:
                            archive.addfile(info, content)
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


def main() -> int:
    workspace = Path(os.environ["WORKSPACE_SOURCE_PATH"])
    model_dir = workspace / os.environ["MODEL_DIR"]
    layout = workspace / os.environ["IMAGE_DIR"]
    if not model_dir.is_dir():
        print(
            f"model directory {model_dir} does not exist; did download-model run?", file=sys.stderr
        )
        return 1
    blobs = layout / "blobs" / "sha256"
    index = json.loads((layout / "index.json").read_text())
    base = next(
        m
        for m in index["manifests"]
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == BASE_TAG
    )
    manifest = read_blob(blobs, base["digest"])
    config = read_blob(blobs, manifest["config"]["digest"])

    layer_digest, layer_size = write_layer(model_dir, blobs)
    config["rootfs"]["diff_ids"].append(layer_digest)
    config.setdefault("history", []).append({"created_by": "modelcar-dsl: model under /models"})
    config.pop("created", None)
    config_digest, config_size = write_blob(blobs, config)
    manifest["config"] = {**manifest["config"], "digest": config_digest, "size": config_size}
    manifest["layers"].append({"mediaType": LAYER_TYPE, "digest": layer_digest, "size": layer_size})
    manifest_digest, manifest_size = write_blob(blobs, manifest)
    index["manifests"] = [
        base,
        {
            "mediaType": manifest.get("mediaType", "application/vnd.oci.image.manifest.v1+json"),
            "digest": manifest_digest,
            "size": manifest_size,
            "annotations": {"org.opencontainers.image.ref.name": TAG},
        },
    ]
    (layout / "index.json").write_text(json.dumps(index, sort_keys=True))
    print(f"Added /models layer {layer_digest} ({layer_size} bytes); image {manifest_digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
