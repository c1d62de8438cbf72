"""Reproducible, uncompressed tar layers of a model directory, planned as pieces and written
without loading a file: entries sorted, owned by 0:0, mtime 0, 0755 directories and 0644 files.

Headers are GNU tar headers: a size of 8 GiB or more goes in the header's own size field as a
base-256 number, which Go's archive/tar (containers/storage, Clair) and GNU tar read. A PAX header
leaves that field 0 for such a size, and Quay's scanner fails on the entry.
"""

import hashlib
import os
import stat
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from modelcar_tasks.lib.step_inputs import StepError

COPY_BUFFER = 8 << 20
LARGE_FILE = 16 << 20
"""A file this size or larger gets a layer of its own: pushed, retried and pulled on its own."""
MAX_FILE_LAYERS = 100
"""Layers of large files at most; past it, neighbouring files share layers. With the base's few
layers and the small files' one, an image stays far below overlay's 128-layer depth."""
MODEL_CARD = "README.md"


class PackError(StepError):
    """A model file that cannot be packed (a link out of the workspace, a FIFO, a changed file)."""


Entry = tuple[str, Path]
"""A layer entry: its name in the image and the directory or file it carries."""

Piece = bytes | tuple[Path, int]
"""A run of a layer's bytes: a tar header or padding, or (file, size) for a file's contents."""


class PlannedLayer(NamedTuple):
    """The entries of one layer and what its descriptor says of it."""

    entries: list[Entry]
    title: str
    """The file it holds, relative to /models (the first and last of files sharing a layer);
    empty for the small files' layer."""
    model_card: bool


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


def header_of(info: tarfile.TarInfo) -> bytes:
    return info.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")


def tree_entries(root: Path, prefix: str, boundary: Path | None = None) -> list[Entry]:
    """Every directory and regular file under `root`, sorted, named under `prefix`. Links are
    not walked into; a link to a regular file inside `boundary` (the workspace) stands for that
    file, any other link or special file (a FIFO would block the build) is refused."""
    entries = [(prefix, root)]
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(directory) / name
            entry = f"{prefix}/{path.relative_to(root).as_posix()}"
            try:
                entry.encode()
            except UnicodeEncodeError:
                raise PackError(
                    f"{path!r} is not a UTF-8 file name: an image reader would name it "
                    "otherwise; rename it"
                ) from None
            entries.append((entry, _packed(path, boundary)))
    return entries


def _packed(path: Path, boundary: Path | None) -> Path:
    """The file whose contents an entry carries: `path`, or the file a link names."""
    target = path.resolve() if path.is_symlink() else path
    if path.is_symlink() and (boundary is None or not target.is_relative_to(boundary)):
        raise PackError(f"{path} is a symbolic link to {target}, outside the workspace")
    mode = target.lstat().st_mode if target.exists() else 0
    if path.is_symlink() and not stat.S_ISREG(mode):
        raise PackError(f"{path} is a symbolic link to {target}, which is not a regular file")
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise PackError(f"{path} is not a regular file or directory; it cannot be packed")
    return target


def plan_layers(entries: list[Entry]) -> list[PlannedLayer]:
    """The layers of a model's entries (the first is its root directory): every directory and
    the small files in one layer, each large file in its own (neighbours share one past
    MAX_FILE_LAYERS), the model card last. A layer repeats the directories above its files, so
    each layer alone unpacks with the same modes."""
    root = entries[0][0]
    directories = [entry for entry in entries if entry[1].is_dir()]
    files = [entry for entry in entries if not entry[1].is_dir()]
    card = [entry for entry in files if entry[0] == f"{root}/{MODEL_CARD}"]
    rest = [entry for entry in files if entry[0] != f"{root}/{MODEL_CARD}"]
    is_large = [entry[1].stat().st_size >= LARGE_FILE for entry in rest]
    large = [entry for entry, big in zip(rest, is_large, strict=True) if big]
    small = [entry for entry, big in zip(rest, is_large, strict=True) if not big]
    per_layer = -(-len(large) // MAX_FILE_LAYERS)
    groups = [large[start : start + per_layer] for start in range(0, len(large), per_layer or 1)]
    layers = [PlannedLayer(sorted(directories + small), "", False)]
    for group in groups:
        names = [name.removeprefix(f"{root}/") for name, _ in group]
        title = names[0] if len(names) == 1 else f"{names[0]} .. {names[-1]}"
        layers.append(PlannedLayer(_with_parents(group, directories), title, False))
    if card:
        layers.append(PlannedLayer(_with_parents(card, directories), MODEL_CARD, True))
    return layers


def _with_parents(files: list[Entry], directories: list[Entry]) -> list[Entry]:
    above = {
        name.rsplit("/", depth)[0] for name, _ in files for depth in range(1, name.count("/") + 1)
    }
    return sorted([d for d in directories if d[0] in above] + files)


def tar_pieces(entries: list[Entry], offset: int = 0) -> list[Piece]:
    """A tar of `entries`, byte for byte what tarfile writes in GNU format, as pieces (file
    contents are referred to, never loaded); `offset` is where in an archive the entries start,
    for the padding of its end to a whole record."""
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
            raise PackError(f"{path} changed size while it was being added ({copied} bytes)")


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


class LayerHashes(NamedTuple):
    """sha256 (hex) of a layer's bytes, and of each file's contents in the layer's order."""

    layer: str
    files: list[str]


def hash_pieces(pieces: list[Piece]) -> LayerHashes:
    """sha256 of the pieces in order and of each file in them, reading each file once more
    (from the page cache): exactly the size the headers declare, or the build fails."""
    layer = hashlib.sha256()
    files: list[str] = []
    buffer = memoryview(bytearray(COPY_BUFFER))
    with ThreadPoolExecutor(max_workers=1) as second:
        for piece in pieces:
            if isinstance(piece, bytes):
                layer.update(piece)
                continue
            content = hashlib.sha256()
            path, remaining = piece
            with open(path, "rb", buffering=0) as stream:
                while remaining and (
                    count := stream.readinto(buffer[: min(remaining, COPY_BUFFER)])
                ):
                    # Both digests of one chunk at once (hashlib lets go of the GIL): the
                    # chunk is read again only after both are done with it.
                    both = second.submit(content.update, buffer[:count])
                    layer.update(buffer[:count])
                    both.result()
                    remaining -= count
                if remaining or stream.read(1):
                    raise PackError(
                        f"{path} changed size while it was being added; rerun the build"
                    )
            files.append(content.hexdigest())
    return LayerHashes(layer.hexdigest(), files)
