"""Behaviours of Tekton's admission webhook (v1.15) that differential fuzzing against Tekton's
own defaulting and validation found `modelcar validate` judging otherwise; each test pins one on
YAML written for it, and links the source that decides it. Every case was checked against that
build of Tekton's admission."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import admission_errors, validated

SOURCE = "https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/"


FIRST_DECLARATION_WINS = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: first-declaration-
spec:
  pipelineSpec:
    params:
      - name: owner
        default: team-a
    tasks:
      - name: acquire
        taskRef:
          name: acquire
        params:
          - name: owner
            value: $(params['owner'])
      - name: release
        taskRef:
          name: release
        params:
          - name: owner
            value: {}
"""


def test_a_propagated_param_keeps_the_type_it_was_first_declared_with(tmp_path: Path) -> None:
    """validateInlineParameters collects the pipeline's params before the values its tasks
    pass, and an existing declaration keeps its type (appendPipelineTaskParams), so a later
    object value does not make `owner` an object.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipelinerun_validation.go"""
    assert admission_errors(tmp_path, FIRST_DECLARATION_WINS) == []


MAPPING_AS_PARAM_NAME = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: odd-name-
spec:
  params:
    - name: {odd: name}
      value: x
  pipelineSpec:
    params:
      - name: url
    tasks:
      - name: fetch
        taskRef:
          name: fetch
"""


def test_a_mapping_as_a_run_params_name_is_a_type_error_not_a_crash(tmp_path: Path) -> None:
    """A param name must be a string: Tekton's strict decode refuses a mapping there, and
    validate reports it rather than failing on it.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/param_types.go"""
    assert ("field-type", "spec.params[0].name") in admission_errors(
        tmp_path, MAPPING_AS_PARAM_NAME
    )


DUPLICATE_RESULTS = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: duplicate-results
spec:
  results:
    - name: digest
    - name: digest
  steps:
    - name: run
      image: busybox
      script: echo
"""


def test_a_task_may_declare_a_result_twice(tmp_path: Path) -> None:
    """TaskSpec.Validate checks each result's name and type, never that names are unique;
    the duplicate stays a policy warning.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/result_validation.go"""
    found = validated(tmp_path, DUPLICATE_RESULTS)
    assert [(p.rule, p.severity) for p in found] == [("result-duplicate", "warning")]


PROPERTIES_ON_A_STRING = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: string-with-properties
spec:
  params:
    - name: tag
      type: string
      properties:
        key: {type: string}
  steps:
    - name: run
      image: busybox
      script: echo
"""


def test_properties_on_a_string_param_are_ignored(tmp_path: Path) -> None:
    """Only object params must have properties (ValidateObjectParamsHaveProperties); a
    string param's properties are accepted and unused.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_validation.go"""
    assert admission_errors(tmp_path, PROPERTIES_ON_A_STRING) == []


NAMELESS_WORKSPACES = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: nameless-workspace
spec:
  workspaces:
    - mountPath: /data
  steps:
    - name: run
      image: busybox
      script: echo
---
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  generateName: nameless-binding-
spec:
  taskRef:
    name: nameless-workspace
  workspaces:
    - emptyDir: {}
"""


def test_a_task_workspace_and_a_run_binding_may_have_no_name(tmp_path: Path) -> None:
    """A Task's workspace names need only be unique (ValidateDeclaredWorkspaces), and a
    run's bindings are checked for their volume source, not their name; the mistake shows in
    the run.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_validation.go"""
    found = validated(tmp_path, NAMELESS_WORKSPACES)
    assert [p.origin for p in found if p.rule == "missing-field"] == ["run", "run"]
    assert admission_errors(tmp_path, NAMELESS_WORKSPACES) == []


NO_TASKS = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: described
spec:
  description: does nothing yet
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: displayed
spec:
  displayName: Nothing yet
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: empty
spec:
  tasks: []
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: finally-only
spec:
  finally:
    - name: cleanup
      taskRef:
        name: cleanup
"""


