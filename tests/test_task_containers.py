"""A step's securityContext, pull policy and mounts, a task's own volumes and its sidecars:
typed in Python, checked at the user's line, written for v1 and v1beta1, held to Tekton's and
Kubernetes' rules on the compiled documents, and refused or honoured by the local runner."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml

from modelcar_dsl import (
    ConfigMapVolume,
    EmptyDir,
    Resources,
    SecretEnv,
    SecretVolume,
    SecurityContext,
    Step,
    Steps,
    TaskVolume,
    VolumeClaim,
    VolumeMount,
    Workspace,
    command_step,
    pipeline,
    pipeline_run,
    script_step,
    sidecar,
    step_action,
    task,
)
from modelcar_dsl.compiling.compiler import compile_task
from modelcar_dsl.diagnostics.errors import DefinitionError, LocalRunError
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.project.local_run import run_local, run_task
from modelcar_dsl.review.graph_formats import to_text
from modelcar_dsl.review.tree_diff import diff_trees
from modelcar_dsl.rules import SourceDocument, validate_documents
from modelcar_dsl.running.console import Console
from modelcar_dsl.running.run_plan import (
    pull_option,
    security_options,
    step_with_template,
    unapplied_container_settings,
)

IMAGE = "registry.example/tools:1"
REGISTRY = "registry.example/registry:2"
RESTRICTED = SecurityContext(
    run_as_non_root=True,
    allow_privilege_escalation=False,
    capabilities_drop=["ALL"],
    seccomp_profile="RuntimeDefault",
)


@task(
    image=IMAGE,
    workspaces=[Workspace("source")],
    volumes=[
        TaskVolume("cache", EmptyDir()),
        TaskVolume("ca", ConfigMapVolume("ca-bundle")),
        TaskVolume("auth", SecretVolume("quay-auth")),
    ],
    sidecars=[
        sidecar(
            "registry",
            REGISTRY,
            script="containers_registry.sh",
            env={"REGISTRY_HTTP_ADDR": "127.0.0.1:5000"},
            env_from=[SecretEnv("REGISTRY_TOKEN", "registry", "token")],
            resources=Resources(requests={"memory": "256Mi"}),
            volume_mounts=[VolumeMount("cache", "/var/lib/registry")],
            security_context=RESTRICTED,
            image_pull_policy="IfNotPresent",
            ports=[5000],
            ready_port=5000,
        )
    ],
)
def push_through_cache(tag: str) -> Steps:
    return [
        command_step(
            "push",
            ["echo", tag],
            security_context=RESTRICTED,
            image_pull_policy="Always",
            volume_mounts=[
                VolumeMount("cache", "/cache"),
                VolumeMount("ca", "/etc/pki/extra", read_only=True, sub_path="certs"),
                VolumeMount("auth", "/auth", read_only=True),
            ],
        )
    ]


RESTRICTED_DOCUMENT = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}


@pytest.mark.parametrize(
    ("api", "resources"), [("v1", "computeResources"), ("v1beta1", "resources")]
)
def test_both_versions_write_the_containers_and_volumes(
    api: Literal["v1", "v1beta1"], resources: str
) -> None:
    spec = compile_task(push_through_cache.spec, Target(api=api))["spec"]
    step = spec["steps"][0]
    assert list(step)[-3:] == ["volumeMounts", "imagePullPolicy", "securityContext"]
    assert step["volumeMounts"] == [
        {"name": "cache", "mountPath": "/cache"},
        {"name": "ca", "mountPath": "/etc/pki/extra", "readOnly": True, "subPath": "certs"},
        {"name": "auth", "mountPath": "/auth", "readOnly": True},
    ]
    assert step["imagePullPolicy"] == "Always"
    assert step["securityContext"] == RESTRICTED_DOCUMENT
    assert spec["volumes"] == [
        {"name": "cache", "emptyDir": {}},
        {"name": "ca", "configMap": {"name": "ca-bundle"}},
        {"name": "auth", "secret": {"secretName": "quay-auth"}},
    ]
    [registry] = spec["sidecars"]
    assert registry["name"] == "registry"
    assert registry["image"] == REGISTRY
    assert registry["ports"] == [{"containerPort": 5000}]
    assert registry["readinessProbe"] == {"tcpSocket": {"port": 5000}}
    assert list(registry).index("readinessProbe") == list(registry).index("volumeMounts") + 1
    assert registry["env"] == [
        {"name": "REGISTRY_HTTP_ADDR", "value": "127.0.0.1:5000"},
        {
            "name": "REGISTRY_TOKEN",
            "valueFrom": {"secretKeyRef": {"name": "registry", "key": "token"}},
        },
    ]
    assert registry[resources] == {"requests": {"memory": "256Mi"}}
    assert registry["volumeMounts"] == [{"name": "cache", "mountPath": "/var/lib/registry"}]
    assert registry["imagePullPolicy"] == "IfNotPresent"
    assert registry["securityContext"] == RESTRICTED_DOCUMENT
    assert registry["script"].startswith("#!/bin/sh\n")
    assert "command" not in registry


@pipeline(workspaces=["source"])
def cached_push(tag: str) -> None:
    push_through_cache(tag=tag)


CACHED_RUN = pipeline_run(
    "cached", cached_push, params={"tag": "t"}, workspaces={"source": EmptyDir()}
)


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_the_rules_accept_the_output(api: Literal["v1", "v1beta1"]) -> None:
    assert check(CACHED_RUN, target=Target(api=api, fs_group=5)) == []


def _line_of(text: str) -> int:
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_every_problem_of_a_security_context_is_reported_at_the_users_line() -> None:
    escalation = {"privileged": True, "allow_privilege_escalation": False}
    with pytest.raises(DefinitionError) as raised:
        SecurityContext(run_as_user=-1, seccomp_profile="x", **escalation)  # bad-sc
    assert raised.value.location is not None
    assert raised.value.location.file == __file__
    assert raised.value.location.line == _line_of("# bad-sc")
    message = str(raised.value)
    for part in ("run_as_user -1", "privileged=True with allow_privilege", "seccomp_profile 'x'"):
        assert part in message


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: SecurityContext(run_as_non_root=True, run_as_user=0), "run_as_user=0"),
        (lambda: SecurityContext(privileged="yes"), "privileged must be True or False"),  # type: ignore[arg-type]
        (
            lambda: SecurityContext(
                allow_privilege_escalation=False, capabilities_add=["CAP_SYS_ADMIN"]
            ),
            "CAP_SYS_ADMIN",
        ),
        (lambda: SecurityContext(capabilities_drop=[""]), "not a capability name"),
        (lambda: SecurityContext(capabilities_add=["NET_RAW,SYS_ADMIN"]), "not a capability"),
        (lambda: VolumeMount("Cache", "/cache"), "not a DNS-1123 label"),
        (lambda: VolumeMount("cache", "cache"), "not an absolute path"),
        (lambda: VolumeMount("cache", "/tekton/cache"), "under /tekton/"),
        (lambda: VolumeMount("cache", "//tekton/results"), "'/tekton/results' is under"),
        (lambda: VolumeMount("cache", "/data/$(params.dir)"), "modelcar's policy is a fixed path"),
        (lambda: VolumeMount("cache", "/c", sub_path="../up"), "without '..'"),
        (lambda: TaskVolume("cache", VolumeClaim()), "volumeClaimTemplate"),  # type: ignore[arg-type]
        (lambda: TaskVolume("cache", "emptyDir"), "is not EmptyDir()"),  # type: ignore[arg-type]
        (lambda: TaskVolume("my_cache", EmptyDir()), "not a DNS-1123 label"),
        (lambda: TaskVolume("tekton-internal-home", EmptyDir()), "Tekton reserves"),
        (lambda: VolumeMount("tekton-internal-home", "/h"), "Tekton reserves"),
        (lambda: command_step("a", ["x"], image_pull_policy="Sometimes"), "image_pull_policy"),  # type: ignore[arg-type]
        (
            lambda: command_step("a", ["x"], security_context={"privileged": True}),  # type: ignore[arg-type]
            "SecurityContext",
        ),
        (
            lambda: command_step(
                "a", ["x"], volume_mounts=[VolumeMount("a", "/m"), VolumeMount("b", "/m/")]
            ),
            "mount path '/m' is used twice",
        ),
        (lambda: sidecar("registry", ""), "image is required"),
        (lambda: sidecar("tekton-log-results", REGISTRY), "reserved by Tekton"),
        (lambda: sidecar("Registry", REGISTRY), "not a DNS-1123 label"),
        (lambda: sidecar("registry", REGISTRY, ports=[0, 5000, 5000]), "port 0"),
        (lambda: sidecar("registry", REGISTRY, ports=[5000, 5000]), "port 5000 is given twice"),
        (lambda: sidecar("registry", REGISTRY, ready_port=70000), "ready_port 70000"),
        (
            lambda: sidecar("registry", REGISTRY, script="containers_registry.sh", command=["x"]),
            "not both",
        ),
        (lambda: task(image=IMAGE, volumes=["cache"]), "not a TaskVolume"),  # type: ignore[list-item]
        (lambda: SecurityContext(capabilities_drop="ALL"), "capabilities_drop must be a list"),
        (lambda: sidecar("registry", REGISTRY, command="registry serve"), "command must be a list"),
        (lambda: sidecar("registry", REGISTRY, resources="1Gi"), "give Resources"),  # type: ignore[arg-type]
        (lambda: command_step("a", "echo hi"), "command must be a list"),
        (
            lambda: command_step("a", ["x"], volume_mounts=VolumeMount("a", "/m")),  # type: ignore[arg-type]
            "volume_mounts must be a list",
        ),
        (lambda: task(image=IMAGE, volumes=TaskVolume("c", EmptyDir())), "volumes must be a list"),  # type: ignore[arg-type]
        (lambda: task(image=IMAGE, sidecars=[REGISTRY]), "not a sidecar"),  # type: ignore[list-item]
    ],
)
def test_each_refusal_names_the_problem_at_the_users_line(
    build: Callable[[], Any], expected: str
) -> None:
    with pytest.raises(DefinitionError, match=expected) as raised:
        build()
    assert raised.value.location is not None
    assert raised.value.location.file == __file__


def test_the_rules_clean_a_mount_path_as_tekton_does() -> None:
    """Go's filepath.Clean makes `//tekton/results` `/tekton/results`, which Tekton refuses;
    Python's normpath keeps the leading '//'."""
    document = compile_task(push_through_cache.spec, Target())
    document["spec"]["steps"][0]["volumeMounts"][0]["mountPath"] = "//tekton/results"
    problems = validate_documents([SourceDocument(document, lambda path: None)])
    assert [(p.path, p.rule) for p in problems] == [
        ("spec.steps[0].volumeMounts[0].mountPath", "volume-mount")
    ]


