"""Remote Tasks: a typed stub compiles each call to a `taskRef` with a resolver and its params,
writes no Task document, checks the call's params like a local task's, and a local run refuses
it before it starts. Revisions, bundles and URLs are placeholders, never real ones."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs
import pytest

from modelcar_dsl import (
    BundlesResolver,
    ClusterResolver,
    GitResolver,
    HttpResolver,
    HubResolver,
    Steps,
    Workspace,
    command_step,
    pipeline,
    pipeline_run,
    remote_task,
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
from tests.conftest import mypy_strict

HERE = Path(__file__).name
GIT = GitResolver(
    url="https://git.example/catalog.git",
    revision="placeholder-revision",
    path_in_repo="task/git-clone/git-clone.yaml",
)


@remote_task(resolver=GIT, results=["commit"], workspaces=[Workspace("output")])
def git_clone(url: str, revision: str = "main") -> None:
    """Clone a repository (fetched from git)."""


@task(image="registry.example/tools:1")
def show(commit: str) -> Steps:
    """Print the commit."""
    return [command_step("show", ["echo", commit])]


@pipeline()
def clone_and_show(repo_url: str) -> None:
    """Clone, then show the commit."""
    cloned = git_clone(url=repo_url)
    show(commit=cloned.results.commit)


RUN = pipeline_run("clone", clone_and_show, params={"repo_url": "https://git.example/x"})


def _pipeline_task(api: str, name: str = "git-clone") -> dict[str, Any]:
    specs = collect_specs([("m", "p", clone_and_show)])
    compiled = Compiled.of(compile_project(specs, Target(api=api)))  # type: ignore[arg-type]
    tasks = compiled.documents[("Pipeline", "clone-and-show")]["spec"]["tasks"]
    return next(t for t in tasks if t["name"] == name)


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_a_call_compiles_to_a_resolver_task_ref(api: str) -> None:
    called = _pipeline_task(api)
    assert called["taskRef"] == {
        "resolver": "git",
        "params": [
            {"name": "url", "value": "https://git.example/catalog.git"},
            {"name": "revision", "value": "placeholder-revision"},
            {"name": "pathInRepo", "value": "task/git-clone/git-clone.yaml"},
        ],
    }
    assert called["params"] == [{"name": "url", "value": "$(params.repo-url)"}]


def test_no_task_document_is_written_for_it() -> None:
    tree = render_tree(collect_specs([("m", "r", RUN)]), Target(fs_group=1000))
    tasks = [path for path in tree if path.startswith("01-tasks/")]
    assert tasks == ["01-tasks/task-show.yaml"]
    assert "git-clone" not in tree["kustomization.yaml"]


def test_the_project_checks_clean() -> None:
    assert check(RUN, target=Target(fs_group=1000)) == []


def test_an_unknown_param_is_refused_at_compile_time() -> None:
    @pipeline()
    def wrong() -> None:
        git_clone(url="u", depth="1")  # type: ignore[call-arg]

    messages = [problem.message for problem in check(wrong)]
    assert any("depth" in message for message in messages), messages


def test_a_missing_required_param_is_refused() -> None:
    @pipeline()
    def missing() -> None:
        git_clone()  # type: ignore[call-arg]

    messages = [problem.message for problem in check(missing)]
    assert any("url" in message for message in messages), messages


def test_an_undeclared_result_is_refused() -> None:
    @pipeline()
    def reads() -> None:
        show(commit=git_clone(url="u").results.sha)

    messages = [problem.message for problem in check(reads)]
    assert any("sha" in message for message in messages), messages


@pytest.mark.parametrize(
    ("resolver", "params"),
    [
        (
            BundlesResolver(bundle="registry.example/tasks/clone:v1", name="git-clone"),
            [
                ("bundle", "registry.example/tasks/clone:v1"),
                ("name", "git-clone"),
                ("kind", "task"),
            ],
        ),
        (
            ClusterResolver(name="git-clone", namespace="shared"),
            [("kind", "task"), ("name", "git-clone"), ("namespace", "shared")],
        ),
        (
            HttpResolver(url="https://tasks.example/git-clone.yaml"),
            [("url", "https://tasks.example/git-clone.yaml")],
        ),
        (
            HubResolver(name="git-clone", version="0.0"),
            [("type", "artifact"), ("kind", "task"), ("name", "git-clone"), ("version", "0.0")],
        ),
    ],
)
def test_each_resolver_writes_its_params(resolver: Resolver, params: list[tuple[str, str]]) -> None:
    @remote_task(resolver=resolver)
    def fetched(url: str) -> None:
        """A remote task."""

    @pipeline()
    def uses() -> None:
        fetched(url="u")

    specs = collect_specs([("m", "p", uses)])
    compiled = Compiled.of(compile_project(specs, Target()))
    ref = compiled.documents[("Pipeline", "uses")]["spec"]["tasks"][0]["taskRef"]
    assert ref == {
        "resolver": resolver.resolver,
        "params": [{"name": name, "value": value} for name, value in params],
    }
    assert check(uses) == []


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: GitResolver(revision="", path_in_repo=""), ["url=", "revision=", "path_in_repo="]),
        (
            lambda: GitResolver(
                url="https://g.example/r.git", repo="r", revision="r", path_in_repo="p"
            ),
            ["not both"],
        ),
        (lambda: GitResolver(org="o", repo="", revision="r", path_in_repo="p"), ["org= goes"]),
        (lambda: BundlesResolver(bundle="registry.example/t", name="x"), ["no tag or digest"]),
        (
            lambda: BundlesResolver(bundle="registry.example:5000/t:latest", name=""),
            [":latest", "name="],
        ),
        (lambda: ClusterResolver(name="", namespace=""), ["name=", "namespace="]),
        (lambda: HttpResolver(url="http://tasks.example/t.yaml"), ["https://"]),
        (lambda: HttpResolver(url="https://t.example/t.yaml", digest="md5:00"), ["sha256"]),
        (lambda: HubResolver(name="x", version="", kind="stepaction"), ["version=", "catalog="]),
    ],
)
def test_a_resolver_missing_what_tekton_needs_is_refused_at_its_line(
    make: Any, expected: list[str]
) -> None:
    with pytest.raises(DefinitionError) as raised:
        make()
    message = str(raised.value)
    assert f"{HERE}:" in message
    for part in expected:
        assert part in message


def test_a_pinned_bundle_digest_is_accepted() -> None:
    digest = "sha256:" + "0" * 64
    assert BundlesResolver(bundle=f"registry.example/t@{digest}", name="x").params[0] == (
        "bundle",
        f"registry.example/t@{digest}",
    )


def test_a_local_run_refuses_a_remote_task_before_it_starts() -> None:
    specs = collect_specs([("m", "r", RUN)])
    compiled = Compiled.of(compile_project(specs, Target(fs_group=1000)))
    with pytest.raises(LocalRunError, match=r"git-clone uses a remote Task \(resolver: git\)"):
        RunPlan.of(compiled.documents, "clone")


def test_run_task_refuses_a_remote_task() -> None:
    with pytest.raises(LocalRunError, match="remote Task"):
        run_task(git_clone, {"url": "u"})


STUB_PROGRAM = """\
from modelcar_dsl import HttpResolver, pipeline, remote_task


