"""Steps in their images: each step is one `podman run` of its image, with the pod's paths
(workspaces at their mountPath, /tekton/results, /tekton/scripts, /tekton/home, /workspace),
the host's network (steps reach loopback services as they would reach cluster services) and
the step's env from a 0600 file that is removed when the step ends."""

from __future__ import annotations

import json
import os
import resource
import shutil
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from modelcar_dsl.running.run_plan import pull_option, security_options
from modelcar_dsl.running.step_process import ProcessOutcome, run_process
from modelcar_dsl.running.step_runtime import HostRuntime, RunAs, StepLaunch
from modelcar_dsl.running.taskrun import BASE_ENVIRONMENT

RESULTS = "/tekton/results"
SCRIPTS = "/tekton/scripts"
HOME = "/tekton/home"
WORKSPACE = "/workspace"
LABEL = "modelcar.taskrun"
"""Each container's TaskRun directory, so `podman ps --filter label=...` finds a run's."""
OCI_RUNTIME = "runc"
"""crun 1.8 (Debian 12's) refuses hosts whose cgroups are in hybrid mode; runc runs on every
cgroup layout."""
PODMAN_NPROC = 32768
"""podman 4.3 lowers its own RLIMIT_NPROC to this before starting a container (seen with
strace), and a container cannot be given more than its runtime has without CAP_SYS_RESOURCE."""
INSTALL_HINT = "install podman, runc and catatonit (Debian: apt-get install podman runc catatonit)"
_SEARCHED = ("/usr/local/sbin", "/usr/sbin", "/sbin")
"""Where runc lives on distributions that keep it off a user's PATH; podman looks there too."""


def missing_tools() -> list[str]:
    """The tools `--containers` needs that this machine lacks."""
    search = os.pathsep.join([os.environ.get("PATH", ""), *_SEARCHED])
    return [tool for tool in ("podman", OCI_RUNTIME) if shutil.which(tool, path=search) is None]


@attrs.frozen
class ContainerRuntime:
    """Steps run in their images under podman, as `run_as` when given (the pod's runAsUser,
    with its fsGroup as a supplementary group)."""

    run_as: RunAs | None = None
    podman: str = "podman"

    def workspace_path(self, declaration: Mapping[str, Any], host: Path) -> str:
        return str(declaration.get("mountPath") or f"{WORKSPACE}/{declaration['name']}")

    def results_path(self, host: Path) -> str:
        return RESULTS

    def home_path(self, host: Path) -> str:
        return HOME

    def prepare(self, directory: Path, volumes: Sequence[Path]) -> None:
        """The same ownership as steps running here get: the mounts are this machine's
        directories, so the container's user must own them the same way."""
        HostRuntime(self.run_as).prepare(directory, volumes)

    def run(self, launch: StepLaunch) -> ProcessOutcome:
        directory = launch.directory
        mounts = _mounts(directory, launch.workspaces, launch.declarations)
        refused = _refusal(launch.step_name, launch.image, mounts)
        if refused:
            return launch.refused(refused)
        name = f"modelcar-{uuid.uuid4().hex[:16]}"
        step_env = _step_env(launch.env)
        single = {key: value for key, value in step_env.items() if not _multiline(value)}
        inherited = {key: value for key, value in step_env.items() if _multiline(value)}
        env_file = directory / f".env-{name}"
        descriptor = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as file:
                file.writelines(f"{key}={value}\n" for key, value in single.items())
            command = [
                *self._run_options(name, launch.working_dir, mounts),
                f"--label={LABEL}={directory}",
                *pull_option(launch.pull_policy),
                *security_options(launch.security_context),
                "--env-file",
                str(env_file),
                *[option for key in inherited for option in ("--env", key)],
                *_entrypoint(_in_container(launch.argv, directory), launch.image),
            ]
            ended = run_process(
                command,
                env={**os.environ, **inherited},
                cwd=directory,
                log=launch.log,
                on_line=launch.on_line,
                deadline=launch.deadline,
                cancelled=launch.cancelled,
            )
        finally:
            env_file.unlink(missing_ok=True)
        if ended.timed_out or ended.cancelled:
            self._remove(name)
        return ended

    def _run_options(
        self, name: str, working_dir: str, mounts: Sequence[tuple[Path, str, bool]]
    ) -> list[str]:
        options = [
            shutil.which(self.podman) or self.podman,  # on this process's PATH, not the step's
            "run",
            "--rm",
            "--quiet",
            "--init",
            f"--name={name}",
            f"--runtime={OCI_RUNTIME}",
            "--network=host",
            f"--ulimit=nofile={_limit(resource.RLIMIT_NOFILE, 1024 * 1024)}",
            f"--ulimit=nproc={_limit(resource.RLIMIT_NPROC, PODMAN_NPROC)}",
            f"--workdir={working_dir or WORKSPACE}",
        ]
        if self.run_as is not None:
            options.append(f"--user={self.run_as.uid}:{self.run_as.gid}")
            if self.run_as.fs_group is not None:
                options.append(f"--group-add={self.run_as.fs_group}")
        for source, target, read_only in mounts:
            options.append(f"--volume={source}:{target}{':ro' if read_only else ''}")
        return options

    def _remove(self, name: str) -> None:
        """The podman client was stopped, which may leave its container running: stop it."""
        run_process(
            [self.podman, "rm", "--force", "--ignore", "--time=0", name],
            env=os.environ,
            cwd=Path.cwd(),
            log=Path(os.devnull),
            on_line=lambda line: None,
            deadline=None,
            cancelled=threading.Event(),
        )


