"""What a local run reads from the compiled documents: the PipelineRun, its Pipeline and the
Tasks they use, with the run's params and timeouts as Tekton would read them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from modelcar_dsl.diagnostics.errors import LocalRunError
from modelcar_dsl.formats.durations import go_duration_seconds
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.model.container_settings import CAPABILITY_NAME, IMAGE_PULL_POLICIES
from modelcar_dsl.running.variables import Value, references

DEFAULT_TIMEOUT_SECONDS = 3600.0
"""Tekton's default-timeout-minutes: a PipelineRun or TaskRun that sets none gets one hour."""


def refusing_step_actions(task: str, spec: Mapping[str, Any]) -> None:
    """A step that calls a StepAction (`ref:`) is refused before the run starts: the local
    runner runs a step's own image and script, and does not resolve StepActions."""
    for step in spec.get("steps", []):
        if "ref" in step:
            resolver = step["ref"].get("resolver")
            action = (
                f"a remote StepAction (resolver: {resolver}), which a local run does not fetch"
                if resolver
                else f"StepAction {step['ref'].get('name')}, which a local run does not run"
            )
            raise LocalRunError(
                f"step {step.get('name')} of task {task} calls {action}; run it on a cluster, "
                "or write the step with script_step or command_step to run it locally"
            )


CONTAINER_FIELDS = ("securityContext", "imagePullPolicy", "volumeMounts")
"""The container settings a local run refuses or applies, which a stepTemplate may set."""


def step_with_template(spec: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The step with its task's stepTemplate's container settings under its own, as Tekton's
    MergeStepsWithStepTemplate merges them (maps key by key, the step's value winning, mounts
    of both): a template's privileged or mounts are the steps', refused or applied as theirs."""
    template = spec.get("stepTemplate") or {}
    merged = dict(step)
    for field in CONTAINER_FIELDS:
        if field in template:
            merged[field] = _merged(template[field], step.get(field))
    return merged


def _merged(template: object, own: object) -> object:
    if own is None:
        return template
    if isinstance(template, Mapping) and isinstance(own, Mapping):
        keys = [*template, *(key for key in own if key not in template)]
        return {key: _merged(template.get(key), own.get(key)) for key in keys}
    if isinstance(template, list) and isinstance(own, list):
        return [*template, *own]
    return own


def refusing_pod_containers(task: str, spec: Mapping[str, Any]) -> None:
    """A task with sidecars, its own volumes, volumeMounts, a privileged step or one adding a
    capability beyond Pod Security's baseline is refused before the run starts: a local run
    starts no sidecar, mounts only workspaces, and never grants a step the machine."""
    names = [str(sidecar.get("name")) for sidecar in spec.get("sidecars", [])]
    if names:
        raise LocalRunError(
            f"task {task} has sidecars ({', '.join(names)}), which a local run does not start; "
            "run it on a cluster, or start the service yourself and pass its address as a param"
        )
    steps = [step_with_template(spec, step) for step in spec.get("steps", [])]
    mounting = [str(s.get("name")) for s in steps if s.get("volumeMounts")]
    if spec.get("volumes") or mounting:
        raise LocalRunError(
            f"task {task} mounts volumes of its own"
            + (f" (steps {', '.join(mounting)})" if mounting else "")
            + ", which a local run does not provide; run it on a cluster, or give the data "
            "through a workspace, which a local run binds to a directory"
        )
    for step in steps:
        context = step.get("securityContext") or {}
        _refusing_unreadable_security(task, str(step.get("name")), context)
        policy = step.get("imagePullPolicy")
        if policy is not None and policy not in IMAGE_PULL_POLICIES:
            raise LocalRunError(
                f"step {step.get('name')} of task {task} has imagePullPolicy {policy!r}, which "
                f"Kubernetes refuses; give one of {', '.join(IMAGE_PULL_POLICIES)}"
            )
        if context.get("privileged"):
            raise LocalRunError(
                f"step {step.get('name')} of task {task} is privileged, which a local run never "
                "grants; run it on a cluster"
            )
        added = (context.get("capabilities") or {}).get("add") or []
        for capability in added:
            if capability.upper().removeprefix("CAP_") not in BASELINE_CAPABILITIES:
                raise LocalRunError(
                    f"step {step.get('name')} of task {task} adds {capability}, which reaches "
                    "the machine as privileged does, and a local run never grants it; run it on "
                    f"a cluster, or add only {', '.join(BASELINE_CAPABILITIES)}"
                )


BASELINE_CAPABILITIES = (
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
)
"""The capabilities Pod Security's baseline level lets a container add; the others (ALL,
SYS_ADMIN, SYS_MODULE, DAC_READ_SEARCH...) reach the machine under podman run as root."""


def _refusing_unreadable_security(task: str, step: str, context: object) -> None:
    """A hand-edited securityContext podman could not be given as Kubernetes reads it: not a
    mapping, a flag not a boolean (`"true"` is not applied, `"false"` not privileged), a
    seccompProfile not a mapping, capabilities not lists of single names."""
    where = f"step {step} of task {task}"
    if not isinstance(context, Mapping):
        raise LocalRunError(
            f"{where} has securityContext {context!r}, not a mapping; write its fields "
            "(runAsNonRoot: true, ...) or compile the task again"
        )
    for flag in (
        "privileged",
        "readOnlyRootFilesystem",
        "allowPrivilegeEscalation",
        "runAsNonRoot",
    ):
        if not isinstance(context.get(flag, False), bool):
            raise LocalRunError(
                f"{where} has securityContext.{flag} {context[flag]!r}, which Kubernetes "
                "refuses; write true or false, without quotes"
            )
    if not isinstance(context.get("seccompProfile") or {}, Mapping):
        raise LocalRunError(
            f"{where} has securityContext.seccompProfile {context['seccompProfile']!r}, not a "
            "mapping; write it as {type: RuntimeDefault}"
        )
    capabilities = context.get("capabilities") or {}
    if isinstance(capabilities, Mapping):
        lists = [capabilities.get("add") or [], capabilities.get("drop") or []]
        wrong = [names for names in lists if not isinstance(names, list)]
        wrong += [
            name
            for names in lists
            if isinstance(names, list)
            for name in names
            if not isinstance(name, str) or not CAPABILITY_NAME.fullmatch(name)
        ]
    else:
        wrong = [capabilities]
    if wrong:
        raise LocalRunError(
            f"{where} has {wrong[0]!r} in securityContext.capabilities, whose add and drop "
            "are lists of capability names; give one name per entry (NET_BIND_SERVICE)"
        )


PODMAN_SECURITY_FIELDS = ("readOnlyRootFilesystem", "capabilities", "allowPrivilegeEscalation")
"""securityContext fields podman has a flag for (security_options); some seccompProfiles too."""


def unapplied_container_settings(
    tasks: Mapping[str, Mapping[str, Any]], in_containers: bool
) -> list[str]:
    """The steps' securityContext fields a local run does not emulate, so `modelcar run` can
    say so: the steps run as the run's user (--user), and on this machine with none of them."""
    return [
        f"securityContext.{field} of step {step.get('name')} of task {name}"
        for name, spec in tasks.items()
        for step in (step_with_template(spec, step) for step in spec.get("steps", []))
        for field, value in sorted((step.get("securityContext") or {}).items())
        if not (in_containers and _podman_applies(field, value))
    ]


