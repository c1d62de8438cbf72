"""`modelcar validate` judges YAML for the user's cluster: its `enable-api-fields`, its other
feature flags and its Tekton release. Each gated feature is refused at the gates Tekton refuses
it at and accepted once its gate is on; each verdict was checked against Tekton v1.15's own
admission (defaulting and validation built from its source). Release rules are pinned by the
tektoncd/pipeline commit that made the change."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from modelcar_dsl.diagnostics.errors import Problem
from modelcar_dsl.model.gates import FEATURE_FLAGS, ApiFields, Gates, Version, check_flag
from tests.conftest import MiniProject, run_modelcar, validated
from tests.test_bad_input import HEADER, VALID_PIPELINE

V1 = "https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/"
COMMIT = "https://github.com/tektoncd/pipeline/commit/"
STABLE = Gates(api_fields="stable")
ALPHA = Gates(api_fields="alpha")
DEFAULT = Gates()


def flag_on(name: str, value: str = "true") -> Gates:
    return Gates(flags=((name, value),))


def _task(spec: str, kind: str = "Task", api: str = "v1") -> str:
    return f"apiVersion: tekton.dev/{api}\nkind: {kind}\nmetadata:\n  name: work\nspec:\n" + (
        textwrap.indent(textwrap.dedent(spec), "  ")
    )


STEP = "steps:\n  - name: main\n    image: busybox\n    script: echo hi\n"
TASK_REF = "taskRef:\n      name: work\n"


@attrs.frozen
class Gated:
    """A document using one gated feature: Tekton refuses it at `off` (reporting `path`) and
    accepts it at `on`; `source` is the Tekton code that decides it."""

    id: str
    yaml: str
    path: str
    off: Gates
    on: Gates
    source: str


GATED = [
    Gated(
        "param-enum-needs-enable-param-enum-even-at-alpha",
        _task("params:\n  - name: mode\n    enum: [fast, safe]\n" + STEP),
        "spec.params[0].enum",
        ALPHA,
        flag_on("enable-param-enum"),
        V1 + "param_types.go",
    ),
    Gated(
        "pipeline-param-enum-needs-enable-param-enum",
        _task(
            "params:\n  - name: mode\n    enum: [fast]\ntasks:\n  - name: a\n    " + TASK_REF,
            "Pipeline",
        ),
        "spec.params[0].enum",
        DEFAULT,
        flag_on("enable-param-enum"),
        V1 + "pipeline_validation.go",
    ),
    Gated(
        "cel-in-a-pipeline-task-when-needs-its-flag",
        _task(
            "tasks:\n  - name: a\n    " + TASK_REF + "    when:\n      - cel: \"'a' == 'a'\"\n",
            "Pipeline",
        ),
        "spec.tasks[0].when[0].cel",
        ALPHA,
        flag_on("enable-cel-in-whenexpression"),
        V1 + "when_validation.go",
    ),
    Gated(
        "cel-in-a-step-when-needs-its-flag",
        _task(STEP + "    when:\n      - cel: \"'a' == 'a'\"\n"),
        "spec.steps[0].when[0].cel",
        DEFAULT,
        flag_on("enable-cel-in-whenexpression"),
        V1 + "task_validation.go",
    ),
    Gated(
        "step-artifacts-path-needs-enable-artifacts",
        _task(
            "steps:\n  - name: main\n    image: busybox\n"
            "    script: echo '{}' > $(step.artifacts.path)\n"
        ),
        "spec.steps[0]",
        ALPHA,
        flag_on("enable-artifacts"),
        V1 + "container_validation.go",
    ),
    Gated(
        "task-artifact-in-a-pipeline-param-needs-enable-artifacts",
        _task(
            "tasks:\n  - name: a\n    "
            + TASK_REF
            + "  - name: b\n    "
            + TASK_REF
            + "    params:\n      - name: image\n        value: $(tasks.a.outputs.image)\n",
            "Pipeline",
        ),
        "spec.tasks[1].params",
        DEFAULT,
        flag_on("enable-artifacts"),
        V1 + "pipeline_validation.go",
    ),
    Gated(
        "a-resolver-url-as-a-ref-name-needs-concise-resolver-syntax",
        _task(
            "tasks:\n  - name: a\n    taskRef:\n      resolver: git\n"
            "      name: git://github.com/org/repo/task.yaml\n",
            "Pipeline",
        ),
        "spec.tasks[0].taskRef.name",
        ALPHA,
        flag_on("enable-concise-resolver-syntax"),
        V1 + "container_validation.go",
    ),
    Gated(
        "pipeline-ref-in-a-pipeline-task-is-alpha",
        _task("tasks:\n  - name: a\n    pipelineRef:\n      name: inner\n", "Pipeline"),
        "spec.tasks[0].pipelineRef",
        DEFAULT,
        ALPHA,
        V1 + "pipeline_validation.go",
    ),
    Gated(
        "pipeline-spec-in-a-pipeline-task-is-alpha",
        _task(
            "tasks:\n  - name: a\n    pipelineSpec:\n      tasks:\n        - name: b\n"
            "          taskRef:\n            name: work\n",
            "Pipeline",
        ),
        "spec.tasks[0].pipelineSpec",
        DEFAULT,
        ALPHA,
        V1 + "pipeline_validation.go",
    ),
    Gated(
        "step-stdout-config-is-alpha",
        _task(STEP + "    stdoutConfig:\n      path: /tmp/out\n"),
        "spec.steps[0].stdoutConfig",
        DEFAULT,
        ALPHA,
        V1 + "container_validation.go",
    ),
    Gated(
        "step-stderr-config-is-alpha",
        _task(STEP + "    stderrConfig:\n      path: /tmp/err\n"),
        "spec.steps[0].stderrConfig",
        DEFAULT,
        ALPHA,
        V1 + "container_validation.go",
    ),
    Gated(
        "a-windows-script-is-alpha",
        _task("steps:\n  - name: main\n    image: busybox\n    script: |\n      #!win pwsh\n"),
        "spec.steps[0].script",
        DEFAULT,
        ALPHA,
        V1 + "container_validation.go",
    ),
    Gated(
        "taskrun-debug-is-alpha",
        _task(
            "taskRef:\n  name: work\ndebug:\n  breakpoints:\n    onFailure: enabled\n", "TaskRun"
        ),
        "spec.debug",
        DEFAULT,
        ALPHA,
        V1 + "taskrun_validation.go",
    ),
    Gated(
        "a-resolver-in-a-pipeline-task-is-beta",
        _task(
            "tasks:\n  - name: a\n    taskRef:\n      resolver: hub\n",
            "Pipeline",
        ),
        "spec.tasks[0].taskRef.resolver",
        STABLE,
        DEFAULT,
        V1 + "pipeline_validation.go",
    ),
    Gated(
        "on-error-on-a-pipeline-task-is-beta",
        _task("tasks:\n  - name: a\n    " + TASK_REF + "    onError: continue\n", "Pipeline"),
        "spec.tasks[0].onError",
        STABLE,
        DEFAULT,
        V1 + "pipeline_validation.go",
    ),
    Gated(
        "matrix-is-beta",
        _task(
            "tasks:\n  - name: a\n    " + TASK_REF + "    matrix:\n      params:\n"
            "        - name: os\n          value: [linux, mac]\n",
            "Pipeline",
        ),
        "spec.tasks[0].matrix",
        STABLE,
        DEFAULT,
        V1 + "pipeline_validation.go",
    ),
    Gated(
        "step-workspaces-are-beta",
        _task("workspaces:\n  - name: data\n" + STEP + "    workspaces:\n      - name: data\n"),
        "spec.steps[0].workspaces",
        STABLE,
        DEFAULT,
        V1 + "task_validation.go",
    ),
    Gated(
        "sidecar-workspaces-are-beta",
        _task(
            "workspaces:\n  - name: data\n" + STEP + "sidecars:\n  - name: side\n"
            "    image: busybox\n    workspaces:\n      - name: data\n"
        ),
        "spec.sidecars[0].workspaces",
        STABLE,
        DEFAULT,
        V1 + "task_validation.go",
    ),
    Gated(
        "taskrun-compute-resources-are-beta",
        _task("taskRef:\n  name: work\ncomputeResources:\n  requests:\n    cpu: '1'\n", "TaskRun"),
        "spec.computeResources",
        STABLE,
        DEFAULT,
        V1 + "taskrun_validation.go",
    ),
    Gated(
        "pipelinerun-task-run-specs-step-specs-are-beta",
        _task(
            "pipelineRef:\n  name: flow\ntimeouts:\n  pipeline: 1h\ntaskRunSpecs:\n"
            "  - pipelineTaskName: a\n    stepSpecs:\n      - name: main\n"
            "        computeResources:\n          requests:\n            cpu: '1'\n",
            "PipelineRun",
        ),
        "spec.taskRunSpecs[0].stepSpecs",
        STABLE,
        DEFAULT,
        V1 + "pipelinerun_validation.go",
    ),
    Gated(
        "disable-inline-spec-refuses-a-pipeline-task-spec",
        _task(
            "tasks:\n  - name: a\n    taskSpec:\n      " + STEP.replace("\n  ", "\n        "),
            "Pipeline",
        ),
        "spec.tasks[0].taskSpec",
        flag_on("disable-inline-spec", "pipeline"),
        DEFAULT,
        V1 + "pipeline_validation.go",
    ),
    Gated(
        "disable-inline-spec-refuses-a-taskrun-task-spec",
        _task("taskSpec:\n  " + STEP.replace("\n  ", "\n    "), "TaskRun"),
        "spec.taskSpec",
        flag_on("disable-inline-spec", "taskrun"),
        flag_on("disable-inline-spec", "pipeline"),
        V1 + "taskrun_validation.go",
    ),
]


CASE = {case.id: case for case in GATED}


def _errors(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems if p.origin == "tekton"]


@pytest.mark.parametrize("case", GATED, ids=lambda case: case.id)
def test_a_gated_feature_is_refused_until_its_gate_is_on(case: Gated, tmp_path: Path) -> None:
    """Tekton's webhook refuses the feature while its gate is off and accepts the same document
    once it is on; each case's `source` (under
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/) decides it."""
    refused = validated(tmp_path, case.yaml, gates=case.off)
    assert [p.path for p in refused if p.rule == "feature-gate"] == [case.path], refused
    assert _errors(validated(tmp_path, case.yaml, gates=case.on)) == []


def test_a_gate_message_names_the_flag_and_the_option_to_set_it(tmp_path: Path) -> None:
    """The message says which flag turns the feature on and how to tell validate the cluster
    has it, as Tekton's own error names the flag:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/param_types.go"""
    (problem,) = validated(
        tmp_path, CASE["param-enum-needs-enable-param-enum-even-at-alpha"].yaml, gates=DEFAULT
    )
    assert problem.message == (
        "param enum needs the feature flag enable-param-enum=true (alpha); pass "
        "--feature-flag enable-param-enum=true if your cluster sets it"
    )
    (problem,) = validated(
        tmp_path, CASE["pipeline-ref-in-a-pipeline-task-is-alpha"].yaml, gates=DEFAULT
    )
    assert "needs enable-api-fields: alpha; the cluster's is beta; pass --api-fields alpha" in (
        problem.message
    )


