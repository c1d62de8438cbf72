"""The repo's own pipelines, tested the way users test theirs: through `pipeline.graph`."""

from __future__ import annotations

import itertools
from typing import Any

import yaml

from modelcar_dsl.compiling.compiler import compile_run
from modelcar_dsl.model.target import Target
from modelcar_tasks.pipelines import model_testing, modelcar_build_deploy
from pipelines.catalogue import CATALOGUE
from pipelines.runs import (
    mistral_24b_full_build,
    mistral_24b_full_test,
    mistral_24b_quantized_build,
    mistral_24b_quantized_test,
)
from tests.conftest import REPO

BUILD_CHAIN = [
    "download-model",
    "build-modelcar-image",
    "check-release",
    "push-to-internal-registry",
    "push-to-quay",
    "register-model",
]


def test_build_pipeline_runs_in_release_order() -> None:
    assert modelcar_build_deploy.graph.order() == BUILD_CHAIN


def test_every_build_task_waits_for_the_one_before_it() -> None:
    graph = modelcar_build_deploy.graph
    for earlier, later in itertools.pairwise(BUILD_CHAIN):
        assert earlier in graph.upstream(later), f"{later} does not wait for {earlier}"


def test_edges_and_their_kinds() -> None:
    edges = {(e.source, e.target, e.kind, e.detail) for e in modelcar_build_deploy.graph.edges}
    assert edges == {
        ("build-modelcar-image", "check-release", "data", "image-digest"),
        ("check-release", "push-to-internal-registry", "data", "image-digest"),
        ("check-release", "push-to-quay", "data", "image-digest"),
        ("build-modelcar-image", "push-to-internal-registry", "data", "image-path"),
        ("build-modelcar-image", "push-to-quay", "data", "image-path"),
        ("push-to-quay", "register-model", "data", "image-ref"),
        ("push-to-internal-registry", "register-model", "data", "image-ref"),
        ("download-model", "build-modelcar-image", "data", "revision"),
        ("download-model", "register-model", "data", "revision"),
        ("push-to-internal-registry", "push-to-quay", "serialization", "source"),
    }


def test_pushes_are_serialized_on_the_shared_workspace_without_after() -> None:
    graph = modelcar_build_deploy.graph
    assert graph.run_after("push-to-quay") == ["push-to-internal-registry"]
    assert not graph.edges_of("explicit")
    assert graph.workspace_users("source") == [
        "download-model",
        "build-modelcar-image",
        "push-to-internal-registry",
        "push-to-quay",
    ]


def test_read_only_workspaces_do_not_serialize() -> None:
    graph = modelcar_build_deploy.graph
    assert graph.workspace_users("registry-auth") == [
        "build-modelcar-image",
        "check-release",
        "push-to-internal-registry",
        "push-to-quay",
    ]
    assert all(edge.detail != "registry-auth" for edge in graph.edges)


def test_the_pushes_write_only_what_check_release_read_and_cleared() -> None:
    """A re-run after the upstream revision moved overwrote both tags before register-model saw
    the conflict. Read from the YAML, defaults included: each push writes the host, repository
    and tag check-release read, as it read them, with the digest it cleared; and the check looks
    up the version register-model records."""
    documents = [yaml.safe_load(path.read_text()) for path in (REPO / "compiled").rglob("*.yaml")]
    defaults = {
        document["metadata"]["name"]: {
            p["name"]: p.get("default") for p in document["spec"]["params"]
        }
        for document in documents
        if document["kind"] == "Task"
    }
    [pipeline] = [
        document
        for document in documents
        if document["kind"] == "Pipeline"
        and document["metadata"]["name"] == "modelcar-build-deploy"
    ]

    def given(task: str) -> dict[str, Any]:
        [call] = [t for t in pipeline["spec"]["tasks"] if t["name"] == task]
        return {
            **defaults[call["taskRef"]["name"]],
            **{p["name"]: p["value"] for p in call["params"]},
        }

    check = given("check-release")
    for push, registry in [("push-to-internal-registry", "internal"), ("push-to-quay", "quay")]:
        host = "internal-registry-host" if registry == "internal" else "quay-host"
        assert [
            given(push)[name] for name in ("registry-host", "repository", "tag", "tls-verify")
        ] == [
            check[host],
            check[f"{registry}-repository"],
            check["tag"],
            check[f"{registry}-tls-verify"],
        ]
        assert given(push)["expected-digest"] == "$(tasks.check-release.results.image-digest)"
    register = given("register-model")
    assert [check[name] for name in ("registry-url", "model-name", "version-name")] == [
        register[name] for name in ("registry-url", "model-name", "version-name")
    ]
    assert check["tag"] == check["version-name"]


def test_testing_pipeline_measures_one_tool_at_a_time_then_publishes() -> None:
    graph = model_testing.graph
    assert graph.order() == [
        "wait-for-inference-service",
        "run-lm-eval",
        "run-guidellm",
        "publish-results",
    ]
    assert graph.run_after("run-guidellm") == ["run-lm-eval"]
    assert graph.run_after("publish-results") == ["run-guidellm"]


def test_every_run_has_an_fs_group_and_a_pipeline_timeout() -> None:
    for run in (mistral_24b_quantized_build, mistral_24b_full_build):
        document = compile_run(run, Target(fs_group=1000970000))
        spec = document["spec"]
        assert spec["taskRunTemplate"]["podTemplate"]["securityContext"]["fsGroup"] == 1000970000
        assert spec["timeouts"]["pipeline"]
        assert document["metadata"]["generateName"].endswith("-")


def compiled(kind: str) -> list[dict[str, Any]]:
    return [
        yaml.safe_load(path.read_text())
        for path in sorted((REPO / "compiled").rglob("*.yaml"))
        if path.read_text().count(f"kind: {kind}\n")
    ]


def names_task_uses(pipeline: dict[str, Any], task: str) -> tuple[str, str]:
    """The pipeline params a task's model-name and version-name come from."""
    [spec] = [t for t in pipeline["spec"]["tasks"] if t["taskRef"]["name"] == task]
    params = {p["name"]: p["value"] for p in spec["params"]}
    return params["model-name"], params["version-name"]


def test_what_test_runs_look_up_is_exactly_what_build_runs_register() -> None:
    """Seed 000: Pipeline B looked up names Pipeline A never registered. Read from the YAML."""
    pipelines = {p["metadata"]["name"]: p for p in compiled("Pipeline")}
    runs = compiled("PipelineRun")

    def names(pipeline: str, task: str) -> set[tuple[str, str]]:
        name_param, version_param = names_task_uses(pipelines[pipeline], task)
        found = set()
        for run in runs:
            if run["spec"]["pipelineRef"]["name"] != pipeline:
                continue
            values = {p["name"]: p["value"] for p in run["spec"]["params"]}
            found.add(
                (
                    values[name_param.removeprefix("$(params.").removesuffix(")")],
                    values[version_param.removeprefix("$(params.").removesuffix(")")],
                )
            )
        return found

    registered = names("modelcar-build-deploy", "register-model")
    looked_up = names("model-testing", "publish-results")
    assert registered == looked_up == {(m.registry_name, m.version) for m in CATALOGUE}


def test_every_catalogue_version_has_a_build_and_a_test_run() -> None:
    for run in (mistral_24b_quantized_test, mistral_24b_full_test):
        assert dict(run.params)["model.inference_service"] in {
            m.inference_service for m in CATALOGUE
        }