def _podman_applies(field: str, value: object) -> bool:
    """A seccompProfile is applied only as RuntimeDefault (podman's own profile) or Unconfined:
    a Localhost profile's file is the node's, which this machine does not have."""
    if field == "seccompProfile":
        kind = value.get("type") if isinstance(value, Mapping) else None
        return kind in ("RuntimeDefault", "Unconfined")
    return field in PODMAN_SECURITY_FIELDS


def security_options(context: Mapping[str, Any]) -> list[str]:
    """podman's flags for the securityContext fields it has one for: a read-only root, added
    and dropped capabilities, no privilege escalation, an unconfined seccomp profile (podman
    applies its default profile, as RuntimeDefault does)."""
    # Without --read-only-tmpfs=false podman mounts a writable /tmp, /run and /var/tmp, which
    # a pod's read-only root does not have: a step writing /tmp would pass here and fail there.
    read_only = ["--read-only", "--read-only-tmpfs=false"]
    options = read_only if context.get("readOnlyRootFilesystem") is True else []
    capabilities = context.get("capabilities") or {}
    options += [f"--cap-add={capability}" for capability in capabilities.get("add") or []]
    options += [f"--cap-drop={capability}" for capability in capabilities.get("drop") or []]
    if context.get("allowPrivilegeEscalation") is False:
        options.append("--security-opt=no-new-privileges")
    if (context.get("seccompProfile") or {}).get("type") == "Unconfined":
        options.append("--security-opt=seccomp=unconfined")
    return options


def pull_option(policy: object) -> list[str]:
    """podman's --pull for a step's imagePullPolicy (Kubernetes pulls IfNotPresent by
    default for a tagged image; podman's own default, missing, is the same)."""
    choices = {"Always": "always", "IfNotPresent": "missing", "Never": "never"}
    return [f"--pull={choices[policy]}"] if isinstance(policy, str) and policy in choices else []