def test_a_pipeline_without_tasks_is_refused_only_when_empty_or_with_finally(
    tmp_path: Path,
) -> None:
    """PipelineSpec.Validate refuses a spec equal to the empty one, and finally tasks without
    tasks (validatePipelineTasks); a description or a displayName alone passes.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert admission_errors(tmp_path, NO_TASKS) == [
        ("pipeline-no-tasks", "spec.tasks"),
        ("pipeline-no-tasks", "spec.tasks"),
    ]
    found = validated(tmp_path, NO_TASKS)
    assert [(p.resource, p.severity) for p in found if p.rule == "pipeline-no-tasks"] == [
        ("pipeline/described", "warning"),
        ("pipeline/displayed", "warning"),
        ("pipeline/empty", "error"),
        ("pipeline/finally-only", "error"),
    ]


EMBEDDED_UNDECLARED_WORKSPACE = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: embedded-workspace-
spec:
  pipelineSpec:
    workspaces:
      - name: shared
    tasks:
      - name: lint
        taskRef:
          name: lint
        workspaces:
          - name: source
  workspaces:
    - name: shared
      emptyDir: {}
"""


def test_an_embedded_pipeline_spec_may_bind_an_undeclared_workspace(tmp_path: Path) -> None:
    """Pipeline.Validate checks its tasks' workspace bindings (validatePipelineWorkspacesUsage);
    PipelineSpec.Validate, which a run's pipelineSpec gets, does not: the run fails instead.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    found = validated(tmp_path, EMBEDDED_UNDECLARED_WORKSPACE)
    assert [(p.rule, p.origin) for p in found if p.rule == "pipeline-workspace"] == [
        ("pipeline-workspace", "run")
    ]


PARAMS_WITHOUT_VALUE = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: no-value
spec:
  tasks:
    - name: build
      taskRef:
        name: build
      params:
        - name: tag
---
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  generateName: no-value-
spec:
  taskRef:
    name: build
  params:
    - name: tag
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: null-value-
spec:
  pipelineRef:
    name: no-value
  params:
    - name: tag
      value: null
"""


def test_a_param_passed_without_a_value_cannot_be_encoded(tmp_path: Path) -> None:
    """A Param without `value` decodes to a ParamValue of no type; the webhook fails to encode
    the defaulted resource (ParamValue.MarshalJSON: impossible ParamValues.Type). An explicit
    null is decoded as a string and passes.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/param_types.go"""
    assert admission_errors(tmp_path, PARAMS_WITHOUT_VALUE) == [
        ("missing-field", "spec.tasks[0].params[0]"),
        ("missing-field", "spec.params[0]"),
    ]


UNDECLARED_RESULT = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: undeclared-result
spec:
  tasks:
    - name: build
      taskSpec:
        results:
          - name: digest
        steps:
          - name: build
            image: busybox
            script: echo
    - name: push
      taskRef:
        name: push
      params:
        - name: digest
          value: $(tasks.build.results.digset)
"""


def test_a_result_a_task_does_not_declare_fails_the_run_not_the_apply(tmp_path: Path) -> None:
    """The webhook checks that a result reference names a task of the pipeline, never the
    Task's results, even an inline taskSpec's; the run fails resolving it.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    found = validated(tmp_path, UNDECLARED_RESULT)
    assert [(p.rule, p.origin) for p in found if p.rule == "result-reference"] == [
        ("result-reference", "run")
    ]


STEP_RESULT_OUTSIDE_ENV = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: step-result-placement
spec:
  steps:
    - name: build
      image: busybox
      results:
        - name: dir
      script: echo -n /tmp > $(step.results.dir.path)
    - name: use
      image: busybox
      env:
        - name: DIR
          value: $(steps.build.results.dir)
      args: ["$(steps.build.results.dir)"]
      volumeMounts:
        - name: $(steps.build.results.dir)
          mountPath: /data
    - name: script
      image: busybox
      script: cat $(steps.build.results.dir)
