"""`run_local()` and `run_task()`: a compiled run, or one Task, executed on this machine. The
CLI's `modelcar run` and a team's pytest both come here."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import attrs

from modelcar_dsl.diagnostics.errors import LocalRunError
from modelcar_dsl.model.gates import DEFAULT_MAX_MATRIX_COMBINATIONS
from modelcar_dsl.running.console import Console
from modelcar_dsl.running.mounts import Mounts, Source
from modelcar_dsl.running.pipelinerun import (
    PipelineRunOutcome,
    Selection,
    new_run_name,
    run_pipeline,
)
from modelcar_dsl.running.run_directory import (
    clear_for_fresh_run,
    locked_run_directory,
    read_state,
)
from modelcar_dsl.running.run_plan import (
    RunPlan,
    parents,
    refusing_pod_containers,
    refusing_step_actions,
    result_references,
    unapplied_container_settings,
)
from modelcar_dsl.running.step_runtime import HostRuntime, RunAs, StepRuntime
from modelcar_dsl.running.task_states import TaskState
from modelcar_dsl.running.taskrun import (
    TaskRunEnvironment,
    TaskRunRequest,
    read_results,
    run_taskrun,
)
from modelcar_dsl.running.variables import Value
from modelcar_dsl.running.workspace_bindings import (
    bind_workspaces,
    missing_sources,
    refuse_missing,
    resolve_mounted,
)

MAX_LOG_BYTES = 16 * 1024 * 1024
"""Of each step's log, what a TaskResult holds."""
Documents = Mapping[tuple[str, str], Mapping[str, Any]]


@attrs.frozen
class TaskResult:
    """One task of a local run, for a test: its status (Succeeded, Failed, Skipped, Pending),
    Tekton's reason and the message, its results, and its steps' log."""

    name: str
    status: str
    reason: str
    message: str
    results: dict[str, Value]
    log: str
    exit_code: int = 0
    """The failed step's exit code (1 when none failed but the task did; 0 when it succeeded)."""
    failed_step: str | None = None
    written_results: dict[str, Value] = attrs.field(factory=dict)
    """From `run_task()` only: the results the steps had written when the task ended, also
    when it failed (Tekton then passes none on), so a test sees what a refusing step wrote."""

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"


@attrs.frozen
class LocalRunResult:
    """A finished local run: its outcome, its run directory and each task's result."""

    outcome: PipelineRunOutcome
    run_dir: Path

    @property
    def succeeded(self) -> bool:
        return self.outcome.succeeded

    @property
    def reason(self) -> str:
        return self.outcome.reason

    @property
    def tasks(self) -> dict[str, TaskResult]:
        return {state.name: _task_result(state) for state in self.outcome.tasks}

    def __getitem__(self, task: str) -> TaskResult:
        return self.tasks[task]


def _task_result(state: TaskState) -> TaskResult:
    failed = [step for step in state.steps if step["exitCode"] not in (0, None)]
    return TaskResult(
        state.name,
        state.status,
        state.reason,
        state.message,
        dict(state.results),
        _logs((step["name"], Path(step["log"])) for step in state.steps),
        failed[0]["exitCode"] if failed else int(state.status == "Failed"),
        failed[0]["name"] if failed else None,
    )


def _logs(steps: Iterable[tuple[str, Path]]) -> str:
    """Each step's log after a `--- step NAME` line, in the order the steps ran."""
    logs = []
    for name, path in steps:
        text = _log_tail(path) if path.is_file() else ""
        logs.append(f"--- step {name}\n{text}")
    return "".join(logs)


