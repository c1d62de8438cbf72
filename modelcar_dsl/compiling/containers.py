"""A container's securityContext, pull policy and mounts, a Task's volumes and its sidecars,
as Tekton's documents hold them (fields in the order Tekton's types declare them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from modelcar_dsl.compiling.pod_template import compute_resources
from modelcar_dsl.model.container_settings import (
    SecurityContext,
    Sidecar,
    TaskVolume,
    VolumeMount,
)
from modelcar_dsl.model.specs import (
    ConfigMapVolume,
    EmptyDir,
    EnvSource,
    ExistingClaim,
    SecretEnv,
    SecretVolume,
    Step,
)
from modelcar_dsl.model.target import Target
from modelcar_dsl.tekton.documents import (
    ConfigMapKeySelector,
    EnvVar,
    SecretKeySelector,
    V1beta1Sidecar,
    V1beta1Step,
    V1Sidecar,
    V1Step,
    Volume,
)
from modelcar_dsl.tekton.documents import SecurityContext as SecurityContextDocument
from modelcar_dsl.tekton.documents import VolumeMount as VolumeMountDocument

_Container = TypeVar("_Container", V1Step, V1beta1Step, V1Sidecar, V1beta1Sidecar)
_Sidecar = TypeVar("_Sidecar", V1Sidecar, V1beta1Sidecar)


def container_env(env: Iterable[tuple[str, str]], env_from: Iterable[EnvSource]) -> list[EnvVar]:
    """A container's env: its plain values in the user's order, then its Secret and ConfigMap
    keys (Tekton omits a false `optional`, so it is written only when true)."""
    variables: list[EnvVar] = [{"name": name, "value": value} for name, value in env]
    for source in env_from:
        if isinstance(source, SecretEnv):
            secret: SecretKeySelector = {"name": source.secret, "key": source.key}
            if source.optional:
                secret["optional"] = True
            variables.append({"name": source.name, "valueFrom": {"secretKeyRef": secret}})
        else:
            config_map: ConfigMapKeySelector = {"name": source.config_map, "key": source.key}
            if source.optional:
                config_map["optional"] = True
            variables.append({"name": source.name, "valueFrom": {"configMapKeyRef": config_map}})
    return variables


def with_container_settings(
    body: _Container,
    mounts: tuple[VolumeMount, ...],
    pull_policy: str | None,
    security: SecurityContext | None,
) -> _Container:
    """volumeMounts, imagePullPolicy and securityContext, where Tekton's types place them:
    after the resources, before the script."""
    if mounts:
        body["volumeMounts"] = [volume_mount(mount) for mount in mounts]
    if pull_policy is not None:
        body["imagePullPolicy"] = pull_policy
    if security is not None:
        body["securityContext"] = security_context(security)
    return body


def step_settings(body: _Container, step: Step) -> _Container:
    return with_container_settings(
        body, step.volume_mounts, step.image_pull_policy, step.security_context
    )


def volume_mount(mount: VolumeMount) -> VolumeMountDocument:
    """Kubernetes omits a false readOnly and an empty subPath, so only set ones are written."""
    document: VolumeMountDocument = {"name": mount.name, "mountPath": mount.mount_path}
    if mount.read_only:
        document["readOnly"] = True
    if mount.sub_path:
        document["subPath"] = mount.sub_path
    return document


def security_context(security: SecurityContext) -> SecurityContextDocument:
    """The set fields, in the alphabetical order Kubernetes' JSON keeps."""
    document: SecurityContextDocument = {}
    if security.allow_privilege_escalation is not None:
        document["allowPrivilegeEscalation"] = security.allow_privilege_escalation
    if security.capabilities_add or security.capabilities_drop:
        document["capabilities"] = {}
        if security.capabilities_add:
            document["capabilities"]["add"] = list(security.capabilities_add)
        if security.capabilities_drop:
            document["capabilities"]["drop"] = list(security.capabilities_drop)
    if security.privileged is not None:
        document["privileged"] = security.privileged
    if security.read_only_root_filesystem is not None:
        document["readOnlyRootFilesystem"] = security.read_only_root_filesystem
    if security.run_as_group is not None:
        document["runAsGroup"] = security.run_as_group
    if security.run_as_non_root is not None:
        document["runAsNonRoot"] = security.run_as_non_root
    if security.run_as_user is not None:
        document["runAsUser"] = security.run_as_user
    if security.seccomp_profile is not None:
        document["seccompProfile"] = {"type": security.seccomp_profile}
    return document


def task_volume(volume: TaskVolume) -> Volume:
    document: Volume = {"name": volume.name}
    source = volume.source
    if isinstance(source, EmptyDir):
        document["emptyDir"] = {}
    elif isinstance(source, ConfigMapVolume):
        document["configMap"] = {"name": source.name}
    elif isinstance(source, SecretVolume):
        document["secret"] = {"secretName": source.secret_name}
    else:
        assert isinstance(source, ExistingClaim)
        document["persistentVolumeClaim"] = {"claimName": source.claim_name}
        if source.read_only:
            document["persistentVolumeClaim"]["readOnly"] = True
    return document


def _sidecar(body: _Sidecar, sidecar: Sidecar, target: Target) -> _Sidecar:
    """A sidecar's fields up to its resources, the same in both versions."""
    body["name"] = sidecar.name
    body["image"] = target.image_mirrors.mirrored(sidecar.image)
    if sidecar.command:
        body["command"] = list(sidecar.command)
    if sidecar.args:
        body["args"] = list(sidecar.args)
    if sidecar.working_dir:
        body["workingDir"] = sidecar.working_dir
    if sidecar.ports:
        body["ports"] = [{"containerPort": port} for port in sidecar.ports]
    env = container_env(sidecar.env, sidecar.env_from)
    if env:
        body["env"] = env
    return body


def _after_resources(body: _Sidecar, sidecar: Sidecar) -> _Sidecar:
    """The rest of a sidecar, in the order of Tekton's Sidecar: mounts, probe, pull policy,
    securityContext, script."""
    if sidecar.volume_mounts:
        body["volumeMounts"] = [volume_mount(mount) for mount in sidecar.volume_mounts]
    if sidecar.ready_port is not None:
        body["readinessProbe"] = {"tcpSocket": {"port": sidecar.ready_port}}
    with_container_settings(body, (), sidecar.image_pull_policy, sidecar.security_context)
    if sidecar.script is not None:
        body["script"] = sidecar.script
    return body


def v1_sidecars(sidecars: tuple[Sidecar, ...], target: Target) -> list[V1Sidecar]:
    documents: list[V1Sidecar] = []
    for sidecar in sidecars:
        body = _sidecar(V1Sidecar(), sidecar, target)
        if sidecar.resources:
            body["computeResources"] = compute_resources(sidecar.resources)
        documents.append(_after_resources(body, sidecar))
    return documents


def v1beta1_sidecars(sidecars: tuple[Sidecar, ...], target: Target) -> list[V1beta1Sidecar]:
    documents: list[V1beta1Sidecar] = []
    for sidecar in sidecars:
        body = _sidecar(V1beta1Sidecar(), sidecar, target)
        if sidecar.resources:
            body["resources"] = compute_resources(sidecar.resources)
        documents.append(_after_resources(body, sidecar))
    return documents