def test_a_pipeline_task_pipeline_ref_is_validated_as_a_ref(tmp_path: Path) -> None:
    """A pipeline task's pipelineRef goes through validateRef like a taskRef, so its resolver is
    beta on top of pipelines in pipelines being alpha; a custom task's taskRef (apiVersion set)
    is validated as a custom task, without the resolver URL check:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    nested = _task("tasks:\n  - name: a\n    pipelineRef:\n      resolver: git\n", "Pipeline")
    assert _rules(tmp_path, nested, STABLE) == [
        ("spec.tasks[0].pipelineRef", "feature-gate"),
        ("spec.tasks[0].pipelineRef.resolver", "feature-gate"),
    ]
    assert _rules(tmp_path, nested, DEFAULT) == [("spec.tasks[0].pipelineRef", "feature-gate")]
    custom = _task(
        "tasks:\n  - name: a\n    taskRef:\n      apiVersion: example.dev/v1\n      kind: Wait\n"
        "      name: x://y\n",
        "Pipeline",
    )
    assert _rules(tmp_path, custom, DEFAULT) == []


def test_a_param_ref_on_error_is_not_gated(tmp_path: Path) -> None:
    """Tekton skips the gate for an onError given as `$(params.x)`, resolved at run time:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    yaml = CASE["on-error-on-a-pipeline-task-is-beta"].yaml.replace(
        "onError: continue", "onError: $(params.mode)"
    )
    yaml = yaml.replace("spec:\n", "spec:\n  params:\n    - name: mode\n", 1)
    assert not [p for p in validated(tmp_path, yaml, gates=STABLE) if p.rule == "feature-gate"]


