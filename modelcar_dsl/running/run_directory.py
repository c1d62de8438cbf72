"""The run directory: what a local PipelineRun leaves on disk, and the lock that keeps a second
`modelcar run` out of it while one runs.

    RUN_DIR/.modelcar-run          marker (and lock): only such a directory is ever cleared
    RUN_DIR/state.json             each task's outcome and results, read by --from and --only
    RUN_DIR/workspaces/NAME/       a volumeClaimTemplate workspace: new for each fresh run
    RUN_DIR/claims/CLAIM/          a persistentVolumeClaim: kept from run to run
    RUN_DIR/tasks/TASK/            a TaskRun's results, scripts, logs and emptyDir volumes
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from modelcar_dsl.diagnostics.errors import LocalRunError

MARKER = ".modelcar-run"
STATE = "state.json"
STATE_VERSION = 1
_FRESH_EACH_RUN = ("workspaces", "tasks", STATE)
MAX_STATE_BYTES = 64 * 1024 * 1024
"""Far more than a run writes (each task's results are at most 4 KiB); a larger file is not
one of ours, and is not read into memory."""
_STATUSES = ("Pending", "Running", "Succeeded", "Failed", "Skipped")


@contextmanager
def locked_run_directory(path: Path) -> Iterator[Path]:
    """`path`, created if needed and locked for this process; a directory that holds other
    files, or one another run holds, is refused before anything is written."""
    if path.exists() and not path.is_dir():
        raise LocalRunError(f"{path} is a file; --run-dir needs a directory")
    if path.is_dir() and not (path / MARKER).is_file() and any(path.iterdir()):
        raise LocalRunError(
            f"{path} holds files that are not a modelcar run; choose an empty or new --run-dir"
        )
    path.mkdir(parents=True, exist_ok=True)
    _refuse_planted(path)
    descriptor = os.open(path / MARKER, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LocalRunError(
                f"another modelcar run is using {path}; wait for it or choose another --run-dir"
            ) from None
        yield path.resolve()
    finally:
        os.close(descriptor)


def _refuse_planted(path: Path) -> None:
    """A run directory someone else owns (made first in a shared place such as /tmp), or one
    where what a run makes is a symlink, would send this run's files (and a Secret's keys)
    where that someone chose: refused."""
    owner = path.stat().st_uid
    if owner != os.geteuid():
        raise LocalRunError(
            f"{path} belongs to another user (uid {owner}); choose a --run-dir of your own"
        )
    for name in (*_FRESH_EACH_RUN, "claims", "mapped"):
        if (path / name).is_symlink():
            raise LocalRunError(
                f"{path / name} is a symlink, which no run makes; remove it or choose another "
                "--run-dir"
            )


def clear_for_fresh_run(run_dir: Path) -> None:
    """Remove what a fresh run must not see: the last run's volumeClaimTemplate workspaces
    (a new PVC is empty), task directories and state. Claims are kept, as a PVC is."""
    for name in _FRESH_EACH_RUN:
        target = run_dir / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()


def write_state(run_dir: Path, state: dict[str, Any]) -> None:
    """state.json replaced whole (written beside it, then renamed), so a killed run leaves the
    last complete state, never half of one."""
    replace_whole(run_dir / STATE, json.dumps({"version": STATE_VERSION, **state}, sort_keys=True))


def replace_whole(path: Path, text: str) -> None:
    """`path` replaced by `text` at once: written to a new file beside it (a name nobody can
    have planted a symlink at, as O_EXCL creates it), then renamed over it."""
    descriptor, staged = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(descriptor, 0o644)
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
        os.replace(staged, path)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise


def read_state(run_dir: Path) -> dict[str, Any] | None:
    """The earlier run's state, or None when there was none; a state this version did not
    write, or one not in its shape (edited, truncated, planted), is refused, never guessed at."""
    path = run_dir / STATE
    if not path.is_file():
        return None
    with path.open("rb") as file:
        data = file.read(MAX_STATE_BYTES + 1)
    if len(data) > MAX_STATE_BYTES:
        raise LocalRunError(f"{path} is larger than a run state; start a fresh run")
    try:
        state = json.loads(data.decode())
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise LocalRunError(f"{path} is not a run state ({error}); start a fresh run") from None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise LocalRunError(f"{path} was written by another version; start a fresh run")
    problem = _state_problem(state, run_dir / "tasks")
    if problem:
        raise LocalRunError(f"{path} is not a run state ({problem}); start a fresh run")
    return state


def _state_problem(state: dict[str, Any], tasks_dir: Path) -> str:
    """What in `state` is not as write_state() writes it, or "": --from and --only trust its
    task states, results (passed on as params) and step log paths (read for the results)."""
    if not isinstance(state.get("params", {}), dict) or not isinstance(state.get("tasks"), list):
        return "its params or tasks are not a mapping and a list"
    for task in state["tasks"]:
        if not isinstance(task, dict) or not isinstance(task.get("name"), str):
            return "a task without a name"
        name = task["name"]
        if task.get("status") not in _STATUSES:
            return f"task {name} has no status"
        if not all(isinstance(task.get(field, ""), str) for field in ("reason", "message")):
            return f"task {name}'s reason or message is not text"
        times = (task.get("started"), task.get("seconds"))
        if not isinstance(task.get("attempts", 0), int) or not all(
            isinstance(each, (int, float, type(None))) for each in times
        ):
            return f"task {name}'s attempts, start or duration is not a number"
        results = task.get("results", {})
        if not isinstance(results, dict) or not all(map(_is_value, results.values())):
            return f"task {name}'s results are not strings, arrays or objects of strings"
        steps = task.get("steps", [])
        if not isinstance(steps, list) or not all(_is_step(step, tasks_dir) for step in steps):
            return f"task {name}'s steps are not as a run writes them"
    return ""


def _is_value(value: object) -> bool:
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    if isinstance(value, dict):
        return all(isinstance(item, str) for item in value.values())
    return isinstance(value, str)


def _is_step(step: object, tasks_dir: Path) -> bool:
    """A step's name, exit code and a log inside the run directory's tasks."""
    if not isinstance(step, dict) or not isinstance(step.get("name"), str):
        return False
    code, log = step.get("exitCode"), step.get("log")
    if not (code is None or isinstance(code, int)) or not isinstance(log, str):
        return False
    return Path(os.path.normpath(log)).is_relative_to(tasks_dir)
