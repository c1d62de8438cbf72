"""A PipelineRun on this machine, scheduled as Tekton's controller schedules it: a task starts
when the tasks it waits for are done; `when` skips it (and the tasks that need its results);
a failure is retried as often as the task allows, then stops new tasks from starting; finally
tasks run after the rest, reading `$(tasks.<name>.status)` and `$(tasks.status)`; the
PipelineRun's timeouts for its tasks, its finally tasks and itself stop what is running."""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from pathlib import Path
from typing import Any

import attrs

from modelcar_dsl.formats.durations import go_duration_seconds
from modelcar_dsl.model.gates import DEFAULT_MAX_MATRIX_COMBINATIONS
from modelcar_dsl.running.console import Console
from modelcar_dsl.running.matrix_fan_out import (
    Combination,
    count_combinations,
    empty_matrix_param,
    fan_out,
    matrix_outcome,
)
from modelcar_dsl.running.run_directory import write_state
from modelcar_dsl.running.run_plan import (
    DEFAULT_TIMEOUT_SECONDS,
    RunPlan,
    parents,
    result_references,
)
from modelcar_dsl.running.task_states import TaskState, aggregate_status
from modelcar_dsl.running.taskrun import (
    TaskRunEnvironment,
    TaskRunOutcome,
    TaskRunRequest,
    earliest,
    run_taskrun,
)
from modelcar_dsl.running.variables import (
    UnresolvedReference,
    Value,
    substitute,
    substitute_value,
)
from modelcar_dsl.running.workspace_bindings import WorkspaceBinding

_TICK_SECONDS = 0.05


@attrs.frozen
class Selection:
    """Which tasks run now; the others keep their state from the earlier run."""

    rerun: frozenset[str]
    earlier: Mapping[str, TaskState]


@attrs.frozen
class PipelineRunOutcome:
    """How the run ended (Succeeded, Completed, Failed, PipelineRunTimeout, Cancelled), each
    task's state in the pipeline's order, and the pipeline's results."""

    name: str
    succeeded: bool
    reason: str
    tasks: tuple[TaskState, ...]
    results: dict[str, Value]
    seconds: float


