"""Remote StepActions: a typed stub compiles each step that calls it to `ref:` with a resolver
and its params, writes no StepAction document (nor a bundle layer), checks the step's params
like a local StepAction's, and a local run refuses it before it starts. Revisions and URLs are
placeholders, never real ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modelcar_dsl import (
    BundlesResolver,
    ClusterResolver,
    GitResolver,
    HubResolver,
    Step,
    Steps,
    command_step,
    pipeline,
    pipeline_run,
    remote_step_action,
    remote_task,
    step_action,
    task,
)
from modelcar_dsl.authoring.collection import collect_specs
from modelcar_dsl.compiling.render import Compiled, compile_project, render_tree
from modelcar_dsl.diagnostics.errors import DefinitionError, LocalRunError
from modelcar_dsl.model.gates import Gates, parse_version
from modelcar_dsl.model.resolvers import Resolver
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.project.local_run import run_task
from modelcar_dsl.review.tree_diff import as_text, diff_trees
from modelcar_dsl.running.run_plan import RunPlan
from tests.conftest import MiniProject, run_modelcar

HERE = Path(__file__).name
TARGET = Target(fs_group=1000)
_STEP_ACTIONS_ON = (("enable-step-actions", "true"),)
GIT = GitResolver(
    url="https://git.example/actions.git",
    revision="placeholder-revision",
    path_in_repo="stepaction/fetch/fetch.yaml",
)


@remote_step_action(resolver=GIT, results=["digest"])
def fetch(url: str, retries: str = "3") -> None:
    """Fetch a URL (the StepAction is fetched from git)."""


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


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_a_step_calls_it_by_a_resolver_ref_with_its_params(api: str) -> None:
    target = Target(api=api, fs_group=1000)  # type: ignore[arg-type]
    steps = _documents(target)[("Task", "download")]["spec"]["steps"]
    assert steps[0] == {
        "name": "fetch",
        "ref": {
            "resolver": "git",
            "params": [
                {"name": "url", "value": "https://git.example/actions.git"},
                {"name": "revision", "value": "placeholder-revision"},
                {"name": "pathInRepo", "value": "stepaction/fetch/fetch.yaml"},
            ],
        },
        "params": [{"name": "url", "value": "$(params.source)"}],
    }


def test_the_project_writes_no_step_action_document_for_it() -> None:
    assert not any(kind == "StepAction" for kind, _ in _documents())
    tree = render_tree(collect_specs([("m", "r", RUN)]), TARGET)
    assert not any("stepaction" in path for path in tree)
    assert check(RUN, target=TARGET) == []


def test_a_cluster_resolver_fetches_a_stepaction() -> None:
    @remote_step_action(
        resolver=ClusterResolver(name="shared-fetch", namespace="shared", kind="stepaction")
    )
    def shared(url: str) -> None:
        """Fetch, from the shared namespace."""

    @task(image="registry.example/tools:1")
    def uses() -> Steps:
        return [shared(url="x")]

    steps = Compiled.of(compile_project(collect_specs([("m", "t", uses)]), TARGET)).documents[
        ("Task", "uses")
    ]["spec"]["steps"]
    assert steps[0]["ref"] == {
        "resolver": "cluster",
        "params": [
            {"name": "kind", "value": "stepaction"},
            {"name": "name", "value": "shared-fetch"},
            {"name": "namespace", "value": "shared"},
        ],
    }
    assert check(uses, target=TARGET) == []


def test_a_resolver_that_fetches_a_task_is_refused_at_the_line() -> None:
    with pytest.raises(DefinitionError) as raised:

        @remote_step_action(resolver=ClusterResolver(name="fetch", namespace="shared"))
        def fetch_task(url: str) -> None:
            """Kind task by default: Tekton would fetch a Task."""

    assert f"{HERE}:" in str(raised.value)
    assert "kind='stepaction'" in str(raised.value)


def test_a_resolver_of_another_kind_is_refused_at_the_line() -> None:
    with pytest.raises(DefinitionError, match=rf"{HERE}:\d+.*remote_step_action resolver="):
        remote_step_action(resolver="git")  # type: ignore[arg-type]


def test_a_remote_task_refuses_a_resolver_of_a_stepaction() -> None:
    bundle = BundlesResolver(bundle="registry.example/b:v1", name="x", kind="stepaction")
    with pytest.raises(DefinitionError, match=rf"{HERE}:\d+.*give kind='task'"):
        remote_task(resolver=bundle)


def test_unknown_and_missing_arguments_are_refused_at_the_step() -> None:
    @task(image="registry.example/tools:1")
    def wrong() -> Steps:
        return [fetch(uri="x")]  # type: ignore[call-arg]

    problems = check(wrong, target=TARGET)
    messages = [problem.message for problem in problems]
    assert any("has no param 'uri'" in m for m in messages), messages
    assert any("needs param 'url'" in m for m in messages), messages
    assert all(p.location and p.location.file == __file__ for p in problems), problems


def test_a_tekton_without_step_actions_enabled_names_the_flag() -> None:
    old = Target(fs_group=1000, gates=Gates(tekton_version=parse_version("0.55")))
    problems = check(RUN, target=old)
    assert any("enable-step-actions" in p.message for p in problems), problems
    assert all(p.location and p.location.file == __file__ for p in problems), problems
    flagged = Gates(
        tekton_version=parse_version("0.55"),
        api_fields="alpha",
        flags=(("enable-step-actions", "true"),),
    )
    assert check(RUN, target=Target(fs_group=1000, gates=flagged)) == []


def test_a_local_run_refuses_it_before_it_starts() -> None:
    with pytest.raises(
        LocalRunError,
        match=r"step fetch of task download calls a remote StepAction \(resolver: git\)",
    ):
        RunPlan.of(_documents(), "get")


def test_run_task_refuses_it_too() -> None:
    with pytest.raises(LocalRunError, match="which a local run does not fetch"):
        run_task(download, {"source": "x"}, target=TARGET)


BUNDLED_PROJECT = """\
from modelcar_dsl import GitResolver, Steps, remote_step_action, task


