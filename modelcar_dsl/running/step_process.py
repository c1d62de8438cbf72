"""One step's process: started in its own process group, its output streamed line by line to
its log file and the console, and the whole group stopped at its deadline or on cancel, as the
kubelet stops a container (TERM, then KILL after a grace period)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

import attrs

GRACE_SECONDS = 2.0
"""Between TERM and KILL; a pod's default is 30 s, shorter here so a local timeout is prompt."""
_POLL_SECONDS = 0.05
_DRAIN_SECONDS = 1.0
"""How long the step's output may still flow once its process group has ended."""
_LINE_BYTES = 64 * 1024
"""A longer line is passed on in pieces: a step printing without newlines costs no memory."""


@attrs.frozen
class ProcessOutcome:
    """How a step's process ended: its exit code (negative for a signal), and whether it was
    stopped for its deadline or because the run was cancelled."""

    exit_code: int
    timed_out: bool = False
    cancelled: bool = False


def run_process(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log: Path,
    on_line: Callable[[str], None],
    deadline: float | None,
    cancelled: threading.Event,
) -> ProcessOutcome:
    """Run `argv` until it exits, `deadline` (time.monotonic()) passes or `cancelled` is set."""
    with log.open("ab") as log_file:
        try:
            process = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except (OSError, ValueError) as error:
            # ValueError: a NUL byte in argv or env (from a param or a result), which no
            # process can be given; the container runtime refuses it as well.
            message = f"cannot start {argv[0]}: {getattr(error, 'strerror', None) or error}\n"
            log_file.write(message.encode())
            on_line(message.rstrip("\n"))
            return ProcessOutcome(127)
        assert process.stdout is not None
        reader = threading.Thread(
            target=_copy_lines, args=(process.stdout, log_file, on_line), daemon=True
        )
        reader.start()
        timed_out = was_cancelled = False
        while process.poll() is None:
            if cancelled.is_set():
                was_cancelled = True
                _stop(process)
            elif deadline is not None and time.monotonic() >= deadline:
                timed_out = True
                _stop(process)
            else:
                # Returns as soon as the process ends: a sleep held every short step ~25 ms.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(_POLL_SECONDS)
        _kill_group(process.pid)
        _end_escaped(process.stdout, reader)
    return ProcessOutcome(process.returncode, timed_out, was_cancelled)


def _copy_lines(stream: IO[bytes], log_file: IO[bytes], on_line: Callable[[str], None]) -> None:
    for raw in iter(lambda: stream.readline(_LINE_BYTES), b""):
        log_file.write(raw)
        log_file.flush()
        on_line(raw.decode("utf-8", "replace").rstrip("\r\n"))


def _kill_group(group: int) -> None:
    """What is left of the step's processes when its main one has ended: a container's
    background processes end with it, and an orphan must not hold the log pipe open."""
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return


def _end_escaped(stream: IO[bytes], reader: threading.Thread) -> None:
    """A process the step started in a session of its own (setsid, a daemon) outlives its
    group, but a container's processes all end with it: end those still holding the step's
    output, for which the run would otherwise wait, past every timeout."""
    reader.join(_DRAIN_SECONDS)
    pipe = f"pipe:[{os.fstat(stream.fileno()).st_ino}]"
    while reader.is_alive():
        killed = False
        for pid in _holders(pipe):
            try:
                os.kill(pid, signal.SIGKILL)
                killed = True
            except (ProcessLookupError, PermissionError):
                continue
        if not killed:
            reader.join()
            return
        reader.join(_POLL_SECONDS)


def _holders(pipe: str) -> list[int]:
    """The other processes with `pipe` (as /proc shows it, pipe:[inode]) open."""
    found = []
    for fds in Path("/proc").glob("[0-9]*/fd"):
        pid = int(fds.parent.name)
        if pid == os.getpid():
            continue
        try:
            if any(os.readlink(fd) == pipe for fd in fds.iterdir()):
                found.append(pid)
        except OSError:
            continue
    return found


def _stop(process: subprocess.Popen[bytes]) -> None:
    """TERM to the step's whole process group, KILL if it outlives the grace period."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        process.wait()
