"""Lowering validated specs to Tekton documents, keys in Tekton's conventional order.

Emits the defaults Tekton's webhook would fill in (param and result `type`, `taskRef.kind`), so
what git holds equals what the cluster stores and ArgoCD sees no drift. Each document is built as
the TypedDicts generated from Tekton's API (tekton/documents.py), so mypy refuses a key or value
Tekton would refuse; it leaves as a plain dict, which the rules and the emitter read like any
document from a file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from modelcar_dsl.compiling.containers import (
    container_env,
    step_settings,
    task_volume,
    v1_sidecars,
    v1beta1_sidecars,
)
from modelcar_dsl.compiling.pod_template import (
    compute_resources,
    pod_template_document,
    v1_task_run_specs,
    v1beta1_task_run_specs,
)
from modelcar_dsl.model.graph import PipelineGraph
from modelcar_dsl.model.metadata import Pairs
from modelcar_dsl.model.param_checks import PulledImage
from modelcar_dsl.model.params import ParamSpec, ParamValue, env_name, render_value, tekton_name
from modelcar_dsl.model.specs import (
    ConfigMapVolume,
    EmptyDir,
    ExistingClaim,
    PipelineSpec,
    PipelineTaskSpec,
    PipelineWorkspace,
    Result,
    RunSpec,
    SecretVolume,
    Step,
    StepActionCall,
    StepActionSpec,
    TaskSpec,
    VolumeClaim,
    VolumeSource,
    Workspace,
)
from modelcar_dsl.model.target import Target
from modelcar_dsl.rules.gated_features import PARAM_ENUM
from modelcar_dsl.rules.tekton_versions import STEP_ACTION_SERVED
from modelcar_dsl.tekton.documents import (
    EnvVar,
    ObjectMeta,
    PersistentVolumeClaimSpec,
    V1beta1Pipeline,
    V1beta1PipelineRun,
    V1beta1PipelineRunSpec,
    V1beta1PipelineSpec,
    V1beta1PipelineTask,
    V1beta1Step,
    V1beta1Task,
    V1beta1TaskSpec,
    V1Matrix,
    V1Param,
    V1ParamSpec,
    V1Pipeline,
    V1PipelineResult,
    V1PipelineRun,
    V1PipelineRunSpec,
    V1PipelineSpec,
    V1PipelineTask,
    V1PipelineWorkspaceDeclaration,
    V1Step,
    V1Task,
    V1TaskResult,
    V1TaskSpec,
    V1TimeoutFields,
    V1WorkspaceBinding,
    V1WorkspaceDeclaration,
)

MANAGED_BY = {"app.kubernetes.io/managed-by": "modelcar-dsl"}

_TaskSpec = TypeVar("_TaskSpec", V1TaskSpec, V1beta1TaskSpec)
_PipelineSpec = TypeVar("_PipelineSpec", V1PipelineSpec, V1beta1PipelineSpec)
_PipelineTask = TypeVar("_PipelineTask", V1PipelineTask, V1beta1PipelineTask)
_RunSpec = TypeVar("_RunSpec", V1PipelineRunSpec, V1beta1PipelineRunSpec)
_Step = TypeVar("_Step", V1Step, V1beta1Step)
"""What the two API versions share is written once, checked by mypy against each version."""


def _metadata(
    target: Target,
    name: str = "",
    generate_name: str = "",
    labels: Pairs = (),
    annotations: Pairs = (),
) -> ObjectMeta:
    """The document's labels over the project's, beside the compiler's, all sorted; then the
    document's annotations."""
    metadata: ObjectMeta = {"name": name} if name else {"generateName": generate_name}
    if target.namespace:
        metadata["namespace"] = target.namespace
    metadata["labels"] = dict(sorted({**MANAGED_BY, **dict(target.labels), **dict(labels)}.items()))
    if annotations:
        metadata["annotations"] = dict(annotations)
    return metadata


