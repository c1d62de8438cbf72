#!/usr/bin/env python3
"""Add the model directory as /models layers to every platform of the base image, label it with
its provenance, attach its SBOM, and move the image into place.

Inputs (environment): WORKSPACE_SOURCE_PATH, MODEL_DIR and IMAGE_PATH (inside the workspace,
apart from each other), IMAGE_FORMAT (oci or oci-archive), BASE_IMAGE (for messages), the
provenance (MODEL_SOURCE, MODEL_REVISION, MODEL_CREATED, MODEL_NAME, MODEL_VERSION), and the
base's resolved reference in RESULT_BASE_IMAGE_REF_PATH; writes RESULT_PLATFORMS_PATH.
build_modelcar_image.sh left the base in IMAGE_PATH.partial, tagged `base`.

The layers (lib/tar_layers.py) are written once and shared by every platform's manifest.
The image's index.json holds two tags: `modelcar` (the image) and `sbom` (an SPDX document whose
`subject` is the image, pushed beside it as an OCI referrer). Only regular files and directories
are packed; a symbolic link is packed as the file it names, which must be inside the workspace.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tarfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, NamedTuple

from modelcar_tasks.lib.provenance import (
    SBOM_TYPE,
    ModelFile,
    Provenance,
    read_provenance,
    spdx_sbom,
)
from modelcar_tasks.lib.step_inputs import StepError, confined_path, failed, open_new, overlap, text
from modelcar_tasks.lib.tar_layers import (
    Entry,
    LayerHashes,
    Piece,
    PlannedLayer,
    copy_pieces,
    hash_pieces,
    header_of,
    pieces_size,
    plan_layers,
    tar_pieces,
    tree_entries,
    write_all,
)

LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
EMPTY_TYPE = "application/vnd.oci.empty.v1+json"
REF_NAME = "org.opencontainers.image.ref.name"
TITLE = "org.opencontainers.image.title"
MODEL_CARD_TYPE = ("io.opendatahub.modelcar.layer.type", "modelcard")
MODEL_CARD_LAYER = "io.opendatahub.layers.modelcard"
ATTESTATION = "vnd.docker.reference.type"
BASE_TAG = "base"
TAG = "modelcar"
SBOM_TAG = "sbom"
BASE_REFERENCE = r"(oci:/[\w./+:-]{1,4000}|[a-z0-9][\w.:/-]{0,254})@sha256:[a-f0-9]{64}"
PLATFORM = r"all|[a-z0-9]{1,32}/[a-z0-9_]{1,32}(/[a-z0-9]{1,32})?"
# KServe's modelcar container runs `sh -c 'ln -s /proc/$$/root/models ... && sleep infinity'`;
# its storage initializer lists /models with `ls`.
REQUIRED_TOOLS = ("sh", "ln", "sleep", "ls")
TOOL_DIRS = ("bin", "usr/bin")
DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
PLATFORM_PART = re.compile(r"[a-z0-9_]{1,32}")
MAX_PLATFORMS = 32
"""More platforms than any base has (ubi-micro has four); the result stays far below Tekton's
4 KiB for results."""


class BuildError(StepError):
    """A problem the user fixes in the task's params or inputs; printed without a traceback."""


class WrittenLayer(NamedTuple):
    """A layer on disk: its descriptor, and the files it carries with their sha256."""

    descriptor: dict[str, Any]
    files: list[ModelFile]
    comment: str


LayerBlobWriter = Callable[[list[Piece], Path], tuple[str, int, LayerHashes]]
"""Puts a layer's bytes somewhere (a blob of the layout, or an archive entry); returns its
digest, size and hashes."""


def write_model_tar(target: IO[bytes], pieces: list[Piece]) -> tuple[str, int, LayerHashes]:
    """Write a layer at `target`'s position in one pass, hashed in a second thread while the
    kernel copies the weights; return its digest (its diff ID too: uncompressed), size and
    hashes. `target` is left positioned after the layer."""
    target.flush()
    with ThreadPoolExecutor(max_workers=1) as hasher:
        hashes = hasher.submit(hash_pieces, pieces)
        copy_pieces(pieces, target.fileno())
        target.seek(os.lseek(target.fileno(), 0, os.SEEK_CUR))
        return f"sha256:{hashes.result().layer}", pieces_size(pieces), hashes.result()


def write_layer_blob(pieces: list[Piece], blobs: Path) -> tuple[str, int, LayerHashes]:
    """A layer as a blob of an OCI layout directory."""
    staging = blobs / ".layer.partial"
    with open(staging, "wb") as raw:
        written = write_model_tar(raw, pieces)
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(staging, blobs / written[0].split(":", 1)[1])
    return written


