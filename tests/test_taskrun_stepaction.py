"""TaskRuns, StepActions and the steps that call them, against Tekton's admission webhook and
its TaskRun reconciler. Each test names the behaviour it pins and links the source deciding it;
every YAML here was checked with Tekton's own validation (v1.15.0)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from modelcar_dsl.model.gates import Gates
from tests.conftest import validated

TEKTON = "https://github.com/tektoncd/pipeline/blob/v1.15.0/"
TASK = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: build
spec:
  params:
    - name: revision
    - name: verbose
      default: "false"
  workspaces:
    - name: source
    - name: cache
      optional: true
  steps:
    - name: compile
      image: busybox
      args: ["$(params.revision)"]
  sidecars:
    - name: registry
      image: registry
"""
STEP_ACTION = """\
apiVersion: tekton.dev/v1beta1
kind: StepAction
metadata:
  name: clone
spec:
  params:
    - name: url
    - name: depth
      default: "1"
  image: alpine/git
  args: ["$(params.url)", "$(params.depth)"]
"""


def problems(tmp_path: Path, *documents: str, gates: Gates | None = None) -> set[tuple[str, str]]:
    """(rule, path) of every problem Tekton's verdict rests on (origin tekton)."""
    found = validated(tmp_path, *documents, gates=gates)
    return {(p.rule, p.path) for p in found if p.origin == "tekton"}


def findings(tmp_path: Path, *documents: str) -> set[tuple[str, str, str]]:
    """(rule, path, origin) of every problem, notes included."""
    return {(p.rule, p.path, p.origin) for p in validated(tmp_path, *documents)}


def taskrun(body: str, api: str = "v1") -> str:
    """A TaskRun whose spec is `body` (indented two spaces)."""
    return (
        f"apiVersion: tekton.dev/{api}\nkind: TaskRun\nmetadata:\n  generateName: build-\nspec:\n"
        + textwrap.indent(textwrap.dedent(body), "  ")
    )


def step_action(body: str, api: str = "v1beta1") -> str:
    return (
        f"apiVersion: tekton.dev/{api}\nkind: StepAction\nmetadata:\n  name: act\nspec:\n"
        + textwrap.indent(textwrap.dedent(body), "  ")
    )


def task(steps: str) -> str:
    return (
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: uses\nspec:\n  steps:\n"
        + textwrap.indent(textwrap.dedent(steps), "    ")
    )


# Metadata


@pytest.mark.parametrize("kind", ["Task", "Pipeline", "PipelineRun", "TaskRun", "StepAction"])
def test_metadata_that_is_not_a_mapping_cannot_be_decoded(tmp_path: Path, kind: str) -> None:
    """`metadata: a-string` fails the API server's decoding of ObjectMeta for every kind, before
    Tekton's validation runs:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/validate/metadata.go"""
    api = "v1beta1" if kind == "StepAction" else "v1"
    document = f"apiVersion: tekton.dev/{api}\nkind: {kind}\nmetadata: a-string\nspec: {{}}\n"
    assert ("field-type", "metadata") in problems(tmp_path, document)


# TaskRun spec (pkg/apis/pipeline/v1/taskrun_validation.go)


@pytest.mark.parametrize(
    ("body", "expected"),
    [("params: []\n", "neither"), ("taskRef: {name: build}\ntaskSpec: {steps: []}\n", "both")],
)
def test_a_taskrun_runs_exactly_one_of_taskref_and_taskspec(
    tmp_path: Path, body: str, expected: str
) -> None:
    """TaskRunSpec.Validate: ErrMissingOneOf / ErrMultipleOneOf("taskRef", "taskSpec"):
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go"""
    found = validated(tmp_path, taskrun(body))
    assert next(p.message for p in found if p.rule == "task-ref").endswith(expected)


