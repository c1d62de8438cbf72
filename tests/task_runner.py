"""Run a compiled Task's steps on this machine, the way a TaskRun pod would run them.

Tekton does not run here, so this plays its part for the step scripts: it reads the committed
YAML in `compiled/01-tasks/`, substitutes `$(params.*)`, `$(workspaces.*)`, `$(results.*)` and
`$(context.taskRun.*)` as Tekton does (namespace private-ai-demo), resolves Secret keys from a
dict, and runs each step's script in order with the resulting environment. The tools the steps
call (skopeo, python3, ...) are the real ones.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import yaml

from tests.conftest import REPO

VARIABLE = re.compile(r"\$\((params|workspaces|results)\.([A-Za-z0-9_-]+)(?:\.([a-z]+)|\[\*\])?\)")
CONTEXT = {"$(context.taskRun.namespace)": "private-ai-demo"}
BASE_ENV = ("PATH", "HOME", "LANG", "TMPDIR")

ParamValue = str | Sequence[str]


@attrs.frozen
class TaskRunResult:
    """What a TaskRun leaves behind: exit code, the results written, the steps' output."""

    exit_code: int
    results: dict[str, str]
    output: str
    failed_step: str | None


def compiled_task(name: str) -> dict[str, Any]:
    """The committed Task document `name`, as the cluster receives it."""
    path = REPO / "compiled" / "01-tasks" / f"task-{name}.yaml"
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def run_task(
    name: str,
    params: Mapping[str, ParamValue],
    workspaces: Mapping[str, Path | None],
    *,
    secrets: Mapping[str, Mapping[str, str]] | None = None,
    env: Mapping[str, str] | None = None,
    user: tuple[int, int] | None = None,
    steps: Sequence[str] | None = None,
) -> TaskRunResult:
    """Run task `name` with `params` and `workspaces` (None leaves an optional one unbound).

    `user` runs the steps as (uid, gid) with no supplementary groups, like an OpenShift pod
    without fsGroup. `steps` runs only the named steps, to rerun one against a changed workspace.
    """
    spec = compiled_task(name)["spec"]
    values = _param_values(spec, params)
    for path in workspaces.values():
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)  # a bound workspace is always a directory
    with tempfile.TemporaryDirectory(prefix=f"taskrun-{name}-") as scratch:
        results_dir = Path(scratch) / "results"
        results_dir.mkdir()
        if user:
            os.chmod(scratch, 0o755)
            os.chown(results_dir, *user)
        context = _Context(name, values, dict(workspaces), results_dir)
        template_env = spec.get("stepTemplate", {}).get("env", [])
        outputs: list[str] = []
        for index, step in enumerate(spec["steps"]):
            if steps is not None and step["name"] not in steps:
                continue
            step_env = {
                **{key: os.environ[key] for key in BASE_ENV if key in os.environ},
                **(env or {}),
                **context.env(template_env, secrets or {}),
                **context.env(step.get("env", []), secrets or {}),
            }
            script = Path(scratch) / f"step-{index}-{step['name']}"
            script.write_text(step["script"])
            script.chmod(0o755)
            command = [str(script), *context.args(step.get("args", []))]
            if user:
                command = [
                    *("setpriv", f"--reuid={user[0]}", f"--regid={user[1]}", "--clear-groups"),
                    *command,
                ]
            completed = subprocess.run(
                command,
                cwd=scratch,
                env=step_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                check=False,
                timeout=600,
            )
            outputs.append(f"--- step {step['name']}\n{completed.stdout}")
            if completed.returncode != 0:
                return TaskRunResult(
                    completed.returncode, _results(results_dir), "".join(outputs), step["name"]
                )
        return TaskRunResult(0, _results(results_dir), "".join(outputs), None)


def _param_values(spec: dict[str, Any], given: Mapping[str, ParamValue]) -> dict[str, ParamValue]:
    declared = {param["name"]: param for param in spec.get("params", [])}
    unknown = set(given) - set(declared)
    if unknown:
        raise AssertionError(f"params not declared by the task: {sorted(unknown)}")
    values: dict[str, ParamValue] = {}
    for param_name, param in declared.items():
        if param_name in given:
            values[param_name] = given[param_name]
        elif "default" in param:
            values[param_name] = param["default"]
        else:
            raise AssertionError(f"required param {param_name} not given")
    return values


def _results(results_dir: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(results_dir.iterdir())}


@attrs.frozen
class _Context:
    task_name: str
    params: dict[str, ParamValue]
    workspaces: dict[str, Path | None]
    results_dir: Path

    def substitute(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            kind, name, field = match.groups()
            if kind == "params":
                value = self.params[name]
                if not isinstance(value, str):
                    raise AssertionError(f"array param {name} used in a string: {text}")
                return value
            if kind == "results":
                return str(self.results_dir / name)
            path = self.workspaces.get(name)
            if field == "bound":
                return "true" if path is not None else "false"
            return str(path) if path is not None else ""

        for variable, value in {
            **CONTEXT,
            "$(context.taskRun.name)": f"{self.task_name}-run",
        }.items():
            text = text.replace(variable, value)
        substituted = VARIABLE.sub(replace, text)
        if "$(" in text and "$(" in VARIABLE.sub("", text):
            raise AssertionError(f"a variable this runner cannot substitute: {text}")
        return substituted

    def env(
        self, entries: list[dict[str, Any]], secrets: Mapping[str, Mapping[str, str]]
    ) -> dict[str, str]:
        resolved = {}
        for entry in entries:
            if "value" in entry:
                resolved[entry["name"]] = self.substitute(entry["value"])
                continue
            reference = entry["valueFrom"]["secretKeyRef"]
            value = secrets.get(reference["name"], {}).get(reference["key"])
            if value is None and not reference.get("optional", False):
                raise AssertionError(f"Secret {reference['name']} key {reference['key']} missing")
            if value is not None:
                resolved[entry["name"]] = value
        return resolved

    def args(self, args: list[str]) -> list[str]:
        expanded: list[str] = []
        for arg in args:
            whole = VARIABLE.fullmatch(arg)
            if whole and arg.endswith("[*])"):
                expanded.extend(self.params[whole.group(2)])
            else:
                expanded.append(self.substitute(arg))
        return expanded
