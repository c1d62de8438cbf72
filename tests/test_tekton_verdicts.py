"""`modelcar validate` gives Tekton's verdict: each test pins one behaviour of Tekton's admission
webhook (v1.15) on YAML written for it, and links the source that decides it. Every case was
checked against Tekton's own defaulting and validation built from that source."""

from __future__ import annotations

from pathlib import Path

from modelcar_dsl.reading.validate_files import validate_files
from tests.conftest import admission_errors, validated

LONE_ARRAY = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: lone-array
spec:
  params:
    - name: ARGS
      type: array
  steps:
    - name: run
      image: busybox
      command: ["echo"]
      args: ["$(params.ARGS)"]
"""


def test_a_lone_array_param_is_a_whole_args_item(tmp_path: Path) -> None:
    """A lone `$(params.ARGS)` in args stands alone, so Tekton expands it like `[*]`.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/substitution/substitution.go"""
    assert admission_errors(tmp_path, LONE_ARRAY) == []


ARRAY_IN_STRING = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: array-in-string
spec:
  params:
    - name: ARGS
      type: array
  steps:
    - name: run
      image: busybox
      args: ["--flags=$(params.ARGS[*])"]
"""


def test_an_array_param_inside_a_longer_arg_is_rejected(tmp_path: Path) -> None:
    """An array must be a whole item of command or args (ValidateVariableReferenceIsIsolated).
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_validation.go"""
    assert admission_errors(tmp_path, ARRAY_IN_STRING) == [
        ("array-isolation", "spec.steps[0].args[0]")
    ]


ARRAY_IN_SCRIPT = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: array-in-script
spec:
  params:
    - name: ARGS
      type: array
  steps:
    - name: run
      image: busybox
      script: echo $(params.ARGS[*])
"""


def test_a_whole_array_param_in_a_script_is_rejected(tmp_path: Path) -> None:
    """A whole array where a string belongs (ValidateNoReferencesToProhibitedVariables).
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_validation.go"""
    assert admission_errors(tmp_path, ARRAY_IN_SCRIPT) == [
        ("array-isolation", "spec.steps[0].script")
    ]


UNDECLARED_STANDALONE = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: undeclared
spec:
  steps:
    - name: run
      image: busybox
      args: ["$(params.message)"]
"""


def test_a_task_of_its_own_must_declare_the_params_its_steps_name(tmp_path: Path) -> None:
    """A Task applied on its own gets no propagated params (Task.Validate).
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_validation.go"""
    assert admission_errors(tmp_path, UNDECLARED_STANDALONE) == [
        ("task-variable", "spec.steps[0].args[0]")
    ]


DOTTED_NAME = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: dotted
spec:
  params:
    - name: image.tag
  steps:
    - name: dot-form
      image: busybox
      args: ["$(params.image.tag)"]
"""


def test_a_dotted_param_name_needs_the_bracket_form(tmp_path: Path) -> None:
    """`$(params.image.tag)` reads key `tag` of a param `image` (ExtractVariablesFromString).
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/substitution/substitution.go"""
    assert admission_errors(tmp_path, DOTTED_NAME) == [("task-variable", "spec.steps[0].args[0]")]


DOTTED_BRACKET = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: dotted-bracket
spec:
  params:
    - name: image.tag
  steps:
    - name: bracket-form
      image: busybox
      args: ["$(params['image.tag'])"]
"""


def test_the_bracket_form_names_a_dotted_param(tmp_path: Path) -> None:
    """`$(params['image.tag'])` names the param `image.tag`.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/substitution/substitution.go"""
    assert admission_errors(tmp_path, DOTTED_BRACKET) == []


PROPAGATED_RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: propagated-
spec:
  params:
    - name: greeting
      value: hello
    - name: repo
      value: {url: "https://example.com/r.git", commit: abc}
  workspaces:
    - name: shared
      emptyDir: {}
  pipelineSpec:
    tasks:
      - name: say
        taskSpec:
          steps:
            - name: say
              image: busybox
              args: ["$(params.greeting)", "$(params.repo.url)", "$(workspaces.shared.path)"]
        workspaces:
          - name: shared
            workspace: shared
    finally:
      - name: bye
        taskSpec:
          steps:
            - name: bye
              image: busybox
              args: ["$(params.greeting)"]
"""


def test_params_and_workspaces_of_a_run_propagate_into_its_embedded_specs(tmp_path: Path) -> None:
    """TEP-0107 and TEP-0111: a run's params (an object's keys too) and workspaces reach embedded
    taskSpecs, finally included (validateInlineParameters).
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipelinerun_validation.go"""
    assert admission_errors(tmp_path, PROPAGATED_RUN) == []


PROPAGATED_TASKRUN = """\
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  generateName: propagated-
spec:
  params:
    - name: message
      value: hello
  taskSpec:
    steps:
      - name: say
        image: busybox
        script: echo "$(params.message)"
