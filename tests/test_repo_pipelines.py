"""The repo's own pipelines, tested the way users test theirs: through `pipeline.graph`."""

from __future__ import annotations

import itertools

from modelcar_dsl.compiler import compile_run
from modelcar_dsl.target import Target
from pipelines.catalogue import CATALOGUE
from pipelines.modelcar_build import modelcar_build_deploy
from pipelines.runs import mistral_24b_full_build, mistral_24b_quantized_build

BUILD_CHAIN = [
    "download-model",
    "build-modelcar-image",
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
        ("build-modelcar-image", "push-to-internal-registry", "data", "image-digest"),
        ("build-modelcar-image", "push-to-quay", "data", "image-digest"),
        ("push-to-quay", "register-model", "data", "image-ref"),
        ("download-model", "build-modelcar-image", "serialization", "source"),
        ("push-to-internal-registry", "push-to-quay", "serialization", "source"),
    }


def test_pushes_are_serialized_on_the_shared_workspace_without_after() -> None:
    graph = modelcar_build_deploy.graph
    assert graph.run_after("push-to-quay") == ["push-to-internal-registry"]
    assert not graph.edges_of("explicit")
    assert graph.workspace_users("source") == BUILD_CHAIN


def test_read_only_workspaces_do_not_serialize() -> None:
    graph = modelcar_build_deploy.graph
    assert graph.workspace_users("registry-auth") == ["push-to-internal-registry", "push-to-quay"]
    assert all(edge.detail != "registry-auth" for edge in graph.edges)


def test_every_run_has_an_fs_group_and_a_pipeline_timeout() -> None:
    for run in (mistral_24b_quantized_build, mistral_24b_full_build):
        document = compile_run(run, Target(fs_group=1000970000))
        spec = document["spec"]
        assert spec["taskRunTemplate"]["podTemplate"]["securityContext"]["fsGroup"] == 1000970000
        assert spec["timeouts"]["pipeline"]
        assert document["metadata"]["generateName"].endswith("-")


def test_runs_take_registry_names_from_the_catalogue() -> None:
    registered = set()
    for run in (mistral_24b_quantized_build, mistral_24b_full_build):
        params = dict(run.params)
        registered.add((params["model.registry_name"], params["model.version"]))
    assert registered == {(m.registry_name, m.version) for m in CATALOGUE}
