"""One TaskRun on this machine: a Task's steps in order, each with Tekton's substitutions, the
stepTemplate and step env (Secret and ConfigMap keys from the mapped sources), the task's
timeout and each step's, and its results read back as Tekton reads them."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from modelcar_dsl.diagnostics.errors import LocalRunError
from modelcar_dsl.formats.durations import go_duration_seconds
from modelcar_dsl.formats.names import DNS_LABEL, RESULT_NAME
from modelcar_dsl.running.mounts import Mounts
from modelcar_dsl.running.run_plan import step_with_template
from modelcar_dsl.running.step_runtime import StepLaunch, StepRuntime
from modelcar_dsl.running.untrusted_files import read_untrusted
from modelcar_dsl.running.variables import (
    UnresolvedReference,
    Value,
    substitute,
    substitute_list,
)

MAX_RESULTS_BYTES = 4096
"""Tekton reads results from the termination message, which holds 4 KiB in all."""
BASE_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")
"""What a step gets from this machine: enough to find its tools, never its credentials."""
DEFAULT_SHEBANG = "#!/bin/sh\nset -e\n"
"""What Tekton puts before a script without its own #! line."""
CANCELLED_BY_PIPELINE_TIMEOUT = "TaskRun cancelled as the PipelineRun it belongs to has timed out."
"""Tekton's message on a TaskRun its PipelineRun's timeout (pipeline, tasks or finally) ends."""

Say = Callable[[str, str], None]
"""(step name, line): where a step's output goes besides its log file."""


@attrs.frozen
class StepOutcome:
    """One step of an attempt: its exit code (None when it never started), its log and time."""

    name: str
    exit_code: int | None
    log: Path
    seconds: float
    timed_out: bool = False


@attrs.frozen
class TaskRunOutcome:
    """A TaskRun's end, as Tekton's conditions say it: Succeeded, or Failed with a reason
    (Failed, TaskRunTimeout, TaskRunCancelled, TaskRunResultLargerThanAllowedLimit...)."""

    succeeded: bool
    reason: str
    message: str
    results: dict[str, Value]
    steps: tuple[StepOutcome, ...]
    written_before_failing: dict[str, Value] = attrs.field(factory=dict)
    """The results a failed step's task wrote before it failed, which Tekton passes on from a
    pipeline task with onError: continue."""
    attempts: int = 1
    """Attempts it took; a matrixed task's TaskRuns retry each on their own, this is the most."""

    @property
    def failed_step(self) -> str | None:
        failed = [step for step in self.steps if step.exit_code not in (0, None)]
        return failed[0].name if failed else None

    @property
    def exit_code(self) -> int:
        failed = [step.exit_code for step in self.steps if step.exit_code not in (0, None)]
        return failed[0] if failed and failed[0] is not None else (0 if self.succeeded else 1)


@attrs.frozen
class TaskRunRequest:
    """What the PipelineRun gives one TaskRun: its Task's spec, the values of the params it
    passes, its workspaces as directories (None: an optional one left unbound)."""

    name: str
    task_name: str
    spec: Mapping[str, Any]
    params: Mapping[str, Value]
    workspaces: Mapping[str, Path | None]
    directory: Path
    context: Mapping[str, str]
    volumes: Sequence[Path] = ()
    """The run's own volumes among `workspaces` (claims, emptyDirs), which the pod's fsGroup
    owns; never the user's mapped directories."""
    read_only: frozenset[str] = frozenset()
    """The Task's workspaces whose volume is read-only whatever the Task declares: a Secret,
    a ConfigMap, a claim bound readOnly."""
    retry_count: int = 0
    timeout_seconds: float | None = None
    only_steps: Sequence[str] | None = None