def _yaml_value(value: ParamValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _param_declaration(param: ParamSpec, target: Target) -> V1ParamSpec:
    declaration: V1ParamSpec = {"name": param.name, "type": param.type}
    if param.description:
        declaration["description"] = param.description
    if param.type == "object":
        declaration["properties"] = {key: {"type": "string"} for key in param.properties}
    if isinstance(param.default, str) and any(isinstance(c, PulledImage) for c in param.checks):
        declaration["default"] = target.image_mirrors.mirrored(param.default)
    elif param.default is not None:
        declaration["default"] = _yaml_value(param.default)
    if param.choices and _writes_enum(target):
        declaration["enum"] = list(param.choices)
    return declaration


def _writes_enum(target: Target) -> bool:
    """A `Literal[...]` param's choices become Tekton's `enum` only where the cluster's gates
    accept it (enable-param-enum); elsewhere the DSL checks them alone, as before."""
    gates = target.gates
    return PARAM_ENUM.level(gates.tekton_version) != "absent" and gates.enabled(PARAM_ENUM.flag)


def _task_environment(task: TaskSpec, target: Target) -> list[EnvVar]:
    """Every param, workspace path and result path as env, so scripts never see `$(...)`; and
    the project's insecure hosts, the only ones a step may reach without verified TLS."""
    env: list[EnvVar] = []
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
    for result in (r for r in task.results if r.from_step is None):
        env.append(
            {
                "name": result.env or env_name(f"result_{result.name}_path"),
                "value": f"$(results.{result.name}.path)",
            }
        )
    env.extend(container_env((), task.env_from))
    if target.insecure_registries:
        env.append(
            {"name": "INSECURE_HOSTS", "value": ",".join(sorted(target.insecure_registries))}
        )
    return env


def _before_resources(body: _Step, step: Step, array_args: list[str], target: Target) -> _Step:
    """A step's fields before its resources, the same in both versions."""
    if step.image is not None:
        body["image"] = target.image_mirrors.mirrored(step.image)
    if step.command:
        body["command"] = list(step.command)
    args = list(step.args) or (array_args if step.script is not None else [])
    if args:
        body["args"] = args
    if step.working_dir:
        body["workingDir"] = step.working_dir
    env = container_env(step.env, step.env_from)
    if env:
        body["env"] = env
    return body


def _after_resources(body: _Step, step: Step) -> _Step:
    """A step's fields after its resources, the same in both versions."""
    if step.timeout:
        body["timeout"] = step.timeout
    if step.on_error:
        body["onError"] = step.on_error
    if step.script is not None:
        body["script"] = step.script
    return body


def _action_step(body: _Step, call: StepActionCall) -> _Step:
    """A step that runs a StepAction: its ref and arguments, nothing of its own to run."""
    resolver = call.action.resolver
    if resolver is None:
        body["ref"] = {"name": call.action.name}
    else:
        body["ref"] = {
            "resolver": resolver.resolver,
            "params": [{"name": name, "value": value} for name, value in resolver.params],
        }
    params = _arguments(call.action.params, dict(call.arguments))
    if params:
        body["params"] = params
    return body


def compile_step_action(action: StepActionSpec, target: Target) -> dict[str, Any]:
    """A StepAction document, tekton.dev/v1beta1 (v1alpha1 on a Tekton before 0.60, which
    served only that). Params and result paths reach its step as env, as a task's do."""
    step = action.step
    spec: dict[str, Any] = {}
    if action.description:
        spec["description"] = action.description
    if action.params:
        spec["params"] = [_param_declaration(param, target) for param in action.params]
    if action.results:
        spec["results"] = [_typed_result(r) for r in action.results]
    assert step.image is not None
    spec["image"] = target.image_mirrors.mirrored(step.image)
    if step.command:
        spec["command"] = list(step.command)
    if step.args:
        spec["args"] = list(step.args)
    if step.working_dir:
        spec["workingDir"] = step.working_dir
    env: list[EnvVar] = [
        {"name": env_name(param.name), "value": f"$(params.{param.name})"}
        for param in action.params
        if param.type == "string"
    ]
    env.extend(
        {
            "name": result.env or env_name(f"result_{result.name}_path"),
            "value": f"$(step.results.{result.name}.path)",
        }
        for result in action.results
    )
    env.extend(container_env(step.env, step.env_from))
    if env:
        spec["env"] = env
    if step.script is not None:
        spec["script"] = step.script
    beta = STEP_ACTION_SERVED["v1beta1"]
    api = "tekton.dev/v1alpha1" if target.gates.before(beta) else "tekton.dev/v1beta1"
    return {
        "apiVersion": api,
        "kind": "StepAction",
        "metadata": dict(
            _metadata(
                target, name=action.name, labels=action.labels, annotations=action.annotations
            )
        ),
        "spec": spec,
    }


def _v1_step(step: Step, array_args: list[str], target: Target) -> V1Step:
    body: V1Step = {"name": step.name}
    if step.action is not None:
        return _action_step(body, step.action)
    _before_resources(body, step, array_args, target)
    if step.resources:
        body["computeResources"] = compute_resources(step.resources)
    return _after_resources(step_settings(body, step), step)


def _v1beta1_step(step: Step, array_args: list[str], target: Target) -> V1beta1Step:
    body: V1beta1Step = {"name": step.name}
    if step.action is not None:
        return _action_step(body, step.action)
    _before_resources(body, step, array_args, target)
    if step.resources:
        body["resources"] = compute_resources(step.resources)
    return _after_resources(step_settings(body, step), step)


def _task_spec(spec: _TaskSpec, task: TaskSpec, target: Target) -> _TaskSpec:
    """A Task's spec up to its steps, the same in both versions."""
    if task.description:
        spec["description"] = task.description
    if task.display_name:
        spec["displayName"] = task.display_name
    if task.params:
        spec["params"] = [_param_declaration(param, target) for param in task.params]
    if task.workspaces:
        spec["workspaces"] = [_workspace_declaration(w) for w in task.workspaces]
    if task.results:
        spec["results"] = [_typed_result(r) for r in task.results]
    env = _task_environment(task, target)
    if env:
        spec["stepTemplate"] = {"env": env}
    return spec


def _workspace_declaration(workspace: Workspace) -> V1WorkspaceDeclaration:
    """Tekton omits empty and false fields, so only the set ones are written."""
    declaration: V1WorkspaceDeclaration = {"name": workspace.name}
    if workspace.description:
        declaration["description"] = workspace.description
    if workspace.mount_path:
        declaration["mountPath"] = workspace.mount_path
    if workspace.read_only:
        declaration["readOnly"] = True
    if workspace.optional:
        declaration["optional"] = True
    return declaration


def _task_result(name: str, description: str) -> V1TaskResult:
    result: V1TaskResult = {"name": name, "type": "string"}
    if description:
        result["description"] = description
    return result


def _typed_result(result: Result) -> V1TaskResult:
    """A string result as before; an array or object result with its type (and keys); a
    result a StepAction writes with the step result it reads."""
    if result.type == "string":
        body = _task_result(result.name, result.description)
    else:
        body = {"name": result.name, "type": result.type}
        if result.properties:
            body["properties"] = {key: {"type": "string"} for key in result.properties}
        if result.description:
            body["description"] = result.description
    if result.from_step is not None:
        step, name = result.from_step
        body["value"] = f"$(steps.{step}.results.{name})"
    return body


def compile_task(task: TaskSpec, target: Target) -> dict[str, Any]:
    array_args = [f"$(params.{p.name}[*])" for p in task.params if p.type == "array"]
    metadata = _metadata(target, task.name, labels=task.labels, annotations=task.annotations)
    if target.api == "v1":
        spec = _task_spec(V1TaskSpec(), task, target)
        spec["steps"] = [_v1_step(step, array_args, target) for step in task.steps]
        if task.volumes:
            spec["volumes"] = [task_volume(volume) for volume in task.volumes]
        if task.sidecars:
            spec["sidecars"] = v1_sidecars(task.sidecars, target)
        v1: V1Task = {
            "apiVersion": target.api_version,
            "kind": "Task",
            "metadata": metadata,
            "spec": spec,
        }
        return dict(v1)
    beta_spec = _task_spec(V1beta1TaskSpec(), task, target)
    beta_spec["steps"] = [_v1beta1_step(step, array_args, target) for step in task.steps]
    if task.volumes:
        beta_spec["volumes"] = [task_volume(volume) for volume in task.volumes]
    if task.sidecars:
        beta_spec["sidecars"] = v1beta1_sidecars(task.sidecars, target)
    beta: V1beta1Task = {
        "apiVersion": target.api_version,
        "kind": "Task",
        "metadata": metadata,
        "spec": beta_spec,
    }
    return dict(beta)


def _arguments(params: tuple[ParamSpec, ...], arguments: dict[str, Any]) -> list[V1Param]:
    """Given arguments as Tekton params, in the order the params are declared."""
    return [
        {"name": param.name, "value": _yaml_value(render_value(arguments[param.py_name]))}
        for param in params
        if param.py_name in arguments
    ]


def _matrix_value(value: Any) -> Any:
    """A matrix param's values as a list, or an array variable as its `[*]` string, which
    Tekton expands whole."""
    if isinstance(value, tuple):
        return [str(render_value(item)) for item in value]
    return str(value)


def _matrix(task: PipelineTaskSpec) -> V1Matrix:
    """The matrix in the order the user wrote it: Tekton fans out params in their listed order."""
    names = {param.py_name: param.name for param in task.task.params}

    def param(py_name: str, value: Any) -> V1Param:
        return {"name": names.get(py_name, tekton_name(py_name)), "value": value}

    matrix: V1Matrix = {}
    if task.matrix:
        matrix["params"] = [param(name, _matrix_value(value)) for name, value in task.matrix]
    if task.include:
        matrix["include"] = [
            {"name": name, "params": [param(key, render_value(v)) for key, v in entry]}
            for name, entry in task.include
        ]
    return matrix


def _pipeline_task(
    body: _PipelineTask, task: PipelineTaskSpec, run_after: list[str]
) -> _PipelineTask:
    body["name"] = task.name
    if task.display_name:
        body["displayName"] = task.display_name
    resolver = task.task.resolver
    if resolver is None:
        body["taskRef"] = {"name": task.task.name, "kind": "Task"}
    else:
        body["taskRef"] = {
            "resolver": resolver.resolver,
            "params": [{"name": name, "value": value} for name, value in resolver.params],
        }
    if run_after:
        body["runAfter"] = run_after
    if task.when:
        body["when"] = [
            {"cel": when.cel}
            if when.cel
            else {"input": when.input, "operator": when.operator, "values": list(when.values)}
            for when in task.when
        ]
    if task.timeout:
        body["timeout"] = task.timeout
    if task.retries is not None:
        body["retries"] = task.retries
    if task.on_error:
        body["onError"] = task.on_error
    params = _arguments(task.task.params, dict(task.arguments))
    if params:
        body["params"] = params
    if task.is_matrixed:
        body["matrix"] = _matrix(task)
    if task.workspaces:
        body["workspaces"] = [{"name": name, "workspace": bound} for name, bound in task.workspaces]
    return body


def _pipeline_spec(spec: _PipelineSpec, pipeline: PipelineSpec, target: Target) -> _PipelineSpec:
    """A Pipeline's spec up to its tasks, the same in both versions."""
    if pipeline.description:
        spec["description"] = pipeline.description
    if pipeline.display_name:
        spec["displayName"] = pipeline.display_name
    if pipeline.params:
        spec["params"] = [_param_declaration(param, target) for param in pipeline.params]
    if pipeline.workspaces:
        spec["workspaces"] = [_pipeline_workspace(w) for w in pipeline.workspaces]
    return spec


def _pipeline_workspace(workspace: PipelineWorkspace) -> V1PipelineWorkspaceDeclaration:
    declaration: V1PipelineWorkspaceDeclaration = {"name": workspace.name}
    if workspace.description:
        declaration["description"] = workspace.description
    if workspace.optional:
        declaration["optional"] = True
    return declaration


def _pipeline_tasks(
    pipeline: PipelineSpec, new: Callable[[], _PipelineTask]
) -> tuple[list[_PipelineTask], list[_PipelineTask]]:
    """The pipeline's tasks and its finally tasks, each a `new()` pipeline task filled in."""
    graph = PipelineGraph(pipeline)
    regular = {task.name for task in pipeline.tasks}
    tasks = [
        _pipeline_task(
            new(),
            task,
            # .after() a finally task is kept, so validation reports it at the user's line.
            graph.run_after(task.name) + [name for name, _ in task.after if name not in regular],
        )
        for task in pipeline.tasks
    ]
    finally_tasks = [
        _pipeline_task(new(), task, [name for name, _ in task.after])
        for task in pipeline.finally_tasks
    ]
    return tasks, finally_tasks


def _pipeline_results(pipeline: PipelineSpec) -> list[V1PipelineResult]:
    results: list[V1PipelineResult] = []
    for result in pipeline.results:
        body: V1PipelineResult = {"name": result.name, "type": result.type}
        if result.description:
            body["description"] = result.description
        body["value"] = result.value
        results.append(body)
    return results


def compile_pipeline(pipeline: PipelineSpec, target: Target) -> dict[str, Any]:
    metadata = _metadata(
        target, pipeline.name, labels=pipeline.labels, annotations=pipeline.annotations
    )
    if target.api == "v1":
        spec = _pipeline_spec(V1PipelineSpec(), pipeline, target)
        spec["tasks"], finally_tasks = _pipeline_tasks(pipeline, V1PipelineTask)
        if finally_tasks:
            spec["finally"] = finally_tasks
        if pipeline.results:
            spec["results"] = _pipeline_results(pipeline)
        v1: V1Pipeline = {
            "apiVersion": target.api_version,
            "kind": "Pipeline",
            "metadata": metadata,
            "spec": spec,
        }
        return dict(v1)
    beta_spec = _pipeline_spec(V1beta1PipelineSpec(), pipeline, target)
    beta_spec["tasks"], beta_finally = _pipeline_tasks(pipeline, V1beta1PipelineTask)
    if beta_finally:
        beta_spec["finally"] = beta_finally
    if pipeline.results:
        beta_spec["results"] = _pipeline_results(pipeline)
    beta: V1beta1Pipeline = {
        "apiVersion": target.api_version,
        "kind": "Pipeline",
        "metadata": metadata,
        "spec": beta_spec,
    }
    return dict(beta)


def _volume(name: str, source: VolumeSource) -> V1WorkspaceBinding:
    binding: V1WorkspaceBinding = {"name": name}
    if isinstance(source, VolumeClaim):
        claim: PersistentVolumeClaimSpec = {"accessModes": [source.access_mode]}
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


def _run_spec(spec: _RunSpec, run: RunSpec) -> _RunSpec:
    """A PipelineRun's spec up to its pod settings, the same in both versions."""
    spec["pipelineRef"] = {"name": run.pipeline.name}
    params = _arguments(run.pipeline.params, dict(run.params))
    if params:
        spec["params"] = params
    if run.workspaces:
        spec["workspaces"] = [_volume(name, source) for name, source in run.workspaces]
    return spec


def _timeouts(run: RunSpec) -> V1TimeoutFields:
    timeouts: V1TimeoutFields = {"pipeline": run.timeout}
    if run.tasks_timeout:
        timeouts["tasks"] = run.tasks_timeout
    if run.finally_timeout:
        timeouts["finally"] = run.finally_timeout
    return timeouts


def compile_run(run: RunSpec, target: Target) -> dict[str, Any]:
    fs_group = run.fs_group if run.fs_group is not None else target.fs_group
    service_account = run.service_account or target.service_account
    # Without an fsGroup the securityContext stays empty, and the run-fs-group rule says what
    # to set.
    pod_template = pod_template_document(run.pod_template, fs_group)
    metadata = _metadata(
        target, generate_name=f"{run.name}-", labels=run.labels, annotations=run.annotations
    )
    if target.api == "v1":
        spec = _run_spec(V1PipelineRunSpec(), run)
        spec["taskRunTemplate"] = {}
        if service_account:
            spec["taskRunTemplate"]["serviceAccountName"] = service_account
        spec["taskRunTemplate"]["podTemplate"] = pod_template
        if run.task_run_specs:
            spec["taskRunSpecs"] = v1_task_run_specs(run.task_run_specs, fs_group, run.pod_template)
        spec["timeouts"] = _timeouts(run)
        v1: V1PipelineRun = {
            "apiVersion": target.api_version,
            "kind": "PipelineRun",
            "metadata": metadata,
            "spec": spec,
        }
        return dict(v1)
    beta_spec = _run_spec(V1beta1PipelineRunSpec(), run)
    if service_account:
        beta_spec["serviceAccountName"] = service_account
    beta_spec["podTemplate"] = pod_template
    if run.task_run_specs:
        beta_spec["taskRunSpecs"] = v1beta1_task_run_specs(
            run.task_run_specs, fs_group, run.pod_template
        )
    timeouts = _timeouts(run)
    if len(timeouts) == 1:
        beta_spec["timeout"] = run.timeout
    else:
        beta_spec["timeouts"] = timeouts
    beta: V1beta1PipelineRun = {
        "apiVersion": target.api_version,
        "kind": "PipelineRun",
        "metadata": metadata,
        "spec": beta_spec,
    }
    return dict(beta)
