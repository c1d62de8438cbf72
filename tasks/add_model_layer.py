#!/usr/bin/env python3
"""Add the model directory as a /models layer to the base image and move the image into place.

Inputs (environment): WORKSPACE_SOURCE_PATH, MODEL_DIR and IMAGE_PATH (inside the workspace,
apart from each other), IMAGE_FORMAT (oci or oci-archive). build_modelcar_image.sh left the base
in IMAGE_PATH.partial. The layer is an uncompressed tar (weights do not compress), hashed while
it is written; entries are sorted, owned by 0:0 with mtime 0 and world-readable modes, so any UID
reads them and the same model always gives the same digest. Only regular files and directories
are packed; a symbolic link is packed as the file it names, which must be inside the workspace.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import sys
import tarfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from tasks.lib.step_inputs import StepError, confined_path, failed, open_new, overlap, text

LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
REF_NAME = "org.opencontainers.image.ref.name"
BASE_TAG = "base"
TAG = "modelcar"
COPY_BUFFER = 8 << 20
# KServe's modelcar container runs `sh -c 'ln -s /proc/$$/root/models ... && sleep infinity'`.
REQUIRED_TOOLS = ("sh", "ln", "sleep")
TOOL_DIRS = ("bin", "usr/bin")


class BuildError(StepError):
    """A problem the user fixes in the task's params or inputs; printed without a traceback."""


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


def tree_entries(root: Path, prefix: str, boundary: Path | None = None) -> list[tuple[str, Path]]:
    """Every directory and regular file under `root`, sorted, named under `prefix`. Links are
    not walked into; a link to a regular file inside `boundary` (the workspace) stands for that
    file, any other link or special file (a FIFO would block the build) is refused."""
    entries = [(prefix, root)]
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(directory) / name
            entries.append(
                (f"{prefix}/{path.relative_to(root).as_posix()}", _packed(path, boundary))
            )
    return entries


def _packed(path: Path, boundary: Path | None) -> Path:
    """The file whose contents an entry carries: `path`, or the file a link names."""
    target = path.resolve() if path.is_symlink() else path
    if path.is_symlink() and (boundary is None or not target.is_relative_to(boundary)):
        raise BuildError(f"{path} is a symbolic link to {target}, outside the workspace")
    mode = target.lstat().st_mode if target.exists() else 0
    if path.is_symlink() and not stat.S_ISREG(mode):
        raise BuildError(f"{path} is a symbolic link to {target}, which is not a regular file")
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise BuildError(f"{path} is not a regular file or directory; it cannot be packed")
    return target


def header_of(info: tarfile.TarInfo) -> bytes:
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


Piece = bytes | tuple[Path, int]
"""A run of the layer's bytes: a tar header or padding, or (file, size) for a file's contents."""


def tar_pieces(entries: list[tuple[str, Path]], offset: int = 0) -> list[Piece]:
    """A PAX tar of `entries`, byte for byte what tarfile writes, as pieces (file contents are
    referred to, never loaded); `offset` is where in an archive the entries start, for the
    padding of its end to a whole record."""
    pieces: list[Piece] = []
    size = offset
    for name, path in entries:
        info = tar_info(name, path)
        pieces.append(header_of(info))
        size += len(pieces[-1])
        if info.isfile():
            padding = -info.size % tarfile.BLOCKSIZE
            pieces += [(path, info.size), bytes(padding)]
            size += info.size + padding
    end = 2 * tarfile.BLOCKSIZE
    pieces.append(bytes(end + -(size + end) % tarfile.RECORDSIZE))
    return pieces


def layer_pieces(model_dir: Path) -> list[Piece]:
    workspace = Path(os.environ["WORKSPACE_SOURCE_PATH"]).resolve()
    return tar_pieces(tree_entries(model_dir, "models", workspace))


def pieces_size(pieces: list[Piece]) -> int:
    return sum(piece[1] if isinstance(piece, tuple) else len(piece) for piece in pieces)


def write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def copy_pieces(pieces: list[Piece], fd: int) -> None:
    """Write the pieces at `fd`'s offset; file contents are copied by the kernel
    (copy_file_range: no trip through this process, a reflink where the file system can)."""
    for piece in pieces:
        if isinstance(piece, bytes):
            write_all(fd, piece)
            continue
        path, size = piece
        with open(path, "rb", buffering=0) as content:
            copied = _copy_range(content.fileno(), fd, size)
        if copied != size:
            raise BuildError(f"{path} changed size while it was being added ({copied} bytes)")


def _copy_range(source: int, target: int, size: int) -> int:
    copied = 0
    try:
        while copied < size and (count := os.copy_file_range(source, target, size - copied)):
            copied += count
    except OSError:
        buffer = memoryview(bytearray(COPY_BUFFER))
        while count := os.readv(source, [buffer]):
            write_all(target, buffer[:count])
            copied += count
    return copied