def test_an_empty_matrix_and_an_empty_enum_are_not_gated(tmp_path: Path) -> None:
    """Tekton gates only a matrix with params or include (IsMatrixed), and only a non-empty
    enum: https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/matrix_types.go"""
    matrix = _task(
        "tasks:\n  - name: a\n    " + TASK_REF + "    matrix:\n      params: []\n", "Pipeline"
    )
    enum = _task("params:\n  - name: mode\n    enum: []\n" + STEP)
    assert _errors(validated(tmp_path, matrix + "---\n" + enum, gates=STABLE)) == []


# Releases: what a cluster on an older (or newer) Tekton refuses.

CLUSTER_TASK_PIPELINE = _task(
    "tasks:\n  - name: a\n    taskRef:\n      name: work\n      kind: ClusterTask\n", "Pipeline"
)
RESOURCES_TASK = _task(
    "resources:\n  inputs:\n    - name: source\n      type: git\n" + STEP, api="v1beta1"
)
RESOURCES_PIPELINE = _task(
    "resources:\n  - name: source\n    type: git\ntasks:\n  - name: a\n    "
    + TASK_REF
    + "    resources:\n      inputs:\n        - name: source\n          resource: source\n",
    "Pipeline",
    "v1beta1",
)
BUNDLE_TASKRUN = _task(
    "taskRef:\n  name: work\n  bundle: registry.example/tasks:1\n", "TaskRun", "v1beta1"
)