def test_taskrun_status_is_cancelled_or_pending_and_a_message_needs_a_status(
    tmp_path: Path,
) -> None:
    """Status must be TaskRunCancelled or TaskRunPending (not a PipelineRun's `Cancelled`), and
    statusMessage is only set with a status:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go"""
    assert problems(tmp_path, taskrun("taskRef: {name: b}\nstatus: TaskRunPending\n")) == set()
    assert problems(tmp_path, taskrun("taskRef: {name: b}\nstatus: Cancelled\n")) == {
        ("run-status", "spec.status")
    }
    assert problems(tmp_path, taskrun("taskRef: {name: b}\nstatusMessage: why\n")) == {
        ("run-status", "spec.statusMessage")
    }


def test_v1_refuses_negative_retries_and_v1beta1_never_checked_them(tmp_path: Path) -> None:
    """Only the v1 TaskRunSpec.Validate checks `retries < 0`:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/taskrun_validation.go"""
    body = "taskRef: {name: b}\nretries: -1\n"
    assert problems(tmp_path, taskrun(body)) == {("retries", "spec.retries")}
    assert problems(tmp_path, taskrun(body, "v1beta1")) == set()


@pytest.mark.parametrize(
    ("timeout", "refused"), [("1h30m", False), ("0", False), ("-1h", True), ("soon", True)]
)
def test_taskrun_timeout_is_a_go_duration_not_below_zero(
    tmp_path: Path, timeout: str, refused: bool
) -> None:
    """`timeout` decodes as a Go duration (decode error otherwise) and must be >= 0:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go"""
    found = problems(tmp_path, taskrun(f"taskRef: {{name: b}}\ntimeout: '{timeout}'\n"))
    assert found == ({("timeouts", "spec.timeout")} if refused else set())


def test_taskrun_param_names_are_unique_ignoring_case(tmp_path: Path) -> None:
    """ValidateParameters -> validateNoDuplicateNames lowercases the names:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go"""
    body = "taskRef: {name: b}\nparams:\n  - {name: tag, value: a}\n  - {name: TAG, value: b}\n"
    assert problems(tmp_path, taskrun(body)) == {("run-param-duplicate", "spec.params[1].name")}


def test_taskrun_workspace_names_are_unique_ignoring_case_unlike_a_pipelineruns(
    tmp_path: Path,
) -> None:
    """A TaskRun's bindings go through validateNoDuplicateNames (lowercased); a PipelineRun's
    are compared exactly:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipelinerun_validation.go"""
    bindings = "workspaces:\n  - {name: src, emptyDir: {}}\n  - {name: SRC, emptyDir: {}}\n"
    assert problems(tmp_path, taskrun("taskRef: {name: b}\n" + bindings)) == {
        ("run-workspace-duplicate", "spec.workspaces[1].name")
    }
    run = (
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  generateName: r-\nspec:\n"
        "  pipelineRef: {name: p}\n" + textwrap.indent(bindings, "  ")
    )
    assert problems(tmp_path, run) == set()


@pytest.mark.parametrize(
    ("binding", "path"),
    [
        ("{name: w}", "spec.workspaces[0]"),
        ("{name: w, emptyDir: null}", "spec.workspaces[0]"),
        ("{name: w, emptyDir: {}, secret: {secretName: s}}", "spec.workspaces[0]"),
        (
            "{name: w, persistentVolumeClaim: {}}",
            "spec.workspaces[0].persistentVolumeClaim.claimName",
        ),
        ("{name: w, secret: {}}", "spec.workspaces[0].secret.secretName"),
        ("{name: w, configMap: {}}", "spec.workspaces[0].configMap.name"),
        ("{name: w, projected: {}}", "spec.workspaces[0].projected.sources"),
        ("{name: w, csi: {}}", "spec.workspaces[0].csi.driver"),
    ],
)
def test_a_workspace_binding_is_one_volume_source_naming_its_volume(
    tmp_path: Path, binding: str, path: str
) -> None:
    """WorkspaceBinding.Validate: exactly one source (a null one is none), and a claim, Secret,
    ConfigMap, projected sources or CSI driver named:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/workspace_validation.go"""
    body = f"taskRef: {{name: b}}\nworkspaces:\n  - {binding}\n"
    assert problems(tmp_path, taskrun(body)) == {("run-workspace-source", path)}


