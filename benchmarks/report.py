"""The benchmark tables, in Markdown so they paste into a closing note or a README."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.build_throughput import BuildThroughput
from benchmarks.compile_speed import SyntheticCompile
from benchmarks.layer_push import LayerPush
from benchmarks.local_run_e2e import BUILD, PUSHES, EndToEnd
from benchmarks.local_run_overhead import Overhead
from benchmarks.measure import Run
from benchmarks.startup import StartUp

MIB = 1 << 20
GOAL_MODEL_BYTES = 2 << 30


def _table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _goal(ratio: float, limit: float) -> str:
    return f"{ratio:.2f}x ({'met' if ratio <= limit else 'MISSED'}: <= {limit:g}x)"


def startup_table(result: StartUp) -> str:
    """Each modelcar process under the bare import of the one library it needs, in wall and
    in CPU time, each ratio judged against the goal."""
    rows = []
    for process, run, library, floor, limit in (
        ("modelcar --help", result.help, "click", result.import_click, 2),
        (
            "modelcar compile, this repo (a fresh tree)",
            result.compile,
            "yaml",
            result.import_yaml,
            2.5,
        ),
    ):
        rows.append(
            _timings(
                process,
                run,
                _goal(run.seconds / floor.seconds, limit),
                _goal(run.cpu_seconds / floor.cpu_seconds, limit),
            )
        )
        rows.append(_timings(f"python -c 'import {library}'", floor, "1x", "1x"))
    return _table(
        "Start-up: modelcar against the libraries it needs (whole process, best run)",
        ("process", "wall s", "CPU s", "peak MiB", "vs floor, wall", "vs floor, CPU"),
        rows,
    )


def _timings(process: str, run: Run, wall_ratio: str, cpu_ratio: str) -> tuple[str, ...]:
    return (
        process,
        f"{run.seconds:.3f}",
        f"{run.cpu_seconds:.3f}",
        f"{run.peak_mib:.0f}",
        wall_ratio,
        cpu_ratio,
    )


def synthetic_table(results: Sequence[SyntheticCompile], title: str) -> str:
    """The goal (at most 3x the floor) is judged at 1,000 and 5,000 tasks, in wall time and in
    CPU time, which a busy machine disturbs less."""
    rows = []
    for result in results:
        judged = result.tasks in (1_000, 5_000)
        ratios = (
            result.compile.seconds / result.floor.seconds,
            result.compile.cpu_seconds / result.floor.cpu_seconds,
        )
        rows.append(
            (
                f"{result.tasks:,}",
                f"{result.compile.seconds:.3f}",
                f"{result.compile.cpu_seconds:.3f}",
                f"{result.compile.peak_mib:.0f}",
                f"{result.output_bytes / 1024:.0f}",
                f"{result.floor.seconds:.3f}",
                *(_goal(ratio, 3) if judged else f"{ratio:.2f}x" for ratio in ratios),
            )
        )
    table = _table(
        title,
        (
            "tasks",
            "wall s",
            "CPU s",
            "peak MiB",
            "output KiB",
            "emit floor s",
            "vs floor, wall",
            "vs floor, CPU",
        ),
        rows,
    )
    by_size = {result.tasks: result.compile.seconds for result in results}
    if 1_000 in by_size and 10_000 in by_size:
        growth = by_size[10_000] / by_size[1_000]
        verdict = "met" if growth <= 12 else "MISSED"
        table += f"\nt(10,000) / t(1,000) = {growth:.1f} ({verdict}: <= 12; linear is about 10)\n"
    return table


def build_table(result: BuildThroughput) -> str:
    """The goals are set for a 2 GiB model; a smaller one (--quick) shows ratios only, since a
    build's fixed cost (base image, verification, two interpreters) weighs more there. The
    build verifies every blob after its sync, so its time goal is against a write plus one
    sha256 read; the plain write is shown beside it."""
    size_mib = result.model_bytes / MIB
    judged = result.model_bytes >= GOAL_MODEL_BYTES
    rows = [
        (
            "cat > copy && sync (floor)",
            f"{result.floor_seconds:.1f}",
            f"{size_mib / result.floor_seconds:.0f}",
            "1x",
            f"{result.floor_seconds / result.verified_floor_seconds:.2f}x",
            "1.00",
        ),
        (
            "the same, then openssl dgst -sha256 (floor)",
            f"{result.verified_floor_seconds:.1f}",
            f"{size_mib / result.verified_floor_seconds:.0f}",
            f"{result.verified_floor_seconds / result.floor_seconds:.2f}x",
            "1x",
            "1.00",
        ),
    ]
    for build in result.builds:
        ratio = build.seconds / result.verified_floor_seconds
        disk = build.extra_disk_bytes / result.model_bytes
        goal = judged and build.image_format == "oci"
        rows.append(
            (
                f"build-modelcar-image ({build.image_format})",
                f"{build.seconds:.1f}",
                f"{size_mib / build.seconds:.0f}",
                f"{build.seconds / result.floor_seconds:.2f}x",
                _goal(ratio, 1.5) if goal else f"{ratio:.2f}x",
                f"{disk:.2f} ({'met' if disk <= 1.05 else 'MISSED'}: <= 1.05)"
                if judged
                else f"{disk:.2f}",
            )
        )
    return _table(
        f"ModelCar build of a {size_mib:,.0f} MiB model, verified",
        (
            "process",
            "seconds",
            "MB/s",
            "vs one write",
            "vs write + sha256",
            "extra disk x model",
        ),
        rows,
    )


def push_table(result: LayerPush) -> str:
    """No goal: on loopback the disk and one CPU bound both layouts; the figure that matters on
    a real network is the resumed push, which sends only the layers a registry lacks."""
    size_mib = result.model_bytes / MIB
    first = result.pushes[0].seconds
    rows = [
        (
            push.layout,
            str(push.layers),
            f"{push.seconds:.1f}",
            f"{size_mib / push.seconds:.0f}",
            f"{push.seconds / first:.2f}x",
        )
        for push in result.pushes
    ]
    rows.append(
        (
            "per-file layers, registry holding half of them",
            str(result.pushes[-1].layers),
            f"{result.resumed_seconds:.1f}",
            "",
            f"{result.resumed_seconds / first:.2f}x",
        )
    )
    return _table(
        f"Push of a {size_mib:,.0f} MiB four-file model to a loopback registry (skopeo copy)",
        ("image", "model layers", "seconds", "MB/s", "vs one layer"),
        rows,
    )


def overhead_table(results: Sequence[Overhead]) -> str:
    """No goal: the issue asks for the runner's cost per task beside the plain processes'. The
    overhead per task is the runner's wall time less the shell's, over the tasks."""
    rows = [
        (
            result.shape,
            f"{result.tasks:,}",
            f"{result.runner.seconds:.3f}",
            f"{result.runner.cpu_seconds:.3f}",
            f"{result.runner.peak_mib:.0f}",
            f"{result.floor.seconds:.3f}",
            f"{(result.runner.seconds - result.floor.seconds) / result.tasks * 1000:.1f}",
            f"{result.runner.seconds / result.floor.seconds:.1f}x",
        )
        for result in results
    ]
    table = _table(
        "Local run (--parallel 4) of no-op tasks, one `true` step each, against a shell "
        "starting the same processes (best run)",
        (
            "shape",
            "tasks",
            "runner wall s",
            "runner CPU s",
            "peak MiB",
            "shell wall s",
            "overhead ms/task",
            "vs shell",
        ),
        rows,
    )
    return table + "".join(f"\n{r.shape} floor: `{r.floor_command}`" for r in results) + "\n"


def e2e_table(result: EndToEnd) -> str:
    """No goal: the issue asks for the local build and pushes beside their floors, measured in
    the same run. The build's floor is the build benchmark's (a write plus a sha256 read); a
    push's is the same skopeo copy alone, to an empty registry."""
    size_mib = result.model_bytes / MIB
    floors = {
        BUILD: ("write + sha256 (cat, sync, openssl)", result.build_floor_seconds),
        **{
            push: ("skopeo copy to an empty registry", seconds)
            for push, seconds in zip(PUSHES, result.push_floor_seconds, strict=True)
        },
    }
    rows = []
    for task in result.tasks:
        floor = floors.get(task.name)
        rows.append(
            (
                task.name,
                f"{task.seconds:.1f}",
                f"{size_mib / task.seconds:.0f}" if floor else "",
                floor[0] if floor else "",
                f"{floor[1]:.1f}" if floor else "",
                f"{task.seconds / floor[1]:.2f}x" if floor else "",
                ", ".join(f"{step} {seconds:.1f}" for step, seconds in task.steps),
            )
        )
    rows.append(("the whole run", f"{result.run_seconds:.1f}", "", "", "", "", ""))
    return _table(
        f"modelcar-build-deploy run locally on a {size_mib:,.0f} MiB model against loopback "
        "services" + (f" (each figure the best of {result.runs})" if result.runs > 1 else ""),
        ("task", "seconds", "MB/s", "floor", "floor seconds", "vs floor", "steps, seconds"),
        rows,
    )
