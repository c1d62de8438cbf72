"""Rules for a Task's steps and sidecars (Tekton's container_validation.go and what Kubernetes
refuses of the pod): names, images, scripts, mounts, pull policy, securityContext, ports and
env, and a step's StepAction ref."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.catalog import Origin
from modelcar_dsl.formats.durations import go_duration_seconds, is_duration
from modelcar_dsl.formats.group_ids import MAX_GID, is_group_id
from modelcar_dsl.formats.names import ENV_NAME, dns_label_problem, pattern_problem
from modelcar_dsl.formats.paths import clean_path
from modelcar_dsl.model.container_settings import (
    HOME_MOUNT,
    IMAGE_PULL_POLICIES,
    RESERVED_MOUNT,
    RESERVED_VOLUME_PREFIX,
    sub_path_problem,
)
from modelcar_dsl.rules.declarations import duplicate_findings
from modelcar_dsl.rules.document import Report, mappings
from modelcar_dsl.rules.findings import HERE, Finding, via_field, via_index
from modelcar_dsl.rules.resource_ref import check_ref
from modelcar_dsl.rules.tls import check_container_tls
from modelcar_dsl.rules.variables import INJECTED_VALUE
from modelcar_dsl.rules.when import when_findings

ON_ERROR = ("continue", "stopAndFail", "continueAndFail")
STEP_ACTION_PROVIDES = (
    "image",
    "command",
    "args",
    "script",
    "workingDir",
    "env",
    "volumeMounts",
    "results",
)
"""A step's fields that a StepAction `ref` replaces, so the webhook refuses them beside it."""
SCRIPT_WITH_COMMAND = (
    "script cannot be used with command: put the command in the script, or drop "
    "the script and keep command and args"
)


def check_container(
    container: dict[str, Any], path: str, report: Report, is_step: bool, template_image: Any = None
) -> None:
    """A step or sidecar at `path`; a step may take its image from the stepTemplate."""
    report.add(_name_findings(container, is_step), path)
    has_ref = is_step and "ref" in container
    if has_ref:
        check_ref(container.get("ref"), f"{path}.ref", report, "step ref")
    report.add(_ref_findings(container, is_step, has_ref), path)
    report.add(_command_findings(container, is_step, has_ref, template_image), path)
    if is_step:
        report.add(_step_findings(container), path)
    report.add(_mount_findings(container, is_step), path)
    report.add(_settings_findings(container), path)
    report.add(env_findings(container), path)
    check_container_tls(container, path, report)
    report.add(_script_findings(container), path)


def _name_findings(container: dict[str, Any], is_step: bool) -> list[Finding]:
    name = container.get("name")
    what = "step name" if is_step else "sidecar name"
    if isinstance(name, str) and name and (problem := dns_label_problem(name, what)):
        # Tekton's webhook checks step names only (Sidecar.Validate does not); the pod of a
        # sidecar with such a name is refused when the run starts.
        origin: Origin | None = None if is_step else "run"
        return [Finding(catalog.STEP_NAME, problem, origin=origin).via_field("name")]
    return []


def _ref_findings(container: dict[str, Any], is_step: bool, has_ref: bool) -> list[Finding]:
    """A step that runs a StepAction takes its container from it: only the StepAction sets
    what it runs and where; params go to a StepAction only."""
    if has_ref:
        return [
            Finding(
                catalog.STEP_REF,
                f"{field} cannot be used with ref: the StepAction provides it; set it in "
                "the StepAction, or pass a param it declares",
            ).via_field(field)
            for field in STEP_ACTION_PROVIDES
            if container.get(field)
        ]
    if is_step and container.get("params"):
        message = "params are passed to a StepAction: a step without a ref cannot have them"
        return [Finding(catalog.STEP_REF, message).via_field("params")]
    return []


def _command_findings(
    container: dict[str, Any], is_step: bool, has_ref: bool, template_image: Any
) -> list[Finding]:
    """An image to run, and a script or a command but not both."""
    findings = []
    if not container.get("image") and not has_ref and not template_image:
        name = container.get("name")
        message = f"{'step' if is_step else 'sidecar'} {name or '(unnamed)'!r} has no image"
        findings.append(Finding(catalog.STEP_IMAGE, message).via_field("image"))
    if not has_ref and container.get("script") and container.get("command"):
        where = HERE.field("script")
        findings.append(Finding(catalog.STEP_SCRIPT_COMMAND, SCRIPT_WITH_COMMAND, where))
    return findings


