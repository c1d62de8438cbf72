"""Layer-parallel push: a four-file model pushed to a loopback registry as one layer, and as the
build lays it out (one layer per large file), with the same skopeo copy the push tasks run; then
the retry after a push that failed half-way, which sends only the layers the registry lacks."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import attrs

from benchmarks.measure import timed
from modelcar_tasks.add_model_layer import Base, add_layers
from modelcar_tasks.lib import tar_layers
from modelcar_tasks.lib.provenance import Provenance
from tests.oci_images import busybox_base
from tests.registry_server import PASSWORD, USER, Registry, running_registry

CHUNK = 8 << 20
FILES = 4


@attrs.frozen
class Push:
    """One image layout pushed to an empty repository."""

    layout: str
    layers: int
    """Model layers (the base adds one)."""
    seconds: float


@attrs.frozen
class LayerPush:
    """The model's size, a push of each layout, and a resumed push."""

    model_bytes: int
    pushes: tuple[Push, ...]
    """Each the best of two, each to an empty registry."""
    resumed_seconds: float
    """Per-file layers, to a registry that holds half of them already."""


def make_model(model: Path, total: int) -> int:
    """A config and FILES shards of random bytes (weights do not compress)."""
    model.mkdir(parents=True)
    (model / "config.json").write_bytes(b'{"model_type": "mistral"}')
    block = os.urandom(CHUNK)
    for number in range(1, FILES + 1):
        with open(model / f"model-{number:05}-of-{FILES:05}.safetensors", "wb") as shard:
            remaining = total // FILES
            while remaining > 0:
                shard.write(block[: min(CHUNK, remaining)])
                remaining -= CHUNK
    return sum(path.stat().st_size for path in model.iterdir())


def build(work: Path, base: str, large_file: int) -> Path:
    """The build's layout of the model, every file of `large_file` bytes or more in a layer of
    its own (the build's own code, with the threshold set here: one huge threshold gives the
    single-layer image of earlier builds)."""
    image = work / f"image-{large_file}"
    subprocess.run(["skopeo", "copy", "-q", base, f"oci:{image}:base"], check=True)
    os.environ["WORKSPACE_SOURCE_PATH"] = str(work)
    tar_layers.LARGE_FILE, default = large_file, tar_layers.LARGE_FILE
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            add_layers(
                image, work / "model", Base(base, "all"), Provenance("", "", "", "", "", base, "")
            )
    finally:
        tar_layers.LARGE_FILE = default
    return image


def push(registry: Registry, image: Path, repository: str) -> float:
    command = [
        *("skopeo", "copy", "--all", "--preserve-digests"),
        *("--dest-cert-dir", str(registry.authority.trust_dir)),
        *("--dest-creds", f"{USER}:{PASSWORD}"),
        f"oci:{image}:modelcar",
        f"docker://{registry.host}/{repository}:v1",
    ]
    _, seconds = timed(lambda: subprocess.run(command, check=True, capture_output=True))
    return seconds


def layer_push(work: Path, model_bytes: int) -> LayerPush:
    work.mkdir(parents=True, exist_ok=True)
    base = busybox_base(work / "busybox")
    written = make_model(work / "model", model_bytes)
    pushes = []
    for large_file in (1 << 62, tar_layers.LARGE_FILE):
        image = build(work, base, large_file)
        layers = len(document_layers(image)) - 1
        name = "one layer" if large_file > model_bytes else "one layer per large file"
        pushes.append(Push(name, layers, min(fresh_push(work, image) for _ in range(2))))
    half = work / "half"
    (half / "model").mkdir(parents=True)
    for shard in sorted((work / "model").iterdir())[: FILES // 2 + 1]:
        os.link(shard, half / "model" / shard.name)
    with running_registry(work / "registry-resumed") as registry:
        push(registry, build(half, base, tar_layers.LARGE_FILE), "bench/resumed")
        resumed = push(registry, image, "bench/resumed")
    return LayerPush(written, tuple(pushes), resumed)


def fresh_push(work: Path, image: Path) -> float:
    """A push to a registry of its own: skopeo would mount a layer it knows another repository
    of the same registry holds, which is not a push."""
    directory = Path(tempfile.mkdtemp(dir=work))
    try:
        with running_registry(directory) as registry:
            return push(registry, image, "bench/model")
    finally:
        shutil.rmtree(directory)


def document_layers(image: Path) -> list[dict[str, object]]:
    """The image's layers (one platform's manifest)."""
    index = json.loads((image / "index.json").read_text())
    tagged = next(m for m in index["manifests"] if "modelcar" in m["annotations"].values())
    blob = image / "blobs" / "sha256" / tagged["digest"].removeprefix("sha256:")
    layers: list[dict[str, object]] = json.loads(blob.read_bytes())["layers"]
    return layers