@remote_task(resolver=HttpResolver(url="https://tasks.example/lint.yaml"))
def lint(path: str, strict: bool = False) -> None:
    '''Lint the sources.'''


@pipeline()
def flow(path: str) -> None:
    lint(path=path, strict=True)
    lint(path=path, strict="yes")  # line 12
    lint(pth=path)  # line 13
"""


def test_mypy_checks_the_calls_of_a_remote_task(tmp_path: Path) -> None:
    status, stdout = mypy_strict(tmp_path, STUB_PROGRAM)
    assert status == 1, stdout
    errors = sorted(
        (int(match[1]), match[2])
        for match in re.finditer(r"flow_under_mypy\.py:(\d+): error: .*\[([a-z-]+)\]", stdout)
    )
    assert errors == [(12, "arg-type"), (13, "call-arg")], stdout


def test_diff_shows_a_new_revision_of_a_remote_task() -> None:
    moved = attrs.evolve(GIT, revision="another-placeholder")

    @remote_task(resolver=moved, name="git-clone", results=["commit"])
    def git_clone_moved(url: str) -> None:
        """The same Task, at another revision."""

    @pipeline(name="clone-and-show")
    def clone_moved(repo_url: str) -> None:
        git_clone_moved(url=repo_url)

    target = Target(fs_group=1000)
    before = render_tree(collect_specs([("m", "p", clone_and_show)]), target)
    after = render_tree(collect_specs([("m", "p", clone_moved)]), target)
    text = as_text(diff_trees(before, after))
    assert "placeholder-revision -> another-placeholder" in text, text


def test_a_tekton_before_resolvers_refuses_the_call() -> None:
    """Resolvers came to Tekton as alpha in 0.38, beta in 0.41: the gates judge the target's."""
    old = Target(api="v1beta1", fs_group=1000, gates=Gates(tekton_version=parse_version("0.37")))
    problems = check(RUN, target=old)
    assert any("resolver" in problem.message for problem in problems), problems
    assert (
        check(RUN, target=Target(fs_group=1000, gates=Gates(tekton_version=parse_version("0.50"))))
        == []
    )


def test_diff_says_a_call_now_uses_a_remote_task() -> None:
    @task(image="registry.example/tools:1", name="git-clone", results=["commit"])
    def local_clone(url: str, revision: str = "main") -> Steps:
        """The project's own clone."""
        return [command_step("clone", ["true"])]

    @pipeline(name="clone-and-show")
    def clone_locally(repo_url: str) -> None:
        cloned = local_clone(url=repo_url)
        show(commit=cloned.results.commit)

    target = Target(fs_group=1000)
    before = render_tree(collect_specs([("m", "p", clone_locally)]), target)
    after = render_tree(collect_specs([("m", "p", clone_and_show)]), target)
    text = as_text(diff_trees(before, after))
    assert (
        "git-clone taskRef: Task git-clone -> remote Task (resolver git: url "
        "https://git.example/catalog.git, revision placeholder-revision, pathInRepo "
        "task/git-clone/git-clone.yaml)"
    ) in text, text
