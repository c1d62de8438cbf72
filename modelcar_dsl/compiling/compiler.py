"""Lowering validated specs to Tekton documents: plain dicts, keys in Tekton's conventional order.

Emits the defaults Tekton's webhook would fill in (param and result `type`, `taskRef.kind`), so
what git holds equals what the cluster stores and ArgoCD sees no drift.
"""

from __future__ import annotations

from typing import Any

from modelcar_dsl.model.graph import PipelineGraph
from modelcar_dsl.model.param_checks import PulledImage
from modelcar_dsl.model.params import ParamSpec, ParamValue, env_name, render_value
from modelcar_dsl.model.specs import (
    ConfigMapEnv,
    ConfigMapVolume,
    EmptyDir,
    EnvSource,
    ExistingClaim,
    PipelineSpec,
    PipelineTaskSpec,
    Resources,
    RunSpec,
    SecretEnv,
    SecretVolume,
    Step,
    TaskSpec,
    VolumeClaim,
    VolumeSource,
)
from modelcar_dsl.model.target import Target

MANAGED_BY = {"app.kubernetes.io/managed-by": "modelcar-dsl"}


def _metadata(target: Target, **fields: str) -> dict[str, Any]:
    metadata: dict[str, Any] = dict(fields)
    if target.namespace:
        metadata["namespace"] = target.namespace
    metadata["labels"] = dict(MANAGED_BY)
    return metadata


def _present(**fields: Any) -> dict[str, Any]:
    """The fields that are set, in the order given: Tekton omits empty and false ones."""
    return {key: value for key, value in fields.items() if value}