def test_a_sidecars_mount_under_tekton_is_policy_and_kubernetes_mount_checks_fail_at_run_time() -> (
    None
):
    """Tekton's webhook refuses a step's mount under /tekton/, not a sidecar's; two mounts at one
    path and a subPath out of its volume are Kubernetes' refusals of the pod."""
    document = compile_task(push_through_cache.spec, Target())
    document["spec"]["sidecars"][0]["volumeMounts"][0]["mountPath"] = "/tekton/cache"
    document["spec"]["steps"][0]["volumeMounts"][1]["mountPath"] = "/cache"
    document["spec"]["steps"][0]["volumeMounts"][2]["subPath"] = "../other"
    problems = validate_documents([SourceDocument(document, lambda path: None)])
    assert [(p.path, p.origin, p.severity) for p in problems] == [
        ("spec.steps[0].volumeMounts[2].subPath", "run", "error"),
        ("spec.steps[0].volumeMounts[1].mountPath", "run", "error"),
        ("spec.sidecars[0].volumeMounts[0].mountPath", "modelcar", "warning"),
    ]
    assert "modelcar's policy" in problems[2].message


def test_the_rules_refuse_a_non_root_container_run_as_root_as_the_dsl_does() -> None:
    document = compile_task(push_through_cache.spec, Target())
    document["spec"]["steps"][0]["securityContext"]["runAsUser"] = 0
    problems = validate_documents([SourceDocument(document, lambda path: None)])
    assert [(p.path, p.rule) for p in problems] == [
        ("spec.steps[0].securityContext.runAsUser", "container-settings")
    ]
    with pytest.raises(DefinitionError, match="run_as_user=0"):
        SecurityContext(run_as_non_root=True, run_as_user=0)