@attrs.frozen
class RunPlan:
    """A PipelineRun with the Pipeline spec and the Task specs it runs, by Task name."""

    name: str
    run: Mapping[str, Any]
    pipeline: Mapping[str, Any]
    tasks: Mapping[str, Mapping[str, Any]]

    @classmethod
    def of(cls, documents: Mapping[tuple[str, str], Mapping[str, Any]], name: str) -> RunPlan:
        runs = [key for kind, key in documents if kind == "PipelineRun"]
        if ("PipelineRun", name) not in documents:
            raise LocalRunError(f"the project has no run {name!r}" + did_you_mean(name, runs))
        run = documents[("PipelineRun", name)]
        pipeline = documents[("Pipeline", run["spec"]["pipelineRef"]["name"])]["spec"]
        tasks = {}
        for task in [*pipeline.get("tasks", []), *pipeline.get("finally", [])]:
            resolver = task.get("taskRef", {}).get("resolver")
            if resolver:
                raise LocalRunError(
                    f"pipeline task {task['name']} uses a remote Task (resolver: {resolver}), "
                    "which a local run does not fetch; run the pipeline on a cluster, or "
                    "declare the Task with @task to run it locally"
                )
            if "taskRef" not in task or ("Task", task["taskRef"].get("name", "")) not in documents:
                raise LocalRunError(
                    f"pipeline task {task['name']} does not use one of the project's Tasks; "
                    "only those run locally"
                )
            if any("cel" in when for when in task.get("when", [])):
                raise LocalRunError(
                    f"pipeline task {task['name']} has a CEL when expression, which a local "
                    "run cannot evaluate as Tekton does"
                )
            if task.get("onError") not in (None, "continue", "stopAndFail"):
                raise LocalRunError(
                    f"pipeline task {task['name']} has onError {task['onError']!r}; a local "
                    "run honours only continue and stopAndFail, written as they are"
                )
            task_name = task["taskRef"]["name"]
            tasks[task_name] = documents[("Task", task_name)]["spec"]
            refusing_step_actions(task_name, tasks[task_name])
            refusing_pod_containers(task_name, tasks[task_name])
        return cls(name, run, pipeline, tasks)

    @property
    def namespace(self) -> str:
        return str(self.run.get("metadata", {}).get("namespace", "default"))

    @property
    def pipeline_tasks(self) -> list[Mapping[str, Any]]:
        return list(self.pipeline.get("tasks", []))

    @property
    def finally_tasks(self) -> list[Mapping[str, Any]]:
        return list(self.pipeline.get("finally", []))

    def pipeline_task(self, name: str) -> Mapping[str, Any]:
        for task in [*self.pipeline_tasks, *self.finally_tasks]:
            if task["name"] == name:
                return task
        known = [task["name"] for task in [*self.pipeline_tasks, *self.finally_tasks]]
        raise LocalRunError(f"pipeline has no task {name!r}" + did_you_mean(name, known))

    def task_spec(self, pipeline_task: Mapping[str, Any]) -> Mapping[str, Any]:
        return self.tasks[pipeline_task["taskRef"]["name"]]

    def fs_group(self) -> int | None:
        spec = self.run["spec"]
        template = spec.get("taskRunTemplate", {}).get("podTemplate") or spec.get("podTemplate")
        group = (template or {}).get("securityContext", {}).get("fsGroup")
        return int(group) if group is not None else None

    def unapplied_pod_settings(self) -> list[str]:
        """The pod template fields (the run's, and each taskRunSpecs entry) a local run does not
        emulate, so `modelcar run` can say so: steps run here as if they were unset. The
        fsGroup is left out: --user and --containers honour it; so are labels and annotations,
        which no step reads."""
        spec = self.run["spec"]
        template = spec.get("taskRunTemplate", {}).get("podTemplate") or spec.get("podTemplate")
        unapplied = [
            f"podTemplate {field}" for field in sorted(template or {}) if field != "securityContext"
        ]
        security = (template or {}).get("securityContext", {})
        unapplied += [
            f"podTemplate securityContext.{f}" for f in sorted(security) if f != "fsGroup"
        ]
        # Labels and annotations (an entry's metadata) change nothing a step does.
        unapplied += [
            f"taskRunSpecs for {entry.get('pipelineTaskName')}"
            for entry in spec.get("taskRunSpecs", [])
            if set(entry) - {"pipelineTaskName", "metadata"}
        ]
        return unapplied

    def images(self) -> list[str]:
        """Every step image of the Tasks this run uses, once, in order."""
        seen: dict[str, None] = {}
        for spec in self.tasks.values():
            for step in spec.get("steps", []):
                if step.get("image"):
                    seen[step["image"]] = None
        return list(seen)

    def params(self, overrides: Mapping[str, Value]) -> dict[str, Value]:
        """The run's params over the Pipeline's defaults, with `overrides` (from --param) on
        top; every override must be a declared param of the right type."""
        declared = {param["name"]: param for param in self.pipeline.get("params", [])}
        checked: dict[str, Value] = {}
        for name, value in overrides.items():
            if name not in declared:
                raise LocalRunError(
                    f"--param {name}: the pipeline has no such param" + did_you_mean(name, declared)
                )
            wanted = declared[name].get("type", "string")
            checked[name] = _coerced(name, value, wanted)
            enum = declared[name].get("enum")
            if enum and checked[name] not in enum:
                # As Tekton, which fails such a PipelineRun with InvalidParamValue.
                raise LocalRunError(f"--param {name}: {value!r} is not one of {enum}")
        given = {param["name"]: param["value"] for param in self.run["spec"].get("params", [])}
        values: dict[str, Value] = {}
        for name, param in declared.items():
            value = checked.get(name, given.get(name, param.get("default")))
            if value is None:
                raise LocalRunError(
                    f"the run gives no value for param {name}; pass --param {name}="
                )
            values[name] = value if isinstance(value, (list, dict)) else str(value)
        return values

    def timeouts(self) -> tuple[float | None, float | None, float | None]:
        """(pipeline, tasks, finally) in seconds, None for no limit, as Tekton defaults them."""
        spec = self.run["spec"]
        fields = dict(spec.get("timeouts") or {})
        if "timeout" in spec and "pipeline" not in fields:
            fields["pipeline"] = spec["timeout"]

        def seconds(field: str) -> float | None:
            text = fields.get(field)
            return go_duration_seconds(str(text)) if text is not None else None

        pipeline = seconds("pipeline")
        pipeline = DEFAULT_TIMEOUT_SECONDS if pipeline is None else pipeline or None
        finally_ = seconds("finally") or None
        tasks = seconds("tasks")
        if tasks is None:
            tasks = pipeline - finally_ if pipeline and finally_ else pipeline
        return pipeline, tasks or None, finally_


