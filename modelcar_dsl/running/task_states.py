"""Each pipeline task's state in a local run: what the console shows, the report writes, the
run directory keeps for --from, and finally tasks read as `$(tasks.<name>.status)`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from modelcar_dsl.running.variables import Value

DONE = ("Succeeded", "Failed", "Skipped")


@attrs.define
class TaskState:
    """One pipeline task: Pending, Running, Succeeded, Failed or Skipped, and why."""

    name: str
    is_finally: bool = False
    status: str = "Pending"
    reason: str = ""
    message: str = ""
    results: dict[str, Value] = attrs.field(factory=dict)
    attempts: int = 0
    started: float | None = None
    """Wall-clock start of the first attempt (time.time())."""
    seconds: float | None = None
    reused: bool = False
    """Taken from the earlier run in the run directory (--from, --only), not run now."""
    taskrun: str = ""
    steps: list[dict[str, Any]] = attrs.field(factory=list)
    failure_ignored: bool = False
    """Failed, but its pipeline task has onError: continue, so the run went on."""
    matrix_length: int | None = None
    """How many TaskRuns a matrixed task fanned out to: `$(tasks.<name>.matrix.length)`."""

    @property
    def done(self) -> bool:
        return self.status in DONE

    @property
    def tekton_status(self) -> str:
        """`$(tasks.<name>.status)`: Succeeded, Failed, or None for skipped or not run."""
        return self.status if self.status in ("Succeeded", "Failed") else "None"

    def why(self) -> str:
        if self.status == "Succeeded":
            return ""
        return self.message or self.reason

    def detail(self) -> str:
        why = self.why()
        return f" ({why})" if why else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "finally": self.is_finally,
            "status": self.status,
            "reason": self.reason,
            "message": self.message,
            "results": self.results,
            "attempts": self.attempts,
            "started": self.started,
            "seconds": self.seconds,
            "reused": self.reused,
            "taskRun": self.taskrun,
            "steps": self.steps,
            "failureIgnored": self.failure_ignored,
            "matrixLength": self.matrix_length,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TaskState:
        return cls(
            name=str(data["name"]),
            is_finally=bool(data.get("finally")),
            status=str(data["status"]),
            reason=str(data.get("reason", "")),
            message=str(data.get("message", "")),
            results=dict(data.get("results", {})),
            attempts=int(data.get("attempts", 0)),
            started=data.get("started"),
            seconds=data.get("seconds"),
            reused=True,
            taskrun=str(data.get("taskRun", "")),
            steps=list(data.get("steps", [])),
            failure_ignored=bool(data.get("failureIgnored")),
            matrix_length=_count(data.get("matrixLength")),
        )


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def aggregate_status(states: Iterable[TaskState]) -> str:
    """`$(tasks.status)` over the pipeline's (not finally) tasks: Succeeded, Failed,
    Completed (some skipped, none failed) or None (some did not finish)."""
    statuses = [state.status for state in states if not state.is_finally]
    if "Failed" in statuses:
        return "Failed"
    if all(status == "Succeeded" for status in statuses):
        return "Succeeded"
    if all(status in ("Succeeded", "Skipped") for status in statuses):
        return "Completed"
    return "None"