"""


def test_params_of_a_taskrun_propagate_into_its_taskspec(tmp_path: Path) -> None:
    """A TaskRun's params reach its embedded taskSpec (TaskRunSpec.validateInlineParameters).
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskrun_validation.go"""
    assert admission_errors(tmp_path, PROPAGATED_TASKRUN) == []


PIPELINE_PROPAGATES = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: propagates
spec:
  params:
    - name: greeting
  workspaces:
    - name: source
  tasks:
    - name: say
      params:
        - name: where
          value: $(workspaces.source.path)
        - name: attempt
          value: $(context.task.retry-count)
      taskSpec:
        params:
          - name: where
          - name: attempt
        steps:
          - name: say
            image: busybox
            args: ["$(params.greeting)", "$(params.where)"]
  results:
    - name: final
      value: $(finally.report.results.summary)
  finally:
    - name: report
      taskSpec:
        results:
          - name: summary
        steps:
          - name: report
            image: busybox
            script: echo done > $(results.summary.path)
"""


def test_a_pipeline_propagates_its_params_workspace_paths_context_and_finally_results(
    tmp_path: Path,
) -> None:
    """Pipeline params reach embedded taskSpecs; `$(workspaces.x.path)` and `$(context.task.retry-
    count)` pass through a task's param to the Task; a pipeline result may read a finally task's
    result.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert admission_errors(tmp_path, PIPELINE_PROPAGATES) == []


PIPELINE_TASK_PARAM_UNDECLARED = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: task-param-undeclared
spec:
  tasks:
    - name: say
      params:
        - name: who
          value: me
      taskSpec:
        steps:
          - name: say
            image: busybox
            args: ["$(params.who)"]
"""


def test_a_pipeline_tasks_own_param_does_not_reach_its_taskspec_steps_unless_declared(
    tmp_path: Path,
) -> None:
    """In a Pipeline of its own, an embedded taskSpec's steps may name its own and the pipeline's
    params only (validateUsageOfDeclaredPipelineTaskParameters).
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert admission_errors(tmp_path, PIPELINE_TASK_PARAM_UNDECLARED) == [
        ("task-variable", "spec.tasks[0].taskSpec.steps[0].args[0]")
    ]


MATRIX_VARS = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: matrix-vars
spec:
  params:
    - name: platforms
      type: array
  tasks:
    - name: build
      matrix:
        params:
          - name: platform
            value: $(params.platforms[*])
        include:
          - name: build-$(params.platforms[0])
            params:
              - name: flavor
                value: small
      taskSpec:
        params:
          - name: platform
          - name: flavor
            default: big
        steps:
          - name: build
            image: busybox
            args: ["$(params.platform)", "$(params.flavor)"]
    - name: count
      params:
        - name: builds
          value: $(tasks.build.matrix.length)
      taskSpec:
        params:
          - name: builds
        steps:
          - name: count
            image: busybox
            args: ["$(params.builds)"]
"""


def test_matrix_variables_and_include_names_are_accepted(tmp_path: Path) -> None:
    """`$(tasks.X.matrix.length)`, params in `matrix.include[].name`, and a param the matrix
    supplies.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/matrix_types.go"""
    assert admission_errors(tmp_path, MATRIX_VARS) == []


CONTEXT_LAST = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: context-last
spec:
  tasks:
    - name: first
      taskSpec:
        steps:
          - name: s
            image: busybox
    - name: last
      params:
        - name: run
          value: $(context.pipelineRun.nam)
      taskSpec:
        params:
          - name: run
        steps:
          - name: s
            image: busybox
"""


def test_an_unknown_context_variable_in_the_last_task_is_rejected(tmp_path: Path) -> None:
    """validatePipelineContextVariables reads the param values of the last task of the list.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert admission_errors(tmp_path, CONTEXT_LAST) == [
        ("pipeline-variable", "spec.tasks[1].params[0].value")
    ]


CONTEXT_LAST_ONLY = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: context-first
spec:
  tasks:
    - name: first
      params:
        - name: run
          value: $(context.pipelineRun.nam)
      taskSpec:
        params:
          - name: run
        steps:
          - name: s
            image: busybox
    - name: last
      taskSpec:
        steps:
          - name: s
            image: busybox
"""


def test_an_unknown_context_variable_in_an_earlier_task_is_left_to_run_time(tmp_path: Path) -> None:
    """Tekton's webhook overwrites the values it collects in a loop, so only the last task's are
    read; the earlier one is a run-time finding.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert admission_errors(tmp_path, CONTEXT_LAST_ONLY) == []


