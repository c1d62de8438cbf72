"""The DSL in-process: params from annotations, env wiring, serialization, runs, API versions."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict

import pytest

from modelcar_dsl import (
    Between,
    ConfigMapVolume,
    EmptyDir,
    ExistingClaim,
    PipelineWorkspace,
    Result,
    SecretEnv,
    SecretVolume,
    Steps,
    VolumeClaim,
    Workspace,
    WorkspacePath,
    command_step,
    finally_tasks,
    pipeline,
    pipeline_run,
    script_step,
    task,
)
from modelcar_dsl.compiling.compiler import compile_pipeline, compile_run, compile_task
from modelcar_dsl.diagnostics.errors import CycleError, DefinitionError
from modelcar_dsl.formats.durations import canonical_duration
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check

IMAGE = "registry.example/tools:1"


class Endpoint(TypedDict):
    url: str
    token_key: str


@task(
    image=IMAGE,
    workspaces=[Workspace("data"), Workspace("cache", optional=True, read_only=True)],
    results=[Result("digest", "The digest.")],
    env=[SecretEnv("TOKEN", secret="creds", key="token")],
)
def everything(
    name: Annotated[str, "Who to greet."],
    count: int = 3,
    ratio: float = 0.5,
    verbose: bool = False,
    mode: Literal["fast", "safe"] = "safe",
    files: list[str] = ["a", "b"],  # noqa: B006
    endpoint: Endpoint = {"url": "https://x", "token_key": "t"},  # noqa: B006
) -> Steps:
    """Exercise every param type."""
    return [script_step("fixtures/hello.sh", name="greet")]


def _params(document: dict[str, Any]) -> dict[str, Any]:
    return {p["name"]: p for p in document["spec"]["params"]}


def test_annotations_become_typed_params() -> None:
    params = _params(compile_task(everything.spec, Target()))
    assert params["name"] == {"name": "name", "type": "string", "description": "Who to greet."}
    assert params["count"] == {"name": "count", "type": "string", "default": "3"}
    assert params["ratio"]["default"] == "0.5"
    assert params["verbose"]["default"] == "false"
    assert params["mode"] == {"name": "mode", "type": "string", "default": "safe"}
    assert params["files"] == {"name": "files", "type": "array", "default": ["a", "b"]}
    assert params["endpoint"] == {
        "name": "endpoint",
        "type": "object",
        "properties": {"token_key": {"type": "string"}, "url": {"type": "string"}},
        "default": {"token_key": "t", "url": "https://x"},
    }


def test_a_tuple_of_strings_is_an_array_like_a_list() -> None:
    """Frozen catalogue records hold their lists as tuples (`include: tuple[str, ...]`)."""

    @task(image=IMAGE)
    def fetch(include: tuple[str, ...] = ("*.json",)) -> Steps:
        return [command_step("main", ["true"])]

    params = _params(compile_task(fetch.spec, Target()))
    assert params["include"] == {"name": "include", "type": "array", "default": ["*.json"]}


def test_params_workspaces_and_results_reach_scripts_only_through_env() -> None:
    document = compile_task(everything.spec, Target())
    env = {
        e["name"]: e.get("value", e.get("valueFrom"))
        for e in document["spec"]["stepTemplate"]["env"]
    }
    assert env["NAME"] == "$(params.name)"
    assert env["ENDPOINT_URL"] == "$(params.endpoint.url)"
    assert env["WORKSPACE_DATA_PATH"] == "$(workspaces.data.path)"
    assert env["WORKSPACE_CACHE_BOUND"] == "$(workspaces.cache.bound)"
    assert env["RESULT_DIGEST_PATH"] == "$(results.digest.path)"
    assert env["TOKEN"] == {"secretKeyRef": {"name": "creds", "key": "token"}}
    step = document["spec"]["steps"][0]
    assert step["args"] == ["$(params.files[*])"]
    assert "$(" not in step["script"]
    assert document["spec"]["results"] == [
        {"name": "digest", "type": "string", "description": "The digest."}
    ]


@pytest.mark.parametrize(
    ("annotation", "default", "message"),
    [
        ("int", '"3"', "expects int, got str '3'"),
        ("bool", "1", "expects bool, got int 1"),
        ('Literal["a", "b"]', '"c"', "expects one of ['a', 'b'], got str 'c'"),
        ("list[str]", '"a"', "expects a list of strings"),
        ("str | None", "None", "optional and union types have no Tekton equivalent"),
        ("bytes", 'b""', "use str, int, float, bool, Literal"),
    ],
)
def test_bad_defaults_and_annotations_are_definition_errors(
    annotation: str, default: str, message: str
) -> None:
    namespace: dict[str, Any] = {"task": task, "Steps": Steps, "Literal": Literal}
    code = (
        f"@task(image='{IMAGE}')\ndef bad(x: {annotation} = {default}) -> Steps:\n    return []\n"
    )
    with pytest.raises(DefinitionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        exec(compile(code, "flows/bad.py", "exec"), namespace)


@task(image=IMAGE, workspaces=[Workspace("data")], results=["out"])
def writer(tag: str = "x") -> Steps:
    """Writes to data."""
    return [command_step("write", ["touch", tag])]


@task(image=IMAGE, workspaces=[Workspace("data", read_only=True)])
def reader(value: str = "") -> Steps:
    """Reads data."""
    return [command_step("read", ["cat"])]


def test_writers_of_one_workspace_are_chained_and_readers_are_not() -> None:
    @pipeline(workspaces=["data"])
    def flow() -> None:
        writer.options(name="first")()
        reader.options(name="read-a")()
        reader.options(name="read-b")()
        writer.options(name="second")()

    graph = flow.graph
    assert graph.order() == ["first", "read-a", "read-b", "second"]
    assert {(e.source, e.target) for e in graph.edges_of("serialization")} == {
        ("first", "read-a"),
        ("first", "read-b"),
        ("read-b", "second"),
        ("read-a", "second"),
    }
    assert graph.upstream("second") == ["read-a", "read-b"]
    assert graph.downstream("first") == ["read-a", "read-b"]


def test_user_order_is_kept_when_it_already_orders_the_writers() -> None:
    @pipeline(workspaces=["data"])
    def flow() -> None:
        first = writer.options(name="first")()
        second = writer.options(name="second")()
        first.after(second)

    assert flow.graph.order() == ["second", "first"]
    assert flow.graph.edges_of("serialization") == []
    assert compile_pipeline(flow.spec, Target())["spec"]["tasks"][0]["runAfter"] == ["second"]


def test_data_edges_are_not_repeated_in_run_after() -> None:
    @pipeline(workspaces=["data"])
    def flow() -> None:
        first = writer.options(name="first")()
        writer.options(name="second")(tag=first.results.out)

    graph = flow.graph
    assert [(e.kind, e.detail) for e in graph.edges] == [("data", "out")]
    second = compile_pipeline(flow.spec, Target())["spec"]["tasks"][1]
    assert "runAfter" not in second
    assert second["params"] == [{"name": "tag", "value": "$(tasks.first.results.out)"}]


def test_order_of_a_cyclic_pipeline_raises() -> None:
    @pipeline(workspaces=["data"])
    def flow() -> None:
        a = writer.options(name="a")()
        b = writer.options(name="b")()
        a.after(b)
        b.after(a)

    with pytest.raises(CycleError, match="a -> b -> a"):
        flow.graph.order()


def test_finally_tasks_and_when_expressions() -> None:
    @pipeline(workspaces=["data"])
    def flow(run_it: Literal["yes", "no"] = "yes") -> None:
        work = writer().when(run_it, "in", ["yes"])
        with finally_tasks():
            reader(value=work.status)

    document = compile_pipeline(flow.spec, Target())
    assert document["spec"]["tasks"][0]["when"] == [
        {"input": "$(params.run-it)", "operator": "in", "values": ["yes"]}
    ]
    assert document["spec"]["finally"][0]["params"] == [
        {"name": "value", "value": "$(tasks.writer.status)"}
    ]
    assert list(check(flow)) == []


def test_status_outside_finally_is_a_problem() -> None:
    @pipeline(workspaces=["data"])
    def flow() -> None:
        work = writer()
        reader(value=work.status)

    problems = [str(p) for p in check(flow)]
    assert any("can only be read by finally tasks" in p for p in problems)


def test_finally_writers_of_one_workspace_are_a_problem() -> None:
    @pipeline(workspaces=["data"])
    def flow() -> None:
        writer()
        with finally_tasks():
            writer.options(name="w1")()
            writer.options(name="w2")()

    problems = [str(p) for p in check(flow)]
    assert any("tasks 'w1' and 'w2' both mount workspace 'data'" in p for p in problems)
    finally_fix = "finally tasks all start together and cannot be ordered"
    assert any(finally_fix in p and "runAfter" not in p for p in problems)


@pipeline(workspaces=["data", "scratch"])
def two_workspaces(tag: str) -> None:
    writer(tag=tag)


def test_run_shapes_for_v1_and_v1beta1() -> None:
    run = pipeline_run(
        "nightly",
        two_workspaces,
        params={"tag": "t"},
        workspaces={"scratch": EmptyDir(), "data": ExistingClaim("models")},
        timeout="90m",
        service_account="builder",
    )
    v1 = compile_run(run, Target(fs_group=5))["spec"]
    assert v1["taskRunTemplate"] == {
        "serviceAccountName": "builder",
        "podTemplate": {"securityContext": {"fsGroup": 5}},
    }
    assert v1["timeouts"] == {"pipeline": "1h30m0s"}
    assert v1["workspaces"] == [
        {"name": "data", "persistentVolumeClaim": {"claimName": "models"}},
        {"name": "scratch", "emptyDir": {}},
    ]
    beta = compile_run(run, Target(api="v1beta1", fs_group=5))
    assert beta["apiVersion"] == "tekton.dev/v1beta1"
    assert beta["spec"]["serviceAccountName"] == "builder"
    assert beta["spec"]["podTemplate"] == {"securityContext": {"fsGroup": 5}}
    assert beta["spec"]["timeout"] == "1h30m0s"
    assert "taskRunTemplate" not in beta["spec"]


@pipeline(workspaces=[PipelineWorkspace("data", default=VolumeClaim(size="60Gi")), "scratch"])
def defaulted_workspace(tag: str) -> None:
    writer(tag=tag)


def test_a_workspace_the_run_leaves_unbound_gets_the_pipelines_default() -> None:
    run = pipeline_run("nightly", defaulted_workspace, params={"tag": "t"})
    bindings = compile_run(run, Target(fs_group=5))["spec"]["workspaces"]
    assert bindings == [
        {
            "name": "data",
            "volumeClaimTemplate": {
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "60Gi"}},
                }
            },
        }
    ]


def test_a_workspace_without_default_left_unbound_is_an_error_at_the_run() -> None:
    """A forgotten `registry-auth` must not become an empty 10Gi claim that fails hours later."""
    run = pipeline_run("nightly", two_workspaces, params={"tag": "t"})
    line = sys._getframe().f_lineno - 1
    problems = check(run, target=Target(fs_group=5))
    assert [(p.rule, p.path, p.location.line if p.location else 0) for p in problems] == [
        ("workspace-unbound", "spec.workspaces", line),
        ("workspace-unbound", "spec.workspaces", line),
    ]
    assert problems[0].message.startswith(
        "Pipeline 'two-workspaces' needs workspace 'data', which is not bound; Tekton would "
        "refuse to start the run. Bind it to a volume (in the DSL: pipeline_run(workspaces="
    )


def test_a_default_that_is_not_a_volume_is_refused() -> None:
    with pytest.raises(DefinitionError, match="has default 'big'; use VolumeClaim"):

        @pipeline(workspaces=[PipelineWorkspace("data", default="big")])  # type: ignore[arg-type]
        def flow() -> None:
            writer(tag="t")


@task(image=IMAGE, workspaces=[Workspace("source")])
def push_image(tag: str) -> Steps:
    """Writes the workspace, as a push unpacking an archive does."""
    return [command_step("main", ["true"])]


@pipeline(workspaces=["source", "quay-source"])
def two_pushes() -> None:
    push_image.options(name="push-internal")(tag="t")
    push_image.options(name="push-quay", workspaces={"source": "quay-source"})(tag="t")


def test_two_workspaces_bound_to_one_claim_are_one_volume() -> None:
    """Each push has its own pipeline workspace, so the pipeline orders nothing; a run that
    binds both to one claim would run them at the same time on it."""
    shared = ExistingClaim("models")
    run = pipeline_run("release", two_pushes, workspaces={"source": shared, "quay-source": shared})
    line = sys._getframe().f_lineno - 1
    problems = check(run, target=Target(fs_group=5))
    assert [(p.rule, p.resource, p.path) for p in problems] == [
        ("shared-workspace", "pipelinerun/release-", "spec.workspaces[0]")
    ]
    assert problems[0].location is not None and problems[0].location.line == line
    assert problems[0].message.startswith(
        "the run binds workspaces 'source' and 'quay-source' to one volume (PersistentVolumeClaim "
        "'models'); tasks 'push-internal' (through 'source') and 'push-quay' (through "
        "'quay-source') mount it"
    )
    apart = pipeline_run(
        "release",
        two_pushes,
        workspaces={"source": ExistingClaim("models"), "quay-source": ExistingClaim("other")},
    )
    assert check(apart, target=Target(fs_group=5)) == []


@pytest.mark.parametrize(
    "volume",
    [ExistingClaim("models", read_only=True), SecretVolume("auth"), ConfigMapVolume("cas")],
    ids=["read-only claim", "Secret", "ConfigMap"],
)
def test_one_volume_mounted_read_only_is_never_written(volume: Any) -> None:
    """Kubernetes mounts Secrets, ConfigMaps and read-only claims read-only: no task writes
    them, whatever its Task says."""
    run = pipeline_run("release", two_pushes, workspaces={"source": volume, "quay-source": volume})
    assert check(run, target=Target(fs_group=5)) == []


@task(image=IMAGE, workspaces=[Workspace("source"), Workspace("cache")])
def copy_between(tag: str) -> Steps:
    """Mounts two workspaces."""
    return [command_step("main", ["true"])]


def test_one_task_mounting_one_volume_twice_is_not_a_race_with_itself() -> None:
    @pipeline(workspaces=["source", "cache"])
    def flow() -> None:
        copy_between(tag="t")

    shared = ExistingClaim("models")
    run = pipeline_run("copy", flow, workspaces={"source": shared, "cache": shared})
    assert check(run, target=Target(fs_group=5)) == []


def test_aliased_workspaces_of_ordered_tasks_are_fine() -> None:
    @pipeline(workspaces=["source", "quay-source"])
    def ordered() -> None:
        internal = push_image.options(name="push-internal")(tag="t")
        push_image.options(name="push-quay", workspaces={"source": "quay-source"})(tag="t").after(
            internal
        )

    shared = ExistingClaim("models")
    run = pipeline_run("release", ordered, workspaces={"source": shared, "quay-source": shared})
    assert check(run, target=Target(fs_group=5)) == []


def test_v1beta1_steps_use_resources() -> None:
    from modelcar_dsl import Resources

    @task(image=IMAGE, resources=Resources(requests={"cpu": "1"}, limits={"memory": "1Gi"}))
    def sized() -> Steps:
        return [command_step("run", ["true"])]

    step_v1 = compile_task(sized.spec, Target())["spec"]["steps"][0]
    step_beta = compile_task(sized.spec, Target(api="v1beta1"))["spec"]["steps"][0]
    assert step_v1["computeResources"] == {"requests": {"cpu": "1"}, "limits": {"memory": "1Gi"}}
    assert step_beta["resources"] == step_v1["computeResources"]


@pytest.mark.parametrize(
    ("value", "canonical"),
    [("90m", "1h30m0s"), ("6h", "6h0m0s"), (45, "45s"), ("1h30m", "1h30m0s"), ("2m30s", "2m30s")],
)
def test_durations_are_written_as_go_prints_them(value: str | int, canonical: str) -> None:
    assert canonical_duration(value) == canonical


def test_tasks_cannot_be_called_outside_a_pipeline() -> None:
    with pytest.raises(DefinitionError, match="only be called inside a @pipeline"):
        writer()


@task(image=IMAGE)
def takes_collections(files: list[str], settings: Endpoint) -> Steps:
    """Takes an array and an object."""
    return [command_step("run", ["true"])]


def test_pipeline_arrays_and_objects_pass_whole_to_tasks() -> None:
    @pipeline()
    def flow(files: list[str], settings: Endpoint) -> None:
        takes_collections(files=files, settings=settings)

    params = compile_pipeline(flow.spec, Target())["spec"]["tasks"][0]["params"]
    assert params == [
        {"name": "files", "value": ["$(params.files[*])"]},
        {"name": "settings", "value": "$(params.settings[*])"},
    ]
    assert list(check(flow)) == []


def test_a_string_variable_for_an_array_param_is_a_problem() -> None:
    @pipeline()
    def flow(name: str, settings: Endpoint) -> None:
        takes_collections(files=name, settings=settings)  # type: ignore[arg-type]

    problems = [str(p) for p in check(flow)]
    assert any("expects an array, got the string variable $(params.name)" in p for p in problems)


def test_step_env_keeps_the_users_order() -> None:
    @task(image=IMAGE)
    def with_env() -> Steps:
        return [command_step("run", ["true"], env={"B": "1", "A": "$(B)"})]

    step = compile_task(with_env.spec, Target())["spec"]["steps"][0]
    assert step["env"] == [{"name": "B", "value": "1"}, {"name": "A", "value": "$(B)"}]


def test_a_task_binding_two_workspaces_to_one_does_not_wait_for_itself() -> None:
    @task(image=IMAGE, workspaces=[Workspace("a"), Workspace("b")])
    def two_mounts() -> Steps:
        return [command_step("run", ["true"])]

    @pipeline(workspaces=["data"])
    def flow() -> None:
        writer()
        two_mounts.options(workspaces={"a": "data", "b": "data"})()

    assert flow.graph.order() == ["writer", "two-mounts"]
    assert flow.graph.run_after("two-mounts") == ["writer"]


def test_unknown_workspace_in_options_is_a_problem() -> None:
    @pipeline(workspaces=["data"])
    def flow() -> None:
        writer.options(workspaces={"dta": "data"})()

    problems = [str(p) for p in check(flow)]
    assert any("declares no workspace 'dta'; did you mean 'data'?" in p for p in problems)


def test_regular_task_reading_a_finally_result_is_a_problem() -> None:
    @pipeline(workspaces=["data"])
    def flow() -> None:
        with finally_tasks():
            late = writer.options(name="late")()
        reader(value=late.results.out)

    problems = [str(p) for p in check(flow)]
    assert any("reads a result of finally task 'late'" in p for p in problems)


def test_when_takes_a_list() -> None:
    with pytest.raises(DefinitionError, match="when\\(\\) takes a list of values"):

        @pipeline(workspaces=["data"])
        def flow(go: str = "yes") -> None:
            writer().when(go, "in", "yes")


def test_empty_object_default_stays_an_object() -> None:
    @task(image=IMAGE)
    def empty(labels: dict[str, str] = {}) -> Steps:  # noqa: B006
        return [command_step("run", ["true"])]

    assert compile_task(empty.spec, Target())["spec"]["params"][0]["default"] == {}


def test_runs_reject_bad_volume_and_fs_group() -> None:
    with pytest.raises(DefinitionError, match="bound to 'pvc'"):
        pipeline_run("r", two_workspaces, workspaces={"data": "pvc"})  # type: ignore[dict-item]
    with pytest.raises(DefinitionError, match="fs_group must be a whole number"):
        pipeline_run("r", two_workspaces, fs_group="1000")  # type: ignore[arg-type]


@task(image=IMAGE)
def retrying(retries: Annotated[int, Between(1, 5)] = 3) -> Steps:
    """Retries a bounded number of times."""
    return [command_step("main", ["true"])]


def test_values_reaching_a_bounded_param_through_a_pipeline_param_are_checked() -> None:
    """A pipeline param's default (held as Tekton holds it, a string) and a run's value are
    checked against the bounds of the task param they are passed to."""

    @pipeline()
    def fine(retries: int = 4) -> None:
        retrying(retries=retries)

    @pipeline()
    def too_many(retries: int = 9) -> None:
        retrying(retries=retries)

    assert check(fine) == []
    assert [(p.rule, p.path) for p in check(too_many)] == [
        ("param-constraint", "spec.params[retries]")
    ]
    assert "to param 'retries' of task 'retrying': 9 must be a whole number from 1 to 5" in (
        check(too_many)[0].message
    )
    run = pipeline_run("nightly", fine, params={"retries": 0})
    problems = check(run, target=Target(fs_group=5))
    assert [(p.rule, p.resource) for p in problems] == [("param-constraint", "pipelinerun/nightly")]
    assert "param 'retries' is passed to param 'retries' of task 'retrying': 0 must be" in (
        problems[0].message
    )


@task(image=IMAGE, workspaces=[Workspace("data")])
def pack(model_dir: WorkspacePath = "model") -> Steps:
    """Packs a directory of the workspace."""
    return [command_step("main", ["true"])]


def test_a_path_built_around_a_run_time_value_is_checked_for_its_shape() -> None:
    @pipeline(workspaces=["data"])
    def outside(sub: str) -> None:
        pack.options(name="up")(model_dir=f"../../{sub}")
        pack.options(name="root")(model_dir=f"/etc/{sub}")
        pack.options(name="inside")(model_dir=f"models/{sub}")

    problems = check(outside)
    assert [(p.rule, p.path) for p in problems] == [
        ("param-constraint", "spec.tasks[0].params[model-dir]"),
        ("param-constraint", "spec.tasks[1].params[model-dir]"),
    ]
    assert "'../../$(params.sub)', whatever its variables hold:" in problems[0].message


@pytest.mark.parametrize("through", ["f-string", "object key"])
def test_a_run_value_reaching_a_path_param_inside_a_string_or_an_object_is_checked(
    through: str,
) -> None:
    if through == "f-string":

        @pipeline(workspaces=["data"])
        def flow(directory: str) -> None:
            pack(model_dir=f"{directory}")

        params: dict[str, Any] = {"directory": "../etc"}
    else:

        @pipeline(workspaces=["data"])
        def flow(settings: dict[str, str] = {"dir": "model"}) -> None:  # noqa: B006
            pack(model_dir=settings["dir"])

        params = {"settings": {"dir": "../etc"}}
    run = pipeline_run("nightly", flow, params=params, workspaces={"data": EmptyDir()})
    assert [p.rule for p in check(run, target=Target(fs_group=5))] == ["param-constraint"]


@task(image=IMAGE)
def bounded(parallel: Annotated[int, Between(1, 32)] = 4) -> Steps:
    """Runs a bounded number of workers."""
    return [command_step("main", ["true"])]


@pytest.mark.parametrize(
    ("build", "params"),
    [
        (lambda sub: pack(model_dir=f"{sub}/model"), {"sub": ".."}),
        (lambda sub: pack(model_dir="$(params['sub'])"), {"sub": "../../etc"}),
        (lambda sub: bounded(parallel=f"{sub}0"), {"sub": "99"}),  # type: ignore[arg-type]
    ],
    ids=["inside an f-string", "bracket form", "a number built from a string"],
)
def test_a_run_value_is_checked_where_the_pipeline_puts_it(
    build: Any, params: dict[str, Any]
) -> None:
    @pipeline(workspaces=["data"])
    def flow(sub: str) -> None:
        build(sub)

    assert check(flow) == [], "the shape alone is fine"
    run = pipeline_run("nightly", flow, params=params, workspaces={"data": EmptyDir()})
    problems = check(run, target=Target(fs_group=5))
    assert [(p.rule, p.path) for p in problems] == [("param-constraint", "spec.params[sub]")]


def test_check_judges_for_the_project_of_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check() reads [tool.modelcar] as compile does: the project's fs_group makes a run
    without one valid; outside a project, or with `target=`, it is judged without it."""

    @pipeline(workspaces=["data"])
    def flow() -> None:
        writer()

    run = pipeline_run("nightly", flow, workspaces={"data": EmptyDir()})
    monkeypatch.chdir(tmp_path)
    assert [p.rule for p in check(run)] == ["run-fs-group"]
    (tmp_path / "pyproject.toml").write_text(
        '[tool.modelcar]\nmodules = ["flows"]\nfs_group = 1000970000\n'
    )
    assert check(run) == []
    assert [p.rule for p in check(run, target=Target())] == ["run-fs-group"]