def _step_findings(step: dict[str, Any]) -> list[Finding]:
    """What only a step has: a timeout, `when` expressions and onError."""
    findings = []
    timeout = step.get("timeout")
    if timeout is not None and not is_duration(timeout):
        message = f"timeout {timeout!r} is not a duration like 1h30m, 90s or 0 (no timeout)"
        findings.append(Finding(catalog.TASK_TIMEOUT, message).via_field("timeout"))
    elif isinstance(timeout, str) and (go_duration_seconds(timeout) or 0) < 0:
        message = f"timeout {timeout!r} is negative"
        findings.append(Finding(catalog.TASK_TIMEOUT, message).via_field("timeout"))
    findings += via_field(when_findings(step.get("when")), "when")
    on_error = step.get("onError")
    parametrized = str(on_error).startswith("$(params")
    # An empty onError is Go's zero value, which Tekton's webhook takes as unset.
    if on_error not in (None, "") and on_error not in ON_ERROR and not parametrized:
        message = f"onError {on_error!r} is not one of {', '.join(ON_ERROR)}"
        findings.append(Finding(catalog.STEP_ON_ERROR, message).via_field("onError"))
    return findings


def _mount_findings(container: dict[str, Any], is_step: bool) -> list[Finding]:
    """volumeMounts: not under /tekton, not with Tekton's reserved names, each path once and a
    subPath inside the volume (the last two Kubernetes' checks of the pod, when the run starts)."""
    findings: list[Finding] = []
    mount_paths = []
    for index, mount in mappings(container.get("volumeMounts")):
        mount_path = clean_path(str(mount.get("mountPath", "")))
        findings += via_index(_reserved_mount_findings(mount, mount_path, is_step), index)
        mount_paths.append((index, mount_path))
        sub_path = mount.get("subPath")
        if sub_path not in (None, "") and (problem := sub_path_problem(sub_path, "subPath")):
            # The API server refuses the TaskRun's pod; Tekton's webhook passes it.
            message = f"{problem}; Kubernetes refuses the pod"
            finding = Finding(catalog.VOLUME_MOUNT, message, origin="run").via_field("subPath")
            findings.append(finding.via_index(index))
    findings += duplicate_findings(
        mount_paths,
        catalog.VOLUME_MOUNT,
        lambda mount_path: f"volumeMount path {mount_path!r} is used more than once",
        "mountPath",
        origin="run",
    )
    return via_field(findings, "volumeMounts")


def _reserved_mount_findings(
    mount: dict[str, Any], mount_path: str, is_step: bool
) -> list[Finding]:
    """Tekton's webhook refuses these in a step (Step.Validate); in a sidecar (Sidecar.Validate
    checks neither) they are modelcar's policy, which keeps /tekton/ for Tekton's volumes."""
    findings = []
    origin: Origin | None = None if is_step else "modelcar"
    policy = "" if is_step else " (a sidecar's: modelcar's policy; Tekton checks steps')"
    if mount_path.startswith(RESERVED_MOUNT) and not mount_path.startswith(HOME_MOUNT):
        message = f"volumeMount path {mount_path!r} is under /tekton, which Tekton reserves"
        findings.append(
            Finding(catalog.VOLUME_MOUNT, message + policy, origin=origin).via_field("mountPath")
        )
    mount_name = str(mount.get("name", ""))
    if mount_name.startswith(RESERVED_VOLUME_PREFIX):
        message = f"volumeMount name {mount_name!r} uses the reserved prefix 'tekton-internal-'"
        findings.append(
            Finding(catalog.VOLUME_MOUNT, message + policy, origin=origin).via_field("name")
        )
    return findings