def test_the_rules_hold_a_sidecars_ports_as_sidecar_does() -> None:
    document = compile_task(push_through_cache.spec, Target())
    document["spec"]["sidecars"][0]["ports"] = [
        {"containerPort": 5000},
        {"containerPort": 5000, "protocol": "TCP"},
        {"containerPort": 5000, "protocol": "UDP"},
        {"containerPort": 70000},
    ]
    problems = validate_documents([SourceDocument(document, lambda path: None)])
    assert sorted((p.path, p.rule, p.origin) for p in problems) == [
        ("spec.sidecars[0].ports[1].containerPort", "container-settings", "modelcar"),
        ("spec.sidecars[0].ports[3].containerPort", "container-settings", "run"),
    ]
    with pytest.raises(DefinitionError, match="port 70000"):
        sidecar("registry", REGISTRY, ports=[70000])


def _problems(**settings: Any) -> list[str]:
    """The problems check() finds in a task made with `settings`, as file:line and text."""
    step_mounts = settings.pop("step_mounts", ())

    @task(image=IMAGE, **settings)
    def hello() -> Steps:
        return [command_step("hello", ["echo"], volume_mounts=step_mounts)]

    return [
        f"{Path(p.location.file).name}:{p.location.line} {p.path}: {p.message} [{p.rule}]"
        for p in check(hello, target=Target())
        if p.location is not None
    ]


