"""What only the Python side can check of a task's volumes and containers: each mount names
a volume the task declares (a TaskRun's pod template could add one in YAML, never in the DSL),
and volumes and workspaces keep apart. Each problem is reported at the line of the mount or
volume that causes it."""

from __future__ import annotations

from collections.abc import Iterator

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.errors import Problem
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.formats.paths import clean_path
from modelcar_dsl.model.container_settings import VolumeMount
from modelcar_dsl.model.specs import TaskSpec


def container_problems(task: TaskSpec) -> Iterator[Problem]:
    resource = f"task/{task.name}"
    declared = [volume.name for volume in task.volumes]
    containers: list[tuple[str, tuple[VolumeMount, ...]]] = [
        (f"spec.steps[{index}]", step.volume_mounts) for index, step in enumerate(task.steps)
    ]
    containers += [
        (f"spec.sidecars[{index}]", sidecar.volume_mounts)
        for index, sidecar in enumerate(task.sidecars)
    ]
    for path, mounts in containers:
        for position, mount in enumerate(mounts):
            if mount.name not in declared:
                yield Problem(
                    resource,
                    f"{path}.volumeMounts[{position}].name",
                    f"volume {mount.name!r} is not one of the task's volumes"
                    + did_you_mean(mount.name, declared)
                    + f"; declare it: @task(volumes=[TaskVolume({mount.name!r}, EmptyDir())])",
                    catalog.TASK_VOLUME.id,
                    mount.location,
                    origin="run",
                )
    workspaces = {workspace.name for workspace in task.workspaces}
    for index, volume in enumerate(task.volumes):
        if volume.name in workspaces:
            yield Problem(
                resource,
                f"spec.volumes[{index}].name",
                f"volume {volume.name!r} has the name of a workspace of the task; a reader "
                "cannot tell which one a mount means: rename the volume",
                catalog.TASK_VOLUME.id,
                volume.location,
                origin="modelcar",
            )
    yield from _sidecar_mount_problems(task, resource)


def _sidecar_mount_problems(task: TaskSpec, resource: str) -> Iterator[Problem]:
    """Tekton mounts the task's workspaces into its sidecars too, and checks a workspace's
    path against the steps' mounts only: a sidecar's mount there is refused with the pod."""
    workspace_paths = {
        clean_path(workspace.mount_path or f"/workspace/{workspace.name}"): workspace.name
        for workspace in task.workspaces
    }
    for index, sidecar in enumerate(task.sidecars):
        for position, mount in enumerate(sidecar.volume_mounts):
            workspace = workspace_paths.get(clean_path(mount.mount_path))
            if workspace is not None:
                yield Problem(
                    resource,
                    f"spec.sidecars[{index}].volumeMounts[{position}].mountPath",
                    f"mount path {mount.mount_path!r} is where workspace {workspace!r} is "
                    "mounted; mount the volume elsewhere",
                    catalog.WORKSPACE_MOUNT_PATH.id,
                    mount.location,
                    origin="run",
                )