@pytest.mark.parametrize(
    ("api", "steps", "sidecars"),
    [("v1", "stepSpecs", "sidecarSpecs"), ("v1beta1", "stepOverrides", "sidecarOverrides")],
)
def test_step_and_sidecar_overrides_each_name_one_container_once(
    tmp_path: Path, api: str, steps: str, sidecars: str
) -> None:
    """validateStepSpecs / validateSidecarSpecs (v1beta1: ...Overrides): a name is required and
    unique, ignoring case:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/taskrun_validation.go"""
    body = f"taskRef: {{name: b}}\n{steps}: [{{name: a}}, {{name: A}}]\n{sidecars}: [{{}}]\n"
    assert problems(tmp_path, taskrun(body, api)) == {
        ("taskrun-container-specs", f"spec.{steps}[1].name"),
        ("missing-field", f"spec.{sidecars}[0].name"),
    }


def test_compute_resources_are_set_for_the_run_or_per_step_not_both(tmp_path: Path) -> None:
    """validateTaskRunComputeResources: ErrMultipleOneOf("stepSpecs.resources",
    "computeResources"):
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go"""
    step = "stepSpecs: [{name: a, computeResources: {requests: {cpu: '1'}}}]\n"
    assert problems(tmp_path, taskrun("taskRef: {name: b}\n" + step)) == set()
    both = "taskRef: {name: b}\ncomputeResources: {requests: {cpu: '1'}}\n" + step
    assert problems(tmp_path, taskrun(both)) == {
        ("taskrun-container-specs", "spec.stepSpecs[0].computeResources")
    }


@pytest.mark.parametrize(
    ("breakpoints", "path"),
    [
        ("{onFailure: enabled}", None),
        ("{onFailure: 'true'}", "spec.debug.breakpoints.onFailure"),
        ("{beforeSteps: [a]}", "spec.debug.breakpoints.onFailure"),
        ("{onFailure: enabled, beforeSteps: [a, a]}", "spec.debug.breakpoints.beforeSteps[1]"),
    ],
)
def test_debug_breakpoints_allow_only_on_failure_enabled_and_unique_before_steps(
    tmp_path: Path, breakpoints: str, path: str | None
) -> None:
    """validateDebug: onFailure must be "enabled" once breakpoints are set; beforeSteps unique:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go"""
    body = f"taskRef: {{name: b}}\ndebug:\n  breakpoints: {breakpoints}\n"
    found = problems(tmp_path, taskrun(body), gates=Gates(api_fields="alpha"))
    assert {p for _, p in found} == ({path} if path else set())


# References (validateRef in pkg/apis/pipeline/v1/container_validation.go)


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("{name: build}", set()),
        ("{name: example.com/build}", set()),
        ("{resolver: git, params: [{name: url, value: u}]}", set()),
        ("{kind: Task}", {("missing-field", "spec.taskRef.name")}),
        ("{name: Bad_Name!}", {("ref", "spec.taskRef.name")}),
        ("{name: build, resolver: git}", {("ref", "spec.taskRef.name")}),
        (
            "{name: build, params: [{name: a, value: b}]}",
            {("ref", "spec.taskRef.name"), ("missing-field", "spec.taskRef.resolver")},
        ),
        (
            "{name: 'https://example.com/t.yaml', resolver: http}",
            {("feature-gate", "spec.taskRef.name")},
        ),
        (
            "{name: 'https://example.com/t.yaml'}",
            {("feature-gate", "spec.taskRef.name"), ("missing-field", "spec.taskRef.resolver")},
        ),
        (
            "{resolver: git, params: [{name: a, value: b}, {name: A, value: c}]}",
            {("run-param-duplicate", "spec.taskRef.params[1].name")},
        ),
    ],
)
def test_a_ref_is_a_qualified_name_or_a_resolver_with_params(
    tmp_path: Path, ref: str, expected: set[tuple[str, str]]
) -> None:
    """validateRef: a name is a Kubernetes qualified name; resolver params exclude a name and
    need a resolver; a URL-like name is the concise resolver syntax, behind its feature flag:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/container_validation.go"""
    assert problems(tmp_path, taskrun(f"taskRef: {ref}\n")) == expected