"""


def test_a_step_result_is_read_only_in_env_command_and_args(tmp_path: Path) -> None:
    """validateStepResultReference refuses $(steps.x.results.y) in a step's name, image,
    script, workingDir, envFrom and volume mounts.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/container_validation.go"""
    assert admission_errors(tmp_path, STEP_RESULT_OUTSIDE_ENV) == [
        ("step-result-use", "spec.steps[1].volumeMounts[0].name"),
        ("step-result-use", "spec.steps[2].script"),
    ]


STEP_TEMPLATE_VARIABLES = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: template-variables
spec:
  params:
    - name: home
  stepTemplate:
    env:
      - name: HOME
        value: $(params.home)
      - name: PROXY
        value: $(params.proxy)
      - name: OVERRIDDEN
        value: $(params.overridden)
    workingDir: $(steps.build.results.dir)
  steps:
    - name: build
      image: busybox
      env:
        - name: OVERRIDDEN
          value: set
      script: echo
"""


def test_a_step_template_is_checked_as_part_of_each_step(tmp_path: Path) -> None:
    """TaskSpec.Validate merges the stepTemplate into each step (MergeStepsWithStepTemplate,
    env by name, the step's own value winning) before it checks variables.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_validation.go"""
    assert sorted(admission_errors(tmp_path, STEP_TEMPLATE_VARIABLES)) == [
        ("step-result-use", "spec.stepTemplate.workingDir"),
        ("task-variable", "spec.stepTemplate.env[1].value"),
    ]


RUN_PARAM_READS_RESULT = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: run-param-result-
spec:
  pipelineRef:
    name: release
  params:
    - name: digest
      value: $(tasks.build.results.digest)
    - name: tags
      value: ["latest", "$(tasks.build.results.tags[0])"]
    - name: deep
      value: $(tasks.build.results.a.b.c)
"""


def test_a_pipeline_run_param_cannot_read_a_task_result(tmp_path: Path) -> None:
    """validatePipelineRunParameters refuses values with result references that parse (four or
    five dot-separated parts); a longer one is no reference and passes.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipelinerun_validation.go"""
    assert admission_errors(tmp_path, RUN_PARAM_READS_RESULT) == [
        ("run-param-result", "spec.params[0].value"),
        ("run-param-result", "spec.params[1].value"),
    ]


PARAM_NAME_RESULT_REFERENCE = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: result-in-a-name
spec:
  tasks:
    - name: fetch
      taskRef:
        name: fetch
      params:
        - name: url $(tasks.fetch.results.commit)
          value: https://example.com/repo.git
"""


def test_only_param_values_order_tasks(tmp_path: Path) -> None:
    """PipelineTaskResultRefs reads the values of params (not their names), so a result
    reference in a name makes no dependency and no cycle.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/resultref.go"""
    assert admission_errors(tmp_path, PARAM_NAME_RESULT_REFERENCE) == []


INLINE_STEP_DEPENDENCIES = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: inline-step-dependencies
spec:
  tasks:
    - name: build
      taskSpec:
        results:
          - name: digest
        steps:
          - name: build
            image: busybox
            env:
              - name: DIGEST
                value: $(tasks.push.results.digest)
            script: echo
    - name: push
      runAfter: [build]
      taskSpec:
        results:
          - name: digest
        steps:
          - name: push
            image: busybox
            script: echo $(tasks.report.results.digest)
  finally:
    - name: report
      taskRef:
        name: report
"""


def test_results_read_in_inline_steps_order_the_tasks(tmp_path: Path) -> None:
    """PipelineTaskResultRefs also reads an inline taskSpec's steps, so a result read there
    is a dependency: here a cycle, and a link to a finally task the graph cannot add.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert sorted(admission_errors(tmp_path, INLINE_STEP_DEPENDENCIES)) == [
        ("cycle", "spec.tasks[1].runAfter[0]"),
        ("result-reference", "spec.tasks[1].taskSpec.steps[0].script"),
    ]


SIDECAR_NAME = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: sidecar-name
spec:
  sidecars:
    - name: Side.Car
      image: busybox
  steps:
    - name: run
      image: busybox
      script: echo
"""


def test_a_sidecar_name_is_not_checked_at_admission(tmp_path: Path) -> None:
    """Sidecar.Validate checks the image and script, not the name (Step.Validate does); the
    pod is refused when the run starts.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/container_validation.go"""
    found = validated(tmp_path, SIDECAR_NAME)
    assert [(p.rule, p.origin) for p in found] == [("step-name", "run")]


PROPERTY_TYPES = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: property-types
spec:
  params:
    - name: tag
      type: string
      properties:
        key: {type: array}
  results:
    - name: info
      type: object
    - name: labels
      properties:
        key: {type: array}
  steps:
    - name: run
      image: busybox
      script: echo
"""