@attrs.frozen
class TaskRunEnvironment:
    """What every TaskRun of a run shares: the Secrets and ConfigMaps, env the user adds, how
    steps are started, where their lines go, and the flag that cancels them."""

    mounts: Mounts
    runtime: StepRuntime
    say: Callable[[str, str, str], None]
    cancelled: threading.Event
    extra_env: Mapping[str, str] = attrs.field(factory=dict)
    deadline: Callable[[], float | None] = lambda: None
    """The nearest run-wide deadline (time.monotonic()), read at each step."""


def task_params(spec: Mapping[str, Any], given: Mapping[str, Value]) -> dict[str, Value]:
    """The Task's params: the given values over its defaults (an object's keys merged)."""
    values: dict[str, Value] = {}
    for declared in spec.get("params", []):
        name = declared["name"]
        default = declared.get("default")
        value = given.get(name, default)
        if isinstance(default, dict) and isinstance(value, dict):
            value = {**default, **value}
        if value is None:
            continue
        values[name] = value if isinstance(value, (str, list, dict)) else str(value)
    return values


def run_taskrun(request: TaskRunRequest, environment: TaskRunEnvironment) -> TaskRunOutcome:
    """Run the steps in order; the first that fails (unless onError: continue) ends the run."""
    spec = request.spec
    _check_names(spec)
    missing = [
        str(declared["name"])
        for declared in spec.get("params", [])
        if declared["name"] not in request.params and "default" not in declared
    ]
    if missing:
        # As Tekton's TaskRun reconciler, which checks each TaskRun's own params: a matrix
        # combination an include entry did not give a required param to runs no step.
        return _failed(
            "TaskRunValidationFailed",
            f"missing values for these params which have no default values: {missing}; give "
            "them in the call, or in every combination's include entry, or a default",
            [],
        )
    directory = request.directory
    results_dir = directory / "results"
    for sub in ("results", "scripts", "logs", "home", "workspace"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    for stale in results_dir.iterdir():
        # A retry starts without the last attempt's results, whatever it left (a directory too).
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale)
        else:
            stale.unlink()
    runtime = environment.runtime
    values: dict[str, Value] = {
        f"params.{name}": value for name, value in task_params(spec, request.params).items()
    }
    for declared in spec.get("workspaces", []):
        name = declared["name"]
        path = request.workspaces.get(name)
        values[f"workspaces.{name}.bound"] = "true" if path is not None else "false"
        values[f"workspaces.{name}.path"] = (
            runtime.workspace_path(declared, path) if path is not None else ""
        )
        values[f"workspaces.{name}.claim"] = ""
        values[f"workspaces.{name}.volume"] = name
    in_step_results = runtime.results_path(results_dir)
    for result in spec.get("results", []):
        values[f"results.{result['name']}.path"] = f"{in_step_results}/{result['name']}"
    values.update(
        {
            "context.taskRun.name": request.name,
            "context.taskRun.namespace": request.context.get("namespace", "default"),
            "context.taskRun.uid": str(uuid.uuid4()),
            "context.task.name": request.task_name,
            "context.task.retry-count": str(request.retry_count),
            "context.taskRun.retry-count": str(request.retry_count),
        }
    )
    runtime.prepare(directory, request.volumes)
    started = time.monotonic()
    task_deadline = started + request.timeout_seconds if request.timeout_seconds else None
    template = spec.get("stepTemplate", {})
    outcomes: list[StepOutcome] = []
    for index, step in enumerate(spec.get("steps", [])):
        if request.only_steps is not None and step["name"] not in request.only_steps:
            continue
        log = directory / "logs" / f"{step['name']}.log"
        deadlines = _Deadlines(_step_deadline(step), task_deadline, environment.deadline())
        deadline = deadlines.nearest()
        if environment.cancelled.is_set() or (deadline is not None and time.monotonic() > deadline):
            break
        try:
            env = _step_env(template, step, values, environment, directory)
            argv = _argv(step, index, values, directory)
            working_dir = substitute(step.get("workingDir", ""), values)
            image = substitute(step.get("image", ""), values)
        except UnresolvedReference as error:
            return _failed("InvalidParamValue", str(error), outcomes)
        step_started = time.monotonic()
        container = step_with_template(spec, step)
        launch = StepLaunch(
            step_name=step["name"],
            image=image,
            argv=argv,
            env=env,
            working_dir=working_dir,
            directory=directory,
            workspaces={
                name: path for name, path in request.workspaces.items() if path is not None
            },
            declarations=[
                {**declared, "readOnly": True}
                if declared["name"] in request.read_only
                else declared
                for declared in spec.get("workspaces", [])
            ],
            log=log,
            on_line=_step_lines(environment, request.name, step["name"]),
            deadline=deadline,
            cancelled=environment.cancelled,
            pull_policy=container.get("imagePullPolicy"),
            security_context=container.get("securityContext") or {},
        )
        ended = runtime.run(launch)
        outcome = StepOutcome(
            step["name"], ended.exit_code, log, time.monotonic() - step_started, ended.timed_out
        )
        outcomes.append(outcome)
        if ended.cancelled:
            return _failed("TaskRunCancelled", "the run was cancelled", outcomes)
        if ended.timed_out:
            return _failed(*deadlines.passed(request.name, step), outcomes)
        if ended.exit_code != 0 and step.get("onError") != "continue":
            message = f"step {step['name']} exited with code {ended.exit_code}"
            # Kept aside: only a pipeline task with onError: continue passes them on.
            written = read_results(spec, results_dir)
            size = sum(len(str(value)) for value in written.values())
            kept = written if size <= MAX_RESULTS_BYTES else {}
            return attrs.evolve(_failed("Failed", message, outcomes), written_before_failing=kept)
    else:
        return _finished(spec, outcomes, results_dir)
    if environment.cancelled.is_set():
        return _failed("TaskRunCancelled", "the run was cancelled", outcomes)
    return _failed(*deadlines.passed(request.name, step), outcomes)


