"""Task results from step results: `Result(..., from_step=(step, result))` compiles to Tekton's
`value: $(steps.<step>.results.<result>)` in v1 and v1beta1, no script gets its path, and the
compiler checks the step, its StepAction's result and the type at the result's line."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from modelcar_dsl import (
    GitResolver,
    Result,
    Step,
    Steps,
    command_step,
    remote_step_action,
    step_action,
    task,
)
from modelcar_dsl.authoring.collection import collect_specs
from modelcar_dsl.compiling.render import Compiled, compile_project
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.model.gates import Gates, parse_version
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.rules import SourceDocument, validate_documents

HERE = Path(__file__).name
TARGET = Target(fs_group=1000)


@step_action(
    image="registry.example/tools:1",
    results=["digest", Result("tags", type="array")],
)
def push(image: str) -> Step:
    """Push an image."""
    return command_step("push", ["push-image"])


@remote_step_action(
    resolver=GitResolver(
        url="https://git.example/actions.git",
        revision="placeholder-revision",
        path_in_repo="stepaction/scan.yaml",
    ),
    results=["report-url"],
)
def scan(image: str) -> None:
    """Scan an image (fetched from git)."""


@task(
    image="registry.example/tools:1",
    results=[
        Result("digest", from_step=("push", "digest")),
        Result("tags", type="array", from_step=("push", "tags")),
        Result("report", from_step=("scan", "report-url")),
        "note",
    ],
)
def publish(image: str) -> Steps:
    """Push, then scan."""
    return [push(image=image), scan(image=image), command_step("note", ["true"])]


def _task(api: str = "v1", target: Target = TARGET) -> dict[str, Any]:
    target = Target(api=api, fs_group=1000, gates=target.gates)  # type: ignore[arg-type]
    compiled = Compiled.of(compile_project(collect_specs([("m", "t", publish)]), target))
    return compiled.documents[("Task", "publish")]


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_a_result_from_a_step_compiles_to_its_value(api: str) -> None:
    spec = _task(api)["spec"]
    assert spec["results"] == [
        {"name": "digest", "type": "string", "value": "$(steps.push.results.digest)"},
        {"name": "tags", "type": "array", "value": "$(steps.push.results.tags)"},
        {"name": "report", "type": "string", "value": "$(steps.scan.results.report-url)"},
        {"name": "note", "type": "string"},
    ]
    paths = [env["name"] for env in spec["stepTemplate"]["env"] if env["name"].startswith("RES")]
    assert paths == ["RESULT_NOTE_PATH"]
    assert check(publish, target=TARGET) == []


def test_a_tekton_without_step_actions_enabled_names_the_flag() -> None:
    old = Target(fs_group=1000, gates=Gates(tekton_version=parse_version("0.55")))
    problems = check(publish, target=old)
    flagged = [p for p in problems if p.path.startswith("spec.results")]
    assert flagged and all("enable-step-actions" in p.message for p in flagged), problems


def _declared_with(result: Result, steps: Steps) -> list[tuple[str, int, str]]:
    @task(image="registry.example/tools:1", results=[result])
    def wrong(image: str) -> Steps:
        return steps

    return [
        (p.location.file if p.location else "", p.location.line if p.location else 0, p.message)
        for p in check(wrong, target=TARGET)
        if p.rule == "step-result-value"
    ]


@pytest.mark.parametrize(
    ("from_step", "declared_type", "expected"),
    [
        (("pusher", "digest"), "string", "task wrong has no step 'pusher'; did you mean 'push'?"),
        (("note", "digest"), "string", "step 'note' runs its own image"),
        (("push", "digests"), "string", "declares no result 'digests'; did you mean 'digest'?"),
        (("push", "tags"), "string", "step result 'tags' is array, the task's result string"),
    ],
)
def test_a_wrong_step_result_is_refused_at_the_results_line(
    from_step: tuple[str, str], declared_type: str, expected: str
) -> None:
    frame = inspect.currentframe()
    assert frame is not None
    line = frame.f_lineno + 1
    result = Result("out", type=declared_type, from_step=from_step)  # type: ignore[arg-type]
    found = _declared_with(result, [push(image="i"), command_step("note", ["true"])])
    assert len(found) == 1, found
    assert found[0][:2] == (__file__, line)
    assert expected in found[0][2]


@pytest.mark.parametrize("from_step", ["push", ("push",), ("push", ""), ("push", "a", "b")])
def test_from_step_takes_a_step_and_a_result(from_step: Any) -> None:
    with pytest.raises(DefinitionError, match=rf"{HERE}:\d+.*from_step= takes"):
        Result("out", from_step=from_step)


@pytest.mark.parametrize(
    ("from_step", "expected"),
    [
        # Tekton would read $(steps.push.results.a)b) as result 'a' of step 'push'.
        (("push", "a)b"), "from_step's result name 'a)b' is not valid"),
        (("push", "Bad Name"), "from_step's result name"),
        (("Push", "digest"), "from_step's step name 'Push' is not a DNS-1123 label"),
    ],
)
def test_from_step_names_are_held_to_tektons_rules_at_the_results_line(
    from_step: tuple[str, str], expected: str
) -> None:
    with pytest.raises(DefinitionError, match=rf"{HERE}:\d+: result 'out': {re.escape(expected)}"):
        Result("out", from_step=from_step)


def test_a_result_from_a_step_has_no_env_path() -> None:
    with pytest.raises(DefinitionError, match="no env="):
        Result("out", env="OUT_PATH", from_step=("push", "digest"))


def test_a_step_action_result_cannot_read_from_a_step() -> None:
    with pytest.raises(DefinitionError, match=rf"{HERE}:\d+.*a StepAction writes its results"):

        @step_action(image="registry.example/tools:1", results=[Result("d", from_step=("a", "d"))])
        def writes() -> Step:
            return command_step("w", ["true"])


def test_the_step_action_declares_its_results_with_their_types() -> None:
    compiled = Compiled.of(compile_project(collect_specs([("m", "t", publish)]), TARGET))
    assert compiled.documents[("StepAction", "push")]["spec"]["results"] == [
        {"name": "digest", "type": "string"},
        {"name": "tags", "type": "array"},
    ]


def _yaml_problems(results: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """The problems of a hand-written Task whose results read its steps' results."""
    task_document = {
        "apiVersion": "tekton.dev/v1",
        "kind": "Task",
        "metadata": {"name": "publish"},
        "spec": {
            "results": results,
            "steps": [
                {
                    "name": "push",
                    "image": "busybox",
                    "results": [{"name": "digest"}, {"name": "tags", "type": "array"}],
                    "script": "true",
                },
                {
                    "name": "scan",
                    "ref": {"resolver": "git", "params": [{"name": "url", "value": "u"}]},
                },
            ],
        },
    }
    found = validate_documents([SourceDocument(task_document, lambda path: None)])
    return [(p.path, p.rule, p.message) for p in found if p.path.startswith("spec.results")]


def test_the_rules_hold_hand_written_values_to_tektons_form_and_the_steps() -> None:
    problems = _yaml_problems(
        [
            {"name": "a", "value": "$(steps.push.results.digest)"},
            {"name": "b", "value": "$(steps.scan.results.anything)"},
            {"name": "c", "value": "$(tasks.push.results.digest)"},
            {"name": "d", "value": "$(steps.Push.results.digest)"},
            {"name": "e", "value": "$(steps.pusher.results.digest)"},
            {"name": "f", "type": "string", "value": "$(steps.push.results.tags)"},
            {"name": "g", "type": "array", "value": ["x"]},
        ]
    )
    rules = {path: rule for path, rule, _ in problems}
    assert rules == {
        "spec.results[2].value": "task-variable",
        "spec.results[3].value": "task-variable",
        "spec.results[4].value": "step-result-value",
        "spec.results[5].value": "step-result-value",
        "spec.results[6].value": "result-type",
    }, problems
    messages = " | ".join(message for _, _, message in problems)
    for part in ("must look like", "step name 'Push'", "did you mean 'push'?", "array step"):
        assert part in messages, messages
