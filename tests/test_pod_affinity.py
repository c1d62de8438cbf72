"""Pod affinity, anti-affinity and topology spread in a run's `PodTemplate`: written for v1 and
v1beta1 (run template and taskRunSpecs), refused at the user's line as Kubernetes would refuse
the pod, the same rules on hand-written YAML, and named by a local run that cannot apply them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelcar_dsl import (
    NodeAffinity,
    NodeRequirement,
    NodeTerm,
    PodAffinity,
    PodAffinityTerm,
    PodAntiAffinity,
    PodTemplate,
    Steps,
    TaskRunSpec,
    TopologySpread,
    WeightedPodAffinityTerm,
    command_step,
    pipeline,
    pipeline_run,
    task,
)
from modelcar_dsl.authoring.collection import collect_specs
from modelcar_dsl.compiling.compiler import compile_run
from modelcar_dsl.compiling.render import Compiled, compile_project, render_tree
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.review.tree_diff import as_text, diff_trees
from modelcar_dsl.rules import SourceDocument, validate_documents
from modelcar_dsl.running.run_plan import RunPlan

HERE = Path(__file__).name
SPREAD = PodTemplate(
    affinity=NodeAffinity(
        required=[NodeTerm([NodeRequirement("kubernetes.io/arch", "In", ["amd64"])])]
    ),
    pod_affinity=PodAffinity(
        required=[
            PodAffinityTerm(
                topology_key="topology.kubernetes.io/zone",
                label_selector={"app": "model-cache"},
                namespaces=["caches"],
            )
        ]
    ),
    pod_anti_affinity=PodAntiAffinity(
        preferred=[
            WeightedPodAffinityTerm(
                weight=100,
                topology_key="kubernetes.io/hostname",
                label_selector={"app": "modelcar-build"},
            )
        ]
    ),
    topology_spread=[
        TopologySpread(
            max_skew=1,
            topology_key="topology.kubernetes.io/zone",
            when_unsatisfiable="DoNotSchedule",
            label_selector={"app": "modelcar-build"},
            min_domains=2,
        )
    ],
)
EXPECTED_AFFINITY = {
    "nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {
                    "matchExpressions": [
                        {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}
                    ]
                }
            ]
        }
    },
    "podAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {
                "labelSelector": {"matchLabels": {"app": "model-cache"}},
                "namespaces": ["caches"],
                "topologyKey": "topology.kubernetes.io/zone",
            }
        ]
    },
    "podAntiAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {
                "podAffinityTerm": {
                    "labelSelector": {"matchLabels": {"app": "modelcar-build"}},
                    "topologyKey": "kubernetes.io/hostname",
                },
                "weight": 100,
            }
        ]
    },
}
EXPECTED_SPREAD = [
    {
        "labelSelector": {"matchLabels": {"app": "modelcar-build"}},
        "maxSkew": 1,
        "minDomains": 2,
        "topologyKey": "topology.kubernetes.io/zone",
        "whenUnsatisfiable": "DoNotSchedule",
    }
]


@task(image="registry.example/tools:1")
def build_image(tag: str) -> Steps:
    return [command_step("build", ["echo", tag])]


@pipeline()
def build(tag: str) -> None:
    build_image(tag=tag)


RUN = pipeline_run(
    "nightly",
    build,
    params={"tag": "t"},
    pod_template=SPREAD,
    task_run_specs={"build-image": TaskRunSpec(pod_template=SPREAD)},
)


@pytest.mark.parametrize(
    ("api", "run_template", "task_template"),
    [
        ("v1", ("taskRunTemplate", "podTemplate"), "podTemplate"),
        ("v1beta1", ("podTemplate",), "taskPodTemplate"),
    ],
)
def test_the_run_and_its_task_run_specs_get_them(
    api: str, run_template: tuple[str, ...], task_template: str
) -> None:
    spec = compile_run(RUN, Target(api=api, fs_group=5))["spec"]  # type: ignore[arg-type]
    for template in (_at(spec, run_template), spec["taskRunSpecs"][0][task_template]):
        assert template["affinity"] == EXPECTED_AFFINITY
        assert template["topologySpreadConstraints"] == EXPECTED_SPREAD
    assert check(RUN, target=Target(api=api, fs_group=5)) == []  # type: ignore[arg-type]


def _at(spec: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:
        spec = spec[key]
    return spec


def test_anti_affinity_alone_writes_no_node_affinity() -> None:
    template = PodTemplate(pod_anti_affinity=SPREAD.pod_anti_affinity)
    run = pipeline_run("alone", build, params={"tag": "t"}, pod_template=template)
    written = compile_run(run, Target(fs_group=5))["spec"]["taskRunTemplate"]["podTemplate"]
    assert written["affinity"] == {"podAntiAffinity": EXPECTED_AFFINITY["podAntiAffinity"]}
    assert "topologySpreadConstraints" not in written


@pytest.mark.parametrize(
    ("api", "task_template"), [("v1", "podTemplate"), ("v1beta1", "taskPodTemplate")]
)
def test_a_tasks_partial_affinity_or_user_keeps_the_runs_other_parts(
    api: str, task_template: str
) -> None:
    """Tekton takes a task's affinity and securityContext whole; the compiler writes the run's
    other parts into them, so anti-affinity for one task never drops the run's node affinity
    (nor a task's user the run's seccomp profile)."""
    run_template = PodTemplate(affinity=SPREAD.affinity, seccomp_profile="RuntimeDefault")
    task = PodTemplate(pod_anti_affinity=SPREAD.pod_anti_affinity, run_as_user=1001)
    run = pipeline_run(
        "merged",
        build,
        params={"tag": "t"},
        pod_template=run_template,
        task_run_specs={"build-image": TaskRunSpec(pod_template=task)},
    )
    target = Target(api=api, fs_group=5)  # type: ignore[arg-type]
    written = compile_run(run, target)["spec"]["taskRunSpecs"][0][task_template]
    assert written["affinity"] == {
        "nodeAffinity": EXPECTED_AFFINITY["nodeAffinity"],
        "podAntiAffinity": EXPECTED_AFFINITY["podAntiAffinity"],
    }
    assert written["securityContext"] == {
        "fsGroup": 5,
        "runAsUser": 1001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert check(run, target=target) == []


@pytest.mark.parametrize(
    ("build_it", "expected"),
    [
        (
            lambda: WeightedPodAffinityTerm(
                weight=0, topology_key="", label_selector={"app": "a b"}
            ),
            ["weight 0 is not from 1 to 100", "give topology_key", "label_selector['app']"],
        ),
        (
            lambda: PodAffinityTerm(
                topology_key="kubernetes.io/hostname", label_selector={}, namespaces=["A_B"]
            ),
            ["give label_selector=", "namespace 'A_B'"],
        ),
        (
            lambda: TopologySpread(
                max_skew=0,
                topology_key="zone key",
                when_unsatisfiable="Always",
                label_selector={"app": "x"},
                min_domains=1,
            ),
            ["max_skew must be", "topology_key 'zone key'", "'Always' is not one of"],
        ),
        (
            lambda: TopologySpread(
                max_skew=1,
                topology_key="zone",
                when_unsatisfiable="ScheduleAnyway",
                label_selector={"app": "x"},
                min_domains=2,
            ),
            ["min_domains needs when_unsatisfiable DoNotSchedule"],
        ),
        (lambda: PodAntiAffinity(), ["give required=[PodAffinityTerm(...)]"]),
        (lambda: PodAffinity(required=["x"]), ["'x' is not a PodAffinityTerm"]),
        # A string where a list belongs would be split into letters, each a valid name.
        (
            lambda: PodAffinityTerm(
                topology_key="zone", label_selector={"app": "x"}, namespaces="default"
            ),
            ["namespaces must be a list, got 'default'"],
        ),
        (
            lambda: PodAffinity(required=SPREAD.pod_affinity.required[0]),  # type: ignore[union-attr]
            ["required must be a list"],
        ),
        (lambda: PodTemplate(image_pull_secrets="regcred"), ["image_pull_secrets must be a list"]),
        (
            lambda: PodTemplate(topology_spread=SPREAD.topology_spread[0]),
            ["topology_spread must be a list"],
        ),
        (
            lambda: PodAffinityTerm(topology_key="zone", label_selector={1: "x", "app": "y"}),
            ["label_selector key 1 must be a non-empty string"],
        ),
        (
            lambda: PodTemplate(
                pod_affinity=SPREAD.pod_anti_affinity,  # type: ignore[arg-type]
                topology_spread=[*SPREAD.topology_spread, *SPREAD.topology_spread],
            ),
            ["is not a PodAffinity(...)", "two topology spread constraints"],
        ),
    ],
)
def test_kubernetes_refusals_are_definition_errors_at_the_users_line(
    build_it: Any, expected: list[str]
) -> None:
    with pytest.raises(DefinitionError) as raised:
        build_it()
    message = str(raised.value)
    assert f"{HERE}:" in message
    for part in expected:
        assert part in message, message


def test_the_rules_report_hand_written_placement() -> None:
    template = {
        "affinity": {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 101, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname"}}
                ],
                "requiredDuringSchedulingIgnoredDuringExecution": [{"namespaces": ["A"]}],
            }
        },
        "topologySpreadConstraints": [
            {"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},
            {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},
        ],
    }
    document = {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"generateName": "r-"},
        "spec": {
            "pipelineSpec": {
                "tasks": [
                    {
                        "name": "build",
                        "taskSpec": {"steps": [{"name": "s", "image": "busybox", "script": "x"}]},
                    }
                ]
            },
            "timeouts": {"pipeline": "1h"},
            "taskRunTemplate": {"podTemplate": {"securityContext": {"fsGroup": 5}, **template}},
        },
    }
    found = {
        (p.path, p.message)
        for p in validate_documents([SourceDocument(document, lambda path: None)])
        if p.rule == "pod-template"
    }
    base = "spec.taskRunTemplate.podTemplate"
    anti = f"{base}.affinity.podAntiAffinity"
    paths = {path for path, _ in found}
    assert paths == {
        f"{anti}.preferredDuringSchedulingIgnoredDuringExecution[0]",
        f"{anti}.requiredDuringSchedulingIgnoredDuringExecution[0]",
        f"{base}.topologySpreadConstraints[0]",
        f"{base}.topologySpreadConstraints",
    }, found
    messages = " | ".join(message for _, message in found)
    for part in ("weight 101", "give topologyKey", "namespace 'A'", "maxSkew must be"):
        assert part in messages, messages


def test_a_local_run_names_them_among_the_settings_it_does_not_apply() -> None:
    documents = Compiled.of(
        compile_project(collect_specs([("m", "r", RUN)]), Target(fs_group=5))
    ).documents
    unapplied = RunPlan.of(documents, "nightly").unapplied_pod_settings()
    assert "podTemplate affinity" in unapplied
    assert "podTemplate topologySpreadConstraints" in unapplied


def test_diff_shows_what_the_placement_became() -> None:
    plain = pipeline_run("nightly", build, params={"tag": "t"})
    before = render_tree(collect_specs([("m", "r", plain)]), Target(fs_group=5))
    after = render_tree(collect_specs([("m", "r", RUN)]), Target(fs_group=5))
    lines = as_text(diff_trees(before, after)).splitlines()
    assert (
        "  taskRunTemplate podTemplate topologySpreadConstraints added: [{labelSelector: "
        "{matchLabels: {app: modelcar-build}}, maxSkew: 1, minDomains: 2, topologyKey: "
        "topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule}]"
    ) in lines, lines
    added = [line for line in lines if "podTemplate affinity added: " in line]
    assert len(added) == 1 and "podAntiAffinity" in added[0] and "weight: 100" in added[0], lines