def _check_names(spec: Mapping[str, Any]) -> None:
    """Step and result names become file names (logs, scripts, results): refuse what Tekton's
    validation refuses, so a Task document cannot name a path outside its TaskRun."""
    for step in spec.get("steps", []):
        if not DNS_LABEL.fullmatch(str(step.get("name", ""))):
            raise LocalRunError(f"step name {step.get('name')!r} is not a DNS label")
    for result in spec.get("results", []):
        if not RESULT_NAME.fullmatch(str(result.get("name", ""))):
            raise LocalRunError(f"result name {result.get('name')!r} is not a valid result name")


def _step_lines(environment: TaskRunEnvironment, taskrun: str, step: str) -> Callable[[str], None]:
    return lambda line: environment.say(taskrun, step, line)


@attrs.frozen
class _Deadlines:
    """A step's three limits (time.monotonic(), None for none): its own timeout, its TaskRun's
    and the PipelineRun's, which decide Tekton's reason when one passes."""

    step: float | None
    task: float | None
    run: float | None

    def nearest(self) -> float | None:
        return earliest(self.step, self.task, self.run)

    def passed(self, taskrun: str, step: Mapping[str, Any]) -> tuple[str, str]:
        """(reason, message) as Tekton reports the limit that passed: the PipelineRun's
        cancels the TaskRun, the TaskRun's times it out, a step's fails it."""
        hit = self.nearest()
        if hit is not None and hit == self.run:
            return "TaskRunCancelled", CANCELLED_BY_PIPELINE_TIMEOUT
        if hit is not None and hit == self.task:
            return "TaskRunTimeout", f"TaskRun {taskrun} failed to finish within its timeout"
        return "Failed", (
            f"step {step['name']} exited because it exceeded its timeout {step.get('timeout')}"
        )


def _step_deadline(step: Mapping[str, Any]) -> float | None:
    seconds = go_duration_seconds(step.get("timeout", "")) if step.get("timeout") else None
    return time.monotonic() + seconds if seconds else None


