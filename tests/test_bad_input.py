"""Bad input through the real CLI: exit 2, the offending file:line, and the out tree untouched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from modelcar_dsl import pipeline, pipeline_run
from modelcar_dsl.diagnostics.errors import DefinitionError
from tests.conftest import MiniProject, run_modelcar

HEADER = """\
from modelcar_dsl import (
    PipelineWorkspace, Result, VolumeClaim, Workspace, pipeline, pipeline_run, script_step, task,
)

SOURCE = PipelineWorkspace("source", default=VolumeClaim())


@task(image="registry.example/tools:1", workspaces=[Workspace("source")], results=["digest"])
def build(model_dir: str, retries: int = 3) -> list:
    \"\"\"Build something.\"\"\"
    return [script_step("hello.sh")]


@task(image="registry.example/tools:1", workspaces=[Workspace("source")])
def push(image: str, digest: str) -> list:
    \"\"\"Push something.\"\"\"
    return [script_step("hello.sh")]

"""

VALID_PIPELINE = """\
@pipeline(workspaces=[SOURCE])
def flow(repo: str) -> None:
    built = build(model_dir="model")
    push(image=repo, digest=built.results.digest)


run = pipeline_run("flow-run", flow, params={"repo": "quay.io/x/y"})
"""

CASES = {
    "missing required param": (
        """\
@pipeline(workspaces=[SOURCE])
def flow(repo: str) -> None:
    built = build()  # <- here
    push(image=repo, digest=built.results.digest)
""",
        "needs param 'model_dir'",
    ),
    "unknown param": (
        """\
@pipeline(workspaces=[SOURCE])
def flow(repo: str) -> None:
    built = build(model_dir="model", model_dri="x")  # <- here
    push(image=repo, digest=built.results.digest)
""",
        "has no param 'model_dri'; did you mean 'model_dir'?",
    ),
    "wrong type": (
        """\
@pipeline(workspaces=[SOURCE])
def flow(repo: str) -> None:
    built = build(model_dir="model", retries="three")  # <- here
    push(image=repo, digest=built.results.digest)
""",
        "param 'retries' expects int, got str 'three'",
    ),
    "duplicate task name": (
        """\
@pipeline(workspaces=[SOURCE])
def flow(repo: str) -> None:
    built = build(model_dir="model")
    build(model_dir="again")  # <- here
    push(image=repo, digest=built.results.digest)
""",
        "pipeline task name 'build' is used more than once",
    ),
    "cycle through after": (
        """\
@pipeline(workspaces=[SOURCE])
def flow(repo: str) -> None:
    built = build(model_dir="model")
    pushed = push(image=repo, digest=built.results.digest)
    built.after(pushed)  # <- here
""",
        "tasks form a cycle: build -> push -> build",
    ),
    "unknown result": (
        """\
@pipeline(workspaces=[SOURCE])
def flow(repo: str) -> None:
    built = build(model_dir="model")
    push(image=repo, digest=built.results.digset)  # <- here
""",
        "task 'build' has no result 'digset'; did you mean 'digest'?",
    ),
}

RUN_LINE = '\n\nrun = pipeline_run("flow-run", flow, params={"repo": "quay.io/x/y"})\n'


def _assert_rejected(project: MiniProject, expected: str) -> None:
    (project.out / "keep.txt").parent.mkdir(parents=True, exist_ok=True)
    (project.out / "keep.txt").write_text("hand-written\n")
    before = project.snapshot()
    result = project.compile()
    assert result.exit_code == 2, result.stderr
    assert f"flows/main.py:{project.line_of('# <- here')}" in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert project.snapshot() == before


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_pipeline_is_rejected_at_the_call(
    case: str, mini_project: Callable[..., MiniProject]
) -> None:
    code, expected = CASES[case]
    _assert_rejected(mini_project(HEADER + code + RUN_LINE), expected)


def test_run_without_fs_group_is_rejected(mini_project: Callable[..., MiniProject]) -> None:
    code = VALID_PIPELINE.replace(
        'run = pipeline_run("flow-run"', 'run = pipeline_run("flow-run"  # <- here\n   '
    )
    project = mini_project(HEADER + code, fs_group=None)
    _assert_rejected(project, "the run sets no taskRunTemplate.podTemplate.securityContext.fsGroup")


def test_script_with_param_variable_is_rejected(mini_project: Callable[..., MiniProject]) -> None:
    code = HEADER.replace(
        'return [script_step("hello.sh")]\n\n\n@task',
        'return [script_step("bad.sh")]  # <- here\n\n\n@task',
        1,
    )
    project = mini_project(code + VALID_PIPELINE)
    (project.root / "flows" / "bad.sh").write_text(
        '#!/usr/bin/env bash\necho "building $(params.model-dir)"\n'
    )
    _assert_rejected(project, "bad.sh:2 contains $(params.model-dir)")


def test_every_problem_is_reported_together(mini_project: Callable[..., MiniProject]) -> None:
    code = """\