def test_a_task_function_without_return_names_what_to_return() -> None:
    """A forgotten `return` is a DefinitionError at the @task line, not a TypeError."""
    with pytest.raises(DefinitionError, match=r"returned nothing \(no return statement\?\)"):

        @task(image=IMAGE)
        def forgot(tag: str) -> Steps:  # type: ignore[return]
            """Builds the steps but does not return them."""
            [command_step("main", ["echo", tag])]


def test_a_task_call_passed_for_a_value_names_its_results() -> None:
    """Passing `made` instead of `made.results.digest` says which results there are."""

    @task(image=IMAGE, results=["image-digest"])
    def build() -> Steps:
        """Builds."""
        return [command_step("main", ["true"])]

    @task(image=IMAGE)
    def push(digest: str) -> Steps:
        """Pushes."""
        return [command_step("main", ["true"])]

    @pipeline()
    def flow() -> None:
        made = build()
        push(digest=made)  # type: ignore[arg-type]

    (problem,) = check(flow, target=Target())
    assert problem.rule == "param-value-type"
    assert "(the call of task 'build' itself; pass one of its results: .results.image_digest)" in (
        problem.message
    )


def test_a_bad_default_is_reported_at_its_parameter_with_its_rule() -> None:
    """A default that does not fit its type names the parameter's own line (not `@task(`) and
    the rule that explains it."""
    with pytest.raises(DefinitionError) as raised:

        @task(image=IMAGE)
        def bounded(
            tag: str,
            retries: int = "three",  # type: ignore[assignment]
        ) -> Steps:
            """Retries a bounded number of times."""
            return [command_step("main", ["true"])]

    lines = Path(__file__).read_text().splitlines()
    written = next(i for i, line in enumerate(lines, 1) if 'retries: int = "three"' in line)
    assert raised.value.location is not None
    assert raised.value.location.line == written
    assert str(raised.value).endswith("got str 'three' [param-default]")