def test_the_concise_resolver_syntax_is_accepted_with_its_feature_flag(tmp_path: Path) -> None:
    """enable-concise-resolver-syntax lets a resolver's taskRef name be a URL:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/container_validation.go"""
    body = taskrun("taskRef: {name: 'https://example.com/t.yaml', resolver: http}\n")
    flag = Gates(flags=(("enable-concise-resolver-syntax", "true"),))
    assert problems(tmp_path, body, gates=flag) == set()


def test_a_pipeline_tasks_taskref_follows_the_same_ref_rules(tmp_path: Path) -> None:
    """PipelineTask validation calls the same TaskRef.Validate -> validateRef:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    pipeline = (
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n  tasks:\n"
        "    - name: a\n      taskRef: {name: build, resolver: git}\n"
    )
    assert problems(tmp_path, pipeline) == {("ref", "spec.tasks[0].taskRef.name")}


# Propagation into an embedded taskSpec (TEP-0107, TEP-0111)


def test_params_the_run_gives_propagate_into_an_embedded_taskspec(tmp_path: Path) -> None:
    """validateInlineParameters adds the run's params to the taskSpec's before checking the
    steps' variables; a param neither given nor declared is still refused:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go"""
    spec = "taskSpec:\n  steps:\n    - image: busybox\n      args: ['$(params.message)']\n"
    given = "params:\n  - {name: message, value: hello}\n"
    assert problems(tmp_path, taskrun(given + spec)) == set()
    assert problems(tmp_path, taskrun(spec)) == {
        ("task-variable", "spec.taskSpec.steps[0].args[0]")
    }


def test_an_object_given_by_the_run_has_exactly_its_keys(tmp_path: Path) -> None:
    """createParamSpecFromParam makes the value's keys the object's properties:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go"""
    body = (
        "params:\n  - {name: repo, value: {url: u}}\n"
        "taskSpec:\n  steps:\n    - image: busybox\n"
        "      args: ['$(params.repo.url)', '$(params.repo.commit)']\n"
    )
    assert problems(tmp_path, taskrun(body)) == {
        ("task-variable", "spec.taskSpec.steps[0].args[1]")
    }


def test_workspaces_the_run_binds_propagate_into_an_embedded_taskspec(tmp_path: Path) -> None:
    """Propagated workspaces (TEP-0111): the run's bindings are declared for its taskSpec, so
    neither the variable nor the binding is a problem:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/reconciler/taskrun/taskrun.go"""
    body = (
        "workspaces:\n  - {name: src, emptyDir: {}}\n"
        "taskSpec:\n  steps:\n    - image: busybox\n      args: ['$(workspaces.src.path)']\n"
    )
    assert findings(tmp_path, taskrun(body)) == set()


def test_a_required_param_of_an_embedded_taskspec_not_given_fails_the_run(tmp_path: Path) -> None:
    """validateParams runs on the resolved taskSpec, embedded or not: a param without default
    and without value fails the TaskRun:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/reconciler/taskrun/validate_taskrun.go"""
    body = "taskSpec:\n  params: [{name: tag}]\n  steps: [{image: busybox}]\n"
    assert findings(tmp_path, taskrun(body)) == {("param-missing", "spec.params", "run")}