def new_run_name(run: str) -> str:
    """A PipelineRun name as generateName makes one: the prefix and five characters."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return f"{run}-" + "".join(secrets.choice(alphabet) for _ in range(5))


@attrs.define
class _Scheduler:
    plan: RunPlan
    params: Mapping[str, Value]
    workspaces: Mapping[str, WorkspaceBinding]
    environment: TaskRunEnvironment
    console: Console
    run_dir: Path
    pipeline_run: str
    parallel: int
    selection: Selection
    save: Callable[[], None]
    states: dict[str, TaskState] = attrs.field(factory=dict)
    stopping: str = ""
    phase_deadline: float | None = None
    max_combinations: int = DEFAULT_MAX_MATRIX_COMBINATIONS
    slots: threading.BoundedSemaphore = attrs.field(init=False)
    """One per TaskRun running: --parallel bounds them all, a matrixed task's included, whose
    coordinating thread holds a place in the phase's pool but runs no step itself."""

    @slots.default
    def _slots(self) -> threading.BoundedSemaphore:
        return threading.BoundedSemaphore(self.parallel)

    def values(self) -> dict[str, Value]:
        """What a pipeline task's params and when expressions may read."""
        values: dict[str, Value] = {f"params.{k}": v for k, v in self.params.items()}
        values.update(
            {
                "context.pipelineRun.name": self.pipeline_run,
                "context.pipelineRun.namespace": self.plan.namespace,
                "context.pipelineRun.uid": self.pipeline_run,
                "context.pipeline.name": str(self.plan.run["spec"]["pipelineRef"]["name"]),
            }
        )
        for name, state in self.states.items():
            for result, value in state.results.items():
                values[f"tasks.{name}.results.{result}"] = value
                if state.is_finally:
                    # How a pipeline result reads a finally task's result.
                    values[f"finally.{name}.results.{result}"] = value
            values[f"tasks.{name}.status"] = state.tekton_status
            values[f"tasks.{name}.reason"] = state.reason
        values["tasks.status"] = aggregate_status(self.states.values())
        values.update(self._matrix_lengths(values))
        for name in self.workspaces:
            values[f"workspaces.{name}.bound"] = "true"
        for declared in self.plan.pipeline.get("workspaces", []):
            values.setdefault(f"workspaces.{declared['name']}.bound", "false")
        return values

    def _matrix_lengths(self, values: Mapping[str, Value]) -> dict[str, str]:
        """`$(tasks.<name>.matrix.length)` and `.matrix.<result>.length` of each matrixed
        task: the TaskRuns it made and the values they wrote; for one that made none, Tekton's
        count from the spec and 0 values, never the reference left as text."""
        lengths: dict[str, str] = {}
        for task in self.plan.pipeline_tasks:
            state = self.states.get(task["name"])
            if not task.get("matrix") or state is None:
                continue
            name = task["name"]
            made = state.matrix_length
            count = count_combinations(task, values) if made is None else made
            lengths[f"tasks.{name}.matrix.length"] = str(count)
            for declared in self.plan.task_spec(task).get("results", []):
                written = state.results.get(declared["name"], [])
                length = len(written) if isinstance(written, list) else 1
                lengths[f"tasks.{name}.matrix.{declared['name']}.length"] = str(length)
        return lengths

    def run_phase(self, tasks: Sequence[Mapping[str, Any]], deadline: float | None) -> None:
        self.phase_deadline = deadline
        pending = [task for task in tasks if task["name"] in self.selection.rerun]
        phase = {task["name"] for task in tasks}
        running: dict[concurrent.futures.Future[TaskRunOutcome], Mapping[str, Any]] = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.parallel) as pool:
            try:
                while pending or running:
                    for task in list(pending):
                        if len(running) >= self.parallel:
                            break
                        if not all(self._done(name) for name in self._waits_for(task, phase)):
                            continue
                        pending.remove(task)
                        future = self._start(task, pool)
                        if future is not None:
                            running[future] = task
                    if deadline is not None and time.monotonic() >= deadline and not running:
                        self._stop_pending(pending, "PipelineRunTimeout")
                        pending = []
                    if not running:
                        if pending and not any(
                            all(self._done(n) for n in self._waits_for(t, phase)) for t in pending
                        ):
                            self._stop_pending(pending, "PipelineRunStopping")
                            pending = []
                        continue
                    finished, _ = concurrent.futures.wait(
                        running, timeout=_TICK_SECONDS, return_when="FIRST_COMPLETED"
                    )
                    for future in finished:
                        task = running.pop(future)
                        if self._finished(task, self._outcome(task, future)):
                            again = self._start(task, pool, retry=True)
                            if again is not None:
                                running[again] = task
            except BaseException:
                self.environment.cancelled.set()
                for future, task in running.items():
                    with contextlib.suppress(Exception):
                        self._finished(task, self._outcome(task, future), retry_allowed=False)
                self._stop_pending(pending, "Cancelled")
                raise

    def _outcome(
        self, task: Mapping[str, Any], future: concurrent.futures.Future[TaskRunOutcome]
    ) -> TaskRunOutcome:
        """The TaskRun's outcome; one that raised (bad input found as it started, a bug) is
        recorded Failed first, so the run directory never shows it Running for ever."""
        try:
            return future.result()
        except Exception as error:
            self._set(task["name"], "Failed", "LocalRunError", str(error) or type(error).__name__)
            raise

    def _waits_for(self, task: Mapping[str, Any], phase: Set[str]) -> list[str]:
        """The parents running in this phase now; one kept from the earlier run is not waited
        for (a run killed while it ran left it Running for ever)."""
        return [name for name in parents(task) if name in phase and name in self.selection.rerun]

    def _done(self, name: str) -> bool:
        state = self.states.get(name)
        return state is not None and state.done

    def _stop_pending(self, pending: Iterable[Mapping[str, Any]], reason: str) -> None:
        messages = {
            "PipelineRunTimeout": "not started: the PipelineRun's time ran out",
            "PipelineRunStopping": f"not started: {self.stopping or 'the run stopped'}",
            "Cancelled": "not started: the run was cancelled",
        }
        for task in pending:
            self._set(task["name"], "Skipped", reason, messages[reason])

    def _set(self, name: str, status: str, reason: str = "", message: str = "") -> TaskState:
        state = self.states[name]
        state.status, state.reason, state.message = status, reason, message
        self.console.changed(state, self.states.values())
        self.save()
        return state

    def _start(
        self,
        task: Mapping[str, Any],
        pool: concurrent.futures.ThreadPoolExecutor,
        retry: bool = False,
    ) -> concurrent.futures.Future[TaskRunOutcome] | None:
        name = task["name"]
        state = self.states[name]
        try:
            values = self.values()
            skipped = None if retry else self._skip_reason(task, values)
            if skipped is not None:
                self._set(name, skipped[0], skipped[1], skipped[2])
                return None
            if task.get("matrix"):
                combinations = fan_out(task, values, self.max_combinations)
                shutil.rmtree(self.run_dir / "tasks" / name, ignore_errors=True)
                state.matrix_length = len(combinations)
                taskrun = f"{self.pipeline_run}-{name}"
                run = functools.partial(self._run_matrix, task, combinations, values)
            else:
                request = self._request(task, values, state.attempts)
                taskrun = request.name
                run = functools.partial(self._run_one, request)
        except UnresolvedReference as error:
            # As Tekton, which fails a run whose array index is past its array's end or whose
            # matrix param is no array; a fan-out past the combinations limit fails the same way.
            self.stopping = self.stopping or f"{name} could not read its inputs"
            self._set(name, "Failed", "InvalidParamValue", str(error))
            return None
        if state.started is None:
            state.started = time.time()
        state.attempts += 1
        state.taskrun = taskrun
        fanned = f"{state.matrix_length} TaskRuns" if state.matrix_length is not None else ""
        self._set(name, "Running", "", f"retry {state.attempts - 1}" if retry else fanned)
        return pool.submit(run)

    def _run_matrix(
        self, task: Mapping[str, Any], combinations: list[Combination], values: Mapping[str, Value]
    ) -> TaskRunOutcome:
        """A TaskRun per combination, at most `parallel` at once, each retried on its own as
        Tekton retries a matrixed task's TaskRuns."""
        retries = int(task.get("retries", 0))

        def attempts(index: int) -> tuple[TaskRunOutcome, int]:
            attempt = 0
            while True:
                try:
                    request = self._request(task, values, attempt, (index, combinations[index]))
                except UnresolvedReference as error:
                    # As an unmatrixed task's params that cannot be read: the task fails, the
                    # run stops, and this thread does not end the run with the exception.
                    unread = TaskRunOutcome(False, "InvalidParamValue", str(error), {}, ())
                    return unread, attempt + 1
                if len(combinations) == 1:
                    # As Tekton's getNewRunNames: a single run is named as an unmatrixed one.
                    request = attrs.evolve(request, name=f"{self.pipeline_run}-{task['name']}")
                outcome = self._run_one(request)
                attempt += 1
                if outcome.succeeded or attempt > retries or self._cancelled(outcome):
                    return outcome, attempt
                self.console.note(
                    f"{request.name}: attempt {attempt} failed ({outcome.message}); retrying"
                )

        with concurrent.futures.ThreadPoolExecutor(max_workers=self.parallel) as pool:
            ended = list(pool.map(attempts, range(len(combinations))))
        return matrix_outcome(ended, f"{self.pipeline_run}-{task['name']}")

    def _run_one(self, request: TaskRunRequest) -> TaskRunOutcome:
        with self.slots:
            return run_taskrun(request, self.environment)

    def _cancelled(self, outcome: TaskRunOutcome) -> bool:
        return outcome.reason == "TaskRunCancelled" or self._phase_over()

    def _skip_reason(
        self, task: Mapping[str, Any], values: Mapping[str, Value]
    ) -> tuple[str, str, str] | None:
        """(status, reason, message) when the task must not run; None when it may. Checked
        in Tekton's order: stopping, when, a skipped parent, missing results, timeouts."""
        is_finally = task in self.plan.finally_tasks
        if self.stopping and not is_finally:
            return ("Skipped", "PipelineRunStopping", f"not started: {self.stopping}")
        when = self._when_false(task, values)
        if when is not None:
            return ("Skipped", "WhenExpressionsEvaluatedToFalse", when)
        if not is_finally:
            for parent in parents(task):
                state = self.states.get(parent)
                if state is not None and _skipped_not_by_when(state):
                    return ("Skipped", "ParentTasksSkipped", f"not started: {parent} was skipped")
        for producer, result in result_references(task):
            state = self.states.get(producer)
            ignored = state is not None and state.failure_ignored
            if state is None or (state.status != "Succeeded" and not ignored):
                return (
                    "Skipped",
                    "ResultsMissing",
                    f"needs the results of {producer}, which did not succeed",
                )
            if result not in state.results and ignored and task.get("onError") == "continue":
                return (
                    "Skipped",
                    "ResultsMissing",
                    f"needs result {result} of {producer}, which failed without writing it",
                )
            if result not in state.results:
                self.stopping = self.stopping or f"{task['name']} could not read its inputs"
                return (
                    "Failed",
                    "InvalidTaskResultReference",
                    f"{producer} did not write its result {result}",
                )
        if self.phase_deadline is not None and time.monotonic() >= self.phase_deadline:
            return ("Skipped", "PipelineRunTimeout", "not started: the time ran out")
        empty = empty_matrix_param(task, values)
        if empty is not None:
            return (
                "Skipped",
                "EmptyArrayInMatrixParams",
                f"not started: matrix param {empty} is empty",
            )
        return None

    def _when_false(self, task: Mapping[str, Any], values: Mapping[str, Value]) -> str | None:
        """The message naming the first of the task's when expressions that is false."""
        for when in task.get("when", []):
            given = substitute(str(when["input"]), values)
            listed = [substitute(str(value), values) for value in when.get("values", [])]
            holds = (given in listed) == (when["operator"] == "in")
            if not holds:
                return f"when {given!r} {when['operator']} {listed} is false"
        return None

    def _request(
        self,
        task: Mapping[str, Any],
        values: Mapping[str, Value],
        retry_count: int,
        combination: tuple[int, Combination] | None = None,
    ) -> TaskRunRequest:
        """The TaskRun of a pipeline task, or of one combination of a matrixed one (its
        directory and name end in the combination's index, its params are added)."""
        spec = self.plan.task_spec(task)
        name = task["name"]
        taskrun_dir = self.run_dir / "tasks" / name
        taskrun = f"{self.pipeline_run}-{name}"
        if combination is not None:
            taskrun_dir = taskrun_dir / str(combination[0])
            taskrun = f"{taskrun}-{combination[0]}"
        if retry_count == 0 and taskrun_dir.is_dir():
            shutil.rmtree(taskrun_dir)  # a rerun (--from) starts as a new TaskRun would
        values = {**values, "context.pipelineTask.retries": str(task.get("retries", 0))}
        workspaces: dict[str, Path | None] = {}
        volumes: list[Path] = []
        read_only: set[str] = set()
        for declared in spec.get("workspaces", []):
            workspaces[declared["name"]] = None
        for given in task.get("workspaces", []):
            binding = self.workspaces.get(given.get("workspace", given["name"]))
            if binding is None:
                continue
            path = binding.for_taskrun(taskrun_dir, given["name"], given.get("subPath", ""))
            workspaces[given["name"]] = path
            if binding.owned:
                volumes.append(path)
            if binding.read_only:
                read_only.add(given["name"])
        params = {
            param["name"]: substitute_value(param["value"], values)
            for param in task.get("params", [])
        }
        params.update(combination[1] if combination is not None else {})
        context = {"namespace": self.plan.namespace}
        return TaskRunRequest(
            name=taskrun,
            task_name=str(task["taskRef"]["name"]),
            spec=spec,
            params=params,
            workspaces=workspaces,
            directory=taskrun_dir,
            context=context,
            volumes=tuple(volumes),
            read_only=frozenset(read_only),
            retry_count=retry_count,
            timeout_seconds=self._task_timeout(task),
        )

    def _task_timeout(self, task: Mapping[str, Any]) -> float | None:
        """The TaskRun's own timeout: the pipeline task's, else Tekton's default (or the
        PipelineRun's tasks timeout when that is longer); "0" means none."""
        if "timeout" in task:
            return go_duration_seconds(str(task["timeout"])) or None
        _, tasks, finally_ = self.plan.timeouts()
        phase = finally_ if task in self.plan.finally_tasks else tasks
        return max(DEFAULT_TIMEOUT_SECONDS, phase or 0)

    def _finished(
        self, task: Mapping[str, Any], outcome: TaskRunOutcome, retry_allowed: bool = True
    ) -> bool:
        """Record an attempt's end; True when it failed and may be retried."""
        name = task["name"]
        state = self.states[name]
        state.steps = [
            {
                "name": step.name,
                "exitCode": step.exit_code,
                "log": str(step.log),
                "seconds": round(step.seconds, 3),
            }
            for step in outcome.steps
        ]
        state.seconds = time.time() - (state.started or time.time())
        if state.matrix_length is not None:
            state.attempts = outcome.attempts
        if outcome.succeeded:
            state.results = dict(outcome.results)
            self._set(name, "Succeeded", "Succeeded", "")
            return False
        retries = 0 if state.matrix_length is not None else int(task.get("retries", 0))
        cancelled = self._cancelled(outcome)
        if retry_allowed and not cancelled and state.attempts <= retries:
            self.console.note(
                f"{name}: attempt {state.attempts} failed ({outcome.message}); retrying"
            )
            return True
        if task.get("onError") == "continue" and not cancelled:
            # Tekton's FailureIgnored: the pipeline goes on, with what results were written.
            state.results = dict(outcome.written_before_failing)
            state.failure_ignored = True
            reason = "FailureIgnored" if outcome.reason == "Failed" else outcome.reason
            self._set(name, "Failed", reason, outcome.message)
            return False
        self._set(name, "Failed", outcome.reason, outcome.message)
        if not self.stopping:
            self.stopping = f"{name} failed"
        return False

    def _phase_over(self) -> bool:
        return self.phase_deadline is not None and time.monotonic() >= self.phase_deadline


