"""What a step or sidecar container runs as, mounts and pulls; a Task's own pod volumes.

Each value is checked as Kubernetes checks a container when it is built, every problem of one
value together: Tekton passes these fields through, so a mistake would otherwise surface only
when a TaskRun's pod is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

import attrs

from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation, caller_location
from modelcar_dsl.formats.group_ids import MAX_GID, is_group_id
from modelcar_dsl.formats.names import dns_label_problem
from modelcar_dsl.formats.paths import clean_path
from modelcar_dsl.model.listing import as_listed, as_tuple, listing_problems
from modelcar_dsl.model.pod_template import SECCOMP_PROFILES
from modelcar_dsl.model.specs import (
    ConfigMapVolume,
    EmptyDir,
    EnvSource,
    ExistingClaim,
    Resources,
    SecretVolume,
    VolumeClaim,
)

ImagePullPolicy = Literal["Always", "IfNotPresent", "Never"]
IMAGE_PULL_POLICIES: tuple[ImagePullPolicy, ...] = ("Always", "IfNotPresent", "Never")
RESERVED_MOUNT = "/tekton/"
HOME_MOUNT = "/tekton/home"
"""Tekton mounts its own volumes under /tekton/ and refuses user mounts there, but for home."""
PodVolumeSource = EmptyDir | ConfigMapVolume | SecretVolume | ExistingClaim
"""What a Task's pod can mount itself; a per-run claim (VolumeClaim) exists only for a run."""


CAPABILITY_NAME = re.compile(r"[A-Za-z0-9_]+")
"""One Linux capability (NET_BIND_SERVICE, CAP_NET_RAW, ALL): podman reads `--cap-add=A,B`
as two, a cluster's runtime `A,B` as one it does not know, so a local run would grant what
the cluster refuses."""


def _here() -> SourceLocation:
    return caller_location(skip_generated=True)


def refuse(owner: str, problems: list[str], location: SourceLocation) -> None:
    """One error naming every problem of `owner`, at the user's line that built it."""
    if problems:
        raise DefinitionError(f"{owner}: {'; '.join(problems)}", location)