def _step_env(
    template: Mapping[str, Any],
    step: Mapping[str, Any],
    values: Mapping[str, Value],
    environment: TaskRunEnvironment,
    directory: Path,
) -> dict[str, str]:
    """This machine's base env, the user's additions, then the stepTemplate's and the step's
    own, merged by name as Kubernetes merges them (the step wins)."""
    env = {key: os.environ[key] for key in BASE_ENVIRONMENT if key in os.environ}
    env["HOME"] = environment.runtime.home_path(directory / "home")
    env.update(environment.extra_env)
    entries = {entry["name"]: entry for entry in template.get("env", [])}
    entries.update({entry["name"]: entry for entry in step.get("env", [])})
    for name, entry in entries.items():
        if "value" in entry or "valueFrom" not in entry:
            env[name] = substitute(str(entry.get("value", "")), values)
            continue
        value = key_reference(entry["valueFrom"], environment.mounts)
        if value is not None:
            env[name] = value
    return env


def key_reference(value_from: Mapping[str, Any], mounts: Mounts) -> str | None:
    """A secretKeyRef's or configMapKeyRef's value, or None for an optional one that is absent
    (the preflight has refused a required one that is)."""
    for field, kind in (("secretKeyRef", "secret"), ("configMapKeyRef", "configmap")):
        reference = value_from.get(field)
        if reference is not None:
            if not mounts.has(kind, reference["name"]):
                return None
            return mounts.value(kind, reference["name"], reference["key"])
    return None


def _argv(
    step: Mapping[str, Any], index: int, values: Mapping[str, Value], directory: Path
) -> list[str]:
    args = substitute_list(step.get("args", []), values)
    if "script" not in step:
        return [*substitute_list(step.get("command", []), values), *args]
    script = substitute(step["script"], values)
    if not script.startswith("#!"):
        script = DEFAULT_SHEBANG + script
    path = directory / "scripts" / f"step-{index}-{step['name']}"
    path.write_text(script)
    path.chmod(0o755)
    return [str(path), *args]


def _finished(
    spec: Mapping[str, Any], outcomes: list[StepOutcome], results_dir: Path
) -> TaskRunOutcome:
    results = read_results(spec, results_dir)
    size = sum(len(str(value)) for value in results.values())
    if size > MAX_RESULTS_BYTES:
        return TaskRunOutcome(
            False,
            "TaskRunResultLargerThanAllowedLimit",
            f"results are {size} bytes; Tekton reads at most {MAX_RESULTS_BYTES}",
            {},
            tuple(outcomes),
        )
    return TaskRunOutcome(True, "Succeeded", "", results, tuple(outcomes))


def earliest(*deadlines: float | None) -> float | None:
    """The first of the deadlines that are set (time.monotonic()), None when none is."""
    set_ = [deadline for deadline in deadlines if deadline is not None]
    return min(set_) if set_ else None


def _failed(reason: str, message: str, outcomes: list[StepOutcome]) -> TaskRunOutcome:
    return TaskRunOutcome(False, reason, message, {}, tuple(outcomes))


def read_results(spec: Mapping[str, Any], results_dir: Path) -> dict[str, Value]:
    """The declared results the steps wrote; an array or object result is read as JSON."""
    results: dict[str, Value] = {}
    for declared in spec.get("results", []):
        try:
            # A process the step left behind may have swapped in a link to a file only this
            # process may read, or a directory or FIFO: no result, in each case.
            data = read_untrusted(results_dir / declared["name"], MAX_RESULTS_BYTES + 1)
        except OSError:
            continue
        text = data.decode("utf-8", "replace")
        kind = declared.get("type", "string")
        if kind in ("array", "object"):
            try:
                parsed = json.loads(text)
            except ValueError:
                continue
            if kind == "array" and isinstance(parsed, list):
                results[declared["name"]] = [str(item) for item in parsed]
            elif kind == "object" and isinstance(parsed, dict):
                results[declared["name"]] = {str(k): str(v) for k, v in parsed.items()}
            continue
        results[declared["name"]] = text
    return results