def hash_pieces(pieces: list[Piece]) -> str:
    """sha256 of the pieces in order, reading the files again (from the page cache)."""
    sha256 = hashlib.sha256()
    buffer = memoryview(bytearray(COPY_BUFFER))
    for piece in pieces:
        if isinstance(piece, bytes):
            sha256.update(piece)
            continue
        with open(piece[0], "rb", buffering=0) as content:
            while count := content.readinto(buffer):
                sha256.update(buffer[:count])
    return sha256.hexdigest()


def write_model_tar(target: IO[bytes], pieces: list[Piece]) -> tuple[str, int]:
    """Write the /models layer at `target`'s position in one pass, hashed in a second thread
    while the kernel copies the weights; return its digest (its diff ID too: uncompressed)
    and size. `target` is left positioned after the layer."""
    target.flush()
    with ThreadPoolExecutor(max_workers=1) as hasher:
        digest = hasher.submit(hash_pieces, pieces)
        copy_pieces(pieces, target.fileno())
        target.seek(os.lseek(target.fileno(), 0, os.SEEK_CUR))
        return f"sha256:{digest.result()}", pieces_size(pieces)


def write_layer(model_dir: Path, blobs: Path) -> tuple[str, int]:
    """The layer as a blob of an OCI layout directory."""
    staging = blobs / ".layer.partial"
    with open(staging, "wb") as raw:
        digest, size = write_model_tar(raw, layer_pieces(model_dir))
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(staging, blobs / digest.split(":", 1)[1])
    return digest, size


class ArchiveLayer:
    """The layer written straight into an oci-archive, so the weights are copied once and the
    disk holds them once: its entry goes first under a placeholder name, which is patched with
    the digest once the layer is written (the header keeps its length)."""

    def __init__(self, archive: IO[bytes]) -> None:
        self.archive = archive

    def __call__(self, model_dir: Path, blobs: Path) -> tuple[str, int]:
        fd = self.archive.fileno()
        info = tarfile.TarInfo(f"blobs/sha256/{'0' * 64}")
        pieces = layer_pieces(model_dir)
        info.size = pieces_size(pieces)
        info.mode, info.mtime = 0o644, 0
        offset = self.archive.tell()
        write_all(fd, header_of(info))
        digest, size = write_model_tar(self.archive, pieces)
        write_all(fd, bytes(-size % tarfile.BLOCKSIZE))
        info.name = f"blobs/sha256/{digest.split(':', 1)[1]}"
        os.pwrite(fd, header_of(info), offset)
        return digest, size


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


LayerWriter = Callable[[Path, Path], tuple[str, int]]


def add_layer(
    layout: Path, model_dir: Path, base_image: str, layer_writer: LayerWriter = write_layer
) -> str:
    """Append the /models layer to the base in `layout`, tag it `modelcar`; return its digest.
    `layer_writer` puts the layer's bytes somewhere (a blob of `layout`, or an archive)."""
    blobs = layout / "blobs" / "sha256"
    index = json.loads((layout / "index.json").read_text())
    base = next(m for m in index["manifests"] if m.get("annotations", {}).get(REF_NAME) == BASE_TAG)
    manifest = read_blob(blobs, base["digest"])
    check_base_tools(blobs, manifest, base_image)
    base_config = manifest["config"]["digest"]
    config = read_blob(blobs, base_config)

    layer_digest, layer_size = layer_writer(model_dir, blobs)
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


def replace_image(image: Path) -> None:
    if image.is_dir():
        shutil.rmtree(image)
    elif image.exists():
        image.unlink()


def build_layout(staging: Path, model_dir: Path, image: Path, base_image: str) -> None:
    add_layer(staging, model_dir, base_image)
    replace_image(image)
    staging.rename(image)


def build_archive(staging: Path, model_dir: Path, image: Path, base_image: str) -> None:
    """The layer goes straight into the archive, then the small files of the layout."""
    partial = image.with_name(image.name + ".tar.partial")
    with open_new(partial, buffering=0) as raw:
        add_layer(staging, model_dir, base_image, ArchiveLayer(raw))
        entries = [(name.removeprefix("./"), path) for name, path in tree_entries(staging, ".")]
        copy_pieces(tar_pieces(entries[1:], offset=raw.tell()), raw.fileno())
        os.fsync(raw.fileno())
    replace_image(image)
    partial.rename(image)
    shutil.rmtree(staging)


def main() -> int:
    try:
        image_format = text("IMAGE_FORMAT", "oci|oci-archive", "oci or oci-archive", "oci")
        model_dir = confined_path("MODEL_DIR", "model")
        image = confined_path("IMAGE_PATH", "image")
        staging = image.with_name(image.name + ".partial")
        written = (image, staging, image.with_name(image.name + ".tar.partial"))
        if any(overlap(path, model_dir) for path in written):
            raise BuildError(
                f"image-path and model-dir overlap ({image}, {model_dir}): the build would "
                "replace the model; give them separate directories"
            )
        if not model_dir.is_dir():
            raise BuildError(f"model directory {model_dir} does not exist; did download-model run?")
        build = build_layout if image_format == "oci" else build_archive
        build(staging, model_dir, image, os.environ.get("BASE_IMAGE", "the base image"))
    except StepError as error:
        return failed(error)
    print(f"Wrote the image to {image} ({image_format})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