def test_property_types_are_checked_for_every_param_and_object_result(tmp_path: Path) -> None:
    """ParamSpec.ValidateObjectType checks property types whatever the param's type; an object
    result needs properties, each a string (a result with properties defaults to object).
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/result_validation.go"""
    assert admission_errors(tmp_path, PROPERTY_TYPES) == [
        ("object-properties", "spec.params[0].properties.key.type"),
        ("result-type", "spec.results[0].properties"),
        ("object-properties", "spec.results[1].properties.key.type"),
    ]


PIPELINE_OBJECT_WITHOUT_PROPERTIES = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: referenced-tasks-only
spec:
  params:
    - name: labels
      type: object
  tasks:
    - name: build
      taskRef:
        name: build
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: inline-task
spec:
  params:
    - name: labels
      type: object
  tasks:
    - name: build
      taskSpec:
        steps:
          - name: build
            image: busybox
            script: echo
"""


def test_a_pipeline_object_param_needs_properties_only_with_an_inline_task(
    tmp_path: Path,
) -> None:
    """validatePipelineParameterUsage checks object params for properties with each inline
    taskSpec's params (ValidateObjectParamsHaveProperties); with only taskRefs it never does.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    found = validated(tmp_path, PIPELINE_OBJECT_WITHOUT_PROPERTIES)
    assert [(p.resource, p.severity) for p in found if p.rule == "object-properties"] == [
        ("pipeline/referenced-tasks-only", "warning"),
        ("pipeline/inline-task", "error"),
    ]


STEP_ACTION_UNREAD_REFERENCE = """\
apiVersion: tekton.dev/v1beta1
kind: StepAction
metadata:
  name: unread-reference
spec:
  params:
    - name: url
  image: busybox
  env:
    - name: URL
      value: $(params.url)
    - name: ODD
      value: $(params["a.b"].c)
    - name: UNKNOWN
      value: $(params.revision)
  command: ["env"]
"""


def test_a_step_action_checks_only_what_tektons_reference_pattern_reads(
    tmp_path: Path,
) -> None:
    """The StepAction's variables go through the same pattern as a Task's: `$(params["a.b"].c)`
    matches no form of it, so nothing is checked there; `$(params.revision)` is unknown.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/substitution/substitution.go"""
    assert admission_errors(tmp_path, STEP_ACTION_UNREAD_REFERENCE) == [
        ("task-variable", "spec.env[2].value")
    ]


RUN_OBJECT_FOR_A_STRING_DECLARATION = """\
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  generateName: object-for-a-string-
spec:
  params:
    - name: config
      value: {registry: quay.io}
  taskSpec:
    params:
      - name: config
    steps:
      - name: run
        image: busybox
        script: echo
"""


def test_an_object_a_run_passes_needs_properties_where_its_spec_declares_it(
    tmp_path: Path,
) -> None:
    """validateInlineParameters declares the run's params first (an object value makes an
    object), then combineParamSpec requires the embedded spec's declaration to list properties.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go"""
    assert admission_errors(tmp_path, RUN_OBJECT_FOR_A_STRING_DECLARATION) == [
        ("object-properties", "spec.taskSpec.params[0].properties")
    ]


PROPAGATED_NAMES = """\
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  generateName: propagated-names-
spec:
  params:
    - name: url $(params.revision)
      value: https://example.com/repo.git
    - value: orphan
  taskSpec:
    steps:
      - name: run
        image: busybox
        script: echo
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: propagated-names-
spec:
  pipelineSpec:
    params:
      - name: 1st
    tasks:
      - name: build
        params:
          - name: größe
            value: large
        taskSpec:
          steps:
            - name: build
              image: busybox
              script: echo
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: not-propagated
spec:
  params:
    - name: 1st
  tasks:
    - name: build
      params:
        - name: größe
          value: large
      taskSpec:
        steps:
          - name: build
            image: busybox
            script: echo
"""


