"""Compile speed: a synthetic pipeline of N tasks against a process that only dumps the same
documents with PyYAML's C emitter (the repo's own pipelines are in `benchmarks.startup`)."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from pathlib import Path

import attrs
import yaml

from benchmarks.measure import Run, best_of, run_process

REPO = Path(__file__).resolve().parent.parent
MODELCAR = (sys.executable, "-m", "modelcar_dsl")

SYNTHETIC_FLOWS = '''\
from modelcar_dsl import (
    PipelineWorkspace, VolumeClaim, Workspace, pipeline, pipeline_run, script_step, task,
)


@task(image="registry.example/tools:1", results=["out"], workspaces={task_workspaces})
def step(msg: str, value: str) -> list:
    """One task of a synthetic pipeline, called N times."""
    return [script_step("step.sh")]


@pipeline(workspaces={pipeline_workspaces})
def synthetic(msg: str) -> None:
    """10 tasks a layer: task i after task i-10, and at even positions also after i-9."""
    calls = []
    for i in range({count}):
        call = step.options(name=f"t{{i}}")(msg=msg, value=f"v{{i}}")
        if i >= 10:
            call.after(*([calls[i - 10], calls[i - 9]] if i % 2 == 0 else [calls[i - 10]]))
        calls.append(call)


run = pipeline_run("synthetic", synthetic, params={{"msg": "hello"}}, fs_group=1000970000)
'''
STEP_SCRIPT = "#!/usr/bin/env bash\nset -euo pipefail\n" + "".join(
    f'echo "step line {line}: $MSG $VALUE"\n' for line in range(18)
)
EMIT_FLOOR = textwrap.dedent(
    """\
    import json, sys, yaml
    documents = json.load(open(sys.argv[1]))
    with open(sys.argv[2], "w") as out:
        yaml.dump_all(documents, out, Dumper=yaml.CSafeDumper, sort_keys=False)
    """
)


@attrs.frozen
class SyntheticCompile:
    tasks: int
    compile: Run
    floor: Run
    output_bytes: int


def fresh_compile(project: Path, out: Path) -> Run:
    """A whole `modelcar compile` into an empty tree, so every file is rendered and written."""
    shutil.rmtree(out, ignore_errors=True)
    return run_process([*MODELCAR, "compile", "--out", str(out)], cwd=project)


def write_synthetic_project(root: Path, count: int, shared_workspace: bool) -> None:
    """The synthetic pipeline; with `shared_workspace`, every task also writes one workspace,
    so the compiler serializes all of them (the case that was quadratic)."""
    (root / "flows").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[tool.modelcar]\nmodules = ["flows"]\n')
    flows = SYNTHETIC_FLOWS.format(
        count=count,
        task_workspaces='[Workspace("data")]' if shared_workspace else "[]",
        pipeline_workspaces='[PipelineWorkspace("data", default=VolumeClaim())]'
        if shared_workspace
        else "[]",
    )
    (root / "flows" / "__init__.py").write_text(flows)
    (root / "flows" / "step.sh").write_text(STEP_SCRIPT)


def synthetic_compile(
    work: Path, count: int, repeats: int, shared_workspace: bool = False
) -> SyntheticCompile:
    root = work / f"synthetic-{count}{'-shared' if shared_workspace else ''}"
    write_synthetic_project(root, count, shared_workspace)
    out = root / "compiled"
    compiled = best_of(repeats, lambda: fresh_compile(root, out))
    files = sorted(out.rglob("*.yaml"))
    documents = [yaml.load(path.read_text(), Loader=yaml.CSafeLoader) for path in files]
    (root / "documents.json").write_text(json.dumps(documents))
    floor = best_of(
        repeats,
        lambda: run_process(
            [sys.executable, "-c", EMIT_FLOOR, "documents.json", "floor.yaml"], cwd=root
        ),
    )
    return SyntheticCompile(count, compiled, floor, sum(path.stat().st_size for path in files))