class ArchiveLayer:
    """Layers written straight into an oci-archive, so the weights are copied once and the disk
    holds them once: each entry goes in under a placeholder name, which is patched with the
    digest once the layer is written (the header keeps its length)."""

    def __init__(self, archive: IO[bytes]) -> None:
        self.archive = archive

    def __call__(self, pieces: list[Piece], blobs: Path) -> tuple[str, int, LayerHashes]:
        fd = self.archive.fileno()
        info = tarfile.TarInfo(f"blobs/sha256/{'0' * 64}")
        info.size = pieces_size(pieces)
        info.mode, info.mtime = 0o644, 0
        offset = self.archive.tell()
        write_all(fd, header_of(info))
        written = write_model_tar(self.archive, pieces)
        write_all(fd, bytes(-info.size % tarfile.BLOCKSIZE))
        info.name = f"blobs/sha256/{written[0].split(':', 1)[1]}"
        os.pwrite(fd, header_of(info), offset)
        return written


def write_layers(
    planned: list[PlannedLayer], blobs: Path, writer: LayerBlobWriter
) -> list[WrittenLayer]:
    layers = []
    for layer in planned:
        digest, size, hashes = writer(tar_pieces(layer.entries), blobs)
        files = [entry for entry in layer.entries if not entry[1].is_dir()]
        annotations = {TITLE: layer.title} if len(files) == 1 and layer.title else {}
        if layer.model_card:
            annotations[MODEL_CARD_TYPE[0]] = MODEL_CARD_TYPE[1]
        descriptor = {"mediaType": LAYER_TYPE, "digest": digest, "size": size}
        layers.append(
            WrittenLayer(
                {**descriptor, "annotations": annotations} if annotations else descriptor,
                [
                    ModelFile(name, path.stat().st_size, sha256)
                    for (name, path), sha256 in zip(files, hashes.files, strict=True)
                ],
                f"/models/{layer.title}" if layer.title else "/models: directories, small files",
            )
        )
        print(f"Added layer {digest} ({size} bytes, {len(files)} files) {layer.title}".rstrip())
    return layers


def write_blob(blobs: Path, data: bytes) -> dict[str, Any]:
    """A blob of the layout; its digest and size."""
    digest = hashlib.sha256(data).hexdigest()
    (blobs / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def write_json(blobs: Path, document: dict[str, Any]) -> dict[str, Any]:
    return write_blob(blobs, json.dumps(document, sort_keys=True, separators=(",", ":")).encode())


def read_blob(blobs: Path, digest: str) -> Any:
    if not DIGEST.fullmatch(digest):
        raise BuildError(f"the base image names a blob {digest!r}, which is no sha256 digest")
    return json.loads(
        (blobs / digest.split(":", 1)[1]).read_bytes(), parse_constant=_not_json_number
    )


def _not_json_number(name: str) -> None:
    raise BuildError(f"the base image's JSON holds {name}, which is not a JSON number")


class Base(NamedTuple):
    """The base image as the user named it, and the platform asked for (or `all`)."""

    name: str
    platform: str


class BaseImage(NamedTuple):
    """One platform of the base: its manifest, its config and the platform that names."""

    manifest: dict[str, Any]
    config: dict[str, Any]
    platform: str


def base_images(
    blobs: Path, index: dict[str, Any], base: Base
) -> tuple[dict[str, Any], list[BaseImage]]:
    """The base's top descriptor and each platform's image, each checked: the tools KServe
    runs, the config's shape, the platform asked for, a bounded number of platforms. A base
    whose JSON is not what OCI describes is refused with a message, not a traceback, and
    before the first layer is written."""
    try:
        top = next(
            m for m in index["manifests"] if (m.get("annotations") or {}).get(REF_NAME) == BASE_TAG
        )
        images = []
        for descriptor in base_manifests(blobs, top):
            manifest = read_blob(blobs, descriptor["digest"])
            config = read_blob(blobs, manifest["config"]["digest"])
            check_config(config)
            images.append(BaseImage(manifest, config, platform_of(config)))
            check_base_tools(blobs, manifest, base.name)
    except (
        KeyError,
        TypeError,
        AttributeError,
        ValueError,
        RecursionError,
        StopIteration,
    ) as error:
        raise BuildError(f"base image {base.name} is not an OCI image: {error!r}") from None
    platforms = [image.platform for image in images]
    if len(platforms) > MAX_PLATFORMS or len(set(platforms)) != len(platforms):
        raise BuildError(
            f"base image {base.name} lists {len(platforms)} images for "
            f"{len(set(platforms))} platforms; at most {MAX_PLATFORMS}, each once, are built"
        )
    chosen = base.platform
    if chosen != "all" and not all(p == chosen or p.startswith(f"{chosen}/") for p in platforms):
        raise BuildError(
            f"base image {base.name} is for {', '.join(platforms)}, not {chosen}: choose a base "
            f"built for {chosen}, or platform 'all'"
        )
    return top, images


def check_config(config: Any) -> None:
    """The parts of an image config `extend` changes have the types OCI gives them."""
    rootfs = config.get("rootfs") if isinstance(config, dict) else None
    if not (
        isinstance(rootfs, dict)
        and isinstance(rootfs.get("diff_ids"), list)
        and isinstance(config.get("config", {}), dict)
        and isinstance(config.get("history", []), list)
    ):
        raise BuildError("the base image's config is not an OCI image config")


def base_manifests(blobs: Path, base: dict[str, Any]) -> list[dict[str, Any]]:
    """The image manifests of the base: itself, or every platform of its index (attestations
    of the base are left out: they describe the base, not the model image)."""
    if base.get("mediaType") != INDEX_TYPE:
        return [base]
    manifests = [
        descriptor
        for descriptor in read_blob(blobs, base["digest"]).get("manifests", [])
        if (descriptor.get("annotations") or {}).get(ATTESTATION) is None
    ]
    if any(d.get("mediaType") != MANIFEST_TYPE for d in manifests) or not manifests:
        raise BuildError("the base image's index holds no image manifests, or nested indexes")
    return manifests


def check_base_tools(blobs: Path, manifest: dict[str, Any], base_image: str) -> None:
    """Fail before the long copy when the base lacks what KServe runs in a modelcar."""
    names: set[str] = set()
    for layer in manifest["layers"]:
        if not DIGEST.fullmatch(layer["digest"]):
            raise BuildError(f"the base image names a layer {layer['digest']!r}, no sha256 digest")
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
            f"modelcar containers run {', '.join(REQUIRED_TOOLS)}. Use ubi-micro or busybox as "
            "base_image."
        )