def _rules(tmp_path: Path, yaml: str, gates: Gates) -> list[tuple[str, str]]:
    return [
        (p.path, p.rule)
        for p in validated(tmp_path, yaml, gates=gates)
        if p.rule in ("tekton-version", "feature-gate", "api-version")
    ]


def test_cluster_tasks_are_refused_from_tekton_1_0(tmp_path: Path) -> None:
    """ClusterTask was removed in 1.0 (commit 5a3a86ad2f3fa22dedba31198c872fc0d3555784); 1.15
    takes a taskRef of kind ClusterTask for a custom task without apiVersion:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    cluster_task = _task(STEP, "ClusterTask", "v1beta1")
    assert _rules(tmp_path, CLUSTER_TASK_PIPELINE, DEFAULT) == [
        ("spec.tasks[0].taskRef.kind", "tekton-version")
    ]
    assert _rules(tmp_path, cluster_task, DEFAULT) == [("kind", "tekton-version")]
    v1_cluster_task = cluster_task.replace("tekton.dev/v1beta1", "tekton.dev/v1")
    assert _rules(tmp_path, v1_cluster_task, DEFAULT) == [("kind", "tekton-version")]
    older = Gates(tekton_version=(0, 70))
    assert _rules(tmp_path, CLUSTER_TASK_PIPELINE + "---\n" + cluster_task, older) == []


def test_a_taskrun_of_a_cluster_task_is_admitted_then_finds_none(tmp_path: Path) -> None:
    """A TaskRun's taskRef kind is not validated at admission (Tekton 1.15 admits it), but no
    ClusterTask exists since 1.0 to run:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go"""
    taskrun = _task("taskRef:\n  name: work\n  kind: ClusterTask\n", "TaskRun", "v1beta1")
    (problem,) = [
        p for p in validated(tmp_path, taskrun, gates=DEFAULT) if p.rule == "tekton-version"
    ]
    assert (problem.path, problem.origin) == ("spec.taskRef.kind", "run")


def test_pipeline_resources_are_refused_from_tekton_0_46(tmp_path: Path) -> None:
    """PipelineResources were removed in 0.46 (commit 81876e6bc928b8b444fa020eead5d2a3cd080900;
    from 0.47 the webhook says "must not set the field(s)", commit
    c82f201a2df3b3e7069e8740cb59fad55648b4ce):
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/task_validation.go"""
    assert _rules(tmp_path, RESOURCES_TASK, DEFAULT) == [("spec.resources", "tekton-version")]
    assert _rules(tmp_path, RESOURCES_PIPELINE, DEFAULT) == [
        ("spec.resources", "tekton-version"),
        ("spec.tasks[0].resources", "tekton-version"),
    ]
    old = Gates(tekton_version=(0, 45))
    assert _rules(tmp_path, RESOURCES_TASK + "---\n" + RESOURCES_PIPELINE, old) == []
    resource = "apiVersion: tekton.dev/v1alpha1\nkind: PipelineResource\nmetadata:\n  name: src\n"
    assert _rules(tmp_path, resource, DEFAULT) == [("kind", "tekton-version")]
    assert _rules(tmp_path, resource, old) == []


def test_conditions_are_refused_from_tekton_0_37(tmp_path: Path) -> None:
    """Conditions were removed in 0.37 (commit 9d60d0adf41e74f78029a0eaab73140fa4f7206a); Tekton
    1.15 has no kind Condition and no `conditions` field:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/pipeline_types.go"""
    condition = "apiVersion: tekton.dev/v1alpha1\nkind: Condition\nmetadata:\n  name: c\n"
    pipeline = _task(
        "tasks:\n  - name: a\n    " + TASK_REF + "    conditions:\n      - conditionRef: c\n",
        "Pipeline",
        "v1beta1",
    )
    assert _rules(tmp_path, condition + "---\n" + pipeline, DEFAULT) == [
        ("kind", "tekton-version"),
        ("spec.tasks[0].conditions", "tekton-version"),
    ]
    assert _rules(tmp_path, condition + "---\n" + pipeline, Gates(tekton_version=(0, 36))) == []


def test_a_bundle_is_refused_from_0_61_and_needs_its_flag_before(tmp_path: Path) -> None:
    """`bundle` was refused from 0.61 (commit 13af266aabbfc7c837f77263287b1dd8ec9f354f); before,
    only with enable-tekton-oci-bundles=true:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/taskref_validation.go"""
    assert _rules(tmp_path, BUNDLE_TASKRUN, DEFAULT) == [("spec.taskRef.bundle", "tekton-version")]
    old = Gates(tekton_version=(0, 60))
    assert _rules(tmp_path, BUNDLE_TASKRUN, old) == [("spec.taskRef.bundle", "feature-gate")]
    old_on = Gates(flags=(("enable-tekton-oci-bundles", "true"),), tekton_version=(0, 60))
    assert _rules(tmp_path, BUNDLE_TASKRUN, old_on) == []
    v1 = BUNDLE_TASKRUN.replace("tekton.dev/v1beta1", "tekton.dev/v1")
    assert _rules(tmp_path, v1, old_on) == [("spec.taskRef.bundle", "tekton-version")]


def test_v1_and_step_actions_are_served_from_their_release(tmp_path: Path) -> None:
    """tekton.dev/v1 was served from 0.43 (commit f0efd322cd38c5218264b2ed2444b3333a9fbd39),
    StepAction v1alpha1 from 0.53 (commit 8123d6332245008983aabe1dc910a63bd2c6f261) and v1beta1
    from 0.60 (commit 2bd16b804785ba6f1f54387163d6d0fbf98a02ef)."""
    task = _task(STEP)
    assert _rules(tmp_path, task, Gates(tekton_version=(0, 42))) == [
        ("apiVersion", "tekton-version")
    ]
    assert _rules(tmp_path, task, Gates(tekton_version=(0, 43))) == []
    action = (
        "apiVersion: tekton.dev/v1beta1\nkind: StepAction\nmetadata:\n  name: a\n"
        "spec:\n  image: busybox\n"
    )
    assert _rules(tmp_path, action, Gates(tekton_version=(0, 59))) == [
        ("apiVersion", "tekton-version")
    ]
    (problem,) = validated(tmp_path, action, gates=Gates(tekton_version=(0, 55)))
    assert problem.message.endswith("the cluster runs 0.55; use tekton.dev/v1alpha1")
    alpha_action = action.replace("v1beta1", "v1alpha1")
    assert _rules(tmp_path, alpha_action, Gates(tekton_version=(0, 59))) == []
    assert _rules(tmp_path, alpha_action, Gates(tekton_version=(0, 52))) == [
        ("apiVersion", "tekton-version")
    ]


def test_enable_api_fields_defaults_to_stable_before_0_49(tmp_path: Path) -> None:
    """Tekton's default enable-api-fields became beta in 0.49 (commit
    6b243df4b556651e59876f45bb37641e4d081793); before, a beta feature (a resolver, beta since
    0.41) needed the flag set:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/config/feature_flags.go"""
    matrix = CASE["a-resolver-in-a-pipeline-task-is-beta"]
    assert Gates(tekton_version=(0, 48)).enable_api_fields == "stable"
    assert Gates(tekton_version=(0, 49)).enable_api_fields == "beta"
    assert _rules(tmp_path, matrix.yaml, Gates(tekton_version=(0, 48))) == [
        (matrix.path, "feature-gate")
    ]
    assert _rules(tmp_path, matrix.yaml, Gates(api_fields="beta", tekton_version=(0, 48))) == []


def _release(version: Version, api_fields: ApiFields | None = None) -> Gates:
    return Gates(api_fields=api_fields, tekton_version=version)


def test_matrix_was_alpha_until_0_53(tmp_path: Path) -> None:
    """Matrix was behind enable-api-fields: alpha in 0.52 and beta from 0.53:
    https://github.com/tektoncd/pipeline/blob/v0.52.0/pkg/apis/pipeline/v1/pipeline_validation.go
    https://github.com/tektoncd/pipeline/blob/v0.53.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    matrix = CASE["matrix-is-beta"]
    assert _rules(tmp_path, matrix.yaml, _release((0, 52))) == [(matrix.path, "feature-gate")]
    assert _rules(tmp_path, matrix.yaml, _release((0, 52), "alpha")) == []
    assert _rules(tmp_path, matrix.yaml, _release((0, 53))) == []


