"""Step constructors: scripts live in real files beside the task module, never inline in YAML."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from modelcar_dsl.authoring.script_source import AssembledScript, assemble_script
from modelcar_dsl.diagnostics.source import SourceLocation, caller_location
from modelcar_dsl.formats.durations import Duration, checked_duration
from modelcar_dsl.model.container_settings import (
    ImagePullPolicy,
    SecurityContext,
    Sidecar,
    VolumeMount,
    checked_mounts,
    checked_pull_policy,
    checked_security_context,
    refuse,
    sidecar_problems,
)
from modelcar_dsl.model.listing import listing_problems
from modelcar_dsl.model.refs import Ref
from modelcar_dsl.model.specs import EnvSource, OnError, Resources, Step, checked_on_error


def script_step(
    path: str,
    *,
    name: str | None = None,
    image: str | None = None,
    env: Mapping[str, str | Ref] | None = None,
    env_from: Iterable[EnvSource] = (),
    resources: Resources | None = None,
    working_dir: str | None = None,
    timeout: Duration | None = None,
    on_error: OnError | None = None,
    security_context: SecurityContext | None = None,
    image_pull_policy: ImagePullPolicy | None = None,
    volume_mounts: Iterable[VolumeMount] = (),
) -> Step:
    """A step that runs the script file at `path`, relative to the file that calls this.

    `on_error="continue"` lets the task go on when this step fails. `security_context`,
    `image_pull_policy` and `volume_mounts` (of the task's `volumes`) set up its container.
    The script reads its inputs from environment variables; the compiler wires every task param,
    workspace path and result path into the step's env. Library files the script sources (bash)
    or imports (Python) from its own task library are inlined, so the Task is self-contained.
    """
    location = caller_location()
    assembled = _script_beside(path, location)
    script_path = (Path(location.file).parent / path).resolve()
    return Step(
        name=name or script_path.stem.replace("_", "-").lower(),
        location=location,
        image=image,
        script=assembled.text,
        script_origins=assembled.origins,
        env={key: str(value) for key, value in (env or {}).items()},
        env_from=tuple(env_from),
        resources=resources,
        working_dir=working_dir,
        timeout=checked_duration(timeout, location),
        on_error=checked_on_error(on_error, location),
        security_context=checked_security_context(security_context, location),
        image_pull_policy=checked_pull_policy(image_pull_policy, location),
        volume_mounts=checked_mounts(volume_mounts, location),
    )


def command_step(
    name: str,
    command: Iterable[str | Ref],
    args: Iterable[str | Ref] = (),
    *,
    image: str | None = None,
    env: Mapping[str, str | Ref] | None = None,
    env_from: Iterable[EnvSource] = (),
    resources: Resources | None = None,
    working_dir: str | None = None,
    timeout: Duration | None = None,
    on_error: OnError | None = None,
    security_context: SecurityContext | None = None,
    image_pull_policy: ImagePullPolicy | None = None,
    volume_mounts: Iterable[VolumeMount] = (),
) -> Step:
    """A step that runs a command; params may appear in `args` (Tekton passes them as argv)."""
    location = caller_location()
    refuse(f"command_step({name!r})", listing_problems(command=command, args=args), location)
    return Step(
        name=name,
        location=location,
        image=image,
        command=tuple(str(part) for part in command),
        args=tuple(str(part) for part in args),
        env={key: str(value) for key, value in (env or {}).items()},
        env_from=tuple(env_from),
        resources=resources,
        working_dir=working_dir,
        timeout=checked_duration(timeout, location),
        on_error=checked_on_error(on_error, location),
        security_context=checked_security_context(security_context, location),
        image_pull_policy=checked_pull_policy(image_pull_policy, location),
        volume_mounts=checked_mounts(volume_mounts, location),
    )


def _script_beside(path: str, location: SourceLocation) -> AssembledScript:
    """The script file at `path` relative to the calling file, its libraries inlined."""
    return assemble_script((Path(location.file).parent / path).resolve(), location)


def sidecar(
    name: str,
    image: str,
    *,
    script: str | None = None,
    command: Iterable[str | Ref] = (),
    args: Iterable[str | Ref] = (),
    env: Mapping[str, str | Ref] | None = None,
    env_from: Iterable[EnvSource] = (),
    resources: Resources | None = None,
    volume_mounts: Iterable[VolumeMount] = (),
    security_context: SecurityContext | None = None,
    image_pull_policy: ImagePullPolicy | None = None,
    ports: Iterable[int] = (),
    working_dir: str | None = None,
    ready_port: int | None = None,
) -> Sidecar:
    """A container beside a task's steps (a registry, a cache) for as long as they run:
    `script` is a file relative to the calling file, as for `script_step`, or give `command`.
    It needs its own `image`: a task's default image applies to steps only. With `ready_port`,
    the steps start once the sidecar accepts connections on that port."""
    location = caller_location()
    lists = listing_problems(command=command, args=args, env_from=env_from, ports=ports)
    refuse(f"sidecar({name!r})", lists, location)
    given_ports = tuple(ports)
    problems = sidecar_problems(name, image, given_ports, ready_port)
    if resources is not None and not isinstance(resources, Resources):
        problems.append(f"resources={resources!r}: give Resources(requests=..., limits=...)")
    if script is not None and tuple(command):
        problems.append("give script or command, not both (Tekton refuses script with command)")
    refuse(f"sidecar({name!r})", problems, location)
    assembled = _script_beside(script, location) if script is not None else None
    return Sidecar(
        name=name,
        location=location,
        image=image,
        script=assembled.text if assembled else None,
        script_origins=assembled.origins if assembled else (),
        command=tuple(str(part) for part in command),
        args=tuple(str(part) for part in args),
        env=tuple((key, str(value)) for key, value in (env or {}).items()),
        env_from=tuple(env_from),
        resources=resources,
        volume_mounts=checked_mounts(volume_mounts, location),
        security_context=checked_security_context(security_context, location),
        image_pull_policy=checked_pull_policy(image_pull_policy, location),
        ports=given_ports,
        working_dir=working_dir,
        ready_port=ready_port,
    )
