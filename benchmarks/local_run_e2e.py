"""End to end: the repo's modelcar-build-deploy run executed by `modelcar run`'s runner against
the loopback services (Hub stand-in, two TLS docker-registries, Model Registry stand-in) on a
generated model, each task's time taken from the run's own state, against floors measured in
the same run: one write of the model's bytes plus one sha256 read of them (what no verified
build can beat) and a plain `skopeo copy` of the built image to a fresh registry like each of
the pipeline's two (what no push can beat)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import attrs

from benchmarks.build_throughput import write_floor
from benchmarks.measure import timed
from modelcar_dsl.project.local_run import run_local
from modelcar_dsl.project.settings import project_target
from modelcar_dsl.running.console import Console
from modelcar_dsl.running.local import LocalRunResult
from modelcar_dsl.running.task_states import TaskState
from pipelines.runs import mistral_24b_quantized_build
from tests.loopback_services import loopback_services, model_files
from tests.registry_server import PASSWORD, USER, Registry, running_registry

REPO = Path(__file__).resolve().parent.parent
CHUNK = 8 << 20
SHARDS = ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")
BUILD = "build-modelcar-image"
PUSHES = ("push-to-internal-registry", "push-to-quay")


@attrs.frozen
class TaskTime:
    """One task of the run: its seconds and each step's, as the run's state records them."""

    name: str
    seconds: float
    steps: tuple[tuple[str, float], ...]


@attrs.frozen
class EndToEnd:
    """The model's size and, each the best of the benchmark's runs: the whole run's seconds,
    each task's in the pipeline's order, and the floors (write + sha256 of the model, a plain
    copy to a registry like each of PUSHES)."""

    model_bytes: int
    runs: int
    run_seconds: float
    tasks: tuple[TaskTime, ...]
    build_floor_seconds: float
    push_floor_seconds: tuple[float, ...]
    """One for each of PUSHES, in that order."""


def local_run_e2e(work: Path, model_bytes: int, runs: int) -> EndToEnd:
    """`runs` runs, each against services of its own, and as many of each floor; disk
    writeback makes single runs of a large model noisy."""
    work.mkdir(parents=True, exist_ok=True)
    model = work / "model"
    files = _model(model_bytes)
    model.mkdir()
    for name, data in files.items():
        (model / name).write_bytes(data)
    subprocess.run(["sync"], check=True)
    results = []
    for _ in range(runs):
        shutil.rmtree(work / "run", ignore_errors=True)
        results.append(_run_pipeline(work, files))
    del files
    image = work / "run" / "workspaces" / "source" / str(results[-1][BUILD].results["image-path"])
    build_floor = min(write_floor(work, model, read_back=True) for _ in range(runs))
    push_floors = tuple(min(_fresh_push(work, image) for _ in range(runs)) for _ in PUSHES)
    return EndToEnd(
        sum(path.stat().st_size for path in model.iterdir()),
        runs,
        min(result.outcome.seconds for result in results),
        tuple(
            min((_task_time(state) for state in each), key=lambda task: task.seconds)
            for each in zip(*(result.outcome.tasks for result in results), strict=True)
        ),
        build_floor,
        push_floors,
    )


def _task_time(state: TaskState) -> TaskTime:
    steps = tuple((step["name"], float(step["seconds"])) for step in state.steps)
    return TaskTime(state.name, state.seconds or 0.0, steps)


def _run_pipeline(work: Path, files: dict[str, bytes]) -> LocalRunResult:
    """The build run, the Hub stand-in serving `files`; the services' registries are removed
    after it, so the next run's and the floors' disk is free."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with loopback_services(work / "services") as services, open(os.devnull, "w") as sink:
        services.hub.files.clear()
        services.hub.files.update(files)
        result = run_local(
            mistral_24b_quantized_build,
            params=services.build_params(),
            secrets=services.secrets,
            config_maps=services.config_maps,
            run_dir=work / "run",
            target=project_target(REPO),
            console=Console(out=sink, err=sink, quiet=True, live=False),
        )
    shutil.rmtree(work / "services")
    if not result.succeeded:
        failed = [task.log for task in result.tasks.values() if task.status == "Failed"]
        raise RuntimeError(f"the build run ended {result.reason}:\n" + "\n".join(failed))
    return result


def _model(total: int) -> dict[str, bytes]:
    """The loopback Hub's small files, with the two weight shards the catalogue's include
    downloads grown to `total` bytes between them (random blocks: weights do not compress)."""
    files = {name: data for name, data in model_files().items() if name not in SHARDS}
    block = os.urandom(CHUNK)
    for name in SHARDS:
        size = total // len(SHARDS)
        header = json.dumps(
            {"weight": {"dtype": "F16", "shape": [size // 2], "data_offsets": [0, size]}}
        ).encode()
        blocks = [block] * (size // CHUNK) + [block[: size % CHUNK]]
        files[name] = b"".join([struct.pack("<Q", len(header)), header, *blocks])
    return files


def _fresh_push(work: Path, image: Path) -> float:
    """The push tasks' skopeo copy, alone, to an empty registry of its own (skopeo would mount
    a layer another repository of the same registry holds, which is not a push)."""
    directory = Path(tempfile.mkdtemp(dir=work))
    try:
        with running_registry(directory) as registry:
            return _copy(registry, image)
    finally:
        shutil.rmtree(directory)


def _copy(registry: Registry, image: Path) -> float:
    command = [
        *("skopeo", "copy", "--all", "--preserve-digests"),
        *("--dest-cert-dir", str(registry.authority.trust_dir)),
        *("--dest-creds", f"{USER}:{PASSWORD}"),
        f"oci:{image}:modelcar",
        f"docker://{registry.host}/bench/model:v1",
    ]
    _, seconds = timed(lambda: subprocess.run(command, check=True, capture_output=True))
    return seconds