def test_a_mount_of_no_declared_volume_names_the_nearest_at_the_mounts_line() -> None:
    problems = _problems(
        volumes=[TaskVolume("cache", EmptyDir())],
        step_mounts=[VolumeMount("cahce", "/cache")],  # typo-mount
        sidecars=[sidecar("proxy", REGISTRY, volume_mounts=[VolumeMount("certs", "/certs")])],  # sc
    )
    here = Path(__file__).name
    assert problems == [
        f"{here}:{_line_of('# typo-mount')} spec.steps[0].volumeMounts[0].name: volume 'cahce' is "
        "not one of the task's volumes; did you mean 'cache'?; declare it: "
        "@task(volumes=[TaskVolume('cahce', EmptyDir())]) [task-volume]",
        f"{here}:{_line_of('# sc')} spec.sidecars[0].volumeMounts[0].name: volume 'certs' is not "
        "one of the task's volumes; known: cache; declare it: "
        "@task(volumes=[TaskVolume('certs', EmptyDir())]) [task-volume]",
    ]


def test_volume_names_are_unique_and_apart_from_workspaces_and_sidecars_unique() -> None:
    at_workspace = VolumeMount("source", "/workspace/source")  # at-ws
    problems = _problems(
        workspaces=[Workspace("source")],
        volumes=[
            TaskVolume("source", EmptyDir()),  # like-workspace
            TaskVolume("source", EmptyDir()),  # twice
        ],
        sidecars=[
            sidecar("proxy", REGISTRY, volume_mounts=[at_workspace]),
            sidecar("proxy", REGISTRY),  # same-sidecar
        ],
    )
    expected = [
        ("# like-workspace", "spec.volumes[0].name: volume 'source' has the name of a workspace"),
        ("# twice", "spec.volumes[1].name: volume name 'source' is used more than once"),
        (
            "# at-ws",
            "spec.sidecars[0].volumeMounts[0].mountPath: mount path '/workspace/source' is "
            "where workspace 'source' is mounted",
        ),
        ("# same-sidecar", "spec.sidecars[1].name: sidecar name 'proxy' is used more than once"),
    ]
    for marker, text in expected:
        line = f"{Path(__file__).name}:{_line_of(marker)} {text}"
        assert any(problem.startswith(line) for problem in problems), (line, problems)


def test_a_step_mount_at_a_workspaces_path_is_refused() -> None:
    problems = _problems(
        workspaces=[Workspace("source")],
        volumes=[TaskVolume("cache", EmptyDir())],
        step_mounts=[VolumeMount("cache", "/workspace/source")],
    )
    assert [p for p in problems if "[workspace-mount-path]" in p] != []