def test_pipeline_task_on_error_arrived_in_0_53_as_alpha(tmp_path: Path) -> None:
    """onError on a pipeline task arrived in 0.53 behind alpha and became beta in 0.62:
    https://github.com/tektoncd/pipeline/blob/v0.55.0/pkg/apis/pipeline/v1/pipeline_validation.go
    https://github.com/tektoncd/pipeline/blob/v0.62.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    on_error = CASE["on-error-on-a-pipeline-task-is-beta"]
    assert _rules(tmp_path, on_error.yaml, _release((0, 52))) == [(on_error.path, "tekton-version")]
    assert _rules(tmp_path, on_error.yaml, _release((0, 55))) == [(on_error.path, "feature-gate")]
    assert _rules(tmp_path, on_error.yaml, _release((0, 62))) == []


def test_object_params_and_typed_results_were_gated_until_0_56(tmp_path: Path) -> None:
    """Object params and array and object results were beta until 0.56 (object params and
    results alpha before 0.46, array results before 0.45); a 0.48 cluster, at its default
    stable, refuses them:
    https://github.com/tektoncd/pipeline/blob/v0.48.0/pkg/apis/pipeline/v1/task_validation.go
    https://github.com/tektoncd/pipeline/blob/v0.48.0/pkg/apis/pipeline/v1/result_validation.go"""
    task = _task(
        "params:\n  - name: image\n    type: object\n    properties:\n      url: {}\n"
        "results:\n  - name: tags\n    type: array\n  - name: ref\n    type: object\n"
        "    properties:\n      url: {}\n" + STEP
    )
    assert _rules(tmp_path, task, DEFAULT) == []
    gated = [
        ("spec.params[0].type", "feature-gate"),
        ("spec.results[0].type", "feature-gate"),
        ("spec.results[1].type", "feature-gate"),
    ]
    assert _rules(tmp_path, task, _release((0, 48))) == gated
    assert _rules(tmp_path, task, _release((0, 48), "beta")) == []
    assert _rules(tmp_path, task, _release((0, 45), "beta")) == [gated[0], gated[2]]
    assert _rules(tmp_path, task, _release((0, 56), "stable")) == []


