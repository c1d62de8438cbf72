"""`modelcar validate` on hostile and large inputs, each under 1 MB unless named otherwise:
wall time and peak memory of the whole process, against the goal of 2 s and 200 MiB.

python -m benchmarks.validate_limits    this table alone
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import attrs

from benchmarks.measure import Run, best_of, run_command

MB = 1_000_000
MIB = 1 << 20
GOAL_SECONDS, GOAL_MIB = 2.0, 200
MODELCAR = (sys.executable, "-m", "modelcar_dsl")
TASK_HEAD = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: work\nspec:\n"


def _laughs(indent: str) -> str:
    """The 342-byte "billion laughs": nine levels of nine aliases, a billion strings."""
    lines = [f'{indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    lines += [
        f"{indent}{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    return "".join(lines)


def _fill(head: str, item: Callable[[int], str], size: int = MB - 1_000) -> str:
    """`head`, then items numbered from 0 until the text is just under `size` characters."""
    parts, length, number = [head], len(head), 0
    while length + len(item(number)) < size:
        parts.append(item(number))
        length += len(parts[-1])
        number += 1
    return "".join(parts)


def _aliased_task() -> str:
    """As many repeated values as the alias limit allows (999 aliases of 100 values), each
    a param reference the rules check."""
    anchor = "      args: &many [" + ", ".join(["'$(params.x)'"] * 99) + "]\n"
    aliases = "".join(
        f"    - name: s{i}\n      image: busybox\n      args: *many\n" for i in range(999)
    )
    params = "  params:\n    - name: x\n"
    return (
        TASK_HEAD + params + "  steps:\n    - name: main\n      image: busybox\n" + anchor + aliases
    )


def _pipeline() -> str:
    tasks = _fill(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: big\nspec:\n"
        "  workspaces:\n    - name: data\n  tasks:\n",
        lambda i: (
            f"    - name: t{i}\n      taskRef:\n        name: work\n"
            f"      workspaces:\n        - name: data\n          workspace: data\n"
            + (f"      runAfter: [t{i - 1}]\n" if i else "")
        ),
    )
    task = (
        TASK_HEAD
        + "  workspaces:\n    - name: data\n  steps:\n    - name: main\n      image: busybox\n"
    )
    return task + "---\n" + tasks


INPUTS: dict[str, Callable[[], str | bytes]] = {
    "billion laughs, 342 bytes, no kind (skipped)": lambda: _laughs(""),
    "billion laughs inside a Task (refused)": lambda: (
        TASK_HEAD + "  steps:\n    - name: main\n      image: busybox\nlaughs:\n" + _laughs("  ")
    ),
    "a: &a [*a], 11 bytes (refused)": lambda: "a: &a [*a]\n",
    "1 MB of [ (refused at depth 100)": lambda: "a: " + "[" * (MB // 2 - 10) + "]" * (MB // 2 - 10),
    "99,900 aliased values in one Task (under the limit)": _aliased_task,
    "1 MB ConfigMap, kind first (skipped)": lambda: _fill(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n",
        lambda i: f"  key{i}: value {i}\n",
    ),
    "1 MB ConfigMap, data before kind (skipped)": lambda: (
        _fill("apiVersion: v1\ndata:\n", lambda i: f"  key{i}: value {i}\n").rstrip("\n")
        + "\nkind: ConfigMap\nmetadata:\n  name: big\n"
    ),
    "1 MB Task, 15,700 steps": lambda: _fill(
        TASK_HEAD + "  steps:\n",
        lambda i: f"    - name: s{i}\n      image: busybox\n      script: echo {i}\n",
    ),
    "1 MB Pipeline, 7,100 chained tasks and one Task": _pipeline,
    "1 MB of 8,700 one-step Tasks": lambda: _fill(
        "",
        lambda i: (
            TASK_HEAD.replace("name: work", f"name: t{i}")
            + "  steps:\n    - name: s\n      image: busybox\n---\n"
        ),
    ),
    "1 MB one-line script of 'curl -k '": lambda: (
        TASK_HEAD
        + "  steps:\n    - name: main\n      image: busybox\n      script: '"
        + "curl -k " * (MB // 8 - 100)
        + "'\n"
    ),
    "1 MB flow list of strings on one line": lambda: (
        TASK_HEAD
        + "  steps:\n    - name: main\n      image: busybox\n      args: ["
        + ", ".join(["x"] * (MB // 3 - 100))
        + "]\n"
    ),
    "1 MB of unknown fields (63,000 findings)": lambda: _fill(
        TASK_HEAD + "  steps:\n    - name: main\n      image: busybox\n",
        lambda i: f"  field{i}: x\n",
    ),
    "an integer of 900,000 digits in a Task (refused)": lambda: (
        TASK_HEAD
        + "  steps:\n    - name: main\n      image: busybox\n      args: ["
        + "7" * 900_000
        + "]\n"
    ),
    "16 MB ConfigMap, the default cap (skipped)": lambda: (
        _fill("apiVersion: v1\ndata:\n", lambda i: f"  key{i}: value {i}\n", 16 * MIB - 1_000)
        + "kind: ConfigMap\n"
    ),
    "100 MB file (over the 16 MiB cap: exit 2)": lambda: b"#" * (100 * MB),
}


@attrs.frozen
class ValidateRun:
    name: str
    size: int
    run: Run
    exit_code: int


def validate_limits(work: Path, repeats: int) -> list[ValidateRun]:
    """Each input written to its own file and validated by a fresh `modelcar validate`."""
    results = []
    for number, (name, make) in enumerate(INPUTS.items()):
        directory = work / f"validate-{number}"
        directory.mkdir(parents=True, exist_ok=True)
        text = make()
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (directory / "input.yaml").write_bytes(data)
        codes: list[int] = []

        def once(directory: Path = directory, codes: list[int] = codes) -> Run:
            run, code = run_command(
                [*MODELCAR, "validate", "input.yaml"], cwd=directory, accept=(0, 1, 2)
            )
            codes.append(code)
            return run

        results.append(ValidateRun(name, len(data), best_of(repeats, once), codes[-1]))
        shutil.rmtree(directory)
    return results


def validate_table(runs: list[ValidateRun]) -> str:
    """One row an input; under 1 MB, whether it met the goal of 2 s and 200 MiB."""
    lines = [
        "### modelcar validate on hostile and large inputs (whole process)",
        "",
        "| input | bytes | exit | seconds | peak MiB | goal: < 2 s, < 200 MiB under 1 MB |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        met = run.run.seconds < GOAL_SECONDS and run.run.peak_mib < GOAL_MIB
        goal = ("met" if met else "MISSED") if run.size < MB else ""
        lines.append(
            f"| {run.name} | {run.size:,} | {run.exit_code} | {run.run.seconds:.2f} | "
            f"{run.run.peak_mib:.0f} | {goal} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.validate_limits")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="modelcar-bench-", dir="/var/tmp"))
    try:
        print(validate_table(validate_limits(work, options.repeats)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