@pipeline(workspaces=[SOURCE])
def flow(repo: str) -> None:
    built = build(model_dri="model")
    push(image=repo, digest=built.results.digset)
"""
    result = mini_project(HEADER + code + RUN_LINE, fs_group=None).compile()
    assert result.exit_code == 2
    for expected in (
        "no param 'model_dri'",
        "needs param 'model_dir'",
        "no result 'digset'",
        "the run sets no taskRunTemplate.podTemplate.securityContext.fsGroup",
    ):
        assert expected in result.stderr
    assert "4 problems found; nothing was written." in result.stderr


def test_valid_project_compiles(mini_project: Callable[..., MiniProject]) -> None:
    project = mini_project(HEADER + VALID_PIPELINE)
    result = project.compile()
    assert result.exit_code == 0, result.stderr
    assert sorted(project.snapshot()) == [
        "01-tasks/task-build.yaml",
        "01-tasks/task-push.yaml",
        "02-pipeline/pipeline-flow.yaml",
        "03-runs/pipelinerun-flow-run.yaml",
        "kustomization.yaml",
    ]


def test_error_in_user_code_names_its_line(mini_project: Callable[..., MiniProject]) -> None:
    code = VALID_PIPELINE.replace(
        '    built = build(model_dir="model")',
        "    built = build(model_dir=undefined_name)  # <- here",
    )
    project = mini_project(HEADER + code)
    result = project.compile()
    assert result.exit_code == 2
    assert f"flows/main.py:{project.line_of('# <- here')}: NameError" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith(
        "(while importing flows.main); run with --debug for the traceback\n"
    )
    debug = project.compile("--debug")
    assert "Traceback" in debug.stderr
    assert debug.stderr.endswith("(while importing flows.main)\n")


def test_a_run_that_leaves_a_workspace_without_default_unbound_is_rejected(
    mini_project: Callable[..., MiniProject],
) -> None:
    code = """\
@pipeline(workspaces=[SOURCE, "registry-auth"])
def flow(repo: str) -> None:
    built = build(model_dir="model")
    push(image=repo, digest=built.results.digest)


run = pipeline_run("flow-run", flow, params={"repo": "quay.io/x/y"})  # <- here
"""
    _assert_rejected(
        mini_project(HEADER + code),
        "Pipeline 'flow' needs workspace 'registry-auth', which is not bound",
    )


def test_a_run_binding_two_written_workspaces_to_one_claim_is_rejected(
    mini_project: Callable[..., MiniProject],
) -> None:
    code = """\
from modelcar_dsl import ExistingClaim


@pipeline(workspaces=["source", "scratch"])
def flow() -> None:
    build.options(name="first")(model_dir="a")
    build.options(name="second", workspaces={"source": "scratch"})(model_dir="b")


claim = ExistingClaim("models")
run = pipeline_run("flow-run", flow, workspaces={"source": claim, "scratch": claim})  # <- here
"""
    _assert_rejected(
        mini_project(HEADER + code),
        "the run binds workspaces 'source' and 'scratch' to one volume (PersistentVolumeClaim "
        "'models'); tasks 'first' (through 'source') and 'second' (through 'scratch') mount it",
    )


HELPERS = """\
from modelcar_dsl import RunSpec, pipeline_run
from flows.main import flow


