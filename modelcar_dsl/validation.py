"""Checks on specs before anything is written: every problem, with its field path and user line.

The rules follow Tekton's admission webhook, plus the guarantees modelcar-dsl adds (fsGroup on
every run, params into scripts only through env, serializable workspaces).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from modelcar_dsl.durations import duration_seconds
from modelcar_dsl.errors import Problem
from modelcar_dsl.graph import PipelineGraph, task_references
from modelcar_dsl.names import (
    ENV_NAME,
    GENERATE_NAME_SUFFIX,
    PARAM_NAME,
    RESULT_NAME,
    did_you_mean,
    dns_label_problem,
    pattern_problem,
)
from modelcar_dsl.params import ParamSpec, check_value
from modelcar_dsl.source import SourceLocation
from modelcar_dsl.specs import PipelineSpec, PipelineTaskSpec, RunSpec, TaskSpec

SCRIPT_VARIABLE = re.compile(
    r"\$\((?:inputs\.)?(params|workspaces|results|context|tasks|steps)[.\[][^)]*\)"
)


@attrs.frozen
class _Reporter:
    """Builds problems for one document, so each check states only its path and message."""

    document: str
    location: SourceLocation

    def __call__(self, path: str, message: str, location: SourceLocation | None = None) -> Problem:
        return Problem(f"{self.document} {path}", message, location or self.location)


def validate_task(task: TaskSpec) -> Iterator[Problem]:
    report = _Reporter(f"task/{task.name}", task.location)
    if problem := dns_label_problem(task.name, "task name"):
        yield report("metadata.name", problem)
    yield from _params_problems(task.params, report)
    if not task.steps:
        yield report("spec.steps", "a task needs at least one step; return [script_step(...)]")
    arrays = [param.name for param in task.params if param.type == "array"]
    if len(arrays) > 1:
        yield report(
            "spec.params",
            f"array params {arrays} all become the script's arguments; a task may have one, "
            "pass the others as strings",
        )
    for name, count in Counter(step.name for step in task.steps).items():
        if count > 1:
            yield report("spec.steps", f"step name {name!r} is used {count} times; name them apart")
    for index, step in enumerate(task.steps):
        path = f"spec.steps[{index}]"
        if problem := dns_label_problem(step.name, "step name"):
            yield report(f"{path}.name", problem, step.location)
        if not step.image:
            yield report(
                f"{path}.image",
                f"step {step.name!r} has no image; pass image= to @task or to the step",
                step.location,
            )
        for env_name in [name for name, _ in step.env] + [e.name for e in step.env_from]:
            if problem := pattern_problem(env_name, ENV_NAME, "env var", "letters, digits, _.-"):
                yield report(f"{path}.env", problem, step.location)
        if step.script is not None:
            yield from _script_problems(step.script, step.script_file or "", path, report, step)
    for name, count in Counter(w.name for w in task.workspaces).items():
        if count > 1:
            yield report("spec.workspaces", f"workspace {name!r} is declared {count} times")
    for index, workspace in enumerate(task.workspaces):
        if problem := dns_label_problem(workspace.name, "workspace name"):
            yield report(f"spec.workspaces[{index}].name", problem)
        if workspace.mount_path and workspace.mount_path.startswith("/tekton"):
            yield report(
                f"spec.workspaces[{index}].mountPath",
                f"{workspace.mount_path!r} is under /tekton, which Tekton reserves",
            )
    mounts = Counter(w.mount_path for w in task.workspaces if w.mount_path)
    for mount_path, count in mounts.items():
        if count > 1:
            yield report("spec.workspaces", f"mountPath {mount_path!r} is used {count} times")
    for name, count in Counter(r.name for r in task.results).items():
        if count > 1:
            yield report("spec.results", f"result {name!r} is declared {count} times")
    for index, result in enumerate(task.results):
        rule = "letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
        if problem := pattern_problem(result.name, RESULT_NAME, "result name", rule):
            yield report(f"spec.results[{index}].name", problem)


def _params_problems(params: Iterable[ParamSpec], report: _Reporter) -> Iterator[Problem]:
    params = list(params)
    for name, count in Counter(p.name for p in params).items():
        if count > 1:
            yield report("spec.params", f"param {name!r} is declared {count} times")
    for index, param in enumerate(params):
        rule = "start with a letter or '_', then letters, digits, '_', '.' or '-'"
        if problem := pattern_problem(param.name, PARAM_NAME, "param name", rule):
            yield report(f"spec.params[{index}].name", problem)


def _script_problems(
    script: str, script_file: str, path: str, report: _Reporter, step: Any
) -> Iterator[Problem]:
    for number, line in enumerate(script.splitlines(), start=1):
        if "\t" in line or line != line.rstrip():
            yield report(
                f"{path}.script",
                f"{script_file}:{number} has a tab or trailing whitespace, which a YAML literal "
                "block cannot hold: the script would be one quoted line in the review. Indent "
                "with spaces and strip line ends",
                step.location,
            )
        for match in SCRIPT_VARIABLE.finditer(line):
            yield report(
                f"{path}.script",
                f"{script_file}:{number} contains {match.group(0)}; Tekton would paste the value "
                "into the script text (script injection). Read it from the environment instead: "
                "every param, workspace path and result path is in the step's env "
                "(e.g. $IMAGE_REF, $WORKSPACE_SOURCE_PATH, $RESULT_IMAGE_DIGEST_PATH)",
                step.location,
            )


def validate_pipeline(pipeline: PipelineSpec) -> Iterator[Problem]:
    report = _Reporter(f"pipeline/{pipeline.name}", pipeline.location)
    if problem := dns_label_problem(pipeline.name, "pipeline name"):
        yield report("metadata.name", problem)
    yield from _params_problems(pipeline.params, report)
    for name, count in Counter(w.name for w in pipeline.workspaces).items():
        if count > 1:
            yield report("spec.workspaces", f"workspace {name!r} is declared {count} times")
    if pipeline.finally_tasks and not pipeline.tasks:
        yield report(
            "spec.tasks",
            "a pipeline with finally tasks needs at least one task outside finally_tasks()",
        )
    counts = Counter(task.name for task in pipeline.all_tasks)
    for name, count in counts.items():
        if count > 1:
            calls = [t for t in pipeline.all_tasks if t.name == name]
            yield report(
                "spec.tasks",
                f"task name {name!r} is used {count} times; give each call its own name with "
                f"{calls[0].task.name.replace('-', '_')}.options(name='...')(...)",
                calls[-1].location,
            )
    results = {task.name: {r.name for r in task.task.results} for task in pipeline.all_tasks}
    regular = {task.name for task in pipeline.tasks}
    declared_workspaces = {w.name for w in pipeline.workspaces}
    for task, path in _task_paths(pipeline):
        yield from _call_problems(task, path, report, results, regular)
        yield from _workspace_problems(task, path, report, declared_workspaces)
    if any(count > 1 for count in counts.values()):
        return
    graph = PipelineGraph(pipeline)
    if graph.cycle:
        culprit = next(t for t in pipeline.tasks if t.name == graph.cycle[0])
        yield report(
            "spec.tasks",
            "tasks form a cycle: "
            + " -> ".join([*graph.cycle, graph.cycle[0]])
            + "; remove one of the .after() calls or result references that close it",
            culprit.after[0][1] if culprit.after else culprit.location,
        )
    yield from _finally_workspace_problems(pipeline, report)


def _task_paths(pipeline: PipelineSpec) -> Iterator[tuple[PipelineTaskSpec, str]]:
    for index, task in enumerate(pipeline.tasks):
        yield task, f"spec.tasks[{index}]"
    for index, task in enumerate(pipeline.finally_tasks):
        yield task, f"spec.finally[{index}]"


def _call_problems(
    task: PipelineTaskSpec,
    path: str,
    report: _Reporter,
    results: dict[str, set[str]],
    regular: set[str],
) -> Iterator[Problem]:
    if problem := dns_label_problem(task.name, "pipeline task name"):
        yield report(f"{path}.name", problem, task.location)
    yield from _argument_problems(
        task.task.params,
        task.arguments,
        f"{path}.params",
        report,
        task.location,
        f"task {task.task.name!r}",
    )
    for source, result in task_references(task):
        if source not in results:
            yield report(
                f"{path}.params",
                f"refers to task {source!r}, which is not in this pipeline"
                + did_you_mean(source, results),
                task.location,
            )
        elif not result:
            if not task.is_finally:
                yield report(
                    f"{path}.params",
                    f"$(tasks.{source}.status) can only be read by finally tasks",
                    task.location,
                )
        elif result not in results[source]:
            yield report(
                f"{path}.params",
                f"task {source!r} has no result {result!r}" + did_you_mean(result, results[source]),
                task.location,
            )
        elif not task.is_finally and source not in regular:
            yield report(
                f"{path}.params",
                f"reads result {result!r} of finally task {source!r}; finally tasks run after "
                "all others, so only other finally tasks could wait for them",
                task.location,
            )
        elif task.is_finally and source not in regular:
            yield report(
                f"{path}.params",
                f"finally task reads result {result!r} of finally task {source!r}; finally tasks "
                "run in parallel and cannot read each other's results",
                task.location,
            )
    for source, location in task.after:
        if task.is_finally:
            yield report(
                f"{path}.runAfter",
                "finally tasks cannot have runAfter: they all start once the tasks end",
                location,
            )
        elif source not in regular:
            yield report(
                f"{path}.runAfter",
                f"runs after {source!r}, which is not a task of this pipeline"
                + did_you_mean(source, regular),
                location,
            )
    for index, when in enumerate(task.when):
        if when.operator not in ("in", "notin"):
            yield report(
                f"{path}.when[{index}].operator",
                f"operator {when.operator!r} is not 'in' or 'notin'",
                task.location,
            )
        if not when.values:
            yield report(f"{path}.when[{index}].values", "needs at least one value", task.location)


def _argument_problems(
    params: Iterable[ParamSpec],
    arguments: Iterable[tuple[str, Any]],
    path: str,
    report: _Reporter,
    location: SourceLocation,
    owner: str,
) -> Iterator[Problem]:
    by_name = {param.py_name: param for param in params}
    given = dict(arguments)
    for py_name, value in given.items():
        param = by_name.get(py_name)
        if param is None:
            yield report(
                path,
                f"{owner} has no param {py_name!r}" + did_you_mean(py_name, by_name),
                location,
            )
        elif problem := check_value(param, value):
            yield report(f"{path}[{param.name}]", f"param {py_name!r} {problem}", location)
    for param in by_name.values():
        if param.required and param.py_name not in given:
            yield report(
                path,
                f"{owner} needs param {param.py_name!r} ({param.kind}), which has no default",
                location,
            )


def _workspace_problems(
    task: PipelineTaskSpec, path: str, report: _Reporter, declared: set[str]
) -> Iterator[Problem]:
    bound = dict(task.workspaces)
    known = {w.name for w in task.task.workspaces}
    for task_workspace, pipeline_workspace in task.workspaces:
        if task_workspace not in known:
            yield report(
                f"{path}.workspaces",
                f"task {task.task.name!r} has no workspace {task_workspace!r}"
                + did_you_mean(task_workspace, known),
                task.location,
            )
        elif pipeline_workspace not in declared:
            yield report(
                f"{path}.workspaces",
                f"binds to pipeline workspace {pipeline_workspace!r}, which the pipeline does not "
                "declare; add it to @pipeline(workspaces=[...])",
                task.location,
            )
    for workspace in task.task.workspaces:
        if workspace.name not in bound and not workspace.optional:
            yield report(
                f"{path}.workspaces",
                f"task {task.task.name!r} needs workspace {workspace.name!r}; declare it in "
                "@pipeline(workspaces=[...]) or bind it with .options(workspaces={...})",
                task.location,
            )


def _finally_workspace_problems(pipeline: PipelineSpec, report: _Reporter) -> Iterator[Problem]:
    writers: dict[str, list[PipelineTaskSpec]] = {}
    for task in pipeline.finally_tasks:
        read_only = {w.name: w.read_only for w in task.task.workspaces}
        for task_workspace, pipeline_workspace in task.workspaces:
            if not read_only.get(task_workspace, False):
                writers.setdefault(pipeline_workspace, []).append(task)
    for workspace, tasks in sorted(writers.items()):
        if len(tasks) > 1:
            names = [task.name for task in tasks]
            yield report(
                "spec.finally",
                f"finally tasks {names} all write workspace {workspace!r}, and finally tasks run "
                "in parallel; mount it readOnly in all but one",
                tasks[-1].location,
            )


def validate_run(run: RunSpec, fs_group: int | None) -> Iterator[Problem]:
    report = _Reporter(f"pipelinerun/{run.name}", run.location)
    if problem := dns_label_problem(run.name, "run name"):
        yield report("metadata.generateName", problem)
    elif len(run.name) > 63 - GENERATE_NAME_SUFFIX:
        yield report(
            "metadata.generateName",
            f"run name {run.name!r} leaves no room for Tekton's generated suffix; "
            f"keep it to {63 - GENERATE_NAME_SUFFIX} characters",
        )
    yield from _argument_problems(
        run.pipeline.params,
        run.params,
        "spec.params",
        report,
        run.location,
        f"pipeline {run.pipeline.name!r}",
    )
    declared = {w.name for w in run.pipeline.workspaces}
    for name, _ in run.workspaces:
        if name not in declared:
            yield report(
                "spec.workspaces",
                f"pipeline {run.pipeline.name!r} has no workspace {name!r}"
                + did_you_mean(name, declared),
            )
    if run.fs_group is None and fs_group is None:
        yield report(
            "spec.taskRunTemplate.podTemplate.securityContext.fsGroup",
            "run has no fsGroup, so its pods may not read the shared workspace; pass "
            "fs_group= to pipeline_run or set fs_group in [tool.modelcar] (the namespace's "
            "openshift.io/sa.scc.supplemental-groups, e.g. 1000970000)",
        )
    pipeline_seconds = duration_seconds(run.timeout)
    for field, value in (("tasks", run.tasks_timeout), ("finally", run.finally_timeout)):
        if value and duration_seconds(value) > pipeline_seconds:
            yield report(
                f"spec.timeouts.{field}",
                f"{field} timeout {value} is longer than the pipeline timeout {run.timeout}",
            )
    if run.tasks_timeout and run.finally_timeout:
        total = duration_seconds(run.tasks_timeout) + duration_seconds(run.finally_timeout)
        if total > pipeline_seconds:
            yield report(
                "spec.timeouts",
                f"tasks ({run.tasks_timeout}) plus finally ({run.finally_timeout}) exceed the "
                f"pipeline timeout {run.timeout}",
            )