def test_names_a_run_propagates_into_inline_steps_follow_the_param_name_format(
    tmp_path: Path,
) -> None:
    """validateInlineParameters declares every name a run, its pipelineSpec and their tasks pass,
    and ValidateParameterVariables holds them to ValidateNameFormat; a Pipeline's own params
    and its tasks' param names are not held to it.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipelinerun_validation.go"""
    assert admission_errors(tmp_path, PROPAGATED_NAMES) == [
        ("param-name", "spec.params[0].name"),
        ("param-name", "spec.params[1].name"),
        ("param-name", "spec.pipelineSpec.params[0].name"),
        ("param-name", "spec.pipelineSpec.tasks[0].params[0].name"),
    ]


STATUS_IN_A_MATRIX = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: status-in-a-matrix
spec:
  tasks:
    - name: build
      taskRef:
        name: build
      matrix:
        params:
          - name: mode
            value: ["$(tasks.status)", "fast"]
"""


def test_execution_status_is_checked_in_params_and_when_not_in_a_matrix(
    tmp_path: Path,
) -> None:
    """validateExecutionStatusVariablesDisallowed reads a task's params and `when` only; in a
    matrix `$(tasks.status)` passes the webhook and stays unresolved in the run.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    found = validated(tmp_path, STATUS_IN_A_MATRIX)
    assert [(p.rule, p.origin) for p in found if p.rule == "task-status"] == [
        ("task-status", "run")
    ]


KUBERNETES_BOOLEANS = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: kubernetes-booleans
spec:
  description: y
  params:
    - name: answer
      default: n
  steps:
    - name: run
      image: busybox
      script: echo
"""


def test_kubernetes_reads_y_and_n_as_booleans(tmp_path: Path) -> None:
    """sigs.k8s.io/yaml reads YAML with go-yaml v2, whose booleans include y, Y, n and N: a
    plain `y` in a string field fails the decode. A param default is a ParamValue, which keeps
    a boolean as its text.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/vendor/go.yaml.in/yaml/v2/resolve.go"""
    assert admission_errors(tmp_path, KUBERNETES_BOOLEANS) == [("field-type", "spec.description")]


NON_STRING_ITEMS = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: non-string-items
spec:
  params:
    - name: ports
      type: array
      default: [8080, 8443]
    - name: limits
      type: string
      default: {cpu: 2}
    - name: flags
      type: array
      default: ["-v", null]
  steps:
    - name: run
      image: busybox
      script: echo
"""


def test_a_list_or_mapping_of_non_strings_is_a_string_value(tmp_path: Path) -> None:
    """ParamValue.UnmarshalJSON takes a list as an array only if it decodes as []string (null
    does), a mapping as an object only as map[string]string; anything else is its JSON text.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/param_types.go"""
    assert admission_errors(tmp_path, NON_STRING_ITEMS) == [
        ("param-default", "spec.params[0].default")
    ]


V1BETA1_INLINE_STEPS = """\
apiVersion: tekton.dev/v1beta1
kind: Pipeline
metadata:
  name: v1beta1-inline-steps
spec:
  tasks:
    - name: show
      taskSpec:
        steps:
          - name: show
            image: busybox
            script: echo $(tasks.show.results.line)
"""


def test_v1beta1_orders_tasks_by_params_and_when_only(tmp_path: Path) -> None:
    """v1beta1's PipelineTaskResultRefs reads params and when expressions, not inline steps, so
    a task reading its own result in a step passes the v1beta1 webhook; the run (as v1) fails.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/resultref.go"""
    found = validated(tmp_path, V1BETA1_INLINE_STEPS)
    assert [(p.rule, p.origin) for p in found if p.rule == "cycle"] == [("cycle", "run")]
    assert admission_errors(tmp_path, V1BETA1_INLINE_STEPS) == []


OBJECT_WITHOUT_PROPERTIES_IN_A_TASK_PARAM = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: object-without-properties
spec:
  params:
    - name: limits
      default: {cpu: "2"}
  tasks:
    - name: build
      taskRef:
        name: build
      params:
        - name: limits
          value: $(params.limits)
        - name: described
          value: "cpu=$(params.limits)"