RESULT_PREFIX_TEXT = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: result-text
spec:
  tasks:
    - name: build
      taskSpec:
        results:
          - name: digest
        steps:
          - name: s
            image: busybox
  results:
    - name: image
      value: quay.io/x@$(tasks.build.results.digest)
"""


def test_a_string_pipeline_result_holds_only_result_references(tmp_path: Path) -> None:
    """taskContainsResult reads every `$`-separated piece as a result reference.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert admission_errors(tmp_path, RESULT_PREFIX_TEXT) == [
        ("pipeline-result", "spec.results[0].value")
    ]


STATUS_OUTSIDE_FINALLY = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: status-outside
spec:
  tasks:
    - name: a
      taskSpec:
        steps:
          - name: s
            image: busybox
    - name: b
      params:
        - name: s
          value: $(tasks.a.status)
      taskSpec:
        params:
          - name: s
        steps:
          - name: s
            image: busybox
"""


def test_execution_status_is_read_in_finally_only(tmp_path: Path) -> None:
    """validateExecutionStatusVariablesDisallowed.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert admission_errors(tmp_path, STATUS_OUTSIDE_FINALLY) == [
        ("task-status", "spec.tasks[1].params[0].value")
    ]


BAD_PREFIX = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: bad-prefix
spec:
  tasks:
    - name: a
      params:
        - name: home
          value: $(HOME)
      taskSpec:
        params:
          - name: home
        steps:
          - name: s
            image: busybox
"""


def test_a_variable_with_an_unknown_prefix_is_rejected(tmp_path: Path) -> None:
    """validateVarSubstitutionExpressions: `$(HOME)` is not a Tekton variable.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert admission_errors(tmp_path, BAD_PREFIX) == [
        ("pipeline-variable", "spec.tasks[0].params[0].value")
    ]


CUSTOM_TASK = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: custom
spec:
  tasks:
    - name: wait
      taskRef:
        kind: Wait
        name: five-minutes
"""


def test_a_custom_task_ref_needs_an_api_version(tmp_path: Path) -> None:
    """A taskRef of another kind is a custom task (validateCustomTask).
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert admission_errors(tmp_path, CUSTOM_TASK) == [
        ("task-ref", "spec.tasks[0].taskRef.apiVersion")
    ]


STRING_PARAM_WHOLE_ARRAY = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: whole-array-string
spec:
  params:
    - name: ARGS
      type: array
  tasks:
    - name: a
      params:
        - name: args
          value: $(params.ARGS)
      taskRef:
        name: elsewhere
"""


def test_a_whole_array_param_in_a_string_value_is_rejected(tmp_path: Path) -> None:
    """A string param value may hold `$(params.ARGS[*])` alone, not `$(params.ARGS)`
    (validateParamStringValue).
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/param_types.go"""
    assert admission_errors(tmp_path, STRING_PARAM_WHOLE_ARRAY) == [
        ("array-isolation", "spec.tasks[0].params[0].value")
    ]


RUNTIME_ONLY = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: runtime-only
spec:
  params:
    - name: secret-name
  steps:
    - name: s
      image: busybox
      env:
        - name: TOKEN
          valueFrom:
            secretKeyRef:
              name: $(params.secret)
              key: token
      script: echo $(context.task2.status)
"""


def test_variables_outside_the_step_fields_tekton_reads_are_admitted(tmp_path: Path) -> None:
    """Tekton reads variables in a step's name, image, workingDir, script, onError, command, args,
    env values and volumeMounts only; env.valueFrom is not among them.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_validation.go"""
    assert admission_errors(tmp_path, RUNTIME_ONLY) == []


OBJECT_KEY_VALUE = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: object-key
spec:
  params:
    - name: settings
      type: object
      properties:
        dir: {}
  tasks:
    - name: a
      params:
        - name: dir
          value: $(params.settings.dir)
        - name: whole
          value: $(params.settings[*])
      taskRef:
        name: elsewhere
"""


def test_an_object_key_and_a_lone_whole_object_pass_to_a_task(tmp_path: Path) -> None:
    """`$(params.settings.dir)` reads one key; `$(params.settings[*])` alone passes the whole
    object (validateParamStringValue, validateObjectVariable).
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/param_types.go"""
    assert admission_errors(tmp_path, OBJECT_KEY_VALUE) == []


ARRAY_VALUE_ITEM = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: array-item
spec:
  params:
    - name: ARGS
      type: array
  tasks:
    - name: a
      params:
        - name: args
          value: ["$(params.ARGS)"]
        - name: all
          value: $(params.ARGS[*])
      taskRef:
        name: elsewhere
"""