@dataclasses.dataclass(frozen=True)
class Model:
    """A record written as a dataclass, not an attrs class."""

    name: str


def test_a_dataclass_record_is_told_to_be_an_attrs_class() -> None:
    """Pipelines take catalogue records as attrs classes; a @dataclass gets that fix, not a
    list of the scalar types."""
    with pytest.raises(DefinitionError, match=r"is a @dataclass \(Model\).*@attrs\.frozen"):

        @pipeline()
        def flow(model: Model) -> None:
            """Uses a dataclass record."""


@pytest.mark.parametrize("decorator", ["task(image=IMAGE)", "pipeline()"])
@pytest.mark.parametrize(
    ("parameters", "shown"),
    [
        ("repo: str, *tags: str", "*tags"),
        ("repo: str, **extra: str", "**extra"),
        ("repo: str, /", "'repo' (positional-only, before /)"),
    ],
)
def test_parameters_not_given_by_name_are_definition_errors_naming_the_line(
    decorator: str, parameters: str, shown: str
) -> None:
    """Tekton passes params by name: @task and @pipeline refuse the same signatures the same
    way, at the decorator's line, rather than failing inside the pipeline's trace."""
    namespace: dict[str, Any] = {"task": task, "pipeline": pipeline, "IMAGE": IMAGE}
    code = f"\n@{decorator}\ndef bad({parameters}) -> None:\n    pass\n"
    with pytest.raises(DefinitionError) as raised:
        exec(compile(code, "flows/bad.py", "exec"), namespace)
    assert str(raised.value) == (
        f"flows/bad.py:2: bad: {shown} cannot become a Tekton param, which is passed by name; "
        "declare each param as a named, typed parameter"
    )


