"""Model Registry names reach register-model and publish-results from a catalogue record only.

Seed 000's failure was a test pipeline looking up a name no build registered. The names are
types of their own (`RegisteredModelName`, `ModelVersionName`) that only the catalogue record's
fields carry: anything else passed there is a compile error naming the catalogue, and mypy,
reading `@task`'s typed signature, refuses it as well.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import attrs
import pytest

from modelcar_dsl import Steps, check, command_step, pipeline, pipeline_run, task
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.model.target import Target
from modelcar_tasks import ModelVersion
from modelcar_tasks.model_registry_access import ModelVersionName, RegisteredModelName
from modelcar_tasks.publish_results import publish_results
from modelcar_tasks.register_model import register_model
from pipelines.catalogue import MISTRAL_24B_QUANTIZED
from tests.conftest import mypy_strict

URL = "https://registry.example:8443"


@pipeline()
def registering(model: ModelVersion) -> None:
    """The record's fields, passed as the tasks want them."""
    register_model(
        registry_url=URL,
        model_name=model.registry_name,
        version_name=model.version,
        image_ref=f"quay.io/x/y@sha256:{'0' * 64}",
    )


def _problems(flow: object) -> list[tuple[str, str, str]]:
    return [(p.rule, p.path, p.message) for p in check(flow, target=Target(fs_group=5))]


def test_a_literal_a_str_param_or_a_result_is_refused_with_the_field_to_use() -> None:
    @pipeline(workspaces=["source"])
    def flow(model: ModelVersion, version_text: str) -> None:
        registered = register_model(
            registry_url=URL,
            model_name=RegisteredModelName("Mistral-24B-Instruct"),
            version_name=version_text,  # type: ignore[arg-type]
            image_ref=f"quay.io/x/y@sha256:{'0' * 64}",
        )
        publish_results(
            registry_url=URL,
            model_name=registered.results.model_version_id,
            version_name=model.version,
        )

    problems = _problems(flow)
    assert [(rule, path) for rule, path, _ in problems] == [
        ("catalogue-name", "spec.tasks[0].params[model-name]"),
        ("catalogue-name", "spec.tasks[0].params[version-name]"),
        ("catalogue-name", "spec.tasks[1].params[model-name]"),
    ]
    assert problems[0][2] == (
        "param 'model_name' of task 'register-model' takes a RegisteredModelName from the model "
        "catalogue, not the literal 'Mistral-24B-Instruct'; take a catalogue record param "
        "(model: ModelVersion) and pass its RegisteredModelName field, so the build registers "
        "exactly what the tests look up"
    )
    assert "not the pipeline param $(params.version-text); pass model.version" in problems[1][2]
    assert "not the variable $(tasks.register-model.results.model-version-id)" in problems[2][2]


def test_the_records_fields_pass() -> None:
    assert _problems(registering) == []
    run = pipeline_run("flow-run", registering, params={"model": MISTRAL_24B_QUANTIZED})
    assert _problems(run) == []
    assert dict(run.params)["model.version"] == "24b-w4a16-1gpu"


def test_a_pipeline_param_of_a_catalogue_type_is_refused() -> None:
    with pytest.raises(DefinitionError, match="'name' is a RegisteredModelName, which only a"):

        @pipeline()
        def flow(name: RegisteredModelName) -> None:
            pass


V1 = ModelVersionName("v1")


def test_a_task_param_of_a_catalogue_type_takes_no_default() -> None:
    with pytest.raises(DefinitionError, match="it cannot have a default"):

        @task(image="busybox")
        def tagged(version: ModelVersionName = V1) -> Steps:
            return [command_step("main", ["true"])]


def test_a_run_cannot_give_a_records_field_on_its_own() -> None:
    with pytest.raises(DefinitionError, match="pass the whole catalogue record"):
        pipeline_run("flow-run", registering, params={"model.registry_name": "typo"})


PROGRAM = """\
from modelcar_dsl import pipeline
from modelcar_tasks import ModelVersion
from modelcar_tasks.register_model import register_model


@pipeline()
def flow(model: ModelVersion, name: str) -> None:
    register_model(
        registry_url="https://registry.example:8443",
        model_name={model_name},
        version_name=model.version,
        image_ref="quay.io/x/y@sha256:0",
    )
"""


@pytest.mark.parametrize(
    ("model_name", "accepted"),
    [("model.registry_name", True), ('"Mistral-24B-Instruct"', False), ("name", False)],
)
def test_mypy_sees_the_catalogue_type_at_the_call(
    model_name: str, accepted: bool, tmp_path: Path
) -> None:
    status, stdout = mypy_strict(tmp_path, textwrap.dedent(PROGRAM.format(model_name=model_name)))
    if accepted:
        assert status == 0, stdout
    else:
        assert status == 1, stdout
        assert 'Argument "model_name" to "__call__" of "Task" has incompatible type' in stdout
        assert 'expected "RegisteredModelName"' in stdout


def test_both_pipelines_name_the_version_from_the_catalogue() -> None:
    """The repo's own pipelines pass the records' fields, and nothing else, to the registry
    tasks (their runs are cross-checked on the compiled YAML in test_repo_pipelines)."""
    from modelcar_tasks.pipelines import model_testing, modelcar_build_deploy

    for flow in (modelcar_build_deploy, model_testing):
        registry_calls = [
            call
            for call in flow.spec.tasks
            if call.task.name in ("register-model", "publish-results")
        ]
        assert registry_calls, flow.spec.name
        for call in registry_calls:
            arguments = dict(call.arguments)
            assert str(arguments["model_name"]) == "$(params.model-registry-name)"
            assert str(arguments["version_name"]) == "$(params.model-version)"


@attrs.frozen
class LookAlike:
    """Fields named like a ModelVersion's, plain strings: not a catalogue record."""

    registry_name: str
    version: str


@pytest.mark.parametrize(
    "record",
    [LookAlike("Totally-Unlisted", "v9"), "Mistral-24B-Instruct"],
    ids=["another class with the same fields", "a string"],
)
def test_a_run_passes_a_catalogue_record_of_the_declared_class_only(record: object) -> None:
    with pytest.raises(DefinitionError, match="param 'model' takes a ModelVersion from the"):
        pipeline_run("flow-run", registering, params={"model": record})