def platform_of(config: dict[str, Any]) -> str:
    parts = [config.get("os"), config.get("architecture")]
    parts += [config["variant"]] if config.get("variant") else []
    named = [part for part in parts if isinstance(part, str) and PLATFORM_PART.fullmatch(part)]
    if named != parts:
        raise BuildError(f"the base image's config names no platform: {parts!r}")
    return "/".join(named)


def extend(
    blobs: Path, base: BaseImage, layers: list[WrittenLayer], provenance: Provenance
) -> dict[str, Any]:
    """The descriptor of a platform's manifest with the model layers appended and the
    provenance as labels and annotations."""
    config = dict(base.config)
    config["rootfs"] = {
        **config["rootfs"],
        "diff_ids": config["rootfs"]["diff_ids"] + [layer.descriptor["digest"] for layer in layers],
    }
    if "history" in config:
        config["history"] = config["history"] + [
            {"created_by": f"modelcar-dsl: {layer.comment}"} for layer in layers
        ]
    config["config"] = {**config.get("config", {}), "Labels": provenance.annotations()}
    config.pop("created", None)
    if provenance.created:
        config["created"] = provenance.created
    annotations = provenance.annotations()
    for layer in layers:
        if MODEL_CARD_TYPE[0] in layer.descriptor.get("annotations", {}):
            annotations[MODEL_CARD_LAYER] = layer.descriptor["digest"]
    extended = {
        **base.manifest,
        "mediaType": MANIFEST_TYPE,
        "config": {**base.manifest["config"], **write_json(blobs, config)},
        "layers": base.manifest["layers"] + [layer.descriptor for layer in layers],
        "annotations": annotations,
    }
    os_name, architecture, *variant = base.platform.split("/")
    return {
        "mediaType": MANIFEST_TYPE,
        **write_json(blobs, extended),
        "platform": {"os": os_name, "architecture": architecture}
        | ({"variant": variant[0]} if variant else {}),
    }


def sbom_manifest(blobs: Path, subject: dict[str, Any], sbom: bytes) -> dict[str, Any]:
    """The SBOM as an OCI artifact whose subject is the image: registries with the referrers
    API list it under the image; others keep it under the tag push_image.sh gives it."""
    artifact = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "artifactType": SBOM_TYPE,
        "config": {"mediaType": EMPTY_TYPE, **write_blob(blobs, b"{}")},
        "layers": [
            {
                "mediaType": SBOM_TYPE,
                **write_blob(blobs, sbom),
                "annotations": {TITLE: "sbom.spdx.json"},
            }
        ],
        "subject": {key: subject[key] for key in ("mediaType", "digest", "size")},
    }
    return {
        "mediaType": MANIFEST_TYPE,
        **write_json(blobs, artifact),
        "annotations": {REF_NAME: SBOM_TAG},
    }