def _log_tail(path: Path) -> str:
    """A step's log, or its last MAX_LOG_BYTES: a step may print gigabytes, which a test's
    result must not hold in memory (the whole log stays on disk)."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        cut = max(0, size - MAX_LOG_BYTES)
        file.seek(cut)
        text = file.read(MAX_LOG_BYTES).decode("utf-8", "replace")
    return f"[first {cut} bytes left out; the whole log is {path}]\n{text}" if cut else text


@attrs.frozen
class RunOptions:
    """How to run: what the user maps and overrides, and how much runs at once."""

    params: Mapping[str, Value] = attrs.field(factory=dict)
    workspaces: Mapping[str, Path] = attrs.field(factory=dict)
    secrets: Mapping[str, Source] = attrs.field(factory=dict)
    config_maps: Mapping[str, Source] = attrs.field(factory=dict)
    env: Mapping[str, str] = attrs.field(factory=dict)
    parallel: int = 4
    from_task: str | None = None
    only_task: str | None = None
    user: tuple[int, int] | None = None
    runtime: StepRuntime | None = None
    max_matrix_combinations: int = DEFAULT_MAX_MATRIX_COMBINATIONS
    """The most TaskRuns one matrixed task makes (the cluster's config-defaults)."""


def execute(
    documents: Documents, run_name: str, run_dir: Path, options: RunOptions, console: Console
) -> LocalRunResult:
    """Run `run_name` of the compiled `documents` in `run_dir`; LocalRunError before anything
    runs when an input is missing or wrong."""
    plan = RunPlan.of(documents, run_name)
    if options.parallel < 1:
        raise LocalRunError("--parallel must be at least 1")
    params = plan.params(options.params)
    mounts = Mounts.of(options.secrets, options.config_maps)
    with locked_run_directory(run_dir) as run_dir:
        earlier = read_state(run_dir) if (options.from_task or options.only_task) else None
        selection = select(plan, earlier, options.from_task, options.only_task)
        bindings = bind_workspaces(plan, run_dir, options.workspaces, mounts)
        to_run = [
            task
            for task in [*plan.pipeline_tasks, *plan.finally_tasks]
            if task["name"] in selection.rerun
        ]
        refuse_missing(missing_sources(plan, bindings, mounts, to_run))
        if earlier is None:
            clear_for_fresh_run(run_dir)
            pipeline_run = new_run_name(run_name)
        else:
            pipeline_run = str(earlier.get("pipelineRun", new_run_name(run_name)))
            _warn_changed_params(earlier, params, console)
        bindings = resolve_mounted(bindings, mounts, run_dir / "mapped")
        runtime = options.runtime or HostRuntime(_run_as(options.user, plan))
        if isinstance(runtime, HostRuntime):
            console.note(
                "steps run on this machine with its tools; not used: "
                + ", ".join(plan.images() or ["no images"])
            )
        if unapplied := plan.unapplied_pod_settings():
            console.note("pod settings not applied on this machine: " + ", ".join(unapplied))
        in_containers = not isinstance(runtime, HostRuntime)
        if unapplied := unapplied_container_settings(plan.tasks, in_containers):
            console.note("container settings not applied: " + ", ".join(unapplied))
        environment = TaskRunEnvironment(
            mounts=mounts,
            runtime=runtime,
            say=lambda taskrun, step, line: console.step_line(
                taskrun.removeprefix(f"{pipeline_run}-"), step, line
            ),
            cancelled=threading.Event(),
            extra_env=dict(options.env),
        )
        try:
            with _stopped_by_sigterm():
                outcome = run_pipeline(
                    plan,
                    params,
                    bindings,
                    environment,
                    console,
                    run_dir,
                    pipeline_run=pipeline_run,
                    parallel=options.parallel,
                    max_combinations=options.max_matrix_combinations,
                    selection=selection,
                    state_extra={"run": run_name, "params": params},
                )
        finally:
            console.finish()
    return LocalRunResult(outcome, run_dir)


@contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM (a cancelled CI job, `kill`) stops the run as Ctrl-C does, so the steps' own
    process groups are stopped rather than left running after this process is gone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _run_as(user: tuple[int, int] | None, plan: RunPlan) -> RunAs | None:
    return RunAs(user[0], user[1], plan.fs_group()) if user else None


def _warn_changed_params(
    earlier: Mapping[str, Any], params: Mapping[str, Value], console: Console
) -> None:
    before = earlier.get("params", {})
    changed = sorted(name for name in params if before.get(name) != params[name])
    if changed:
        console.note(
            "params differ from the earlier run (its results were made with the old values): "
            + ", ".join(changed)
        )


def select(
    plan: RunPlan,
    earlier: Mapping[str, Any] | None,
    from_task: str | None,
    only_task: str | None,
) -> Selection:
    """Which tasks run now. A fresh run runs all. --from TASK reruns TASK, every task after it
    and every task that did not succeed before; --only TASK runs TASK alone. Both keep the
    other tasks' results from the earlier run, which must have the results they need."""
    names = [task["name"] for task in [*plan.pipeline_tasks, *plan.finally_tasks]]
    if from_task and only_task:
        raise LocalRunError("give --from or --only, not both")
    if earlier is None:
        if from_task:
            raise LocalRunError(
                f"--from {from_task} needs an earlier run in the run directory; run without "
                "--from first"
            )
        if not only_task:
            return Selection(frozenset(names), {})
        earlier = {"tasks": []}
    states = {data["name"]: TaskState.from_json(data) for data in earlier.get("tasks", [])}
    finally_names = {task["name"] for task in plan.finally_tasks}
    if from_task:
        plan.pipeline_task(from_task)
        rerun = {from_task} | _descendants(plan, from_task) | finally_names
        rerun |= {name for name in names if states.get(name, TaskState(name)).status != "Succeeded"}
    else:
        assert only_task is not None
        task = plan.pipeline_task(only_task)
        rerun = {only_task}
        for producer, result in result_references(task):
            state = states.get(producer)
            if state is None or result not in state.results:
                raise LocalRunError(
                    f"--only {only_task} needs the result {result} of {producer}, which the "
                    "run directory does not have; run the pipeline (or --only "
                    f"{producer}) first"
                )
        for name in names:
            if name not in rerun and name not in states:
                states[name] = TaskState(
                    name,
                    name in finally_names,
                    "Skipped",
                    "NotSelected",
                    "not run (--only)",
                    reused=True,
                )
    return Selection(frozenset(rerun), {k: v for k, v in states.items() if k not in rerun})


def _descendants(plan: RunPlan, name: str) -> set[str]:
    children: dict[str, set[str]] = {}
    for task in plan.pipeline_tasks:
        for parent in parents(task):
            children.setdefault(parent, set()).add(task["name"])
    found: set[str] = set()
    todo = [name]
    while todo:
        for child in children.get(todo.pop(), set()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def run_task_document(
    task: Mapping[str, Any],
    params: Mapping[str, Value],
    workspaces: Mapping[str, Path | None],
    *,
    secrets: Mapping[str, Source] | None = None,
    config_maps: Mapping[str, Source] | None = None,
    env: Mapping[str, str] | None = None,
    user: tuple[int, int] | None = None,
    fs_group: int | None = None,
    steps: Sequence[str] | None = None,
    console: Console | None = None,
) -> TaskResult:
    """One Task document's steps, as a TaskRun of it would run them; its params must be
    declared and the required ones given."""
    spec = task["spec"]
    refusing_step_actions(str(task.get("metadata", {}).get("name")), spec)
    refusing_pod_containers(str(task.get("metadata", {}).get("name")), spec)
    declared = {param["name"]: param for param in spec.get("params", [])}
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise LocalRunError(f"params the task does not declare: {', '.join(unknown)}")
    missing = [n for n, p in declared.items() if n not in params and "default" not in p]
    if missing:
        raise LocalRunError(f"required params not given: {', '.join(missing)}")
    for path in workspaces.values():
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
    shown = console or Console(quiet=True, live=False)
    name = str(task["metadata"]["name"])
    with _scratch(name) as directory:
        request = TaskRunRequest(
            name=f"{name}-run",
            task_name=name,
            spec=spec,
            params=params,
            workspaces=workspaces,
            directory=directory,
            context={"namespace": str(task["metadata"].get("namespace", "default"))},
            volumes=tuple(path for path in workspaces.values() if path is not None) if user else (),
            only_steps=steps,
        )
        environment = TaskRunEnvironment(
            mounts=Mounts.of(secrets, config_maps),
            runtime=HostRuntime(RunAs(user[0], user[1], fs_group) if user else None),
            say=lambda taskrun, step, line: shown.step_line(task["metadata"]["name"], step, line),
            cancelled=threading.Event(),
            extra_env=dict(env or {}),
        )
        outcome = run_taskrun(request, environment)
        return TaskResult(
            name,
            "Succeeded" if outcome.succeeded else "Failed",
            outcome.reason,
            outcome.message,
            dict(outcome.results),
            _logs((step.name, step.log) for step in outcome.steps),
            outcome.exit_code,
            outcome.failed_step,
            read_results(spec, directory / "results"),
        )


@contextmanager
def _scratch(name: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"taskrun-{name}-") as scratch:
        Path(scratch).chmod(0o755)
        yield Path(scratch)