def make(repo: str) -> RunSpec:
    return pipeline_run(f"flow-{repo}", flow, params={"repo": repo})


def pair(repo: str) -> list[RunSpec]:
    return [make(repo), make(f"{repo}x")]
"""

RUNS = """\
from flows.helpers import make, pair

first = make("a")
second = make("b")
both = pair("c")
"""


def test_runs_a_helper_makes_are_reported_at_each_call_of_the_helper(
    mini_project: Callable[..., MiniProject],
) -> None:
    """The module-level line that made each run is where the reader looks first; the helper's
    own lines follow, outermost first."""
    project = mini_project(HEADER + VALID_PIPELINE.replace("run = ", "_run = "), fs_group=None)
    (project.root / "flows" / "helpers.py").write_text(HELPERS)
    (project.root / "flows" / "runs.py").write_text(RUNS)
    result = project.compile()
    assert result.exit_code == 2, result.stderr
    reported = [
        (line.removeprefix("error: ").split(": ", 1)[0], line.partition(" (via ")[2])
        for line in result.stderr.splitlines()
        if "[run-fs-group]" in line
    ]
    assert reported == [
        ("flows/runs.py:3", "make() at flows/helpers.py:6) [run-fs-group]"),
        ("flows/runs.py:4", "make() at flows/helpers.py:6) [run-fs-group]"),
        (
            "flows/runs.py:5",
            "pair() at flows/helpers.py:10, make() at flows/helpers.py:6) [run-fs-group]",
        ),
        (
            "flows/runs.py:5",
            "pair() at flows/helpers.py:10, make() at flows/helpers.py:6) [run-fs-group]",
        ),
        (f"flows/main.py:{project.line_of('_run = ')}", ""),
    ]


def test_a_run_made_in_a_function_outside_an_import_is_reported_at_its_call() -> None:
    """A test function is no module-level declaration: the walk stops at pytest, not at the
    module that started it."""

    @pipeline()
    def flow() -> None:
        """Runs nothing."""

    with pytest.raises(DefinitionError) as raised:
        pipeline_run("x", flow, fs_group="1")  # type: ignore[arg-type]  # <- here
    assert raised.value.location is not None
    assert raised.value.location.file == __file__
    assert raised.value.location.via == ()
    source = Path(__file__).read_text().splitlines()
    assert source[raised.value.location.line - 1].endswith("# <- here")


HEREDOC_SCRIPT = "#!/usr/bin/env bash\nset -euo pipefail\ncat <<-EOF\n\thello\n\tEOF\n"


def test_tabs_in_a_script_are_compiled_into_its_literal_block(
    mini_project: Callable[..., MiniProject],
) -> None:
    """bash's `<<-EOF` needs tab-indented lines; they reach the YAML as written, which
    modelcar validate (Tekton's reading) accepts."""
    project = mini_project(HEADER + VALID_PIPELINE, script=HEREDOC_SCRIPT)
    result = project.compile()
    assert result.exit_code == 0, result.stderr
    task = (project.out / "01-tasks" / "task-build.yaml").read_text()
    assert "      cat <<-EOF\n      \thello\n      \tEOF\n" in task
    validated = run_modelcar("validate", "compiled", cwd=project.root)
    assert validated.exit_code == 0, validated.stdout


def test_a_string_no_utf8_file_can_hold_is_named_and_nothing_is_written(
    mini_project: Callable[..., MiniProject],
) -> None:
    """A lone surrogate (from text read with surrogateescape) used to end in a traceback from
    the YAML emitter; it is bad input: the document and field are named, exit 2."""
    code = VALID_PIPELINE.replace(
        "@pipeline(workspaces=[SOURCE])", '@pipeline(workspaces=[SOURCE], display_name="a\\ud800")'
    )
    project = mini_project(HEADER + code)
    result = project.compile()
    assert result.exit_code == 2, result.stderr
    assert "spec.displayName holds 'a\\ud800', which has a lone surrogate" in result.stderr
    assert "Traceback" not in result.stderr
    assert project.snapshot() == {}
