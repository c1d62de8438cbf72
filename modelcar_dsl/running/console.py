"""What the user sees of a local run: each step's lines prefixed with task and step (unless
quiet), a line each time a task changes state, on a terminal a status line kept below them,
and a summary table at the end."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable
from typing import TextIO

import attrs

from modelcar_dsl.running.task_states import TaskState

STATES = ("Pending", "Running", "Succeeded", "Failed", "Skipped")


@attrs.define
class Console:
    """Thread-safe output of a run; the footer is drawn only on a terminal."""

    out: TextIO = attrs.field(factory=lambda: sys.stdout)
    err: TextIO = attrs.field(factory=lambda: sys.stderr)
    quiet: bool = False
    live: bool = attrs.field(factory=lambda: sys.stderr.isatty())
    _lock: threading.Lock = attrs.field(factory=threading.Lock)
    _counts: dict[str, int] = attrs.field(factory=dict)
    _footer_shown: bool = False

    def step_line(self, taskrun: str, step: str, line: str) -> None:
        if self.quiet:
            return
        with self._lock:
            self._clear_footer()
            self.out.write(f"[{taskrun}/{step}] {line}\n")
            self.out.flush()
            self._draw_footer()

    def note(self, text: str) -> None:
        with self._lock:
            self._clear_footer()
            self.err.write(text + "\n")
            self.err.flush()
            self._draw_footer()

    def changed(self, state: TaskState, states: Iterable[TaskState]) -> None:
        """A task changed state: one line for it, and the footer's counts renewed."""
        detail = state.detail()
        with self._lock:
            self._counts = {}
            for each in states:
                self._counts[each.status] = self._counts.get(each.status, 0) + 1
            self._clear_footer()
            stamp = time.strftime("%H:%M:%S")
            self.err.write(f"{stamp} {state.name}: {state.status}{detail}\n")
            self.err.flush()
            self._draw_footer()

    def finish(self) -> None:
        with self._lock:
            self._clear_footer()
            self.live = False

    def _clear_footer(self) -> None:
        if self.live and self._footer_shown:
            self.err.write("\r\x1b[K")
            self._footer_shown = False

    def _draw_footer(self) -> None:
        if not self.live or not self._counts:
            return
        parts = [f"{self._counts[s]} {s.lower()}" for s in STATES if self._counts.get(s)]
        self.err.write("tasks: " + ", ".join(parts))
        self.err.flush()
        self._footer_shown = True


def summary_table(states: Iterable[TaskState]) -> str:
    """TASK, STATUS, DURATION, ATTEMPTS and why, one row a task, in the pipeline's order."""
    rows = [("TASK", "STATUS", "DURATION", "ATTEMPTS", "DETAIL")]
    for state in states:
        duration = f"{state.seconds:.1f}s" if state.seconds is not None else "-"
        attempts = str(state.attempts) if state.attempts else "-"
        status = state.status + (" (earlier run)" if state.reused else "")
        rows.append((state.name, status, duration, attempts, state.why()))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + "  "
        + row[4]
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)