def test_step_actions_needed_enable_step_actions_before_1_0(tmp_path: Path) -> None:
    """From 0.53 to 0.70 a step's ref, results and when needed enable-step-actions=true (default
    false); from 1.0 the flag is a no-op:
    https://github.com/tektoncd/pipeline/blob/v0.65.0/pkg/apis/pipeline/v1/task_validation.go
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/config/feature_flags.go"""
    task = _task("steps:\n  - name: main\n    ref:\n      name: git-clone\n")
    assert _rules(tmp_path, task, DEFAULT) == []
    assert _rules(tmp_path, task, _release((0, 65))) == [("spec.steps[0].ref", "feature-gate")]
    on = Gates(flags=(("enable-step-actions", "true"),), tekton_version=(0, 65))
    assert _rules(tmp_path, task, on) == []
    assert _rules(tmp_path, task, _release((0, 52))) == [("spec.steps[0].ref", "tekton-version")]


def test_a_per_feature_flag_feature_is_missing_before_its_flag(tmp_path: Path) -> None:
    """enable-param-enum arrived in 0.54; before it Tekton had no `enum` field:
    https://github.com/tektoncd/pipeline/blob/v0.54.0/pkg/apis/config/feature_flags.go"""
    enum = CASE["param-enum-needs-enable-param-enum-even-at-alpha"]
    on = Gates(flags=(("enable-param-enum", "true"),), tekton_version=(0, 53))
    (problem,) = validated(tmp_path, enum.yaml, gates=on)
    assert (problem.rule, problem.path) == ("tekton-version", enum.path)
    assert problem.message.startswith("param enum arrived in Tekton 0.54 (the cluster runs 0.53)")