# Across files: a TaskRun and the Task it names (pkg/reconciler/taskrun/validate_taskrun.go)


def test_a_required_param_the_taskrun_does_not_give_fails_the_run(tmp_path: Path) -> None:
    """missingParamsNames: a declared param without default must be given:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/reconciler/taskrun/validate_taskrun.go"""
    run = taskrun("taskRef: {name: build}\nworkspaces: [{name: source, emptyDir: {}}]\n")
    assert findings(tmp_path, TASK, run) == {("param-missing", "spec.params", "run")}


def test_an_extra_taskrun_param_is_ignored_so_it_is_only_a_warning(tmp_path: Path) -> None:
    """wrongTypeParamsNames skips params the Task does not declare ("extra params were passed
    to the task that aren't being used"):
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/reconciler/taskrun/validate_taskrun.go"""
    run = taskrun(
        "taskRef: {name: build}\nworkspaces: [{name: source, emptyDir: {}}]\n"
        "params:\n  - {name: revision, value: main}\n  - {name: revison, value: main}\n"
    )
    assert findings(tmp_path, TASK, run) == {("param-unknown", "spec.params[1]", "modelcar")}


def test_a_param_value_of_the_wrong_type_fails_the_run(tmp_path: Path) -> None:
    """wrongTypeParamsNames: the value's type must be the declared one:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/reconciler/taskrun/validate_taskrun.go"""
    run = taskrun(
        "taskRef: {name: build}\nworkspaces: [{name: source, emptyDir: {}}]\n"
        "params:\n  - {name: revision, value: [a, b]}\n"
    )
    assert findings(tmp_path, TASK, run) == {("param-value-type", "spec.params[0].value", "run")}


def test_an_object_default_may_leave_keys_to_the_run(tmp_path: Path) -> None:
    """The webhook accepts a default lacking declared keys; MissingKeysObjectParamNames fails
    the run only when neither the default nor the value gives a key:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/reconciler/taskrun/validate_taskrun.go"""
    spec = (
        "taskSpec:\n  params:\n    - name: repo\n      properties: {url: {}, commit: {}}\n"
        "      default: {url: u}\n  steps:\n    - image: busybox\n"
        "      args: ['$(params.repo.url)', '$(params.repo.commit)']\n"
    )
    given = "params:\n  - {name: repo, value: {commit: c}}\n"
    assert findings(tmp_path, taskrun(given + spec)) == set()
    assert findings(tmp_path, taskrun(spec)) == {("param-value-type", "spec.params", "run")}


def test_workspaces_bound_against_declared_fail_the_run_both_ways(tmp_path: Path) -> None:
    """workspace.ValidateBindings: every non-optional workspace bound, and no binding without a
    declaration:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/workspace/validate.go"""
    run = taskrun(
        "taskRef: {name: build}\nparams: [{name: revision, value: main}]\n"
        "workspaces: [{name: sources, emptyDir: {}}]\n"
    )
    assert findings(tmp_path, TASK, run) == {
        ("workspace-unknown", "spec.workspaces[0]", "run"),
        ("workspace-unbound", "spec.workspaces", "run"),
    }


def test_an_override_naming_no_step_of_the_task_fails_the_run(tmp_path: Path) -> None:
    """validateStepOverrides / validateSidecarOverrides: "No Step named ...":
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/reconciler/taskrun/validate_taskrun.go"""
    run = taskrun(
        "taskRef: {name: build}\nparams: [{name: revision, value: main}]\n"
        "workspaces: [{name: source, emptyDir: {}}]\n"
        "stepSpecs: [{name: compile}, {name: link}]\nsidecarSpecs: [{name: registry}]\n"
    )
    assert findings(tmp_path, TASK, run) == {
        ("taskrun-container-specs", "spec.stepSpecs[1].name", "run")
    }


# StepAction (pkg/apis/pipeline/v1beta1/stepaction_validation.go)


