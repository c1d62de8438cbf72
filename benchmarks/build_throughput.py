"""ModelCar build throughput: build-modelcar-image, its compiled steps run for real, on a
generated model, against one full write of the same bytes (`cat > copy && sync`) and, since the
build reads every blob back against its sha256 after the sync, against that write plus one
sha256 read of it (`openssl dgst -sha256`, the accelerated hash)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import attrs

from benchmarks.measure import peak_disk_use, timed
from modelcar_dsl.project.local_run import run_task
from modelcar_tasks.build_modelcar_image import build_modelcar_image
from tests.oci_images import busybox_base

CHUNK = 8 << 20
SMALL_FILES = {"config.json": 4 << 10, "tokenizer.json": 2 << 20, "generation_config.json": 1 << 10}


@attrs.frozen
class Build:
    """One build: its format, seconds, and the peak disk it used beyond the model."""

    image_format: str
    seconds: float
    extra_disk_bytes: int


@attrs.frozen
class BuildThroughput:
    """The model's size, the best of two plain writes of it (and of two writes each followed by
    a sha256 read), and the best of two builds each way; disk writeback makes single runs of
    either noisy."""

    model_bytes: int
    floor_seconds: float
    verified_floor_seconds: float
    builds: tuple[Build, ...]


def make_model(model: Path, total: int) -> int:
    """A few small files and one large weights file of random bytes (weights do not compress);
    returns the bytes written."""
    model.mkdir(parents=True)
    for name, size in SMALL_FILES.items():
        (model / name).write_bytes(os.urandom(size))
    remaining = total - sum(SMALL_FILES.values())
    with open(model / "model-00001-of-00001.safetensors", "wb") as weights:
        block = os.urandom(CHUNK)
        while remaining > 0:
            weights.write(block[: min(CHUNK, remaining)])
            remaining -= CHUNK
    subprocess.run(["sync"], check=True)
    return sum(path.stat().st_size for path in model.iterdir())


def write_floor(work: Path, model: Path, read_back: bool = False) -> float:
    """One full write of the model's bytes, flushed to disk: what no build can beat; with
    `read_back`, then one sha256 of the copy, what no verified build can beat."""
    copy = work / "floor-copy"
    command = f'cat "{model}"/* > "{copy}" && sync'
    if read_back:
        command += f' && openssl dgst -sha256 "{copy}" > /dev/null'
    _, seconds = timed(lambda: subprocess.run(["sh", "-c", command], check=True))
    copy.unlink()
    return seconds


def build(work: Path, base: str, image_format: str) -> Build:
    image = work / "image"
    with peak_disk_use(work) as peak:
        result, seconds = timed(
            lambda: run_task(
                build_modelcar_image,
                {"base-image": base, "image-format": image_format},
                {"source": work, "registry-auth": None, "ca-bundle": None},
            )
        )
    if result.exit_code != 0:
        raise RuntimeError(f"build ({image_format}) failed:\n{result.log}")
    shutil.rmtree(image, ignore_errors=True)
    if image.exists():
        image.unlink()
    subprocess.run(["sync"], check=True)
    return Build(image_format, seconds, peak[0])


def build_throughput(work: Path, model_bytes: int) -> BuildThroughput:
    work.mkdir(parents=True, exist_ok=True)
    base = busybox_base(work / "busybox")
    written = make_model(work / "model", model_bytes)
    floor = min(write_floor(work, work / "model") for _ in range(2))
    verified_floor = min(write_floor(work, work / "model", read_back=True) for _ in range(2))
    builds = tuple(
        min((build(work, base, image_format) for _ in range(2)), key=lambda run: run.seconds)
        for image_format in ("oci", "oci-archive")
    )
    return BuildThroughput(written, floor, verified_floor, builds)