def remove_unreachable(layout: Path, index: dict[str, Any]) -> None:
    """Delete the base's replaced manifests and configs: only what index.json reaches stays."""
    blobs = layout / "blobs" / "sha256"
    reached: set[str] = set()
    pending = list(index["manifests"])
    while pending:
        descriptor = pending.pop()
        name = descriptor["digest"].split(":", 1)[1]
        if name in reached:
            continue
        reached.add(name)
        if descriptor.get("mediaType") in (MANIFEST_TYPE, INDEX_TYPE) and (blobs / name).exists():
            document = read_blob(blobs, descriptor["digest"])
            pending += document.get("manifests", []) + document.get("layers", [])
            pending += [document["config"]] if "config" in document else []
    for blob in blobs.iterdir():
        if blob.name not in reached:
            blob.unlink()


class Added(NamedTuple):
    """What add_layers made: the image's digest and its platforms."""

    digest: str
    platforms: list[str]


def add_layers(
    layout: Path,
    model_dir: Path,
    base: Base,
    provenance: Provenance,
    writer: LayerBlobWriter = write_layer_blob,
) -> Added:
    """Append the model's layers to every platform of the base in `layout`, tag the image
    `modelcar` and its SBOM `sbom`. Everything is checked before the first layer is written."""
    blobs = layout / "blobs" / "sha256"
    index = json.loads((layout / "index.json").read_text())
    top, images = base_images(blobs, index, base)
    workspace = Path(os.environ["WORKSPACE_SOURCE_PATH"]).resolve()
    entries: list[Entry] = tree_entries(model_dir, "models", workspace)
    if not any(path.is_file() for _, path in entries):
        raise BuildError(f"model directory {model_dir} holds no files; did download-model run?")
    layers = write_layers(plan_layers(entries), blobs, writer)
    extended = [extend(blobs, image, layers, provenance) for image in images]
    if top.get("mediaType") == INDEX_TYPE:
        image_index = {
            "schemaVersion": 2,
            "mediaType": INDEX_TYPE,
            "manifests": extended,
            "annotations": provenance.annotations(),
        }
        image = {"mediaType": INDEX_TYPE, **write_json(blobs, image_index)}
    else:
        image = {key: value for key, value in extended[0].items() if key != "platform"}
    platforms = [base_image.platform for base_image in images]
    files = sorted((file for layer in layers for file in layer.files), key=lambda f: f.name)
    sbom = spdx_sbom(provenance, image["digest"], platforms, files)
    index["manifests"] = [
        {**image, "annotations": {REF_NAME: TAG}},
        sbom_manifest(blobs, image, sbom),
    ]
    (layout / "index.json").write_text(json.dumps(index, sort_keys=True))
    remove_unreachable(layout, index)
    print(f"Image {image['digest']} for {', '.join(platforms)}; SBOM of {len(files)} files")
    return Added(image["digest"], platforms)


def replace_image(image: Path) -> None:
    if image.is_dir():
        shutil.rmtree(image)
    elif image.exists():
        image.unlink()


def build_layout(staging: Path, model_dir: Path, image: Path, base: Base, p: Provenance) -> Added:
    added = add_layers(staging, model_dir, base, p)
    replace_image(image)
    staging.rename(image)
    return added


def build_archive(staging: Path, model_dir: Path, image: Path, base: Base, p: Provenance) -> Added:
    """The layers go straight into the archive, then the small files of the layout."""
    partial = image.with_name(image.name + ".tar.partial")
    with open_new(partial, buffering=0) as raw:
        added = add_layers(staging, model_dir, base, p, ArchiveLayer(raw))
        entries = [(name.removeprefix("./"), path) for name, path in tree_entries(staging, ".")]
        copy_pieces(tar_pieces(entries[1:], offset=raw.tell()), raw.fileno())
        os.fsync(raw.fileno())
    replace_image(image)
    partial.rename(image)
    shutil.rmtree(staging)
    return added


def resolved_base() -> str:
    """The base as fetch-base resolved it, name@sha256:digest (from its result file)."""
    path = Path(os.environ["RESULT_BASE_IMAGE_REF_PATH"])
    reference = path.read_text() if path.is_file() else ""
    if not re.fullmatch(BASE_REFERENCE, reference, re.ASCII):
        raise BuildError(f"fetch-base left no resolved base reference in {path}; rerun the build")
    return reference


def main() -> int:
    try:
        image_format = text("IMAGE_FORMAT", "oci|oci-archive", "oci or oci-archive", "oci")
        model_dir = confined_path("MODEL_DIR", "model")
        image = confined_path("IMAGE_PATH", "image")
        wanted = text("PLATFORM", PLATFORM, "all or os/architecture[/variant]", "all")
        provenance = read_provenance(resolved_base())
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
        base = Base(os.environ.get("BASE_IMAGE", "base"), wanted)
        added = build(staging, model_dir, image, base, provenance)
    except StepError as error:
        return failed(error)
    Path(os.environ["RESULT_PLATFORMS_PATH"]).write_text(",".join(added.platforms))
    print(f"Wrote the image to {image} ({image_format})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
