"""Attacks on `modelcar run`, `run_local` and `run_task`: hostile params and results, corrupt
run directories, steps that misbehave. Each test is a hole found and closed; it fails on the
runner as it was."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from modelcar_dsl.project.local_run import run_task

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="--user needs root, as setpriv does")


def task_document(name: str, **spec: Any) -> dict[str, Any]:
    return {"kind": "Task", "metadata": {"name": name}, "spec": spec}


def command_task(name: str = "any", **step: Any) -> Mapping[str, Any]:
    """A Task whose one step runs the array param `cmd` as its whole command."""
    return task_document(
        name,
        params=[{"name": "cmd", "type": "array"}],
        results=[{"name": "out"}],
        steps=[{"name": "run", "image": "tools", "command": ["$(params.cmd[*])"], **step}],
    )


@needs_root
def test_a_command_from_a_param_cannot_add_setpriv_options(tmp_path: Path) -> None:
    """With --user, a step's command goes after setpriv's options: one taken from a param that
    looks like an option (--ambient-caps) must be the program, not a capability for the step."""
    secret = tmp_path / "root-only"
    secret.write_text("root's secret\n")
    secret.chmod(0o600)
    caps = "+dac_override,+dac_read_search"
    hostile = [f"--inh-caps={caps}", f"--ambient-caps={caps}", "cat", str(secret)]

    result = run_task(command_task(), {"cmd": hostile}, user=(1000, 1000))

    assert "root's secret" not in result.log
    assert not result.succeeded
    plain = run_task(command_task(), {"cmd": ["id", "-u"]}, user=(1000, 1000))
    assert plain.log.splitlines()[1:] == ["1000"]