def _settings_findings(container: dict[str, Any]) -> list[Finding]:
    """What Kubernetes refuses of a container's pull policy and securityContext (Tekton
    passes both through): the pod of the TaskRun is not created."""
    findings = []
    policy = container.get("imagePullPolicy")
    if policy not in (None, "", *IMAGE_PULL_POLICIES):
        message = f"imagePullPolicy {policy!r} is not one of {', '.join(IMAGE_PULL_POLICIES)}"
        findings.append(Finding(catalog.CONTAINER_SETTINGS, message).via_field("imagePullPolicy"))
    security = container.get("securityContext")
    if isinstance(security, dict):
        findings += via_field(_security_findings(security), "securityContext")
    return findings + _port_findings(container)


def _port_findings(container: dict[str, Any]) -> list[Finding]:
    """containerPorts 1 to 65535 (the API server refuses the pod), each once per protocol
    (modelcar's policy: Kubernetes only warns), as `sidecar(ports=)` is held."""
    findings = []
    seen = []
    for index, port in mappings(container.get("ports")):
        number = port.get("containerPort")
        if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 65536:
            message = f"containerPort {number!r} is not a whole number from 1 to 65535"
            where = HERE.field("ports").index(index).field("containerPort")
            findings.append(Finding(catalog.CONTAINER_SETTINGS, message, where))
        seen.append((index, (number, port.get("protocol") or "TCP")))
    repeated = duplicate_findings(
        seen,
        catalog.CONTAINER_SETTINGS,
        lambda pair: (
            f"containerPort {pair[0]!r} ({pair[1]}) is given twice (modelcar's "
            "policy: Kubernetes only warns)"
        ),
        "containerPort",
        origin="modelcar",
    )
    return findings + via_field(repeated, "ports")


def _security_findings(security: dict[str, Any]) -> list[Finding]:
    findings = []
    for field in ("runAsUser", "runAsGroup"):
        value = security.get(field)
        if value is not None and not is_group_id(value):
            message = f"{field} {value!r} is not a whole number from 0 to {MAX_GID}"
            findings.append(Finding(catalog.CONTAINER_SETTINGS, message).via_field(field))
    if security.get("runAsNonRoot") is True and security.get("runAsUser") == 0:
        # The kubelet refuses to start it (verifyRunAsNonRoot), as the DSL's SecurityContext says.
        message = "runAsNonRoot: true with runAsUser: 0; the container cannot start"
        findings.append(Finding(catalog.CONTAINER_SETTINGS, message).via_field("runAsUser"))
    if security.get("allowPrivilegeEscalation") is False:
        added = (security.get("capabilities") or {}).get("add") or []
        if security.get("privileged") is True:
            message = "privileged: true with allowPrivilegeEscalation: false; set one"
            findings.append(Finding(catalog.CONTAINER_SETTINGS, message).via_field("privileged"))
        if "CAP_SYS_ADMIN" in added:
            message = "capabilities.add CAP_SYS_ADMIN with allowPrivilegeEscalation: false"
            findings.append(Finding(catalog.CONTAINER_SETTINGS, message).via_field("capabilities"))
    return findings


def env_findings(container: dict[str, Any]) -> list[Finding]:
    """env var names Kubernetes takes, each set once."""
    findings = []
    names = []
    for index, env in mappings(container.get("env")):
        name = str(env.get("name", ""))
        names.append((index, name))
        if problem := pattern_problem(name, ENV_NAME, "env var", "letters, digits, '_', '-', '.'"):
            message = f"{problem}; Kubernetes refuses the pod"
            where = HERE.index(index).field("name")
            findings.append(Finding(catalog.ENV_NAME, message, where, origin="run"))
    findings += duplicate_findings(
        names,
        catalog.ENV_NAME,
        lambda name: (
            f"env var {name!r} is set more than once; Kubernetes keeps one value silently"
            " (in the DSL: a param and an object param's key that both become this name)"
        ),
        origin="modelcar",
    )
    return via_field(findings, "env")


def _script_findings(container: dict[str, Any]) -> list[Finding]:
    """Values Tekton pastes into a script's text (script injection)."""
    script = container.get("script")
    if not isinstance(script, str) or "$(" not in script:
        return []
    return [
        Finding(
            catalog.SCRIPT_VARIABLE,
            f"script contains {match.group(0)}; Tekton pastes the value into the script text "
            "(script injection). Pass it in env and read the variable instead",
        ).via_field("script")
        for match in INJECTED_VALUE.finditer(script)
    ]
