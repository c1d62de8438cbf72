"""mypy sees a task's params at the call site: `@task` keeps the function's signature, so an
unknown or mistyped argument is a type error, while a result, a pipeline param or a catalogue
record's field is accepted wherever its value fits. (Positional arguments type-check; the
compiler refuses them at the call's line.)"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import mypy_strict

PROGRAM = """\
from modelcar_dsl import pipeline
from modelcar_tasks import ModelVersion
from modelcar_tasks.build_modelcar_image import build_modelcar_image
from modelcar_tasks.push_to_quay import push_to_quay


@pipeline()
def flow(model: ModelVersion, repository: str, retries: int) -> None:
    build = build_modelcar_image()
    push_to_quay(  # accepted: a param, a record's field, a result, a literal
        repository=repository,
        tag=model.version,
        expected_digest=build.results.image_digest,
        retries=retries,
    )
    push_to_quay(repository=repository, tag=1, expected_digest="sha256:0")  # line 16
    push_to_quay(repository=repository, tagg="v1", expected_digest="sha256:0")  # line 17
    push_to_quay(repository=repository, tag="v1")  # line 18
    push_to_quay.options(name="again")(repo=repository, tag="v1", expected_digest="x")  # 19
"""


def test_mypy_rejects_unknown_missing_and_mistyped_task_arguments(tmp_path: Path) -> None:
    status, stdout = mypy_strict(tmp_path, PROGRAM)
    assert status == 1, stdout
    errors = sorted(
        (int(match[1]), match[2])
        for match in re.finditer(r"flow_under_mypy\.py:(\d+): error: .*\[([a-z-]+)\]", stdout)
    )
    assert errors == [(16, "arg-type"), (17, "call-arg"), (18, "call-arg"), (19, "call-arg")], (
        stdout
    )
    assert 'did you mean "tag"?' in stdout
