"""StepActions: `@step_action` compiles to a StepAction document beside the Tasks, a step that
calls it to `ref:` with params, its arguments are checked like a task's, the target's Tekton
judges the feature, and a local run refuses such a step before it starts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from modelcar_dsl import (
    Step,
    Steps,
    command_step,
    pipeline,
    pipeline_run,
    step_action,
    task,
)
from modelcar_dsl.authoring.collection import collect_specs
from modelcar_dsl.compiling.render import Compiled, compile_project, render_tree
from modelcar_dsl.diagnostics.errors import DefinitionError, LocalRunError
from modelcar_dsl.model.gates import Gates, parse_version
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.project.local_run import run_task
from modelcar_dsl.running.run_plan import RunPlan
from tests.conftest import mypy_strict

TARGET = Target(fs_group=1000)


@step_action(image="registry.example/tools:1", results=["digest"])
def fetch(url: str, retries: str = "3") -> Step:
    """Fetch a URL."""
    return command_step(
        "fetch", ["sh", "-c", 'curl --retry "$RETRIES" "$URL" > "$RESULT_DIGEST_PATH"']
    )


@task(image="registry.example/tools:1")
def download(source: str) -> Steps:
    """Download the source, then list it."""
    return [fetch(url=source), command_step("list", ["ls"])]


@pipeline()
def get(source: str) -> None:
    """Download."""
    download(source=source)


RUN = pipeline_run("get", get, params={"source": "https://files.example/a"})


def _documents(target: Target = TARGET) -> dict[tuple[str, str], dict[str, Any]]:
    return Compiled.of(compile_project(collect_specs([("m", "r", RUN)]), target)).documents


def test_the_step_action_compiles_to_its_own_document() -> None:
    action = _documents()[("StepAction", "fetch")]
    assert action["apiVersion"] == "tekton.dev/v1beta1"
    assert action["spec"] == {
        "description": "Fetch a URL.",
        "params": [
            {"name": "url", "type": "string"},
            {"name": "retries", "type": "string", "default": "3"},
        ],
        "results": [{"name": "digest", "type": "string"}],
        "image": "registry.example/tools:1",
        "command": ["sh", "-c", 'curl --retry "$RETRIES" "$URL" > "$RESULT_DIGEST_PATH"'],
        "env": [
            {"name": "URL", "value": "$(params.url)"},
            {"name": "RETRIES", "value": "$(params.retries)"},
            {"name": "RESULT_DIGEST_PATH", "value": "$(step.results.digest.path)"},
        ],
    }


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_a_step_calls_it_by_ref_with_params(api: str) -> None:
    target = Target(api=api, fs_group=1000)  # type: ignore[arg-type]
    steps = _documents(target)[("Task", "download")]["spec"]["steps"]
    assert steps[0] == {
        "name": "fetch",
        "ref": {"name": "fetch"},
        "params": [{"name": "url", "value": "$(params.source)"}],
    }
    assert "image" in steps[1]


def test_it_is_written_beside_the_tasks_and_listed_in_the_kustomization() -> None:
    tree = render_tree(collect_specs([("m", "r", RUN)]), TARGET)
    assert "01-tasks/stepaction-fetch.yaml" in tree
    assert "01-tasks/stepaction-fetch.yaml" in tree["kustomization.yaml"]
    assert check(RUN, target=TARGET) == []


def test_a_tekton_before_v1beta1_step_actions_gets_v1alpha1_and_needs_the_flag() -> None:
    old = Gates(tekton_version=parse_version("0.55"))
    assert _documents(Target(fs_group=1000, gates=old))[("StepAction", "fetch")]["apiVersion"] == (
        "tekton.dev/v1alpha1"
    )
    messages = [p.message for p in check(RUN, target=Target(fs_group=1000, gates=old))]
    assert any("enable-step-actions" in message for message in messages), messages
    flagged = Gates(
        tekton_version=parse_version("0.55"),
        api_fields="alpha",
        flags=(("enable-step-actions", "true"),),
    )
    assert check(RUN, target=Target(fs_group=1000, gates=flagged)) == []


def test_unknown_and_missing_arguments_are_refused_at_the_step() -> None:
    @task(image="registry.example/tools:1")
    def wrong() -> Steps:
        return [fetch(uri="x")]  # type: ignore[call-arg]

    problems = check(wrong)
    messages = [problem.message for problem in problems]
    assert any("has no param 'uri'" in m for m in messages), messages
    assert any("needs param 'url'" in m for m in messages), messages
    assert all(p.location and p.location.file == __file__ for p in problems), problems


def test_a_step_action_must_return_one_step() -> None:
    with pytest.raises(DefinitionError, match="must return one step"):

        @step_action(image="registry.example/tools:1")
        def several() -> Step:
            return [command_step("a", ["true"])]  # type: ignore[return-value]


def test_a_step_action_needs_an_image() -> None:
    with pytest.raises(DefinitionError, match="needs an image"):

        @step_action()
        def imageless() -> Step:
            return command_step("a", ["true"])


def test_a_local_run_refuses_a_step_action_before_it_starts() -> None:
    with pytest.raises(LocalRunError, match="step fetch of task download calls StepAction fetch"):
        RunPlan.of(_documents(), "get")


def test_run_task_refuses_it_too(tmp_path: Path) -> None:
    with pytest.raises(LocalRunError, match="calls StepAction fetch"):
        run_task(download, {"source": "x"}, target=TARGET)


PROGRAM = """\
from modelcar_dsl import Step, Steps, command_step, step_action, task


@step_action(image="registry.example/tools:1")
def fetch(url: str) -> Step:
    return command_step("fetch", ["true"])


@task(image="registry.example/tools:1")
def download() -> Steps:
    return [fetch(url="x"), fetch(url=1), fetch(uri="x")]  # line 11
"""


def test_mypy_checks_the_calls_of_a_step_action(tmp_path: Path) -> None:
    status, stdout = mypy_strict(tmp_path, PROGRAM)
    assert status == 1, stdout
    errors = sorted(
        (int(match[1]), match[2])
        for match in re.finditer(r"flow_under_mypy\.py:(\d+): error: .*\[([a-z-]+)\]", stdout)
    )
    assert errors == [(11, "arg-type"), (11, "call-arg")], stdout


def test_two_calls_in_one_task_take_distinct_names() -> None:
    @task(image="registry.example/tools:1")
    def twice() -> Steps:
        return [fetch(url="a"), fetch(url="b")]

    assert any("fetch" in p.message for p in check(twice))

    @task(image="registry.example/tools:1")
    def renamed() -> Steps:
        return [fetch(url="a"), fetch.options(name="fetch-again")(url="b")]

    assert check(renamed) == []