# The flags themselves: names and values as Tekton's ConfigMap parser reads them.


def test_per_feature_flags_are_off_by_default_and_read_as_go_booleans() -> None:
    """Tekton parses per-feature flags with strconv.ParseBool and defaults alpha ones to false:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/config/feature_flags.go"""
    assert not DEFAULT.enabled("enable-param-enum")
    assert not ALPHA.enabled("enable-param-enum")
    assert flag_on("enable-param-enum", "True").enabled("enable-param-enum")
    assert not flag_on("enable-param-enum", "0").enabled("enable-param-enum")
    assert DEFAULT.enabled("await-sidecar-readiness")
    assert FEATURE_FLAGS["enable-artifacts"].stability == "alpha"


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("enable-param-enums", "true", "Tekton has no feature flag 'enable-param-enums'"),
        ("enable-param-enum", "yes", "takes true or false, not 'yes'"),
        ("coschedule", "nodes", "is one of workspaces, pipelineruns"),
        ("max-result-size", "2000000", "below 1572864"),
        ("enable-api-fields", "alpha", "set with --api-fields"),
    ],
)
def test_a_flag_tekton_would_not_parse_is_refused(name: str, value: str, complaint: str) -> None:
    """Tekton's ConfigMap parser refuses bad values; an unknown name is a typo, which would
    otherwise judge for a cluster that does not exist:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/config/feature_flags.go"""
    with pytest.raises(ValueError, match=complaint):
        check_flag(name, value)
    with pytest.raises(ValueError, match=complaint):
        Gates(flags=((name, value),))


# The command line and [tool.modelcar].

ENUM_TASK = CASE["param-enum-needs-enable-param-enum-even-at-alpha"].yaml
NESTED_PIPELINE = CASE["pipeline-ref-in-a-pipeline-task-is-alpha"].yaml.replace(
    "name: work", "name: flow", 1
)
OLD_TASK = RESOURCES_TASK.replace("name: work", "name: old", 1)
ALL = "---\n".join((ENUM_TASK, NESTED_PIPELINE, OLD_TASK))
ENUM = ("feature-gate", "task/work spec.params[0].enum")
NESTED = ("feature-gate", "pipeline/flow spec.tasks[0].pipelineRef")
RESOURCES = ("tekton-version", "task/old spec.resources")
ALPHA_AND_ENUM = ("--api-fields", "alpha", "--feature-flag", "enable-param-enum=true")


def _cli(tmp_path: Path, content: str, *args: str) -> tuple[int, set[tuple[str, str]]]:
    """The exit code and the (rule, resource and path) of each gate or release finding; on
    bad usage, the error output."""
    (tmp_path / "resources.yaml").write_text(content)
    result = run_modelcar("validate", "--format", "json", *args, "resources.yaml", cwd=tmp_path)
    if result.exit_code == 2:
        return 2, {("usage", result.stderr)}
    problems = json.loads(result.stdout)["problems"]
    return result.exit_code, {
        (p["rule"], f"{p['resource']} {p['path']}")
        for p in problems
        if p["rule"] in ("feature-gate", "tekton-version")
    }