def test_the_local_runner_refuses_sidecars_and_volumes_before_the_run_starts(
    tmp_path: Path,
) -> None:
    with pytest.raises(LocalRunError, match="task push-through-cache has sidecars \\(registry\\)"):
        run_local(CACHED_RUN, run_dir=tmp_path / "run", target=Target(fs_group=5))
    assert not (tmp_path / "run" / "tasks").exists()

    @task(image=IMAGE, volumes=[TaskVolume("cache", EmptyDir())])
    def mounting() -> Steps:
        return [command_step("fill", ["true"], volume_mounts=[VolumeMount("cache", "/cache")])]

    with pytest.raises(LocalRunError, match="mounts volumes of its own \\(steps fill\\)"):
        run_task(mounting, {}, target=Target())

    @task(image=IMAGE)
    def privileged() -> Steps:
        return [command_step("root", ["true"], security_context=SecurityContext(privileged=True))]

    with pytest.raises(LocalRunError, match="step root of task privileged is privileged"):
        run_task(privileged, {}, target=Target())


@task(image=IMAGE)
def restricted() -> Steps:
    return [command_step("quiet", ["true"], security_context=RESTRICTED, image_pull_policy="Never")]


@pipeline()
def restricted_pipeline() -> None:
    restricted()


def test_the_local_runner_says_it_does_not_apply_a_security_context(tmp_path: Path) -> None:
    err = io.StringIO()
    result = run_local(
        pipeline_run("quiet", restricted_pipeline),
        run_dir=tmp_path / "run",
        target=Target(fs_group=5),
        console=Console(quiet=True, live=False, err=err),
    )
    assert result.outcome.tasks[0].status == "Succeeded"
    notes = [line for line in err.getvalue().splitlines() if "container settings" in line]
    fields = ["allowPrivilegeEscalation", "capabilities", "runAsNonRoot", "seccompProfile"]
    assert notes == [
        "container settings not applied: "
        + ", ".join(f"securityContext.{f} of step quiet of task restricted" for f in fields)
    ]


def test_under_podman_only_what_it_has_no_flag_for_is_not_applied() -> None:
    tasks = {"restricted": compile_task(restricted.spec, Target())["spec"]}
    assert unapplied_container_settings(tasks, in_containers=True) == [
        "securityContext.runAsNonRoot of step quiet of task restricted"
    ]


def test_podman_pulls_as_the_pull_policy_says() -> None:
    assert pull_option("Always") == ["--pull=always"]
    assert pull_option("IfNotPresent") == ["--pull=missing"]
    assert pull_option("Never") == ["--pull=never"]
    assert pull_option(None) == []


def test_podman_runs_a_step_with_its_security_context() -> None:
    context = {
        "readOnlyRootFilesystem": True,
        "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
        "allowPrivilegeEscalation": False,
        "seccompProfile": {"type": "Unconfined"},
        "runAsNonRoot": True,
    }
    assert security_options(context) == [
        "--read-only",
        "--read-only-tmpfs=false",
        "--cap-add=NET_BIND_SERVICE",
        "--cap-drop=ALL",
        "--security-opt=no-new-privileges",
        "--security-opt=seccomp=unconfined",
    ]
    assert security_options(RESTRICTED_DOCUMENT) == [
        "--cap-drop=ALL",
        "--security-opt=no-new-privileges",
    ]
    assert security_options({}) == []
    assert security_options({"capabilities": {"add": None, "drop": ["ALL"]}}) == ["--cap-drop=ALL"]


def test_the_step_script_of_a_sidecar_is_read_beside_the_calling_file() -> None:
    with pytest.raises(DefinitionError) as raised:
        sidecar("registry", REGISTRY, script="no_such_script.sh")  # missing-script
    assert raised.value.location is not None
    assert raised.value.location.line == _line_of("# missing-script")


def test_a_script_step_takes_the_same_container_settings() -> None:
    step = script_step(
        "containers_registry.sh",
        security_context=SecurityContext(read_only_root_filesystem=True, run_as_group=5),
        image_pull_policy="Never",
        volume_mounts=[VolumeMount("cache", "/cache")],
    )

    @task(image=IMAGE, volumes=[TaskVolume("cache", EmptyDir())])
    def scripted() -> Steps:
        return [step]

    [body] = compile_task(scripted.spec, Target())["spec"]["steps"]
    assert body["securityContext"] == {"readOnlyRootFilesystem": True, "runAsGroup": 5}
    assert body["imagePullPolicy"] == "Never"
    assert body["volumeMounts"] == [{"name": "cache", "mountPath": "/cache"}]
    assert check(scripted, target=Target()) == []