def test_a_stepaction_is_served_at_v1beta1_and_v1alpha1_only(tmp_path: Path) -> None:
    """StepAction exists in tekton.dev/v1alpha1 and v1beta1, not v1:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/stepaction_types.go"""
    for api in ("v1beta1", "v1alpha1"):
        assert problems(tmp_path, step_action("image: busybox\n", api)) == set()
    assert problems(tmp_path, step_action("image: busybox\n", "v1")) == {
        ("api-version", "apiVersion")
    }


def test_a_stepaction_needs_an_image_and_no_command_beside_a_script(tmp_path: Path) -> None:
    """StepActionSpec.Validate: ErrMissingField("Image"); "script cannot be used with command":
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/stepaction_validation.go"""
    assert problems(tmp_path, step_action("script: echo\ncommand: [sh]\n")) == {
        ("step-image", "spec.image"),
        ("step-script-command", "spec.script"),
    }


def test_a_stepaction_script_cannot_use_params(tmp_path: Path) -> None:
    """validateNoParamSubstitutionsInScript: "param substitution in scripts is not allowed":
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/stepaction_validation.go"""
    body = "image: busybox\nparams: [{name: a}]\nenv: [{name: A, value: $(params.a)}]\n"
    assert problems(tmp_path, step_action(body + "script: echo $A\n")) == set()
    assert problems(tmp_path, step_action(body + "script: echo $(params.a)\n")) == {
        ("stepaction-script-param", "spec.script")
    }


def test_stepaction_params_are_checked_in_image_command_args_env_and_mounts_only(
    tmp_path: Path,
) -> None:
    """validateStepActionVariables reads image, script, command, args, env values and
    volumeMount names; workingDir and env names are not checked:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/stepaction_validation.go"""
    body = (
        "image: $(params.img)\nparams: [{name: img}]\n"
        "args: ['$(params.nope)']\nworkingDir: $(params.nope)\n"
        "env: [{name: 1bad, value: $(params.nope)}]\n"
        "volumeMounts: [{name: $(params.nope), mountPath: /data}]\n"
    )
    assert problems(tmp_path, step_action(body)) == {
        ("task-variable", "spec.args[0]"),
        ("task-variable", "spec.env[0].value"),
        ("task-variable", "spec.volumeMounts[0].name"),
    }


def test_stepaction_array_and_object_params_are_used_whole_only_where_allowed(
    tmp_path: Path,
) -> None:
    """validateStepActionArrayUsage / validateStepActionObjectUsageAsWhole; an object needs its
    properties (ValidateObjectParamsHaveProperties) and a key must be one of them:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/stepaction_validation.go"""
    body = (
        "image: busybox\nparams:\n  - {name: list, type: array}\n"
        "  - {name: repo, type: object, properties: {url: {}}}\n  - {name: bare, type: object}\n"
        "args: ['$(params.list[*])', 'x $(params.list[*])', '$(params.repo.url)',"
        " '$(params.repo.nope)']\n"
    )
    assert problems(tmp_path, step_action(body)) == {
        ("array-isolation", "spec.args[1]"),
        ("task-variable", "spec.args[3]"),
        ("object-properties", "spec.params[2].properties"),
    }


def test_stepaction_param_declarations_follow_the_tasks_rules(tmp_path: Path) -> None:
    """ValidateParameterTypes, ValidateNoDuplicateNames and ValidateNameFormat, as for a Task:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/stepaction_validation.go"""
    body = (
        "image: busybox\nparams:\n  - {name: a}\n  - {name: a}\n  - {name: 9bad}\n"
        "  - {name: t, type: wrong}\n  - {name: d, type: array, default: x}\n"
    )
    assert problems(tmp_path, step_action(body)) == {
        ("param-duplicate", "spec.params[1].name"),
        ("param-name", "spec.params[2].name"),
        ("param-type", "spec.params[3].type"),
        ("param-default", "spec.params[4].default"),
    }