"""


def test_an_object_param_without_properties_is_no_object_in_pipeline_task_strings(
    tmp_path: Path,
) -> None:
    """validatePipelineTaskParameterUsage takes object names from their properties' keys, so an
    object param with none may be used whole anywhere in a task's params.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert admission_errors(tmp_path, OBJECT_WITHOUT_PROPERTIES_IN_A_TASK_PARAM) == []


NAMELESS_PIPELINE_PARAMS = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: one-nameless
spec:
  params:
    - type: string
  tasks:
    - name: build
      taskRef:
        name: build
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: two-nameless
spec:
  params:
    - type: string
    - type: string
  tasks:
    - name: build
      taskRef:
        name: build
"""


def test_one_nameless_pipeline_param_passes_and_two_are_a_duplicate(tmp_path: Path) -> None:
    """Tekton checks a Pipeline's param names only for uniqueness (ValidateNoDuplicateNames), so
    one nameless param passes and a second repeats the empty name.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/param_types.go"""
    assert admission_errors(tmp_path, NAMELESS_PIPELINE_PARAMS) == [
        ("param-duplicate", "spec.params[1].name")
    ]


STEP_DECLARATIONS = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: step-declarations
spec:
  workspaces:
    - name: source
  steps:
    - name: build
      image: busybox
      timeout: -1s
      workspaces:
        - name: cache
      when:
        - input: a
          operator: equals
          values: [a]
      results:
        - name: digest
        - name: info
          type: object
      script: echo > $(step.results.digset.path)
"""


def test_a_steps_workspaces_results_timeout_and_when_are_checked(tmp_path: Path) -> None:
    """Step.Validate refuses a negative timeout and an unknown `when` operator;
    validateWorkspaceUsages a workspace the Task does not declare; StepResult.Validate an
    object result without properties; ValidateStepResultsVariables a result the step lacks.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_validation.go"""
    assert sorted(admission_errors(tmp_path, STEP_DECLARATIONS)) == [
        ("result-type", "spec.steps[0].results[1].properties"),
        ("step-workspace", "spec.steps[0].workspaces[0].name"),
        ("task-timeout", "spec.steps[0].timeout"),
        ("task-variable", "spec.steps[0].script"),
        ("when", "spec.steps[0].when[0].operator"),
    ]


NEGATIVE_PIPELINE_TASK_RETRIES = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: negative-retries
spec:
  tasks:
    - name: build
      retries: -1
      timeout: -5m
      taskRef:
        name: build
"""


def test_a_pipeline_tasks_negative_retries_and_timeout_pass_the_webhook(tmp_path: Path) -> None:
    """PipelineTask.Validate checks onError against retries, never their sign or the
    timeout's.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert admission_errors(tmp_path, NEGATIVE_PIPELINE_TASK_RETRIES) == []


GO_YAML_NUMBERS = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: go-yaml-numbers
spec:
  description: 1e3
  steps:
    - name: run
      image: busybox
      workingDir: 0o17
      script: 1:20
"""


def test_kubernetes_reads_numbers_as_go_yaml_v2_does(tmp_path: Path) -> None:
    """go-yaml v2 reads `1e3` and `0o17` as numbers (a string field refuses them) and has no
    YAML 1.1 base 60, so `1:20` stays text.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/vendor/go.yaml.in/yaml/v2/resolve.go"""
    assert admission_errors(tmp_path, GO_YAML_NUMBERS) == [
        ("field-type", "spec.description"),
        ("field-type", "spec.steps[0].workingDir"),
    ]


STEP_ACTION_PARAM_USES = """\
apiVersion: tekton.dev/v1beta1
kind: StepAction
metadata:
  name: param-uses
spec:
  params:
    - name: tag
    - name: args
      type: array
  image: busybox
  env:
    - name: TAG
      value: $(params.tag[1])
    - name: KEY
      value: $(params.args.key)
  command: ["echo"]
  args: ["$(params.args)"]
