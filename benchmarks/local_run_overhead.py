"""Local runner overhead: a pipeline of N no-op tasks (one `true` step each) run by `modelcar
run`'s runner, as a chain and fanned out, against the same N `true` processes started by a shell
loop (in sequence for the chain, by `xargs -P` for the fan-out).

The runner runs in a child process, so its peak memory is its own: the child compiles the
pipeline in memory, then times `execute()` alone, the best of a few runs, each in a fresh run
directory."""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from functools import partial
from pathlib import Path

import attrs

from benchmarks.measure import Run, best_of, run_process
from modelcar_dsl import Steps, TaskCall, command_step, pipeline, pipeline_run, task
from modelcar_dsl.authoring.collection import collect_specs
from modelcar_dsl.compiling.render import Compiled, compile_validated
from modelcar_dsl.model.target import Target
from modelcar_dsl.running.console import Console
from modelcar_dsl.running.local import RunOptions, execute

REPO = Path(__file__).resolve().parent.parent
PARALLEL = 4
"""`modelcar run`'s default --parallel."""


@attrs.frozen
class Overhead:
    """One shape: the runner's best run (wall and CPU of `execute()`, peak memory of its
    process) and the shell's best run of the same processes."""

    shape: str
    tasks: int
    runner: Run
    floor: Run
    floor_command: str


def local_run_overhead(work: Path, tasks: int, repeats: int) -> tuple[Overhead, ...]:
    work.mkdir(parents=True, exist_ok=True)
    true = shutil.which("true") or "/bin/true"
    floors = {
        "chain": f"for i in $(seq {tasks}); do {true}; done",
        "fan-out": f"seq {tasks} | xargs -P {PARALLEL} -n 1 {true}",
    }
    results = []
    for shape, command in floors.items():
        report = work / f"overhead-{shape}.json"
        process = run_process(
            [
                *(sys.executable, "-m", "benchmarks.local_run_overhead"),
                *(shape, str(tasks), str(repeats), str(work / f"runs-{shape}"), str(report)),
            ],
            cwd=REPO,
        )
        timings = json.loads(report.read_text())
        runner = Run(timings["seconds"], process.peak_mib, timings["cpu_seconds"])
        floor = best_of(repeats, partial(run_process, ["sh", "-c", command], work))
        results.append(Overhead(shape, tasks, runner, floor, command))
    return tuple(results)


def _measure_in_child(shape: str, tasks: int, repeats: int, runs: Path, report: Path) -> None:
    """The child's side: compile once, then run `repeats` times; writes the fastest run's wall
    time and the least CPU time (this process's and its steps') of any run."""

    @task(image="registry.example/tools:1")
    def noop() -> Steps:
        """One no-op step."""
        return [command_step("noop", ["true"])]

    @pipeline()
    def noops() -> None:
        """`tasks` no-op tasks, each after the one before (chain) or all at once (fan-out)."""
        calls: list[TaskCall] = []
        for number in range(tasks):
            call = noop.options(name=f"t{number}")()
            if shape == "chain" and calls:
                call.after(calls[-1])
            calls.append(call)

    run = pipeline_run("noops", noops, fs_group=1000970000)
    documents = Compiled.of(compile_validated(collect_specs([("", "run", run)]), Target()))
    walls, cpus = [], []
    with open(os.devnull, "w") as sink:
        for attempt in range(repeats):
            cpu_before = _cpu_seconds()
            started = time.perf_counter()
            result = execute(
                documents.documents,
                "noops",
                runs / f"run-{attempt}",
                RunOptions(parallel=PARALLEL),
                Console(out=sink, err=sink, quiet=True, live=False),
            )
            walls.append(time.perf_counter() - started)
            cpus.append(_cpu_seconds() - cpu_before)
            if not result.succeeded:
                raise RuntimeError(f"the no-op pipeline did not succeed: {result.reason}")
    report.write_text(json.dumps({"seconds": min(walls), "cpu_seconds": min(cpus)}))


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    _shape, _tasks, _repeats, _runs, _report = sys.argv[1:]
    _measure_in_child(_shape, int(_tasks), int(_repeats), Path(_runs), Path(_report))
