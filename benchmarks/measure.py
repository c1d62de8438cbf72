"""Whole-process measurements: wall time, CPU time and peak memory of a child process, and peak
disk use while something runs."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import attrs

T = TypeVar("T")


@attrs.frozen
class Run:
    """One process run: seconds of wall time, peak resident memory in MiB, and seconds of CPU
    time (user and system), which a busy machine disturbs less than wall time."""

    seconds: float
    peak_mib: float
    cpu_seconds: float


def run_process(argv: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> Run:
    """Run `argv` to completion under GNU time, which reports the peak RSS of that process
    alone (this process's own high-water mark would leak into a child's through fork)."""
    return run_command(argv, cwd, env)[0]


def run_command(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    accept: Collection[int] = (0,),
) -> tuple[Run, int]:
    """`run_process` for a command whose exit codes in `accept` are outcomes, not failures:
    the run and the exit code.

    A Python child writes and reads its byte code whatever the caller's PYTHONDONTWRITEBYTECODE,
    as an installed package does: compiling the package's source again on every run is not what
    a user waits for. The first run fills the cache; `best_of` keeps the later ones."""
    with tempfile.NamedTemporaryFile("r") as usage:
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        completed = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", usage.name, *argv],
            cwd=cwd,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "", **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        seconds = time.perf_counter() - started
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_kib = int(usage.read().split()[-1])
    if completed.returncode not in accept:
        raise RuntimeError(f"{' '.join(argv)} failed ({completed.returncode}):\n{completed.stderr}")
    cpu_seconds = (children_after.ru_utime - children_before.ru_utime) + (
        children_after.ru_stime - children_before.ru_stime
    )
    return Run(seconds, peak_kib / 1024, cpu_seconds), completed.returncode


def best_of(repeats: int, measure: Callable[[], Run]) -> Run:
    """The fastest of `repeats` runs, the least disturbed by the rest of the machine; its CPU
    time is the least of any run, since the fastest wall time need not have it."""
    runs = [measure() for _ in range(repeats)]
    fastest = min(runs, key=lambda run: run.seconds)
    return attrs.evolve(fastest, cpu_seconds=min(run.cpu_seconds for run in runs))


@contextmanager
def peak_disk_use(path: Path, interval: float = 0.02) -> Iterator[list[int]]:
    """Sample the used bytes of `path`'s file system while the block runs; yields a list whose
    single item becomes the peak growth over the usage at the start."""
    start = shutil.disk_usage(path).used
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], shutil.disk_usage(path).used - start)
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()
        peak[0] = max(peak[0], shutil.disk_usage(path).used - start)


def timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started