def test_stepaction_results_are_declared_where_the_script_writes_them(tmp_path: Path) -> None:
    """ValidateStepResults and ValidateStepActionResultsVariables: `$(results.x.path)` and
    `$(step.results.x.path)` in the script name declared results:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_validation.go"""
    body = (
        "image: busybox\nresults: [{name: digest}, {name: bad name}, {name: t, type: bogus}]\n"
        "script: echo > $(results.digest.path) $(step.results.digest.path) $(results.nope.path)\n"
    )
    assert problems(tmp_path, step_action(body)) == {
        ("result-name", "spec.results[1].name"),
        ("result-type", "spec.results[2].type"),
        ("task-variable", "spec.script"),
    }


def test_a_stepaction_mounts_volumes_named_by_a_single_param(tmp_path: Path) -> None:
    """validateVolumeMounts: a mount's name is exactly one `$(params.x)`; the path rules of a
    Task's steps (/tekton/, unique paths) do not apply:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/stepaction_validation.go"""
    mounts = (
        "image: busybox\nparams: [{name: vol}]\nvolumeMounts:\n"
        "  - {name: $(params.vol), mountPath: /tekton/x}\n"
        "  - {name: $(params.vol), mountPath: /y}\n"
    )
    assert problems(tmp_path, step_action(mounts)) == set()
    literal = "image: busybox\nvolumeMounts: [{name: data, mountPath: /data}]\n"
    assert problems(tmp_path, step_action(literal)) == {
        ("volume-mount", "spec.volumeMounts[0].name")
    }


def test_v1alpha1_defaults_name_declared_params_without_a_cycle(tmp_path: Path) -> None:
    """Only v1alpha1 runs validateDefaultParameterReferences:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1alpha1/stepaction_validation.go"""
    body = (
        "image: busybox\nparams:\n  - {name: a, default: $(params.b)}\n"
        "  - {name: b, default: $(params.a)}\n  - {name: c, default: $(params.zz)}\n"
        "  - {name: d, default: $(params.e)-x}\n  - {name: e, default: plain}\n"
    )
    assert problems(tmp_path, step_action(body, "v1alpha1")) == {
        ("param-default", "spec.params[0].default"),
        ("param-default", "spec.params[1].default"),
        ("param-default", "spec.params[2].default"),
    }
    assert problems(tmp_path, step_action(body, "v1beta1")) == set()


# Steps that call a StepAction (Step.Validate in pkg/apis/pipeline/v1/container_validation.go)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("image", "busybox"),
        ("command", "[sh]"),
        ("args", "[x]"),
        ("script", "echo"),
        ("workingDir", "/src"),
        ("env", "[{name: A, value: b}]"),
        ("volumeMounts", "[{name: v, mountPath: /v}]"),
        ("results", "[{name: r}]"),
    ],
)
def test_a_step_with_a_ref_cannot_set_what_the_stepaction_provides(
    tmp_path: Path, field: str, value: str
) -> None:
    """Step.Validate: "<field> cannot be used with Ref":
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/container_validation.go"""
    steps = (
        "- name: clone\n  ref: {name: clone}\n  params: [{name: url, value: u}]\n"
        f"  {field}: {value}\n"
    )
    assert problems(tmp_path, task(steps), STEP_ACTION) == {("step-ref", f"spec.steps[0].{field}")}


def test_a_step_template_is_not_merged_into_a_step_with_a_ref(tmp_path: Path) -> None:
    """The stepTemplate's image and env do not count as set beside a ref:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/container_validation.go"""
    document = (
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: uses\nspec:\n"
        "  stepTemplate: {image: busybox, env: [{name: A, value: b}]}\n"
        "  steps:\n    - ref: {name: clone}\n      params: [{name: url, value: u}]\n"
    )
    assert problems(tmp_path, document, STEP_ACTION) == set()