def run_pipeline(
    plan: RunPlan,
    params: Mapping[str, Value],
    workspaces: Mapping[str, WorkspaceBinding],
    environment: TaskRunEnvironment,
    console: Console,
    run_dir: Path,
    *,
    pipeline_run: str,
    parallel: int,
    selection: Selection,
    state_extra: Mapping[str, Any],
    max_combinations: int = DEFAULT_MAX_MATRIX_COMBINATIONS,
) -> PipelineRunOutcome:
    """Run the plan's tasks, then its finally tasks, within the run's timeouts."""
    order = [*plan.pipeline_tasks, *plan.finally_tasks]
    started = time.monotonic()
    lock = threading.Lock()
    scheduler: _Scheduler

    def save() -> None:
        with lock:
            write_state(
                run_dir,
                {
                    **state_extra,
                    "pipelineRun": pipeline_run,
                    "tasks": [scheduler.states[task["name"]].to_json() for task in order],
                },
            )

    scheduler = _Scheduler(
        plan,
        params,
        workspaces,
        environment,
        console,
        run_dir,
        pipeline_run,
        parallel,
        selection,
        save,
        max_combinations=max_combinations,
    )
    for task in order:
        earlier = selection.earlier.get(task["name"])
        if task["name"] not in selection.rerun and earlier is not None:
            scheduler.states[task["name"]] = earlier
        else:
            scheduler.states[task["name"]] = TaskState(
                task["name"], is_finally=task in plan.finally_tasks
            )
    pipeline_timeout, tasks_timeout, finally_timeout = plan.timeouts()
    pipeline_deadline = started + pipeline_timeout if pipeline_timeout else None
    tasks_deadline = earliest(pipeline_deadline, started + tasks_timeout if tasks_timeout else None)
    deadline_now = {"value": tasks_deadline}
    environment = attrs.evolve(environment, deadline=lambda: deadline_now["value"])
    scheduler.environment = environment
    scheduler.run_phase(plan.pipeline_tasks, tasks_deadline)
    timed_out = tasks_deadline is not None and time.monotonic() >= tasks_deadline
    finally_started = time.monotonic()
    finally_deadline = earliest(
        pipeline_deadline, finally_started + finally_timeout if finally_timeout else None
    )
    deadline_now["value"] = finally_deadline
    scheduler.stopping = ""
    scheduler.run_phase(plan.finally_tasks, finally_deadline)
    # As Tekton: the pipeline's and the tasks' timeouts time the run out; the finally timeout
    # only cancels the finally tasks, which then count as failed.
    timed_out = timed_out or (
        pipeline_deadline is not None and time.monotonic() >= pipeline_deadline
    )
    states = tuple(scheduler.states[task["name"]] for task in order)
    # A failure onError: continue ignored counts as done, as Tekton's IgnoredFailed does.
    failed = any(state.status == "Failed" and not state.failure_ignored for state in states)
    reason = (
        "PipelineRunTimeout"
        if timed_out
        else "Failed"
        if failed
        else "Succeeded"
        if all(state.status == "Succeeded" or state.failure_ignored for state in states)
        else "Completed"
    )
    results = _pipeline_results(plan, scheduler.values())
    return PipelineRunOutcome(
        pipeline_run,
        reason in ("Succeeded", "Completed"),
        reason,
        states,
        results,
        time.monotonic() - started,
    )


def _skipped_not_by_when(state: TaskState) -> bool:
    """Tekton skips a task whose parent this run skipped, unless only the parent's own `when`
    expressions skipped it (they guard that task alone). A parent --only left out is not one."""
    return (
        state.status == "Skipped"
        and not state.reused
        and state.reason != "WhenExpressionsEvaluatedToFalse"
    )


def _pipeline_results(plan: RunPlan, values: Mapping[str, Value]) -> dict[str, Value]:
    results: dict[str, Value] = {}
    for declared in plan.pipeline.get("results", []):
        try:
            value = substitute_value(declared["value"], values)
        except UnresolvedReference:
            continue
        # As Tekton, a result reading a task that wrote nothing is left out.
        if "$(tasks." not in str(value) and "$(finally." not in str(value):
            results[declared["name"]] = value
    return results