def _tree(spec: Any) -> dict[str, str]:
    return {"01-tasks/task-a.yaml": yaml.safe_dump(compile_task(spec, Target()))}


def test_diff_says_what_changed_in_a_tasks_containers_and_volumes() -> None:
    @task(name="a", image=IMAGE, volumes=[TaskVolume("cache", EmptyDir())])
    def before() -> Steps:
        mount = VolumeMount("cache", "/cache")
        return [command_step("push", ["true"], volume_mounts=[mount])]

    @task(
        name="a",
        image=IMAGE,
        volumes=[TaskVolume("cache", ConfigMapVolume("c")), TaskVolume("ca", SecretVolume("s"))],
        sidecars=[sidecar("registry", REGISTRY)],
    )
    def after() -> Steps:
        mount = VolumeMount("cache", "/cache", read_only=True)
        return [
            command_step(
                "push",
                ["true"],
                volume_mounts=[mount],
                security_context=RESTRICTED,
                image_pull_policy="Always",
            )
        ]

    [changes] = diff_trees(_tree(before.spec), _tree(after.spec))
    assert [change.text for change in changes.changes] == [
        "step push mount cache readOnly added: true",
        "step push imagePullPolicy added: Always",
        "step push securityContext added: {allowPrivilegeEscalation: false, capabilities: "
        "{drop: [ALL]}, runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}",
        "volume cache emptyDir removed",
        "volume cache configMap added: {name: c}",
        "volume ca added",
        "sidecar registry added",
    ]


def test_the_graph_names_the_sidecars_beside_their_task() -> None:
    assert to_text(cached_push.graph).splitlines() == [
        "pipeline cached-push",
        "stage 1:",
        "  push-through-cache",
        "    sidecars: registry",
    ]


def test_a_sidecars_script_and_command_are_held_to_the_step_rules() -> None:
    """Script injection and TLS switched off are found in a sidecar as in a step, at the line
    of its script file and of the sidecar."""
    problems = _problems(
        sidecars=[
            sidecar("injected", REGISTRY, script="containers_injected.sh"),
            sidecar("insecure", REGISTRY, command=["curl", "-k", "https://x"]),  # curl-k
        ]
    )
    where = "spec.sidecars[0].script: tests/containers_injected.sh:3 contains $(params.config)"
    [injected] = [p for p in problems if where in p]
    # A sidecar has none of the task's env (no stepTemplate): it is told to pass its own.
    assert 'sidecar(..., env={"NAME": value})' in injected
    assert "in the step's env" not in injected
    assert any(
        p.startswith(f"{Path(__file__).name}:{_line_of('# curl-k')} spec.sidecars[1].command")
        and "[tls-bypass]" in p
        for p in problems
    ), problems


def test_a_command_steps_tls_switch_is_found_in_the_dsl() -> None:
    """The DSL's own tls-bypass check read a step's command only when it was a list; a
    command_step's is a tuple, and the rule on the compiled Task is left to the DSL's check."""

    @task(image=IMAGE)
    def insecure() -> Steps:
        return [command_step("fetch", ["curl", "-k", "https://x"])]

    assert [p.path for p in check(insecure, target=Target())] == ["spec.steps[0].command"]


def test_a_step_action_refuses_container_settings_it_would_not_write() -> None:
    with pytest.raises(DefinitionError, match="sets image_pull_policy, which the DSL") as raised:

        @step_action(image=IMAGE)
        def fetch() -> Step:
            return command_step("fetch", ["true"], image_pull_policy="Always")  # action-step

    assert raised.value.location is not None
    assert raised.value.location.line == _line_of("# action-step")


