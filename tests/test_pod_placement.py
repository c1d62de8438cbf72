"""A run's pod template and taskRunSpecs: typed in Python, checked at the user's line, written
for v1 and v1beta1, and held to Kubernetes' and Tekton's rules on the compiled documents."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Literal

import pytest

from modelcar_dsl import (
    NodeAffinity,
    NodeRequirement,
    NodeTerm,
    PodTemplate,
    PreferredNode,
    Resources,
    Steps,
    TaskRunSpec,
    Toleration,
    command_step,
    pipeline,
    pipeline_run,
    task,
)
from modelcar_dsl.compiling.compiler import compile_run
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.project.local_run import run_local
from modelcar_dsl.rules import SourceDocument, validate_documents
from modelcar_dsl.running.console import Console

IMAGE = "registry.example/tools:1"
GPU_NODES = PodTemplate(
    node_selector={"nvidia.com/gpu.present": "true"},
    tolerations=[Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")],
    affinity=NodeAffinity(
        required=[NodeTerm([NodeRequirement("kubernetes.io/arch", "In", ["amd64"])])],
        preferred=[
            PreferredNode(50, NodeTerm([NodeRequirement("node.example/fast-disk", "Exists")]))
        ],
    ),
    image_pull_secrets=["quay-pull"],
    priority_class_name="batch-high",
    runtime_class_name="nvidia",
    run_as_non_root=True,
    run_as_user=1000970000,
    run_as_group=1000970000,
    supplemental_groups=[1000970001],
    seccomp_profile="RuntimeDefault",
    env={"HF_HUB_OFFLINE": "1"},
)


@task(image=IMAGE)
def build_modelcar_image(tag: str) -> Steps:
    return [command_step("build", ["echo", tag])]


@pipeline()
def build(tag: str) -> None:
    build_modelcar_image(tag=tag)


def _run(**settings: Any) -> Any:
    return pipeline_run("nightly", build, params={"tag": "t"}, **settings)


PLACED = _run(
    pod_template=GPU_NODES,
    task_run_specs={
        "build-modelcar-image": TaskRunSpec(
            service_account="builder",
            pod_template=PodTemplate(node_selector={"node-role.kubernetes.io/build": ""}),
            compute_resources=Resources(requests={"cpu": "2"}, limits={"memory": "8Gi"}),
        )
    },
)
EXPECTED_TEMPLATE = {
    "affinity": {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "preference": {
                        "matchExpressions": [
                            {"key": "node.example/fast-disk", "operator": "Exists"}
                        ]
                    },
                    "weight": 50,
                }
            ],
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}
                        ]
                    }
                ]
            },
        }
    },
    "env": [{"name": "HF_HUB_OFFLINE", "value": "1"}],
    "imagePullSecrets": [{"name": "quay-pull"}],
    "nodeSelector": {"nvidia.com/gpu.present": "true"},
    "priorityClassName": "batch-high",
    "runtimeClassName": "nvidia",
    "securityContext": {
        "fsGroup": 5,
        "runAsGroup": 1000970000,
        "runAsNonRoot": True,
        "runAsUser": 1000970000,
        "seccompProfile": {"type": "RuntimeDefault"},
        "supplementalGroups": [1000970001],
    },
    "tolerations": [{"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"}],
}


def test_v1_writes_the_template_under_task_run_template_and_per_task_specs() -> None:
    spec = compile_run(PLACED, Target(fs_group=5))["spec"]
    assert spec["taskRunTemplate"] == {"podTemplate": EXPECTED_TEMPLATE}
    assert spec["taskRunSpecs"] == [
        {
            "pipelineTaskName": "build-modelcar-image",
            "serviceAccountName": "builder",
            "podTemplate": {"nodeSelector": {"node-role.kubernetes.io/build": ""}},
            "computeResources": {"limits": {"memory": "8Gi"}, "requests": {"cpu": "2"}},
        }
    ]


def test_v1beta1_uses_its_own_field_names() -> None:
    spec = compile_run(PLACED, Target(api="v1beta1", fs_group=5))["spec"]
    assert spec["podTemplate"] == EXPECTED_TEMPLATE
    assert spec["taskRunSpecs"] == [
        {
            "pipelineTaskName": "build-modelcar-image",
            "taskServiceAccountName": "builder",
            "taskPodTemplate": {"nodeSelector": {"node-role.kubernetes.io/build": ""}},
            "computeResources": {"limits": {"memory": "8Gi"}, "requests": {"cpu": "2"}},
        }
    ]


def test_a_task_security_setting_keeps_the_runs_fs_group() -> None:
    """Tekton replaces the run's securityContext with a task's whole; the fsGroup must stay."""
    run = _run(
        task_run_specs={
            "build-modelcar-image": TaskRunSpec(pod_template=PodTemplate(run_as_user=7))
        }
    )
    spec = compile_run(run, Target(fs_group=5))["spec"]
    assert spec["taskRunSpecs"][0]["podTemplate"] == {
        "securityContext": {"fsGroup": 5, "runAsUser": 7}
    }


def test_without_settings_the_run_is_as_before() -> None:
    spec = compile_run(_run(), Target(fs_group=5))["spec"]
    assert spec["taskRunTemplate"] == {"podTemplate": {"securityContext": {"fsGroup": 5}}}
    assert "taskRunSpecs" not in spec


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_the_rules_accept_the_output(api: Literal["v1", "v1beta1"]) -> None:
    assert check(PLACED, target=Target(api=api, fs_group=5)) == []


def _line_of(text: str) -> int:
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_every_problem_of_a_template_is_reported_at_the_users_line() -> None:
    with pytest.raises(DefinitionError) as raised:
        PodTemplate(node_selector={"gpu type": "a 100"}, run_as_user=-1, seccomp_profile="x")  # bad
    message = str(raised.value)
    assert raised.value.location is not None
    assert raised.value.location.line == _line_of("# bad")
    assert raised.value.location.file == __file__
    for part in ("node_selector key 'gpu type'", "'a 100'", "run_as_user -1", "seccomp_profile"):
        assert part in message


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: Toleration(key="gpu", operator="Exist"), "operator 'Exist' is not one of"),
        (lambda: Toleration(operator="Equal", value="x"), "without a key must use operator"),
        (lambda: Toleration(key="gpu", operator="Exists", value="x"), "takes no value"),
        (lambda: Toleration(key="gpu", effect="NoRun"), "effect 'NoRun' is not one of"),
        (lambda: Toleration(key="gpu", toleration_seconds=30), "needs effect='NoExecute'"),
        (lambda: NodeRequirement("zone", "In"), "needs at least one value"),
        (lambda: NodeRequirement("zone", "Exists", ["a"]), "takes no values"),
        (lambda: NodeRequirement("cpus", "Gt", ["many"]), "exactly one whole-number value"),
        (lambda: NodeRequirement("zone", "Near"), "operator 'Near' is not one of"),
        (lambda: PreferredNode(0, NodeTerm([NodeRequirement("z", "Exists")])), "from 1 to 100"),
        (lambda: NodeAffinity(), "give required="),
        (lambda: PodTemplate(image_pull_secrets=["Quay_Pull"]), "not a Kubernetes object name"),
        (lambda: PodTemplate(env={"1X": "a"}), "env name '1X'"),
        (lambda: PodTemplate(run_as_non_root=True, run_as_user=0), "no pod could start"),
        (lambda: TaskRunSpec(), "sets nothing"),
        (lambda: PodTemplate(node_selector={"example.com/": "x"}), "the name part ''"),
    ],
)
def test_kubernetes_refusals_are_definition_errors(build: Any, expected: str) -> None:
    with pytest.raises(DefinitionError, match=expected):
        build()


def test_task_run_specs_must_name_a_task_of_the_pipeline() -> None:
    with pytest.raises(DefinitionError) as raised:
        pipeline_run("r", build, task_run_specs={"build-modelcar-imag": TaskRunSpec("b")})
    assert "did you mean 'build-modelcar-image'?" in str(raised.value)
    assert raised.value.location is not None
    assert raised.value.location.line == _line_of('task_run_specs={"build-modelcar-imag"')


def test_a_pod_template_must_be_typed() -> None:
    with pytest.raises(DefinitionError, match="pod_template must be a PodTemplate"):
        _run(pod_template={"nodeSelector": {"a": "b"}})


def _run_document(spec: dict[str, Any]) -> dict[str, Any]:
    pipeline_spec = {
        "tasks": [
            {
                "name": "build",
                "taskSpec": {"steps": [{"name": "s", "image": "busybox", "script": "true"}]},
            }
        ]
    }
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"generateName": "r-"},
        "spec": {"pipelineSpec": pipeline_spec, "timeouts": {"pipeline": "1h"}, **spec},
    }


def _nowhere(path: str) -> None:
    return None


def test_the_rules_report_hand_written_templates_and_task_names() -> None:
    template = {
        "securityContext": {"fsGroup": 5},
        "nodeSelector": {"zone": "a b"},
        "tolerations": [{"operator": "Equal", "tolerationSeconds": 5}],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "z", "operator": "Lt", "values": []}]}
                    ]
                },
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 101, "preference": {"matchExpressions": []}}
                ],
            }
        },
    }
    document = _run_document(
        {
            "taskRunTemplate": {"podTemplate": template},
            "taskRunSpecs": [
                {"pipelineTaskName": "biuld", "podTemplate": {"tolerations": [{"effect": "X"}]}}
            ],
        }
    )
    problems = {(p.path, p.rule) for p in validate_documents([SourceDocument(document, _nowhere)])}
    base = "spec.taskRunTemplate.podTemplate"
    affinity = f"{base}.affinity.nodeAffinity"
    assert {
        (f"{base}.nodeSelector.zone", "pod-template"),
        (f"{base}.tolerations[0]", "pod-template"),
        (
            f"{affinity}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
            ".matchExpressions[0]",
            "pod-template",
        ),
        (f"{affinity}.preferredDuringSchedulingIgnoredDuringExecution[0]", "pod-template"),
        ("spec.taskRunSpecs[0].pipelineTaskName", "task-run-spec-name"),
        ("spec.taskRunSpecs[0].podTemplate.tolerations[0]", "pod-template"),
    } <= problems


def test_a_local_run_says_which_pod_settings_it_does_not_apply(tmp_path: Path) -> None:
    """`modelcar run` cannot place pods or switch their user: it says so rather than
    silently running as if the settings were not there."""
    err = io.StringIO()
    result = run_local(
        PLACED,
        run_dir=tmp_path / "run",
        target=Target(fs_group=5),
        console=Console(quiet=True, live=False, err=err),
    )
    assert result.outcome.tasks[0].status == "Succeeded"
    notes = [line for line in err.getvalue().splitlines() if "not applied" in line]
    assert notes == [
        "pod settings not applied on this machine: podTemplate affinity, podTemplate env, "
        "podTemplate imagePullSecrets, podTemplate nodeSelector, podTemplate "
        "priorityClassName, podTemplate runtimeClassName, podTemplate tolerations, "
        "podTemplate securityContext.runAsGroup, podTemplate securityContext.runAsNonRoot, "
        "podTemplate securityContext.runAsUser, podTemplate securityContext.seccompProfile, "
        "podTemplate securityContext.supplementalGroups, taskRunSpecs for build-modelcar-image"
    ]


def test_a_local_run_without_pod_settings_has_no_such_note(tmp_path: Path) -> None:
    err = io.StringIO()
    run_local(
        _run(),
        run_dir=tmp_path / "run",
        target=Target(fs_group=5),
        console=Console(quiet=True, live=False, err=err),
    )
    assert "not applied" not in err.getvalue()


def test_a_template_env_that_replaces_a_steps_variable_is_reported() -> None:
    """Tekton appends the template's env after the step's: `TAG` would no longer be the param."""
    run = _run(
        pod_template=PodTemplate(env={"TAG": "x", "HF_HUB_OFFLINE": "1"}),
        task_run_specs={
            "build-modelcar-image": TaskRunSpec(pod_template=PodTemplate(env={"TAG": "y"}))
        },
    )
    problems = check(run, target=Target(fs_group=5))
    assert [(p.path, p.rule, p.severity) for p in problems] == [
        ("spec.taskRunTemplate.podTemplate.env[0]", "pod-template", "warning"),
        ("spec.taskRunSpecs[0].podTemplate.env[0]", "pod-template", "warning"),
    ]
    assert "env 'TAG' replaces the variable of that name the steps of build-modelcar-image set" in (
        problems[0].message
    )
