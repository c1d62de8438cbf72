"""A catalogue record's download fields, checked by `modelcar compile` at the record's line.

A Hub source must name a commit (a branch or tag only with a written `MovingRevision`; S3 has no
commits and is exempt), and the include patterns must take one naming scheme of weights.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modelcar_tasks.lib.model_files import CONSOLIDATED, SHARD, selected, shard_pattern
from modelcar_tasks.model_source import CONSOLIDATED_EXAMPLES, SHARD_EXAMPLES, MovingRevision
from tests.conftest import REPO, CliResult, MiniProject

SHA = "0123456789abcdef0123456789abcdef01234567"
GOOD_INCLUDE = '("*.json", "model-*.safetensors")'

PROGRAM = """\
from modelcar_tasks import ModelVersion
from pipelines.runs import build_run, testing_run
from modelcar_tasks.model_source import MovingRevision

RECORD = ModelVersion(  # <- here
    registry_name="Mistral-24B-Instruct",
    version="v1",
    source={source!r},
    include={include},
    tokenizer="org/repo",
    inference_service="mistral",
    quantization="none",{extra}
)
build = build_run(RECORD, disk="10Gi", timeout="1h")
test = testing_run(RECORD)
"""

OPT_IN = '\n    moving_revision=MovingRevision("tracking the release branch until 2.0"),'


def _project(
    mini_project: Callable[..., MiniProject],
    source: str,
    include: str = GOOD_INCLUDE,
    extra: str = "",
) -> MiniProject:
    return mini_project(PROGRAM.format(source=source, include=include, extra=extra))


def _compile(project: MiniProject) -> CliResult:
    """The project's compile, importing this repository's catalogue, runs and tasks."""
    return project.compile(env={"PYTHONPATH": str(REPO)})


REFUSED = {
    "no revision": (
        "hf://org/repo",
        GOOD_INCLUDE,
        "",
        "ModelVersion.source: 'hf://org/repo' follows the default branch, which moves: building "
        "this record again could package other weights under the same version. Pin the commit, "
        "hf://org/repo@<40-hex sha> (the sha of "
        "https://huggingface.co/api/models/org/repo/revision/main, and download-model's "
        "revision result); or, to follow it on purpose, add "
        "moving_revision=MovingRevision('<why>') to the record [catalogue-record]",
    ),
    "a branch": ("hf://org/repo@main", GOOD_INCLUDE, "", "follows the branch or tag 'main'"),
    "a tag": ("hf://org/repo@v1.0", GOOD_INCLUDE, "", "follows the branch or tag 'v1.0'"),
    "a short sha": (f"hf://org/repo@{SHA[:12]}", GOOD_INCLUDE, "", f"tag '{SHA[:12]}'"),
    "an opt-in on a commit": (
        f"hf://org/repo@{SHA}",
        GOOD_INCLUDE,
        OPT_IN,
        "is pinned to a commit; remove the MovingRevision from the record",
    ),
    "an opt-in on S3": (
        "s3://models/mistral",
        GOOD_INCLUDE,
        OPT_IN,
        "is an S3 prefix, which has no commits to pin; remove the MovingRevision",
    ),
    "not a source": (
        "https://huggingface.co/org/repo",
        GOOD_INCLUDE,
        "",
        "is not a source download-model takes: hf://org/repo@<commit sha> or s3://bucket/prefix",
    ),
    "patterns taking both schemes": (
        f"hf://org/repo@{SHA}",
        '("*.json", "*.safetensors")',
        "",
        "ModelVersion.include: include ['*.json', '*.safetensors'] takes both consolidated "
        "weights (consolidated.safetensors by '*.safetensors') and shards "
        "(model-00001-of-00010.safetensors by '*.safetensors'): a repository that ships both "
        "(Mistral's do) would be downloaded twice over and both packed into the image. Take "
        "one naming scheme: 'model-*.safetensors' for the shards",
    ),
    "Meta's original/ directory": (
        f"hf://org/repo@{SHA}",
        '("*.json", "model-*.safetensors", "*.pth")',
        "",
        "consolidated weights (consolidated.00.pth by '*.pth')",
    ),
    "no patterns": (
        f"hf://org/repo@{SHA}",
        "()",
        "",
        "include is empty, so download-model takes every file",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_record_that_breaks_a_check_is_refused_at_its_line(
    case: str, mini_project: Callable[..., MiniProject]
) -> None:
    source, include, extra, expected = REFUSED[case]
    project = _project(mini_project, source, include, extra)
    result = _compile(project)
    assert result.exit_code == 2, result.stderr
    assert f"flows/main.py:{project.line_of('# <- here')}: ModelVersion." in result.stderr
    assert expected in result.stderr
    # One record in two runs is one problem.
    assert "1 problem found; nothing was written." in result.stderr
    assert "Traceback" not in result.stderr
    assert project.snapshot() == {}


@pytest.mark.parametrize(
    ("source", "extra"),
    [(f"hf://org/repo@{SHA}", ""), ("hf://org/repo@main", OPT_IN), ("s3://models/mistral", "")],
    ids=["a commit", "a branch with a written reason", "an S3 prefix"],
)
def test_a_pinned_source_an_opt_in_or_s3_compiles(
    source: str, extra: str, mini_project: Callable[..., MiniProject]
) -> None:
    project = _project(mini_project, source, extra=extra)
    result = _compile(project)
    assert result.exit_code == 0, result.stderr
    run = project.snapshot()["03-runs/pipelinerun-mistral-build.yaml"].decode()
    assert f"value: {source}" in run
    assert "- model-*.safetensors" in run


def test_both_problems_of_one_record_are_reported_together(
    mini_project: Callable[..., MiniProject],
) -> None:
    result = _compile(_project(mini_project, "hf://org/repo", include='("*",)'))
    assert result.exit_code == 2
    assert "ModelVersion.source: 'hf://org/repo' follows the default branch" in result.stderr
    assert "ModelVersion.include: include ['*'] takes both" in result.stderr
    assert "2 problems found; nothing was written." in result.stderr


def test_a_moving_revision_must_say_why() -> None:
    with pytest.raises(ValueError, match="reason must say why the revision may move"):
        MovingRevision(" ")


def test_the_examples_patterns_are_judged_by_are_what_the_download_refuses() -> None:
    """The compile-time check and the download step agree on the two naming schemes."""
    assert all(CONSOLIDATED.fullmatch(name) for name in CONSOLIDATED_EXAMPLES)
    assert all(SHARD.fullmatch(name) for name in SHARD_EXAMPLES)
    assert not any(SHARD.fullmatch(name) for name in CONSOLIDATED_EXAMPLES)
    assert not any(CONSOLIDATED.fullmatch(name) for name in SHARD_EXAMPLES)
    assert shard_pattern("original/model-00001-of-00002.safetensors") == (
        "original/model-*.safetensors"
    )
    assert selected("tokenizer/tokenizer.json", ["*.json"])
    assert not selected("Config.JSON", ["*.json"])