def _yaml_value(value: ParamValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _param_declaration(param: ParamSpec, target: Target) -> dict[str, Any]:
    declaration: dict[str, Any] = {"name": param.name, "type": param.type}
    if param.description:
        declaration["description"] = param.description
    if param.type == "object":
        declaration["properties"] = {key: {"type": "string"} for key in param.properties}
    if isinstance(param.default, str) and any(isinstance(c, PulledImage) for c in param.checks):
        declaration["default"] = target.image_mirrors.mirrored(param.default)
    elif param.default is not None:
        declaration["default"] = _yaml_value(param.default)
    return declaration


def _env_source(source: EnvSource) -> dict[str, Any]:
    if isinstance(source, SecretEnv):
        ref: dict[str, Any] = {"name": source.secret, "key": source.key}
        kind = "secretKeyRef"
    else:
        assert isinstance(source, ConfigMapEnv)
        ref = {"name": source.config_map, "key": source.key}
        kind = "configMapKeyRef"
    if source.optional:
        ref["optional"] = True
    return {"name": source.name, "valueFrom": {kind: ref}}


def _task_environment(task: TaskSpec, target: Target) -> list[dict[str, Any]]:
    """Every param, workspace path and result path as env, so scripts never see `$(...)`; and
    the project's insecure hosts, the only ones a step may reach without verified TLS."""
    env: list[dict[str, Any]] = []
    for param in task.params:
        if param.type == "string":
            env.append({"name": env_name(param.name), "value": f"$(params.{param.name})"})
        elif param.type == "object":
            for key in param.properties:
                env.append(
                    {
                        "name": env_name(f"{param.name}_{key}"),
                        "value": f"$(params.{param.name}.{key})",
                    }
                )
    for workspace in task.workspaces:
        prefix = env_name(f"workspace_{workspace.name}")
        env.append({"name": f"{prefix}_PATH", "value": f"$(workspaces.{workspace.name}.path)"})
        if workspace.optional:
            env.append(
                {"name": f"{prefix}_BOUND", "value": f"$(workspaces.{workspace.name}.bound)"}
            )
    for result in task.results:
        env.append(
            {
                "name": result.env or env_name(f"result_{result.name}_path"),
                "value": f"$(results.{result.name}.path)",
            }
        )
    env.extend(_env_source(source) for source in task.env_from)
    if target.insecure_registries:
        env.append(
            {"name": "INSECURE_HOSTS", "value": ",".join(sorted(target.insecure_registries))}
        )
    return env


def _resources(resources: Resources) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if resources.requests:
        body["requests"] = dict(resources.requests)
    if resources.limits:
        body["limits"] = dict(resources.limits)
    return body


def _step(step: Step, array_args: list[str], target: Target) -> dict[str, Any]:
    image = step.image if step.image is None else target.image_mirrors.mirrored(step.image)
    body: dict[str, Any] = {"name": step.name, "image": image}
    if step.command:
        body["command"] = list(step.command)
    args = list(step.args) or (array_args if step.script is not None else [])
    if args:
        body["args"] = args
    if step.working_dir:
        body["workingDir"] = step.working_dir
    env = [{"name": name, "value": value} for name, value in step.env]
    env.extend(_env_source(source) for source in step.env_from)
    if env:
        body["env"] = env
    if step.resources:
        body["computeResources" if target.api == "v1" else "resources"] = _resources(step.resources)
    if step.timeout:
        body["timeout"] = step.timeout
    if step.script is not None:
        body["script"] = step.script
    return body


def compile_task(task: TaskSpec, target: Target) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if task.description:
        spec["description"] = task.description
    if task.params:
        spec["params"] = [_param_declaration(param, target) for param in task.params]
    if task.workspaces:
        spec["workspaces"] = [
            _present(
                name=w.name,
                description=w.description,
                mountPath=w.mount_path,
                readOnly=w.read_only,
                optional=w.optional,
            )
            for w in task.workspaces
        ]
    if task.results:
        spec["results"] = [
            _present(name=r.name, type="string", description=r.description) for r in task.results
        ]
    env = _task_environment(task, target)
    if env:
        spec["stepTemplate"] = {"env": env}
    array_args = [f"$(params.{p.name}[*])" for p in task.params if p.type == "array"]
    spec["steps"] = [_step(step, array_args, target) for step in task.steps]
    return {
        "apiVersion": target.api_version,
        "kind": "Task",
        "metadata": _metadata(target, name=task.name),
        "spec": spec,
    }


def _arguments(params: tuple[ParamSpec, ...], arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """Given arguments as Tekton params, in the order the params are declared."""
    return [
        {"name": param.name, "value": _yaml_value(render_value(arguments[param.py_name]))}
        for param in params
        if param.py_name in arguments
    ]


def _pipeline_task(task: PipelineTaskSpec, run_after: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"name": task.name, "taskRef": {"name": task.task.name, "kind": "Task"}}
    if run_after:
        body["runAfter"] = run_after
    if task.when:
        body["when"] = [
            {"input": when.input, "operator": when.operator, "values": list(when.values)}
            for when in task.when
        ]
    if task.timeout:
        body["timeout"] = task.timeout
    if task.retries is not None:
        body["retries"] = task.retries
    params = _arguments(task.task.params, dict(task.arguments))
    if params:
        body["params"] = params
    if task.workspaces:
        body["workspaces"] = [{"name": name, "workspace": bound} for name, bound in task.workspaces]
    return body


def compile_pipeline(pipeline: PipelineSpec, target: Target) -> dict[str, Any]:
    graph = PipelineGraph(pipeline)
    spec: dict[str, Any] = {}
    if pipeline.description:
        spec["description"] = pipeline.description
    if pipeline.params:
        spec["params"] = [_param_declaration(param, target) for param in pipeline.params]
    if pipeline.workspaces:
        spec["workspaces"] = [
            _present(name=w.name, description=w.description, optional=w.optional)
            for w in pipeline.workspaces
        ]
    regular = {task.name for task in pipeline.tasks}
    spec["tasks"] = [
        _pipeline_task(
            task,
            # .after() a finally task is kept, so validation reports it at the user's line.
            graph.run_after(task.name) + [name for name, _ in task.after if name not in regular],
        )
        for task in pipeline.tasks
    ]
    if pipeline.finally_tasks:
        spec["finally"] = [
            _pipeline_task(task, [name for name, _ in task.after])
            for task in pipeline.finally_tasks
        ]
    return {
        "apiVersion": target.api_version,
        "kind": "Pipeline",
        "metadata": _metadata(target, name=pipeline.name),
        "spec": spec,
    }


def _volume(name: str, source: VolumeSource) -> dict[str, Any]:
    binding: dict[str, Any] = {"name": name}
    if isinstance(source, VolumeClaim):
        claim: dict[str, Any] = {"accessModes": [source.access_mode]}
        if source.storage_class:
            claim["storageClassName"] = source.storage_class
        claim["resources"] = {"requests": {"storage": source.size}}
        binding["volumeClaimTemplate"] = {"spec": claim}
    elif isinstance(source, ExistingClaim):
        binding["persistentVolumeClaim"] = {"claimName": source.claim_name}
        if source.read_only:
            binding["persistentVolumeClaim"]["readOnly"] = True
    elif isinstance(source, EmptyDir):
        binding["emptyDir"] = {}
    elif isinstance(source, SecretVolume):
        binding["secret"] = {"secretName": source.secret_name}
    else:
        assert isinstance(source, ConfigMapVolume)
        binding["configMap"] = {"name": source.name}
    return binding


def compile_run(run: RunSpec, target: Target) -> dict[str, Any]:
    fs_group = run.fs_group if run.fs_group is not None else target.fs_group
    service_account = run.service_account or target.service_account
    spec: dict[str, Any] = {"pipelineRef": {"name": run.pipeline.name}}
    params = _arguments(run.pipeline.params, dict(run.params))
    if params:
        spec["params"] = params
    if run.workspaces:
        spec["workspaces"] = [_volume(name, source) for name, source in run.workspaces]
    pod_template = {"securityContext": {"fsGroup": fs_group}}
    if target.api == "v1":
        template: dict[str, Any] = {}
        if service_account:
            template["serviceAccountName"] = service_account
        template["podTemplate"] = pod_template
        spec["taskRunTemplate"] = template
    else:
        if service_account:
            spec["serviceAccountName"] = service_account
        spec["podTemplate"] = pod_template
    timeouts = {"pipeline": run.timeout}
    if run.tasks_timeout:
        timeouts["tasks"] = run.tasks_timeout
    if run.finally_timeout:
        timeouts["finally"] = run.finally_timeout
    if target.api == "v1beta1" and len(timeouts) == 1:
        spec["timeout"] = run.timeout
    else:
        spec["timeouts"] = timeouts
    return {
        "apiVersion": target.api_version,
        "kind": "PipelineRun",
        "metadata": _metadata(target, generateName=f"{run.name}-"),
        "spec": spec,
    }