def test_a_nested_finally_block_is_a_definition_error_at_its_with() -> None:
    """Leaving an inner `with finally_tasks():` once ended the outer block, so the tasks after
    it silently became regular tasks."""
    code = (
        "@pipeline(workspaces=['data'])\n"
        "def flow() -> None:\n"
        "    with finally_tasks():\n"
        "        writer()\n"
        "        with finally_tasks():\n"
        "            reader(value='x')\n"
    )
    namespace: dict[str, Any] = {
        "pipeline": pipeline,
        "finally_tasks": finally_tasks,
        "writer": writer,
        "reader": reader,
    }
    with pytest.raises(DefinitionError) as raised:
        exec(compile(code, "flows/nested.py", "exec"), namespace)
    assert str(raised.value) == (
        "flows/nested.py:5: with finally_tasks() is inside another one (at flows/nested.py:3), "
        "and blocks do not nest: every task called in the outer block is a finally task "
        "already, so remove the inner with"
    )


def test_finally_tasks_outside_a_pipeline_points_at_the_with() -> None:
    """The error names the user's `with` line, not a line inside contextlib."""
    code = "\nwith finally_tasks():\n    pass\n"
    with pytest.raises(DefinitionError, match=r"^flows/outside\.py:2: tasks can only be called"):
        exec(compile(code, "flows/outside.py", "exec"), {"finally_tasks": finally_tasks})


@pytest.mark.parametrize(
    ("make", "owner"),
    [
        (lambda: SecretVolume("../auth"), "SecretVolume"),
        (lambda: ConfigMapVolume(""), "ConfigMapVolume"),
        (lambda: ExistingClaim("Models_Claim"), "ExistingClaim"),
    ],
)
def test_a_volume_source_naming_no_kubernetes_object_is_refused_at_its_line(
    make: Callable[[], object], owner: str
) -> None:
    """The pod mounting it would never start; the error names the user's line."""
    with pytest.raises(
        DefinitionError, match=f"{owner}: name .* is not a Kubernetes object name"
    ) as raised:
        make()
    assert raised.value.location is not None
    assert raised.value.location.file.endswith("test_dsl.py")
