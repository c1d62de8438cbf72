"""`pipeline_run`: a PipelineRun declaration, compiled to `03-runs/` with `generateName`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from modelcar_dsl.authoring.pipeline import Pipeline, record_arguments
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation, declaration_location
from modelcar_dsl.formats.durations import Duration, checked_duration
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.model.metadata import checked_metadata
from modelcar_dsl.model.pod_template import PodTemplate, TaskRunSpec
from modelcar_dsl.model.specs import RunSpec, VolumeSource


def pipeline_run(
    name: str,
    pipeline: Pipeline,
    *,
    params: Mapping[str, Any] | None = None,
    workspaces: Mapping[str, VolumeSource] | None = None,
    timeout: Duration = "6h",
    tasks_timeout: Duration | None = None,
    finally_timeout: Duration | None = None,
    fs_group: int | None = None,
    service_account: str | None = None,
    pod_template: PodTemplate | None = None,
    task_run_specs: Mapping[str, TaskRunSpec] | None = None,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> RunSpec:
    """Declare a run of `pipeline`; `name` is the prefix Tekton completes (`generateName`).

    A workspace not given here gets the pipeline's default volume for it (`PipelineWorkspace(...,
    default=VolumeClaim())`); one without a default must be bound here. `fs_group` defaults to
    the project's `fs_group` setting; a run with neither does not compile.
    `pod_template` applies to every TaskRun of the run (node placement, pull secrets, the pods'
    user, env); `task_run_specs` overrides it, the service account and compute resources for
    the pipeline tasks it names (`{"build-modelcar-image": TaskRunSpec(...)}`).
    `timeout` is always written: Tekton's 60-minute default kills model downloads.
    Errors about the run name the module-level line that declared it: this call's line, or,
    when a helper function makes the run, the line that called the helper, followed by the
    helper's own line (`runs.py:20: ... (via nightly() at helpers.py:6)`).
    """
    location = declaration_location()
    run_labels, run_annotations = checked_metadata(
        labels, annotations, f"pipeline_run({name!r})", location
    )
    if not isinstance(pipeline, Pipeline):
        raise DefinitionError(
            f"pipeline_run({name!r}) takes a @pipeline function, got {pipeline!r}", location
        )
    arguments: list[tuple[str, Any]] = []
    records: list[tuple[str, Any]] = []
    for py_name, value in (params or {}).items():
        if "." in py_name:
            raise DefinitionError(
                f"params of pipeline_run({name!r}) name params of the pipeline function; pass "
                f"the whole catalogue record ({py_name.split('.')[0]!r}: <record>), not its field "
                f"{py_name!r}",
                location,
            )
        arguments.extend(record_arguments(pipeline.spec.params, py_name, value, location))
        if attrs.has(type(value)):
            records.append((py_name, value))
    if timeout is None:
        raise DefinitionError(
            "every run needs a pipeline timeout (Tekton's 60-minute default kills model "
            "downloads); pass timeout='6h' or longer",
            location,
        )
    if fs_group is not None and (isinstance(fs_group, bool) or not isinstance(fs_group, int)):
        raise DefinitionError(
            f"fs_group must be a whole number (a GID), got {fs_group!r}", location
        )
    bindings = dict(workspaces or {})
    for workspace, source in bindings.items():
        if not isinstance(source, VolumeSource):
            raise DefinitionError(
                f"workspace {workspace!r} is bound to {source!r}; use VolumeClaim(...), "
                "ExistingClaim(...), EmptyDir(), SecretVolume(...) or ConfigMapVolume(...)",
                location,
            )
    for declared in pipeline.spec.workspaces:
        if declared.name not in bindings and declared.default is not None:
            bindings[declared.name] = declared.default
    return RunSpec(
        name=name,
        pipeline=pipeline.spec,
        location=location,
        params=tuple(arguments),
        workspaces=tuple(sorted(bindings.items())),
        timeout=checked_duration(timeout, location) or "",
        tasks_timeout=checked_duration(tasks_timeout, location),
        finally_timeout=checked_duration(finally_timeout, location),
        fs_group=fs_group,
        service_account=service_account,
        records=tuple(records),
        pod_template=_checked_pod_template(pod_template, location),
        task_run_specs=_checked_task_run_specs(task_run_specs, pipeline, location),
        labels=run_labels,
        annotations=run_annotations,
    )


def _checked_pod_template(
    template: PodTemplate | None, location: SourceLocation
) -> PodTemplate | None:
    if template is not None and not isinstance(template, PodTemplate):
        raise DefinitionError(
            f"pod_template must be a PodTemplate(...), got {template!r}", location
        )
    return template


def _checked_task_run_specs(
    specs: Mapping[str, TaskRunSpec] | None, pipeline: Pipeline, location: SourceLocation
) -> tuple[tuple[str, TaskRunSpec], ...]:
    """The run's per-task settings, each naming a task of the pipeline: Tekton fails a run
    whose taskRunSpecs name a task its pipeline lacks, after it has been applied."""
    tasks = [task.name for task in pipeline.spec.all_tasks]
    problems = []
    for name, spec in (specs or {}).items():
        if name not in tasks:
            problems.append(
                f"task_run_specs names {name!r}, which is not a task of pipeline "
                f"{pipeline.spec.name!r}{did_you_mean(name, tasks)}"
            )
        if not isinstance(spec, TaskRunSpec):
            problems.append(f"task_run_specs[{name!r}] must be a TaskRunSpec(...), got {spec!r}")
    if problems:
        raise DefinitionError("; ".join(problems), location)
    return tuple(sorted((specs or {}).items()))
