"""A pipeline's results, returned by its function as a dict of task results: compiled to
`spec.results` in both API versions, refused at the pipeline when they read what no task
declares, and computed by a local run as Tekton computes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelcar_dsl import Result, Steps, command_step, finally_tasks, pipeline, pipeline_run, task
from modelcar_dsl.compiling.compiler import compile_pipeline
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.project.local_run import run_local

IMAGE = "registry.example/tools:1"


@task(image=IMAGE, results=[Result("image-ref", "The pushed image."), Result("digest")])
def push(tag: str = "v1") -> Steps:
    """Write an image reference and its digest."""
    return [
        command_step(
            "push",
            [
                "sh",
                "-c",
                'printf "quay.example/m:%s" "$TAG" > "$RESULT_IMAGE_REF_PATH"; '
                'printf sha256:abc > "$RESULT_DIGEST_PATH"',
            ],
        )
    ]


@task(image=IMAGE, results=["summary"])
def summarize() -> Steps:
    """Write a summary."""
    return [command_step("summarize", ["sh", "-c", 'printf ok > "$RESULT_SUMMARY_PATH"'])]


@pipeline()
def release(tag: str = "v1") -> dict[str, object]:
    """Push, then summarize in finally; the results name the image and the summary."""
    pushed = push(tag=tag)
    with finally_tasks():
        summary = summarize()
    return {
        "image-ref": pushed.results.image_ref,
        "pinned": f"{pushed.results.image_ref}@{pushed.results.digest}",
        "summary": summary.results.summary,
    }


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_returned_results_become_the_pipelines_results(api: str) -> None:
    target = Target(api=api)  # type: ignore[arg-type]
    spec = compile_pipeline(release.spec, target)["spec"]
    assert list(spec)[-1] == "results"
    assert spec["results"] == [
        {"name": "image-ref", "type": "string", "value": "$(tasks.push.results.image-ref)"},
        {
            "name": "pinned",
            "type": "string",
            "value": "$(tasks.push.results.image-ref)@$(tasks.push.results.digest)",
        },
        {"name": "summary", "type": "string", "value": "$(finally.summarize.results.summary)"},
    ]
    assert check(release, target=target) == []


def test_a_local_run_reports_the_pipeline_results(tmp_path: Path) -> None:
    run = pipeline_run("release", release, params={"tag": "v2"}, timeout="1m")
    result = run_local(run, run_dir=tmp_path / "run", target=Target(namespace="ns", fs_group=1))
    assert result.succeeded
    assert result.outcome.results == {
        "image-ref": "quay.example/m:v2",
        "pinned": "quay.example/m:v2@sha256:abc",
        "summary": "ok",
    }


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ("text", "returned a str; return nothing, or the pipeline's results as a dict"),
        ({"x": "plain"}, "reads no task result"),
        ({"x": 3}, "3 is not a task result"),
        ({"x": "$(tasks.pusj.results.digest)"}, "does not call; did you mean 'push'"),
        ({"x": "$(tasks.push.results.digets)"}, "which it does not declare; did you mean 'digest'"),
    ],
)
def test_results_reading_what_no_task_declares_are_refused(returned: object, message: str) -> None:
    with pytest.raises(DefinitionError, match=message) as raised:

        @pipeline()
        def flow() -> object:
            push()
            return returned

    assert raised.value.location is not None
    assert raised.value.location.file.endswith("test_pipeline_results.py")


@pipeline()
def guarded(go: str = "no") -> dict[str, object]:
    """A result of a task `when` may skip."""
    pushed = push().when(go, "in", ["yes"])
    summary = summarize()
    return {"image-ref": pushed.results.image_ref, "summary": summary.results.summary}


def test_a_result_of_a_task_that_did_not_run_is_left_out(tmp_path: Path) -> None:
    run = pipeline_run("guarded", guarded, timeout="1m")
    result = run_local(run, run_dir=tmp_path / "run", target=Target(namespace="ns", fs_group=1))
    assert result.outcome.results == {"summary": "ok"}


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_result_descriptions_are_written_with_their_results(api: str) -> None:
    @pipeline(result_descriptions={"image-ref": "The image in Quay, for the release notes."})
    def described() -> dict[str, object]:
        return {
            "image-ref": push().results.image_ref,
            "digest": push.options(name="again")().results.digest,
        }

    results = compile_pipeline(described.spec, Target(api=api))["spec"]["results"]  # type: ignore[arg-type]
    assert [result.get("description") for result in results] == [
        "The image in Quay, for the release notes.",
        None,
    ]


@pytest.mark.parametrize(
    ("descriptions", "message"),
    [
        ({"image-rev": "x"}, "does not return; did you mean 'image-ref'"),
        ({"image-ref": 3}, "a description is a string"),
        (["image-ref"], "give a dict of result name to description"),
    ],
)
def test_a_description_of_no_returned_result_is_refused(descriptions: object, message: str) -> None:
    with pytest.raises(DefinitionError, match=message) as raised:

        @pipeline(result_descriptions=descriptions)  # type: ignore[arg-type]
        def flow() -> dict[str, object]:
            return {"image-ref": push().results.image_ref}

    assert raised.value.location is not None
    assert raised.value.location.file.endswith("test_pipeline_results.py")


def test_a_description_when_nothing_is_returned_says_how_to_return_results() -> None:
    with pytest.raises(DefinitionError, match="it returns no results"):

        @pipeline(result_descriptions={"image-ref": "x"})
        def flow() -> None:
            push()
