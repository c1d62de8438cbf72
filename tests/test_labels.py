"""The user's own labels, annotations and titles on every document the project writes: typed
in Python, refused at the user's line (every problem of one mapping together), written sorted
for v1 and v1beta1, and accepted by the rules."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml

from modelcar_dsl import (
    Steps,
    TaskRunSpec,
    command_step,
    pipeline,
    pipeline_run,
    step_action,
    task,
)
from modelcar_dsl.compiling.compiler import (
    compile_pipeline,
    compile_run,
    compile_step_action,
    compile_task,
)
from modelcar_dsl.diagnostics.errors import DefinitionError, ProjectError
from modelcar_dsl.model.gates import Gates
from modelcar_dsl.model.metadata import MAX_ANNOTATIONS_SIZE
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.project.local_run import run_local
from modelcar_dsl.project.settings import read_settings
from modelcar_dsl.review.graph_formats import to_dot, to_mermaid, to_text
from modelcar_dsl.review.tree_diff import diff_trees
from modelcar_dsl.rules import SourceDocument, validate_documents
from modelcar_dsl.running.console import Console

IMAGE = "registry.example/tools:1"
MANAGED = {"app.kubernetes.io/managed-by": "modelcar-dsl"}


@task(
    image=IMAGE,
    labels={"team": "llm", "example.com/cost-centre": "c42"},
    annotations={"example.com/owner": "LLM packaging team"},
    display_name="Build the modelcar image",
)
def build_image(tag: str) -> Steps:
    return [command_step("build", ["echo", tag])]


@step_action(image=IMAGE, labels={"team": "llm"}, annotations={"example.com/doc": "x"})
def say(word: str) -> Any:
    return command_step("say", ["echo", word])


@pipeline(
    labels={"team": "llm"},
    annotations={"example.com/runbook": "https://wiki.example/modelcar"},
    display_name="Package a model",
)
def package(tag: str) -> None:
    build_image(tag=tag)


RUN = pipeline_run(
    "package",
    package,
    params={"tag": "1.0"},
    labels={"team": "llm", "example.com/model": "granite"},
    annotations={"example.com/ticket": "MLOPS-7"},
    task_run_specs={
        "build-image": TaskRunSpec(
            labels={"example.com/network-policy": "registry-egress", "cost": "gpu"},
            annotations={"example.com/why": "pushes to quay"},
        )
    },
)

Api = Literal["v1", "v1beta1"]


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_every_document_carries_the_users_labels_sorted(api: Api) -> None:
    target = Target(api=api)
    task_doc = compile_task(build_image.spec, target)
    assert list(task_doc["metadata"]["labels"].items()) == [
        ("app.kubernetes.io/managed-by", "modelcar-dsl"),
        ("example.com/cost-centre", "c42"),
        ("team", "llm"),
    ]
    assert task_doc["metadata"]["annotations"] == {"example.com/owner": "LLM packaging team"}
    pipeline_doc = compile_pipeline(package.spec, target)
    assert pipeline_doc["metadata"]["labels"] == {**MANAGED, "team": "llm"}
    assert pipeline_doc["metadata"]["annotations"] == {
        "example.com/runbook": "https://wiki.example/modelcar"
    }
    action_doc = compile_step_action(say.spec, target)
    assert action_doc["metadata"]["labels"] == {**MANAGED, "team": "llm"}
    assert action_doc["metadata"]["annotations"] == {"example.com/doc": "x"}
    run_doc = compile_run(RUN, target)
    assert list(run_doc["metadata"]["labels"]) == [
        "app.kubernetes.io/managed-by",
        "example.com/model",
        "team",
    ]
    assert run_doc["metadata"]["annotations"] == {"example.com/ticket": "MLOPS-7"}


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_task_run_specs_label_one_tasks_pods(api: Api) -> None:
    (entry,) = compile_run(RUN, Target(api=api))["spec"]["taskRunSpecs"]
    assert entry == {
        "pipelineTaskName": "build-image",
        "metadata": {
            "labels": {"cost": "gpu", "example.com/network-policy": "registry-egress"},
            "annotations": {"example.com/why": "pushes to quay"},
        },
    }
    assert list(entry["metadata"]["labels"]) == ["cost", "example.com/network-policy"]


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_display_names_are_written_in_the_spec(api: Api) -> None:
    target = Target(api=api)
    assert compile_task(build_image.spec, target)["spec"]["displayName"] == (
        "Build the modelcar image"
    )
    assert compile_pipeline(package.spec, target)["spec"]["displayName"] == "Package a model"


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_the_rules_accept_the_output(api: Api) -> None:
    assert check(RUN, say, target=Target(api=api, fs_group=5)) == []


def test_without_labels_the_documents_are_as_before() -> None:
    @task(image=IMAGE)
    def plain() -> Steps:
        return [command_step("s", ["true"])]

    metadata = compile_task(plain.spec, Target())["metadata"]
    assert metadata == {"name": "plain", "labels": MANAGED}
    assert "displayName" not in compile_task(plain.spec, Target())["spec"]


def test_the_order_given_does_not_change_the_output() -> None:
    one = TaskRunSpec(labels={"b": "2", "a": "1"}, annotations={"y": "", "x": ""})
    other = TaskRunSpec(labels={"a": "1", "b": "2"}, annotations={"x": "", "y": ""})
    assert one == other
    assert one.labels == (("a", "1"), ("b", "2"))


def _line_of(text: str) -> int:
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def _refused(raised: pytest.ExceptionInfo[DefinitionError], marker: str) -> str:
    assert raised.value.location is not None
    assert raised.value.location.file == __file__
    assert raised.value.location.line == _line_of(marker)
    return str(raised.value)


def test_every_problem_of_a_tasks_labels_is_reported_at_its_line() -> None:
    with pytest.raises(DefinitionError) as raised:

        @task(  # bad task
            image=IMAGE,
            labels={"team name": "llm", "tier": "a b", "app.kubernetes.io/managed-by": "me"},
            annotations={"Example.com/x": "y"},
        )
        def bad() -> Steps:
            return []

    message = _refused(raised, "# bad task")
    assert "test_labels.py:" in message and ": @task: " in message
    for part in (
        "label key 'team name'",
        "label value 'a b'",
        "'app.kubernetes.io/managed-by' is the compiler's own",
        "annotation key 'Example.com/x'",
    ):
        assert part in message


def test_the_labels_tekton_sets_are_refused() -> None:
    with pytest.raises(DefinitionError) as raised:

        @pipeline(labels={"tekton.dev/pipeline": "p", "tekton.dev/pipelineTask": "t"})  # tekton
        def bad() -> None:
            return None

    message = _refused(raised, "# tekton")
    assert "label 'tekton.dev/pipeline' is set by Tekton" in message
    assert "label 'tekton.dev/pipelineTask' is set by Tekton" in message


def test_the_annotations_tekton_writes_are_refused() -> None:
    with pytest.raises(DefinitionError) as raised:

        @step_action(  # annotations
            image=IMAGE,
            annotations={"tekton.dev/ready": "READY", "chains.tekton.dev/signed": "true"},
        )
        def bad() -> Any:
            return command_step("s", ["true"])

    message = _refused(raised, "# annotations")
    assert "'tekton.dev/ready' is written by Tekton" in message
    assert "reserves chains.tekton.dev/*" in message


def test_a_runs_labels_are_refused_at_its_line() -> None:
    labels: Any = {"team": 7}
    with pytest.raises(DefinitionError) as raised:
        pipeline_run("r", package, params={"tag": "1"}, labels=labels)  # run labels
    message = _refused(raised, "# run labels")
    assert ": pipeline_run('r'): " in message
    assert "label value 7 must be a string" in message


def test_a_task_run_specs_labels_are_refused_at_its_line() -> None:
    annotations: Any = {"a": 1}
    with pytest.raises(DefinitionError) as raised:
        TaskRunSpec(labels={"tekton.dev/taskRun": "x"}, annotations=annotations)  # trs
    message = _refused(raised, "# trs")
    assert "label 'tekton.dev/taskRun' is set by Tekton" in message
    assert "annotation value 1 must be a string" in message


def test_labels_must_be_a_mapping() -> None:
    with pytest.raises(DefinitionError, match=r"labels must be a dict of strings, got \['a'\]"):
        TaskRunSpec(labels=["a"])  # type: ignore[arg-type]


def test_a_task_run_spec_with_only_labels_sets_something() -> None:
    assert TaskRunSpec(annotations={"a": "b"}).annotations == (("a", "b"),)


def test_annotations_are_held_to_kubernetes_total_size() -> None:
    with pytest.raises(DefinitionError, match="Kubernetes allows 262144"):
        pipeline_run(
            "r",
            package,
            params={"tag": "1"},
            annotations={"a": "x" * MAX_ANNOTATIONS_SIZE},
        )


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("", "give the task's title as text"),
        ("Build $(params.tag)", r"substitutes no variables in a Task's title"),
    ],
)
def test_a_tasks_display_name_is_plain_text(title: str, expected: str) -> None:
    with pytest.raises(DefinitionError, match=expected) as raised:

        @task(image=IMAGE, display_name=title)  # title
        def titled() -> Steps:
            return []

    _refused(raised, "# title")


def test_a_pipelines_display_name_is_plain_text() -> None:
    with pytest.raises(DefinitionError, match="in a Pipeline's title") as raised:

        @pipeline(display_name="Package $(context.pipelineRun.name)")  # pipeline title
        def titled() -> None:
            return None

    _refused(raised, "# pipeline title")


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_a_release_before_display_names_refuses_them_at_the_users_line(api: Api) -> None:
    target = Target(api=api, fs_group=5, gates=Gates(tekton_version=(0, 46)))
    problems = check(RUN, target=target)
    assert {(problem.resource, problem.path) for problem in problems} == {
        ("task/build-image", "spec.displayName"),
        ("pipeline/package", "spec.displayName"),
    }
    assert all("came in Tekton 0.47" in problem.message for problem in problems)
    lines = {problem.location.line for problem in problems if problem.location}
    assert lines == {_line_of("@task("), _line_of("@pipeline(")}
    assert check(RUN, target=Target(api=api, fs_group=5, gates=Gates(tekton_version=(0, 47)))) == []


def test_a_pipeline_tasks_display_name_is_judged_by_the_release_too() -> None:
    @pipeline()
    def titled_task(tag: str) -> None:
        build_image.options(display_name="Build")(tag=tag)  # titled call

    problems = check(titled_task, target=Target(gates=Gates(tekton_version=(0, 46))))
    paths = {
        (problem.path, problem.location.line if problem.location else 0) for problem in problems
    }
    assert ("spec.tasks[0].displayName", _line_of("# titled call")) in paths


def _tree(*documents: dict[str, Any]) -> dict[str, str]:
    return {"tree.yaml": yaml.safe_dump_all(documents, sort_keys=False)}


def test_diff_says_which_label_annotation_and_title_changed() -> None:
    before = compile_task(build_image.spec, Target())
    after = copy.deepcopy(before)
    after["metadata"]["labels"]["example.com/cost-centre"] = "c43"
    del after["metadata"]["labels"]["team"]
    after["metadata"]["labels"]["example.com/tier"] = "gold"
    del after["metadata"]["annotations"]
    after["spec"]["displayName"] = "Build and push"
    (changes,) = diff_trees(_tree(before), _tree(after))
    assert changes.resource == "task/build-image"
    assert [change.text for change in changes.changes] == [
        "label example.com/cost-centre: c42 -> c43",
        "label team removed",
        "label example.com/tier added: gold",
        "annotation example.com/owner removed",
        "displayName: Build the modelcar image -> Build and push",
    ]


def test_diff_names_annotations_a_document_had_none_of() -> None:
    before = compile_pipeline(package.spec, Target())
    after = copy.deepcopy(before)
    del before["metadata"]["annotations"]
    (changes,) = diff_trees(_tree(before), _tree(after))
    assert [change.text for change in changes.changes] == [
        "annotation example.com/runbook added: https://wiki.example/modelcar"
    ]


def test_graph_shows_the_titles() -> None:
    text = to_text(package.graph)
    assert text.startswith("pipeline package (title: Package a model)\n")
    assert "  build-image\n    title: Build the modelcar image\n" in text
    assert "build-image<br/>title: Build the modelcar image" in to_mermaid(package.graph)
    assert "build-image\\ntitle: Build the modelcar image" in to_dot(package.graph)

    @pipeline()
    def retitled(tag: str) -> None:
        build_image.options(display_name="Build $(params.tag)")(tag=tag)

    assert "    title: Build $(params.tag)\n" in to_text(retitled.graph)

    @pipeline(display_name="Two\nlines")
    def multiline(tag: str) -> None:
        build_image.options(display_name="Build\n  the image")(tag=tag)

    text = to_text(multiline.graph)
    assert text.startswith("pipeline multiline (title: Two lines)\n")
    assert "    title: Build the image\n" in text
    assert "build-image<br/>title: Build the image" in to_mermaid(multiline.graph)


def _nowhere(path: str) -> None:
    return None


def test_the_rules_hold_hand_written_metadata_to_kubernetes() -> None:
    document = compile_task(build_image.spec, Target())
    document["metadata"]["labels"]["tier"] = "gold plated"
    document["metadata"]["annotations"] = {"a": "x" * MAX_ANNOTATIONS_SIZE, "b/": "y"}
    problems = validate_documents([SourceDocument(document, _nowhere)])
    assert sorted((problem.path, problem.rule) for problem in problems) == [
        ("metadata.annotations", "metadata-labels"),
        ("metadata.annotations", "metadata-labels"),
        ("metadata.labels", "metadata-labels"),
    ]
    assert any("Kubernetes allows 262144" in problem.message for problem in problems)


def _pyproject(tmp_path: Path, labels: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(f'[tool.modelcar]\nmodules = ["flows"]\nlabels = {labels}\n', encoding="utf-8")
    return path


def test_project_labels_go_on_every_document_under_its_own(tmp_path: Path) -> None:
    settings = read_settings(_pyproject(tmp_path, '{ team = "platform", tier = "batch" }'))
    target = settings.target("v1beta1")
    assert target.labels == (("team", "platform"), ("tier", "batch"))
    assert compile_task(build_image.spec, target)["metadata"]["labels"] == {
        **MANAGED,
        "example.com/cost-centre": "c42",
        "team": "llm",
        "tier": "batch",
    }
    assert compile_step_action(say.spec, target)["metadata"]["labels"]["tier"] == "batch"
    assert compile_run(RUN, target)["metadata"]["labels"]["tier"] == "batch"


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ('{ "team name" = "x" }', "labels: label key 'team name'"),
        ('{ "tekton.dev/task" = "x" }', "labels: label 'tekton.dev/task' is set by Tekton"),
        ('"team"', "labels must be a table"),
    ],
)
def test_project_labels_are_checked_naming_the_pyproject(
    tmp_path: Path, labels: str, expected: str
) -> None:
    with pytest.raises(ProjectError, match=expected) as raised:
        read_settings(_pyproject(tmp_path, labels))
    assert str(raised.value).startswith(str(tmp_path / "pyproject.toml"))


def test_a_local_run_runs_a_labelled_run_without_a_note(tmp_path: Path) -> None:
    """Labels change nothing a step does: a run whose taskRunSpecs only label is not said to
    have pod settings the machine left out."""
    err = io.StringIO()
    result = run_local(
        RUN,
        run_dir=tmp_path / "run",
        target=Target(fs_group=5),
        console=Console(quiet=True, live=False, err=err),
    )
    assert [task.status for task in result.outcome.tasks] == ["Succeeded"]
    assert "not applied" not in err.getvalue()


def test_diff_says_which_tasks_taskrun_labels_changed() -> None:
    before = compile_run(RUN, Target())
    after = copy.deepcopy(before)
    (entry,) = after["spec"]["taskRunSpecs"]
    entry["metadata"]["labels"]["cost"] = "cpu"
    entry["metadata"]["annotations"]["example.com/why"] = "pushes to the internal registry"
    (changes,) = diff_trees(_tree(before), _tree(after))
    assert [change.text for change in changes.changes] == [
        "taskRunSpecs build-image label cost: gpu -> cpu",
        "taskRunSpecs build-image annotation example.com/why: pushes to quay -> pushes to the "
        "internal registry",
    ]
    after["spec"]["taskRunSpecs"].append({"pipelineTaskName": "other", "serviceAccountName": "x"})
    (changes,) = diff_trees(_tree(before), _tree(after))
    assert changes.changes[-1].text == "taskRunSpecs other added"


def test_the_rules_hold_a_task_run_specs_metadata_to_kubernetes() -> None:
    """Tekton's webhook passes it; the TaskRun made with it is refused, failing the run."""
    document = compile_run(RUN, Target(fs_group=5))
    document["spec"]["taskRunSpecs"][0]["metadata"]["labels"]["egress"] = "quay.io/x"
    found = validate_documents([SourceDocument(document, _nowhere)])
    problems = [problem for problem in found if problem.rule == "metadata-labels"]
    assert [(p.path, p.origin) for p in problems] == [
        ("spec.taskRunSpecs[0].metadata.labels", "run")
    ]
    assert "label value 'quay.io/x'" in problems[0].message
