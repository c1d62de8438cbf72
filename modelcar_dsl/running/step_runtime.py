"""Where a step runs: on this machine with its tools (the default), or in its image. The
runtime decides the paths a step sees for its workspaces and results, and starts its process."""

from __future__ import annotations

import os
import shutil
import stat
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs

from modelcar_dsl.diagnostics.errors import LocalRunError
from modelcar_dsl.running.step_process import ProcessOutcome, run_process

MAX_ID = 2**32 - 2
"""The largest uid or gid: 2**32 - 1 is -1 to setreuid and chown, "leave it as it is", which
would leave a step running as root."""


class StepRuntime(Protocol):
    """How steps are started, and the paths they see."""

    def workspace_path(self, declaration: Mapping[str, Any], host: Path) -> str: ...

    def results_path(self, host: Path) -> str: ...

    def home_path(self, host: Path) -> str: ...

    def prepare(self, directory: Path, volumes: Sequence[Path]) -> None:
        """Once per TaskRun, before its first step: make `directory` and the run's own
        `volumes` what the pod's user would find."""

    def run(self, launch: StepLaunch) -> ProcessOutcome: ...


@attrs.frozen
class StepLaunch:
    """One step, ready to start: what it runs, with what env and where, the TaskRun directory
    and workspaces it sees, where its lines go, and what stops it."""

    step_name: str
    image: str
    argv: Sequence[str]
    env: Mapping[str, str]
    working_dir: str
    directory: Path
    workspaces: Mapping[str, Path]
    declarations: Sequence[Mapping[str, Any]]
    log: Path
    on_line: Callable[[str], None]
    deadline: float | None
    cancelled: threading.Event
    pull_policy: str | None = None
    """The step's imagePullPolicy, which a container runtime honours."""
    security_context: Mapping[str, Any] = attrs.field(factory=dict)
    """The step's securityContext, which a container runtime honours where podman can."""

    def refused(self, message: str) -> ProcessOutcome:
        """The step cannot start (as its container could not be created): why, in its log."""
        self.log.write_text(message + "\n")
        self.on_line(message)
        return ProcessOutcome(1)


@attrs.frozen
class RunAs:
    """A pod's user: steps run as `uid`:`gid`, with `fs_group` as their only other group when
    the pod has one (what fsGroup gives a pod), else with none (needs root; uses setpriv)."""

    uid: int = attrs.field(validator=lambda _, field, value: _check_id(field.name, value))
    gid: int = attrs.field(validator=lambda _, field, value: _check_id(field.name, value))
    fs_group: int | None = attrs.field(
        default=None, validator=lambda _, field, value: _check_id(field.name, value)
    )

    def prefix(self) -> list[str]:
        groups = f"--groups={self.fs_group}" if self.fs_group is not None else "--clear-groups"
        # setpriv is found on this process's PATH: the step's env (its PATH, say a bin/ in a
        # workspace the step's user writes) is the step's, and setpriv runs as root.
        # "--" ends setpriv's options: a command taken from a param must not add to them.
        setpriv = shutil.which("setpriv") or "setpriv"
        return [setpriv, f"--reuid={self.uid}", f"--regid={self.gid}", groups, "--"]

    def own(self, *paths: Path) -> None:
        """Give the step's user what a pod's user owns: its results, home and scratch."""
        for path in paths:
            os.chown(path, self.uid, self.gid)

    def share_volume(self, path: Path) -> None:
        """What the kubelet does to a volume for fsGroup: the group owns every file, may
        write it, and new files inherit the group (setgid directories)."""
        if self.fs_group is None:
            return
        _share(str(path), None, self.fs_group)
        for _, directories, files, root in os.fwalk(path):
            for name in [*directories, *files]:
                _share(name, root, self.fs_group)


def _check_id(field: str, value: int | None) -> None:
    if value is not None and not 0 <= value <= MAX_ID:
        raise LocalRunError(f"user {field} {value} is not between 0 and {MAX_ID}")


def _share(name: str, directory: int | None, group: int) -> None:
    """One file or directory given to `group`, through a descriptor opened without following
    a symlink: the step's user may swap one in while this walks, or remove the file."""
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=directory)
    except OSError:
        return  # a symlink (left alone, as the kubelet leaves it), a socket, or gone
    try:
        os.fchown(descriptor, -1, group)
        mode = os.fstat(descriptor).st_mode
        extra = 0o2070 if stat.S_ISDIR(mode) else 0o060
        os.fchmod(descriptor, (mode | extra) & 0o7777)
    finally:
        os.close(descriptor)


@attrs.frozen
class HostRuntime:
    """Steps run here, with the tools on PATH; paths are this machine's. Each step's image is
    not used (the console says which)."""

    run_as: RunAs | None = None

    def workspace_path(self, declaration: Mapping[str, Any], host: Path) -> str:
        return str(host)

    def results_path(self, host: Path) -> str:
        return str(host)

    def home_path(self, host: Path) -> str:
        return str(host)

    def prepare(self, directory: Path, volumes: Sequence[Path]) -> None:
        if self.run_as is not None:
            self.run_as.own(directory / "results", directory / "home", directory / "workspace")
            for path in volumes:
                self.run_as.share_volume(path)

    def run(self, launch: StepLaunch) -> ProcessOutcome:
        working_dir, directory = launch.working_dir, launch.directory
        cwd = Path(working_dir) if working_dir else directory / "workspace"
        try:
            if not cwd.is_dir():
                inside = [directory, *launch.workspaces.values()]
                if not any(cwd.resolve().is_relative_to(root.resolve()) for root in inside):
                    return launch.refused(
                        f"workingDir {working_dir} does not exist on this machine"
                    )
                cwd.mkdir(parents=True, exist_ok=True)
        except (OSError, ValueError) as error:
            # A workingDir from a param (a NUL, a name too long, a place it may not go): the
            # step cannot start, as its container could not be created.
            return launch.refused(f"workingDir {working_dir!r} cannot be used: {error}")
        if not launch.argv:
            return launch.refused(
                f"step {launch.step_name} has no command or script: its image's entrypoint "
                "cannot run on this machine"
            )
        command = list(launch.argv)
        if self.run_as is not None:
            command = [*self.run_as.prefix(), *command]
        return run_process(
            command,
            env=launch.env,
            cwd=cwd,
            log=launch.log,
            on_line=launch.on_line,
            deadline=launch.deadline,
            cancelled=launch.cancelled,
        )