def test_cli_takes_the_cluster_gates(tmp_path: Path) -> None:
    """`--api-fields` and `--feature-flag` give the cluster's verdict: the enum
    (enable-param-enum) and the nested pipeline (alpha) are accepted once the options say the
    cluster allows them; the PipelineResources stay refused by Tekton 1.15."""
    assert _cli(tmp_path, ALL) == (1, {ENUM, NESTED, RESOURCES})
    assert _cli(tmp_path, ALL, "--api-fields", "alpha") == (1, {ENUM, RESOURCES})
    assert _cli(tmp_path, ALL, *ALPHA_AND_ENUM) == (1, {RESOURCES})


def test_cli_tekton_version_0_46_already_refuses_pipeline_resources(tmp_path: Path) -> None:
    """0.46 is the first release without PipelineResources (commit
    81876e6bc928b8b444fa020eead5d2a3cd080900); a cluster on 0.45 accepts them, and lacks the
    enum (0.54) and pipelines in pipelines (0.52)."""
    assert _cli(tmp_path, OLD_TASK, "--tekton-version", "0.46") == (1, {RESOURCES})
    assert _cli(tmp_path, OLD_TASK, "--tekton-version", "v0.45.2") == (0, set())
    code, found = _cli(tmp_path, ALL, *ALPHA_AND_ENUM, "--tekton-version", "0.45")
    assert code == 1
    assert {rule for rule, _ in found} == {"tekton-version"}
    assert {where for _, where in found} == {ENUM[1], NESTED[1]}


def test_cli_refuses_an_unknown_flag_with_exit_2(tmp_path: Path) -> None:
    """A misspelt flag is a usage error naming the flags Tekton knows."""
    code, ((_, stderr),) = _cli(tmp_path, ALL, "--feature-flag", "enable-param-enums=true")
    assert code == 2
    assert "Tekton has no feature flag 'enable-param-enums'" in stderr
    assert "enable-param-enum," in stderr


def test_pyproject_gives_the_cluster_gates_and_release(tmp_path: Path) -> None:
    """[tool.modelcar] api_fields, feature_flags and tekton_version do what the options do."""
    settings = (
        '[tool.modelcar]\nmodules = ["flows"]\napi_fields = "alpha"\n'
        "feature_flags = { enable-param-enum = true }\n"
    )
    (tmp_path / "pyproject.toml").write_text(settings)
    assert _cli(tmp_path, ALL) == (1, {RESOURCES})
    (tmp_path / "pyproject.toml").write_text(settings + 'tekton_version = "0.45"\n')
    assert _cli(tmp_path, OLD_TASK) == (0, set())
    (tmp_path / "pyproject.toml").write_text(
        settings.replace("enable-param-enum = true", "enable-param-enums = true")
    )
    code, ((_, stderr),) = _cli(tmp_path, ALL)
    assert code == 2
    assert "enable-param-enums" in stderr


def test_compile_holds_its_output_to_the_projects_tekton_release(
    mini_project: Callable[..., MiniProject],
) -> None:
    """A project whose cluster runs Tekton 0.40 cannot have tekton.dev/v1 documents (served
    from 0.43); with `api = "v1beta1"` it compiles. The compiled documents pass the same
    release rules as `modelcar validate`.
    https://github.com/tektoncd/pipeline/blob/v0.43.0/config/300-pipeline.yaml"""
    project = mini_project(HEADER + VALID_PIPELINE, fs_group=1000970000)
    settings = project.root / "pyproject.toml"
    settings.write_text(settings.read_text() + 'tekton_version = "0.40"\n')
    refused = project.compile()
    assert refused.exit_code == 2
    assert "Tekton serves tekton.dev/v1 Task from 0.43" in refused.stderr
    assert "[tekton-version]" in refused.stderr
    settings.write_text(settings.read_text() + 'api = "v1beta1"\n')
    assert project.compile().exit_code == 0