@remote_step_action(
    resolver=GitResolver(url="https://git.example/a.git", revision="r", path_in_repo="a.yaml")
)
def fetch(url: str) -> None:
    ...


@task(image="registry.example/tools:1")
def download(source: str) -> Steps:
    return [fetch(url=source)]
"""


def test_modelcar_bundle_skips_it(mini_project: Callable[..., MiniProject]) -> None:
    project = mini_project(BUNDLED_PROJECT)
    out = project.root / "bundle"
    result = run_modelcar("bundle", "--out", str(out), cwd=project.root)
    assert result.exit_code == 0, result.stderr
    blobs = out / "blobs" / "sha256"
    index = json.loads((out / "index.json").read_text())
    manifest = json.loads((blobs / index["manifests"][0]["digest"][7:]).read_text())
    kinds = [layer["annotations"]["dev.tekton.image.kind"] for layer in manifest["layers"]]
    assert kinds == ["task"]


def test_diff_says_a_step_now_calls_a_remote_step_action() -> None:
    @step_action(image="registry.example/tools:1", name="fetch", results=["digest"])
    def local_fetch(url: str, retries: str = "3") -> Step:
        """The same StepAction, defined by the project."""
        return command_step("fetch", ["true"])

    @task(image="registry.example/tools:1", name="download")
    def local_download(source: str) -> Steps:
        return [local_fetch(url=source), command_step("list", ["ls"])]

    @pipeline(name="get")
    def local_get(source: str) -> None:
        local_download(source=source)

    before_run = pipeline_run("get", local_get, params={"source": "https://files.example/a"})
    before = render_tree(collect_specs([("m", "r", before_run)]), TARGET)
    after = render_tree(collect_specs([("m", "r", RUN)]), TARGET)
    text = as_text(diff_trees(before, after))
    assert (
        "step fetch ref: StepAction fetch -> remote StepAction (resolver git: url "
        "https://git.example/actions.git, revision placeholder-revision, pathInRepo "
        "stepaction/fetch/fetch.yaml)"
    ) in text, text
    assert "stepaction/fetch (01-tasks/stepaction-fetch.yaml)\n  removed" in text, text


def test_a_tekton_before_remote_step_actions_refuses_them() -> None:
    """Steps fetched StepActions through resolvers from Tekton 0.54, a release after
    StepActions came; the flag alone does not make an older Tekton fetch one."""
    old = Gates(
        tekton_version=parse_version("0.53"),
        api_fields="alpha",
        flags=(("enable-step-actions", "true"),),
    )
    problems = check(RUN, target=Target(fs_group=1000, gates=old))
    assert [p.message for p in problems if p.path.endswith(".ref")] == [
        "a remote StepAction (a step's ref with a resolver) arrived in Tekton 0.54 (the cluster "
        "runs 0.53); Tekton refuses the field"
    ], problems
    local = check(download, target=Target(fs_group=1000, gates=old))
    assert local and all(p.location and p.location.file == __file__ for p in local)


@pytest.mark.parametrize(
    ("resolver", "before", "since"),
    [
        (ClusterResolver(name="fetch", namespace="shared", kind="stepaction"), "0.65", "0.66"),
        (
            HubResolver(name="fetch", version="0.1", catalog="tekton", kind="stepaction"),
            "0.99",
            "1.0",
        ),
    ],
)
def test_a_resolver_fetches_step_actions_from_its_release_on(
    resolver: Resolver, before: str, since: str
) -> None:
    @remote_step_action(resolver=resolver)
    def fetched(url: str) -> None:
        """Fetched by a resolver that learnt StepActions late."""

    @task(image="registry.example/tools:1")
    def uses() -> Steps:
        return [fetched(url="x")]

    def refusals(version: str) -> list[str]:
        gates = Gates(tekton_version=parse_version(version), flags=_STEP_ACTIONS_ON)
        found = check(uses, target=Target(fs_group=1000, gates=gates))
        return [p.message for p in found if p.rule == "tekton-version"]

    assert refusals(before) == [
        f"the {resolver.resolver} resolver fetches a StepAction from Tekton {since} (the "
        f"cluster runs {before}); the TaskRun would fail to resolve the step"
    ]
    assert refusals(since) == []