def _mounts(
    directory: Path, workspaces: Mapping[str, Path], declarations: Sequence[Mapping[str, Any]]
) -> list[tuple[Path, str, bool]]:
    """(host directory, path in the container, read-only) for each of the pod's volumes."""
    mounts = [
        (directory / "workspace", WORKSPACE, False),
        (directory / "results", RESULTS, False),
        (directory / "scripts", SCRIPTS, True),
        (directory / "home", HOME, False),
    ]
    for declaration in declarations:
        path = workspaces.get(declaration["name"])
        if path is not None:
            target = str(declaration.get("mountPath") or f"{WORKSPACE}/{declaration['name']}")
            mounts.append((path, target, bool(declaration.get("readOnly"))))
    return mounts


def _refusal(step_name: str, image: str, mounts: Sequence[tuple[Path, str, bool]]) -> str:
    """Why the step cannot be started in a container, or "" when it can."""
    if not image:
        return f"step {step_name} has no image"
    for source, target, _ in mounts:
        if ":" in str(source) or ":" in target:
            return f"{source} -> {target}: podman cannot mount a path with ':' in it"
    return ""


def _step_env(env: Mapping[str, str]) -> dict[str, str]:
    """The step's env without what the runner took from this machine (PATH, LANG, TMPDIR...):
    the image's own apply, as in a pod."""
    return {
        key: value
        for key, value in env.items()
        if not (key in BASE_ENVIRONMENT and os.environ.get(key) == value)
    }


def _multiline(value: str) -> bool:
    """An env file holds one line per variable; such a value is passed from podman's env."""
    return "\n" in value or "\r" in value


def _in_container(argv: Sequence[str], directory: Path) -> list[str]:
    """A script's path as the step sees it, under /tekton/scripts."""
    scripts = directory / "scripts"
    if argv and Path(argv[0]).parent == scripts:
        return [f"{SCRIPTS}/{Path(argv[0]).name}", *argv[1:]]
    return list(argv)


def _entrypoint(argv: Sequence[str], image: str) -> list[str]:
    """A step with a command replaces the image's entrypoint; one without runs the image's.
    "--" ends podman's options: an image taken from a param must not add to them."""
    if not argv:
        return ["--", image]
    return [f"--entrypoint={json.dumps([argv[0]])}", "--", image, *argv[1:]]


def _limit(kind: int, ceiling: int) -> str:
    """soft:hard for the container, never above this process's hard limit (raising it needs
    CAP_SYS_RESOURCE, which a sandbox or rootless podman lacks) nor above `ceiling`."""
    _, hard = resource.getrlimit(kind)
    value = ceiling if hard == resource.RLIM_INFINITY else min(hard, ceiling)
    return f"{value}:{value}"