def test_params_without_a_ref_are_refused_and_a_step_ref_is_a_ref(tmp_path: Path) -> None:
    """ "params cannot be used without Ref"; the ref goes through validateRef:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/container_validation.go"""
    steps = "- image: busybox\n  params: [{name: a, value: b}]\n- ref: {}\n- ref: {name: Bad!}\n"
    assert problems(tmp_path, task(steps)) == {
        ("step-ref", "spec.steps[0].params"),
        ("missing-field", "spec.steps[1].ref.name"),
        ("ref", "spec.steps[2].ref.name"),
    }


def test_params_passed_to_a_stepaction_are_not_checked_at_admission(tmp_path: Path) -> None:
    """validateStepVariables reads a step's name, image, script, command, args, env,
    workingDir and mounts, not the params it passes to its StepAction:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_validation.go"""
    steps = "- ref: {name: clone}\n  params: [{name: url, value: $(params.undeclared)}]\n"
    assert problems(tmp_path, task(steps), STEP_ACTION) == set()


def test_a_step_passes_every_required_param_and_no_extra_one_or_the_run_fails(
    tmp_path: Path,
) -> None:
    """validateStepHasStepActionParameters: "extra params passed by Step to StepAction" and
    "non-existent params in Step" fail the TaskRun:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/reconciler/taskrun/resources/taskspec.go"""
    steps = (
        "- ref: {name: clone}\n  params: [{name: depth, value: '2'}, {name: branch, value: b}]\n"
    )
    assert findings(tmp_path, task(steps), STEP_ACTION) == {
        ("param-unknown", "spec.steps[0].params[1]", "run"),
        ("param-missing", "spec.steps[0].params", "run"),
    }


def test_a_stepaction_not_among_the_files_is_one_note(tmp_path: Path) -> None:
    """A StepAction may be on the cluster: what was not checked is said once (issue 14 §5)."""
    steps = "- ref: {name: elsewhere}\n"
    assert findings(tmp_path, task(steps)) == {
        ("missing-reference", "spec.steps[0].ref.name", "info")
    }


def test_tektons_taskrun_examples_with_step_actions_give_no_error(tmp_path: Path) -> None:
    """Like examples/v1/taskruns/stepaction-params.yaml (run in Tekton's CI): run params used
    in the params a step passes, array and object values whole:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/examples/v1/taskruns/stepaction-params.yaml"""
    action = step_action(
        "params:\n  - {name: s}\n  - {name: list, type: array}\n"
        "  - {name: obj, type: object, properties: {k: {}}}\n"
        "image: busybox\nargs: ['$(params.s)', '$(params.list[*])', '$(params.obj.k)']\n"
    )
    run = taskrun(
        "params:\n  - {name: s, value: a}\n  - {name: list, value: [a, b]}\n"
        "  - {name: obj, value: {k: v}}\n"
        "taskSpec:\n  steps:\n    - ref: {name: act}\n      params:\n"
        "        - {name: s, value: '$(params.s)'}\n"
        "        - {name: list, value: ['$(params.list[*])']}\n"
        "        - {name: obj, value: '$(params.obj[*])'}\n"
    )
    assert findings(tmp_path, action, run) == set()


def test_a_taskruns_pod_template_env_is_held_to_the_tls_policy(tmp_path: Path) -> None:
    """A pod template's env reaches every container of the TaskRun's pod, so a TLS switch there
    is the same warning as in a PipelineRun's template:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/pod/template.go"""
    run = taskrun(
        "taskRef: {name: build}\nparams: [{name: revision, value: main}]\n"
        "workspaces: [{name: source, emptyDir: {}}]\n"
        "podTemplate:\n  env: [{name: GIT_SSL_NO_VERIFY, value: 'true'}]\n"
    )
    assert findings(tmp_path, TASK, run) == {("tls-bypass", "spec.podTemplate.env[0]", "modelcar")}