def test_an_array_param_may_stand_alone_as_an_array_value_item(tmp_path: Path) -> None:
    """validateArrayVariable: an isolated array reference as an item of an array value.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/param_types.go"""
    assert admission_errors(tmp_path, ARRAY_VALUE_ITEM) == []


def findings(tmp_path: Path, text: str) -> list[tuple[str, str, str]]:
    """(origin, rule, path) of every finding."""
    return [(p.origin, p.rule, p.path) for p in validated(tmp_path, text)]


def test_what_tekton_accepts_but_leaves_unresolved_is_a_run_time_finding(tmp_path: Path) -> None:
    """Tekton's webhook reads no variables in env.valueFrom, nor `$(context.task2...)`, which
    is no context variable it knows: both stay in the pod as written.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_validation.go"""
    assert findings(tmp_path, RUNTIME_ONLY) == [
        ("run", "task-variable", "spec.steps[0].env[0].valueFrom.secretKeyRef.name"),
        ("run", "task-variable", "spec.steps[0].script"),
    ]


def test_an_unknown_context_variable_in_an_earlier_task_is_reported_for_run_time(
    tmp_path: Path,
) -> None:
    """The webhook misses it (it reads the last task only), the run does not resolve it.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_validation.go"""
    assert findings(tmp_path, CONTEXT_LAST_ONLY) == [
        ("run", "pipeline-variable", "spec.tasks[0].params[0].value")
    ]


TASK_WITH_PARAMS = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: build
spec:
  params:
    - name: platform
    - name: flags
      type: array
  results:
    - name: files
      type: array
  steps:
    - name: build
      image: busybox
      args: ["$(params.platform)", "$(params.flags[*])"]
"""
PIPELINE_CALLING = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: calls
spec:
  params:
    - name: platforms
      type: array
  tasks:
    - name: list
      taskRef:
        name: build
      params:
        - name: platform
          value: amd64
        - name: flags
          value: []
    - name: per-platform
      taskRef:
        name: build
      matrix:
        params:
          - name: platform
            value: $(params.platforms[*])
      params:
        - name: flags
          value: $(tasks.list.results.files[*])
"""


def test_a_matrix_supplies_params_and_a_whole_array_result_fills_an_array_param(
    tmp_path: Path,
) -> None:
    """Tekton's CI runs such pipelines: the matrix gives `platform`, and an array result
    passed whole is an array. https://github.com/tektoncd/pipeline/blob/v1.15.0/
    pkg/reconciler/pipelinerun/resources/validate_params.go"""
    file = tmp_path / "resources.yaml"
    file.write_text(TASK_WITH_PARAMS + "---\n" + PIPELINE_CALLING)
    assert validate_files([file]).problems == ()


RUN_WITH_EXTRA_PARAM = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: extra
spec:
  params:
    - name: platforms
      value: [amd64]
    - name: colour
      value: blue
  timeouts:
    pipeline: 1h
  taskRunTemplate:
    podTemplate:
      securityContext:
        fsGroup: 1000970000
  pipelineRef:
    name: calls
"""


def test_an_extra_run_param_is_ignored_by_tekton_so_it_only_warns(tmp_path: Path) -> None:
    """A run may pass params its Pipeline does not declare; Tekton ignores them. Usually a
    typo, so a policy warning, never an error.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/reconciler/pipelinerun/resources/validate_params.go"""
    file = tmp_path / "resources.yaml"
    file.write_text(TASK_WITH_PARAMS + "---\n" + PIPELINE_CALLING + "---\n" + RUN_WITH_EXTRA_PARAM)
    report = validate_files([file])
    assert [(p.severity, p.rule, p.path) for p in report.problems] == [
        ("warning", "param-unknown", "spec.params[1]")
    ]
    assert not report.failed()
    assert report.failed(strict=True)


SCRIPT_IDIOMS = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: idioms
spec:
  params:
    - name: url
  workspaces:
    - name: source
  results:
    - name: digest
  steps:
    - name: fetch
      image: busybox
      script: |
        cd $(workspaces.source.path)
        wget -O- "$(params.url)" | sha256sum > $(results.digest.path)
"""


def test_paths_tekton_controls_are_no_script_injection_but_param_values_are(
    tmp_path: Path,
) -> None:
    """`$(workspaces.x.path)` and `$(results.x.path)` are Tekton's documented script idiom;
    `$(params.url)` pastes a value someone else chose into the script: a policy warning.
    https://github.com/tektoncd/pipeline/blob/v1.15.0/docs/tasks.md"""
    assert findings(tmp_path, SCRIPT_IDIOMS) == [
        ("modelcar", "script-variable", "spec.steps[0].script")
    ]
