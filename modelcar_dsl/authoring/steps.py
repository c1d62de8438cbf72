"""Step constructors: scripts live in real files beside the task module, never inline in YAML."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from modelcar_dsl.authoring.script_source import assemble_script
from modelcar_dsl.diagnostics.source import caller_location
from modelcar_dsl.formats.durations import Duration, checked_duration
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
) -> Step:
    """A step that runs the script file at `path`, relative to the file that calls this.

    `on_error="continue"` lets the task go on when this step fails.
    The script reads its inputs from environment variables; the compiler wires every task param,
    workspace path and result path into the step's env. Library files the script sources (bash)
    or imports (Python) from its own task library are inlined, so the Task is self-contained.
    """
    location = caller_location()
    script_path = (Path(location.file).parent / path).resolve()
    assembled = assemble_script(script_path, location)
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
) -> Step:
    """A step that runs a command; params may appear in `args` (Tekton passes them as argv)."""
    location = caller_location()
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
    )