def _flag_problem(name: str, value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return f"{name} must be True or False, got {value!r}"


def _id_problem(name: str, value: object) -> str | None:
    if value is None or is_group_id(value):
        return None
    return f"{name} {value!r} is not a whole number from 0 to {MAX_GID}"


@attrs.frozen
class SecurityContext:
    """A container's securityContext: who it runs as and what it may do. OpenShift's
    restricted-v2 SCC admits `SecurityContext(run_as_non_root=True,
    allow_privilege_escalation=False, capabilities_drop=["ALL"],
    seccomp_profile="RuntimeDefault")`; leave `run_as_user` unset there, the SCC picks it."""

    run_as_user: int | None = None
    run_as_group: int | None = None
    run_as_non_root: bool | None = None
    allow_privilege_escalation: bool | None = None
    read_only_root_filesystem: bool | None = None
    privileged: bool | None = None
    capabilities_add: tuple[str, ...] = attrs.field(default=(), converter=as_listed)
    capabilities_drop: tuple[str, ...] = attrs.field(default=(), converter=as_listed)
    seccomp_profile: str | None = None

    def __attrs_post_init__(self) -> None:
        problems = listing_problems(
            capabilities_add=self.capabilities_add, capabilities_drop=self.capabilities_drop
        )
        if problems:
            refuse("SecurityContext", problems, _here())
        problems += filter(None, [_id_problem("run_as_user", self.run_as_user)])
        problems += filter(None, [_id_problem("run_as_group", self.run_as_group)])
        for field in (
            "run_as_non_root",
            "allow_privilege_escalation",
            "read_only_root_filesystem",
            "privileged",
        ):
            problems += filter(None, [_flag_problem(field, getattr(self, field))])
        if self.run_as_non_root is True and self.run_as_user == 0:
            problems.append("run_as_non_root=True with run_as_user=0: the container cannot start")
        if self.allow_privilege_escalation is False and self.privileged is True:
            problems.append(
                "privileged=True with allow_privilege_escalation=False: Kubernetes refuses both"
            )
        if self.allow_privilege_escalation is False and "CAP_SYS_ADMIN" in self.capabilities_add:
            problems.append(
                "capabilities_add CAP_SYS_ADMIN with allow_privilege_escalation=False: "
                "Kubernetes refuses both"
            )
        for field in ("capabilities_add", "capabilities_drop"):
            for capability in getattr(self, field):
                if not isinstance(capability, str) or not CAPABILITY_NAME.fullmatch(capability):
                    problems.append(f"{field} holds {capability!r}, not a capability name")
        if self.seccomp_profile is not None and self.seccomp_profile not in SECCOMP_PROFILES:
            problems.append(
                f"seccomp_profile {self.seccomp_profile!r} is not one of "
                f"{', '.join(SECCOMP_PROFILES)}"
            )
        refuse("SecurityContext", problems, _here())


def checked_pull_policy(value: str | None, location: SourceLocation) -> ImagePullPolicy | None:
    """`image_pull_policy` as given, refused at the user's line unless Kubernetes knows it."""
    for policy in IMAGE_PULL_POLICIES:
        if value == policy:
            return policy
    if value is None:
        return None
    raise DefinitionError(
        f"image_pull_policy={value!r}: give one of {', '.join(map(repr, IMAGE_PULL_POLICIES))}",
        location,
    )


RESERVED_VOLUME_PREFIX = "tekton-internal-"
"""Tekton names its own pod volumes so (tekton-internal-home, -results, -scripts, ...) and its
webhook refuses a step's mount of such a name; a Task volume of one would collide in the pod."""


def _volume_name_problems(name: object) -> list[str]:
    """A volume's name, as a mount and the volume both give it: a DNS label, not Tekton's."""
    if not isinstance(name, str):
        return [f"name {name!r} is not a string"]
    if name.startswith(RESERVED_VOLUME_PREFIX):
        return [f"volume name {name!r}: Tekton reserves {RESERVED_VOLUME_PREFIX}* for its own"]
    problem = dns_label_problem(name, "volume name")
    return [problem] if problem else []


def mount_path_problem(mount_path: object, what: str) -> str | None:
    """Why a container cannot mount at `mount_path`, or None: the runtime needs an absolute
    path, Tekton refuses one under /tekton/ (but /tekton/home), and modelcar one a run's
    value places."""
    if not isinstance(mount_path, str) or not mount_path.startswith("/"):
        return f"{what} {mount_path!r} is not an absolute path"
    clean = clean_path(mount_path)
    if clean.startswith(RESERVED_MOUNT) and not clean.startswith(HOME_MOUNT):
        return f"{what} {clean!r} is under /tekton/, which Tekton reserves for its own volumes"
    if "$(" in mount_path:
        return (
            f"{what} {mount_path!r} holds a variable: Tekton checks the path before it "
            "substitutes, so a run's value ('../tekton/results') could mount it anywhere; "
            "modelcar's policy is a fixed path"
        )
    return None


def sub_path_problem(sub_path: object, what: str) -> str | None:
    """Why Kubernetes refuses `sub_path` (validateLocalDescendingPath), or None: it must stay
    inside the volume."""
    if (
        not isinstance(sub_path, str)
        or not sub_path
        or sub_path.startswith("/")
        or ".." in sub_path.split("/")
    ):
        return f"{what} {sub_path!r} must be a relative path inside the volume, without '..'"
    return None


@attrs.frozen
class VolumeMount:
    """Mounts the Task's volume `name` (a `TaskVolume`) into a step or sidecar at
    `mount_path`; `sub_path` mounts one directory or file of it."""

    name: str
    mount_path: str
    read_only: bool = False
    sub_path: str | None = None
    location: SourceLocation = attrs.field(factory=_here, eq=False, repr=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        problems = _volume_name_problems(self.name)
        problems += filter(None, [mount_path_problem(self.mount_path, "mount_path")])
        problems += filter(None, [_flag_problem("read_only", self.read_only)])
        if self.sub_path is not None:
            problems += filter(None, [sub_path_problem(self.sub_path, "sub_path")])
        refuse(f"VolumeMount({self.name!r})", problems, self.location)


@attrs.frozen
class TaskVolume:
    """A volume of the Task's own pod, mounted by its steps and sidecars through
    `VolumeMount`s: `EmptyDir()` scratch space, a `ConfigMapVolume`, a `SecretVolume` or an
    `ExistingClaim`. Data a run provides belongs in a workspace instead."""

    name: str
    source: PodVolumeSource
    location: SourceLocation = attrs.field(factory=_here, eq=False, repr=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        problems = _volume_name_problems(self.name)
        if isinstance(self.source, VolumeClaim):
            problems.append(
                "VolumeClaim(...) is a claim made per run (volumeClaimTemplate), which a "
                "Task's pod cannot declare; use a workspace for it, or ExistingClaim(name)"
            )
        elif not isinstance(self.source, PodVolumeSource):
            problems.append(
                f"source {self.source!r} is not EmptyDir(), ConfigMapVolume(name), "
                "SecretVolume(name) or ExistingClaim(name)"
            )
        refuse(f"TaskVolume({self.name!r})", problems, self.location)


def checked_mounts(
    mounts: Iterable[VolumeMount], location: SourceLocation
) -> tuple[VolumeMount, ...]:
    """`volume_mounts` of one container: VolumeMounts, each path once (Kubernetes refuses
    two mounts at one path)."""
    refuse("volume_mounts", listing_problems(volume_mounts=mounts), location)
    given = tuple(mounts)
    problems = [f"{m!r} is not a VolumeMount(...)" for m in given if not isinstance(m, VolumeMount)]
    paths = [clean_path(m.mount_path) for m in given if isinstance(m, VolumeMount)]
    twice = sorted({path for path in paths if paths.count(path) > 1})
    problems += [f"mount path {path!r} is used twice" for path in twice]
    refuse("volume_mounts", problems, location)
    return given


def checked_security_context(
    value: SecurityContext | None, location: SourceLocation
) -> SecurityContext | None:
    if value is None or isinstance(value, SecurityContext):
        return value
    raise DefinitionError(f"security_context={value!r}: give a SecurityContext(...)", location)


RESERVED_SIDECAR = "tekton-log-results"
"""The sidecar Tekton adds to read results from logs (ReservedResultsSidecarName)."""


@attrs.frozen
class Sidecar:
    """A container that runs beside a Task's steps for as long as they run: a registry, a
    cache, a database for a test. Unlike a step it takes no default image from the task."""

    name: str
    location: SourceLocation
    image: str
    script: str | None = None
    script_origins: tuple[tuple[str, int], ...] = ()
    command: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    args: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    env: tuple[tuple[str, str], ...] = ()
    env_from: tuple[EnvSource, ...] = attrs.field(default=(), converter=as_tuple)
    resources: Resources | None = None
    volume_mounts: tuple[VolumeMount, ...] = attrs.field(default=(), converter=as_tuple)
    security_context: SecurityContext | None = None
    image_pull_policy: ImagePullPolicy | None = None
    ports: tuple[int, ...] = attrs.field(default=(), converter=as_tuple)
    working_dir: str | None = None
    ready_port: int | None = None
    """The sidecar is ready once a TCP connection to this port succeeds (a readinessProbe);
    Tekton starts the steps only when every sidecar is ready."""


def sidecar_problems(
    name: object, image: object, ports: Iterable[object], ready_port: object = None
) -> list[str]:
    """What Tekton (an image, not its reserved name) and Kubernetes (a DNS label for the
    container, ports from 1 to 65535) refuse of a sidecar, and a port given twice (modelcar's
    policy: Kubernetes only warns)."""
    problems: list[str] = []
    if not isinstance(name, str):
        problems.append(f"name {name!r} is not a string")
    elif name == RESERVED_SIDECAR:
        problems.append(f"name {name!r} is reserved by Tekton; choose another")
    elif problem := dns_label_problem(name, "sidecar name"):
        problems.append(problem)
    if not isinstance(image, str) or not image.strip():
        problems.append(
            "image is required: a sidecar takes no image from the task (stepTemplate and "
            "@task(image=) apply to steps only)"
        )
    ports = list(ports)
    for port in ports:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            problems.append(f"port {port!r} is not a whole number from 1 to 65535")
    problems += [
        f"port {p!r} is given twice (modelcar's policy: Kubernetes only warns)"
        for p in set(ports)
        if ports.count(p) > 1
    ]
    if ready_port is not None and (
        isinstance(ready_port, bool)
        or not isinstance(ready_port, int)
        or not 0 < ready_port < 65536
    ):
        problems.append(f"ready_port {ready_port!r} is not a whole number from 1 to 65535")
    return problems


def checked_containers(
    volumes: Iterable[TaskVolume], sidecars: Iterable[Sidecar], location: SourceLocation
) -> tuple[tuple[TaskVolume, ...], tuple[Sidecar, ...]]:
    """`@task`'s volumes and sidecars as given, refused at its line unless they are
    TaskVolume(...)s and sidecar(...)s."""
    refuse("@task", listing_problems(volumes=volumes, sidecars=sidecars), location)
    given_volumes, given_sidecars = tuple(volumes), tuple(sidecars)
    problems = [
        f"volumes holds {v!r}, not a TaskVolume(name, source)"
        for v in given_volumes
        if not isinstance(v, TaskVolume)
    ]
    problems += [
        f"sidecars holds {s!r}, not a sidecar(...)"
        for s in given_sidecars
        if not isinstance(s, Sidecar)
    ]
    refuse("@task", problems, location)
    return given_volumes, given_sidecars