"""


def test_a_step_action_uses_params_as_a_task_does(tmp_path: Path) -> None:
    """Tekton looks a StepAction's param up without its index (a string's `[1]` passes), a lone
    array in args expands as with `[*]`, and an array has no keys.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/stepaction_validation.go"""
    assert admission_errors(tmp_path, STEP_ACTION_PARAM_USES) == [
        ("task-variable", "spec.env[1].value")
    ]


MATRIX_STRING_VALUE = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: matrix-string-value
spec:
  tasks:
    - name: build
      taskRef:
        name: build
      matrix:
        params:
          - name: exit
            value: $(steps.build.exitCode.path)
"""


def test_a_matrix_params_string_value_is_held_to_the_pipeline_prefixes(tmp_path: Path) -> None:
    """validatePipelineParametersVariables reads every matrix param value, a string as well as
    a list's items, and refuses a variable outside the pipeline's prefixes.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert admission_errors(tmp_path, MATRIX_STRING_VALUE) == [
        ("pipeline-variable", "spec.tasks[0].matrix.params[0].value")
    ]


V1BETA1_EMBEDDED_BINDINGS = """\
apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata:
  generateName: embedded-bindings-
spec:
  pipelineSpec:
    workspaces:
      - name: shared
    tasks:
      - name: fetch
        taskRef:
          name: fetch
        workspaces:
          - name: output
      - name: lint
        taskRef:
          name: lint
        workspaces:
          - name: source
            workspace: output
          - name: cache
            workspace: other
  workspaces:
    - name: shared
      emptyDir: {}
"""


def test_v1beta1_checks_an_embedded_specs_bindings_against_the_names_bound_so_far(
    tmp_path: Path,
) -> None:
    """v1beta1's PipelineRun validation checks each task's bindings against the run's
    workspaces, the spec's and the binding names of the tasks so far; v1 checks none.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/pipelinerun_validation.go"""
    assert admission_errors(tmp_path, V1BETA1_EMBEDDED_BINDINGS) == [
        ("pipeline-workspace", "spec.pipelineSpec.tasks[1].workspaces[1]")
    ]
    as_v1 = V1BETA1_EMBEDDED_BINDINGS.replace("tekton.dev/v1beta1", "tekton.dev/v1")
    assert admission_errors(tmp_path, as_v1) == []


V1BETA1_TEMPLATE_DROPS_STEP_RESULTS = """\
apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: template-drops-step-results
spec:
  stepTemplate:
    env:
      - name: HOME
        value: /tekton/home
  steps:
    - name: build
      image: busybox
      results:
        - name: ""
      workspaces:
        - name: cache
      script: echo > $(step.results.digest.path)
"""


def test_a_v1beta1_step_template_hides_step_results_from_the_webhook(tmp_path: Path) -> None:
    """v1beta1 merges the stepTemplate into each step before checking it, and the merged step
    keeps script, onError, timeout and when but not results (its workspaces are checked on the
    steps as written).
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/merge.go"""
    found = validated(tmp_path, V1BETA1_TEMPLATE_DROPS_STEP_RESULTS)
    assert sorted((p.rule, p.origin) for p in found) == [
        ("missing-field", "run"),
        ("step-workspace", "tekton"),
        ("task-variable", "run"),
    ]
    as_v1 = V1BETA1_TEMPLATE_DROPS_STEP_RESULTS.replace("tekton.dev/v1beta1", "tekton.dev/v1")
    assert len(admission_errors(tmp_path, as_v1)) == 3


ZERO_VALUES = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: zero-values
spec:
  steps:
    - name: run
      image: busybox
      onError: ""
      when:
        - operator: in
          values: [""]
      script: echo
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: zero-values-
spec:
  status: null
  pipelineRef:
    name: release
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: result-names
spec:
  results:
    - name: image digest
      value: $(tasks.build.results.digest)
  tasks:
    - name: build
      taskRef:
        name: build
"""


def test_zero_values_and_pipeline_result_names_pass_the_webhook(tmp_path: Path) -> None:
    """An empty onError, a null status and a `when` without input decode to Go's zero values,
    which Tekton takes as unset; validatePipelineResults reads result values, not names.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/when_validation.go"""
    assert admission_errors(tmp_path, ZERO_VALUES) == []
