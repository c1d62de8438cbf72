"""`run_local()` and `run_task()` for a team's pytest: a run or a Task of the project, compiled
as `modelcar compile` would (judged first, for the project's `[tool.modelcar]`), then executed
on this machine by the local runner."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from modelcar_dsl.authoring.collection import collect_specs
from modelcar_dsl.authoring.task import Task
from modelcar_dsl.compiling.compiler import compile_task
from modelcar_dsl.compiling.render import Compiled, compile_validated
from modelcar_dsl.diagnostics.errors import LocalRunError
from modelcar_dsl.model.specs import RunSpec
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.loading import load_project
from modelcar_dsl.project.settings import Settings, project_target
from modelcar_dsl.running.console import Console
from modelcar_dsl.running.container_runtime import INSTALL_HINT, ContainerRuntime, missing_tools
from modelcar_dsl.running.local import (
    LocalRunResult,
    RunOptions,
    TaskResult,
    execute,
    run_task_document,
)
from modelcar_dsl.running.mounts import Source
from modelcar_dsl.running.variables import Value

ParamValue = str | int | Sequence[str] | Mapping[str, str]


def project_documents(settings: Settings) -> Compiled:
    """Every document of the project, compiled and judged as `modelcar compile` does."""
    return Compiled.of(compile_validated(load_project(settings), settings.target()))


def run_local(
    run: RunSpec,
    *,
    params: Mapping[str, ParamValue] | None = None,
    workspaces: Mapping[str, Path] | None = None,
    secrets: Mapping[str, Source] | None = None,
    config_maps: Mapping[str, Source] | None = None,
    env: Mapping[str, str] | None = None,
    run_dir: Path | None = None,
    parallel: int = 4,
    from_task: str | None = None,
    only_task: str | None = None,
    target: Target | None = None,
    console: Console | None = None,
    containers: bool = False,
) -> LocalRunResult:
    """Run `run` (a `pipeline_run(...)`) on this machine and return each task's status,
    results and log. Params and workspaces use Tekton's names (`model-source`); a Secret or
    ConfigMap is a directory of keys or a dict. `run_dir` defaults to a new temporary one.
    `containers` runs each step in its image under podman instead of with this machine's
    tools."""
    if containers and missing_tools():
        raise LocalRunError(
            f"containers=True needs {' and '.join(missing_tools())}: {INSTALL_HINT}"
        )
    specs = collect_specs([("", "run", run)])
    target = target or project_target(Path.cwd())
    documents = Compiled.of(compile_validated(specs, target)).documents
    options = RunOptions(
        params={name: _value(value) for name, value in (params or {}).items()},
        workspaces=dict(workspaces or {}),
        secrets=dict(secrets or {}),
        config_maps=dict(config_maps or {}),
        env=dict(env or {}),
        parallel=parallel,
        from_task=from_task,
        only_task=only_task,
        runtime=ContainerRuntime() if containers else None,
        max_matrix_combinations=target.gates.max_matrix_combinations,
    )
    directory = run_dir or Path(tempfile.mkdtemp(prefix=f"modelcar-run-{run.name}-"))
    return execute(
        documents, run.name, directory, options, console or Console(quiet=True, live=False)
    )


def run_task(
    task: Task[Any] | Mapping[str, Any],
    params: Mapping[str, ParamValue],
    workspaces: Mapping[str, Path | None] | None = None,
    *,
    secrets: Mapping[str, Source] | None = None,
    config_maps: Mapping[str, Source] | None = None,
    env: Mapping[str, str] | None = None,
    user: tuple[int, int] | None = None,
    fs_group: int | None = None,
    steps: Sequence[str] | None = None,
    target: Target | None = None,
) -> TaskResult:
    """Run one Task's steps as a TaskRun would: `task` is a `@task` or a Task document. Params
    use Tekton's names; a workspace of None is an optional one left unbound. `user` runs the
    steps as (uid, gid), with `fs_group` as their group when given (needs root). `steps` runs
    only the named ones, to rerun one against a changed workspace."""
    if isinstance(task, Task) and task.spec.resolver is not None:
        raise LocalRunError(
            f"task {task.spec.name} is a remote Task (resolver: {task.spec.resolver.resolver}), "
            "which a local run does not fetch; declare it with @task to run it locally"
        )
    if isinstance(task, Task):
        document = compile_task(task.spec, target or project_target(Path.cwd()))
    else:
        document = dict(task)
    return run_task_document(
        document,
        {name: _value(value) for name, value in params.items()},
        dict(workspaces or {}),
        secrets=secrets,
        config_maps=config_maps,
        env=env,
        user=user,
        fs_group=fs_group,
        steps=steps,
    )


def _value(value: ParamValue) -> Value:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): str(item) for key, item in value.items()}
    return [str(item) for item in value]