@pytest.mark.parametrize(
    ("capabilities", "refused"),
    [
        ({"add": ["NET_RAW,SYS_ADMIN"]}, "'NET_RAW,SYS_ADMIN'"),
        ({"drop": ["ALL", "--privileged"]}, "'--privileged'"),
        ({"add": "SYS_ADMIN"}, "'SYS_ADMIN'"),
        ("ALL", "'ALL'"),
    ],
)
def test_a_hand_edited_capability_that_is_not_one_name_is_refused_before_the_run(
    capabilities: object, refused: str
) -> None:
    # podman splits --cap-add=A,B into two, which a cluster's runtime would refuse as one name.
    document = compile_task(restricted.spec, Target())
    step = document["spec"]["steps"][0]
    step["securityContext"] = {**step["securityContext"], "capabilities": capabilities}
    with pytest.raises(LocalRunError, match=f"step quiet of task restricted .*{refused}"):
        run_task(document, {})


@pytest.mark.parametrize(
    "context",
    [
        "privileged",
        {"readOnlyRootFilesystem": "true"},
        {"privileged": "false"},
        {"seccompProfile": "Unconfined"},
    ],
)
def test_a_security_context_kubernetes_cannot_read_is_refused_before_the_run(
    context: object,
) -> None:
    document = compile_task(restricted.spec, Target())
    document["spec"]["steps"][0]["securityContext"] = context
    with pytest.raises(LocalRunError, match=r"step quiet of task restricted has securityContext"):
        run_task(document, {})


def test_the_step_template_s_container_settings_are_the_steps_as_tekton_merges_them() -> None:
    document = compile_task(restricted.spec, Target())
    spec = document["spec"]
    spec["stepTemplate"] = {
        "securityContext": {"runAsUser": 5, "capabilities": {"add": ["NET_RAW"]}},
        "imagePullPolicy": "Always",
    }
    (step,) = spec["steps"]
    merged = step_with_template(spec, step)
    assert merged["imagePullPolicy"] == "Never"
    assert merged["securityContext"]["capabilities"] == {"add": ["NET_RAW"], "drop": ["ALL"]}
    assert "securityContext.runAsUser of step quiet of task restricted" in (
        unapplied_container_settings({"restricted": spec}, in_containers=True)
    )
    spec["stepTemplate"] = {"securityContext": {"privileged": True}}
    with pytest.raises(LocalRunError, match="step quiet of task restricted is privileged"):
        run_task(document, {})
    spec["stepTemplate"] = {"volumeMounts": [{"name": "cache", "mountPath": "/cache"}]}
    with pytest.raises(LocalRunError, match="mounts volumes of its own \\(steps quiet\\)"):
        run_task(document, {})


def test_a_localhost_seccomp_profile_is_said_not_to_be_applied_under_podman() -> None:
    document = compile_task(restricted.spec, Target())
    (step,) = document["spec"]["steps"]
    step["securityContext"]["seccompProfile"] = {"type": "Localhost", "localhostProfile": "p"}
    assert unapplied_container_settings({"restricted": document["spec"]}, in_containers=True) == [
        "securityContext.runAsNonRoot of step quiet of task restricted",
        "securityContext.seccompProfile of step quiet of task restricted",
    ]


def test_a_hand_edited_pull_policy_kubernetes_refuses_is_refused_before_the_run() -> None:
    document = compile_task(restricted.spec, Target())
    document["spec"]["steps"][0]["imagePullPolicy"] = "--pull=always"
    with pytest.raises(LocalRunError, match="imagePullPolicy '--pull=always', which Kubernetes"):
        run_task(document, {})


@pytest.mark.parametrize("capability", ["ALL", "SYS_ADMIN", "cap_sys_module", "DAC_READ_SEARCH"])
def test_a_capability_that_reaches_the_machine_is_refused_as_privileged_is(
    capability: str,
) -> None:
    # Under podman run as root, SYS_MODULE loads kernel code and ALL holds it: privileged in
    # all but name. Pod Security's baseline allows adding only the harmless ones.
    @task(image=IMAGE)
    def empowered() -> Steps:
        context = SecurityContext(capabilities_add=[capability])
        return [command_step("power", ["true"], security_context=context)]

    with pytest.raises(LocalRunError, match=f"step power of task empowered adds {capability}"):
        run_task(empowered, {}, target=Target())


def test_a_capability_pod_security_s_baseline_allows_is_added() -> None:
    @task(image=IMAGE)
    def binding() -> Steps:
        context = SecurityContext(capabilities_add=["NET_BIND_SERVICE", "cap_chown"])
        return [command_step("bind", ["true"], security_context=context)]

    assert run_task(binding, {}, target=Target()).succeeded
