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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from modelcar_dsl.diagnostics.errors import LocalRunError

MARKER = ".modelcar-run"
STATE = "state.json"
STATE_VERSION = 1
_FRESH_EACH_RUN = ("workspaces", "tasks", STATE)


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
    staged = run_dir / f".{STATE}.{os.getpid()}"
    staged.write_text(json.dumps({"version": STATE_VERSION, **state}, sort_keys=True))
    staged.replace(run_dir / STATE)


def read_state(run_dir: Path) -> dict[str, Any] | None:
    """The earlier run's state, or None when there was none; a state this version did not
    write is refused rather than guessed at."""
    path = run_dir / STATE
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise LocalRunError(f"{path} is not a run state ({error}); start a fresh run") from None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise LocalRunError(f"{path} was written by another version; start a fresh run")
    return state