def _coerced(name: str, value: Value, wanted: str) -> Value:
    """A --param value as the param's type: an array from a JSON list or comma-separated
    text, an object from a JSON object; anything else is refused, naming the param."""
    if isinstance(value, str) and wanted == "array" and not value.startswith("["):
        value = value.split(",") if value else []
    elif isinstance(value, str) and wanted != "string":
        value = _json(name, value)
    got = "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "string"
    if got != wanted:
        raise LocalRunError(f"--param {name}: the param is {wanted}, the value {got}")
    if isinstance(value, list):
        return [item if isinstance(item, str) else json.dumps(item) for item in value]
    if isinstance(value, dict):
        return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}
    return value


def _json(name: str, text: str) -> Value:
    try:
        parsed: Value = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise LocalRunError(f"--param {name}: not JSON ({error})") from None
    return parsed


def parents(task: Mapping[str, Any]) -> list[str]:
    """The pipeline tasks `task` waits for: its runAfter, and those whose results or status its
    params and when expressions read."""
    found = list(task.get("runAfter", []))
    for text in texts_of(task):
        for body in references(text):
            parts = body.split(".")
            if parts[0] == "tasks" and len(parts) > 2:
                found.append(parts[1])
    return list(dict.fromkeys(found))


def result_references(task: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(task, result) for every `$(tasks.T.results.R...)` in the task's params and when."""
    found = []
    for text in texts_of(task):
        for body in references(text):
            parts = body.split(".")
            if parts[0] == "tasks" and len(parts) > 3 and parts[2] == "results":
                found.append((parts[1], parts[3].split("[")[0]))
    return list(dict.fromkeys(found))


def texts_of(task: Mapping[str, Any]) -> list[str]:
    """Every string of a pipeline task's params (matrix and include too) and when
    expressions."""
    texts: list[str] = []
    matrix = task.get("matrix", {})
    params = [
        *task.get("params", []),
        *matrix.get("params", []),
        *(param for entry in matrix.get("include", []) for param in entry.get("params", [])),
    ]
    for param in params:
        texts.extend(_strings(param.get("value")))
    for when in task.get("when", []):
        texts.extend(_strings(when.get("input")))
        texts.extend(_strings(when.get("values")))
        texts.extend(_strings(when.get("cel")))
    return texts


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for element in value for item in _strings(element)]
    if isinstance(value, dict):
        return [item for element in value.values() for item in _strings(element)]
    return []
