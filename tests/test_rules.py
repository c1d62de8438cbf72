"""One case per rule: the smallest YAML document and the smallest DSL program that break it, each
checked for the rule, the field path, the message and the line (the line marked `# <-`).

YAML goes through `modelcar validate`'s loader and rules; DSL programs are imported from a file
and compiled with `modelcar_dsl.check`, so the location is the user's line. Where the DSL cannot
express a mistake, the case says why, and a test keeps every rule covered one way or the other.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from typing import Any

import attrs
import pytest

from modelcar_dsl import Pipeline, RunSpec, Task, check
from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.errors import DefinitionError, Problem
from modelcar_dsl.model.gates import Gates
from modelcar_dsl.model.target import Target
from modelcar_dsl.reading.validate_files import validate_files

MARK = "# <-"


@attrs.frozen
class Case:
    """`yaml` and `dsl` each mark the line the problem must point to with `# <-`; `dsl_error`
    says the DSL refuses the program when it is declared (DefinitionError), `no_dsl` why the
    DSL cannot write the mistake at all."""

    rule: catalog.Rule
    path: str
    message: str
    yaml: str
    dsl: str = ""
    dsl_path: str = ""
    dsl_message: str = ""
    dsl_error: bool = False
    no_dsl: str = ""
    gates: Gates = attrs.field(factory=Gates)
    """The cluster the YAML is validated for."""
    file_name: str = "resources.yaml"
    other_files: tuple[tuple[str, str], ...] = ()
    """Files written next to `yaml` (the directory is validated then), for rules on a tree."""


TASK = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: work
spec:
"""
PIPELINE = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: flow
spec:
"""
RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: flow-run-
spec:
"""
STEPS = """\
  steps:
    - name: main
      image: busybox
"""
WORK_TASK = TASK + STEPS
TASK_RUN = """\
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  generateName: work-run-
spec:
"""
STEP_ACTION = """\
apiVersion: tekton.dev/v1beta1
kind: StepAction
metadata:
  name: clone
spec:
  params:
    - name: url
      default: https://example.com/repo.git
  image: busybox
"""
WORK_TASK_WITH_RESULT = (
    TASK
    + """\
  params:
    - name: tag
      type: string
      default: x
  workspaces:
    - name: data
      optional: true
  results:
    - name: out
      type: string
"""
    + STEPS
)
FLOW = PIPELINE + "  tasks:\n    - name: first\n      taskRef:\n        name: work\n"
RUN_TEMPLATE = """\
  taskRunTemplate:
    podTemplate:
      securityContext:
        fsGroup: 1000970000
"""
RUN_TIMEOUTS = "  timeouts:\n    pipeline: 4h\n"

HEADER = """\
from typing import Annotated, Literal

import attrs

from modelcar_dsl import (
    CatalogueName, ExistingClaim, Result, SourceLocation, VerifiesTls, Workspace, WorkspacePath,
    command_step, finally_tasks, pipeline, pipeline_run, script_step, task, where_defined,
)

IMAGE = "registry.example/tools:1"


@task(image=IMAGE, workspaces=[Workspace("data")], results=["out"])
def produce(tag: str = "x") -> list:
    \"\"\"Writes data.\"\"\"
    return [command_step("main", ["true"])]


@task(image=IMAGE, workspaces=[Workspace("data", read_only=True)])
def consume(value: str) -> list:
    \"\"\"Reads data.\"\"\"
    return [command_step("main", ["true"])]

"""


def _pipeline_yaml(tasks: str, extra: str = "") -> str:
    return WORK_TASK_WITH_RESULT + "---\n" + PIPELINE + extra + "  tasks:\n" + tasks


CASES = [
    Case(
        catalog.YAML_SYNTAX,
        "",
        "mapping values are not allowed",
        WORK_TASK + "    - name: other\n      image: a: b  # <-\n",
        no_dsl="the DSL writes YAML through its own emitter",
    ),
    Case(
        catalog.YAML_LIMIT,
        "",
        "(a recursive alias)",
        WORK_TASK + "      args: &args [*args]  # <-\n",
        no_dsl="the compiler writes no aliases",
    ),
    Case(
        catalog.YAML_DUPLICATE_KEY,
        "spec.steps[0].image",
        "appears more than once in one mapping",
        WORK_TASK + "      image: alpine  # <-\n",
        no_dsl="the emitter writes each key once",
    ),
    Case(
        catalog.API_VERSION,
        "apiVersion",
        "tekton.dev/v1alpha1 has no Task; use tekton.dev/v1 or tekton.dev/v1beta1",
        WORK_TASK.replace("tekton.dev/v1", "tekton.dev/v1alpha1  # <-"),
        no_dsl="the compiler emits only v1 or v1beta1",
    ),
    Case(
        catalog.FIELD_TYPE,
        "spec.params",
        "'params' of a tekton.dev/v1 TaskSpec must be a list, got the str 'tag'",
        TASK + "  params: tag  # <-\n" + STEPS,
        no_dsl="the compiler writes every field with its type",
    ),
    Case(
        catalog.MISSING_FIELD,
        "metadata.name",
        "needs metadata.name",
        WORK_TASK.replace("metadata:\n  name: work\n", "metadata:  # <-\n  labels: {}\n"),
        no_dsl="the compiler always names what it writes",
    ),
    Case(
        catalog.UNKNOWN_FIELD,
        "spec.serviceAccountName",
        "in v1 it is spec.taskRunTemplate.serviceAccountName",
        WORK_TASK
        + "---\n"
        + FLOW
        + "---\n"
        + RUN
        + "  pipelineRef:\n    name: flow\n"
        + RUN_TEMPLATE
        + RUN_TIMEOUTS
        + "  serviceAccountName: pipeline  # <-\n",
        no_dsl="the compiler writes the fields of the API version it targets",
    ),
    Case(
        catalog.FEATURE_GATE,
        "spec.params[0].enum",
        "param enum needs the feature flag enable-param-enum=true (alpha)",
        TASK + "  params:\n    - name: mode\n      enum: [fast, safe]  # <-\n" + STEPS,
        no_dsl="without enable-param-enum the compiler writes a Literal param without enum",
    ),
    Case(
        catalog.TEKTON_VERSION,
        "spec.tasks[0].taskRef.kind",
        "ClusterTask was removed in Tekton 1.0",
        PIPELINE + "  tasks:\n    - name: a\n      taskRef:\n        name: work\n"
        "        kind: ClusterTask  # <-\n",
        no_dsl="the compiler references Tasks only",
    ),
    Case(
        catalog.METADATA_NAME,
        "metadata.name",
        "is not a DNS-1123 subdomain",
        WORK_TASK.replace("name: work", "name: Work_Task  # <-"),
        dsl='@task(name="Work_Task", image=IMAGE)  # <-\ndef t() -> list:\n'
        '    """T."""\n    return [command_step("main", ["true"])]\n',
    ),
    Case(
        catalog.METADATA_LABELS,
        "metadata.labels",
        "label key 'cost centre'",
        WORK_TASK.replace("name: work\n", "name: work\n  labels:  # <-\n    cost centre: c42\n"),
        dsl='@task(image=IMAGE, labels={"cost centre": "c42"})  # <-\ndef t() -> list:\n'
        '    """T."""\n    return [command_step("main", ["true"])]\n',
        dsl_error=True,
    ),
    Case(
        catalog.QUANTITY,
        "spec.steps[0].computeResources.requests.memory",
        "'4GB' has the unit 'GB', which Kubernetes does not know",
        WORK_TASK + "      computeResources:\n        requests:\n          memory: 4GB  # <-\n",
        dsl="from modelcar_dsl import Resources\n\n"
        'HEAVY = Resources(requests={"memory": "4GB"})  # <-\n',
        dsl_error=True,
    ),
    Case(
        catalog.KUSTOMIZATION_RUN,
        "resources[0]",
        "holds a PipelineRun with only generateName 'flow-run-'",
        "resources:\n  - runs/run.yaml  # <-\n",
        no_dsl="compile never lists 03-runs/ in kustomization.yaml",
        file_name="kustomization.yaml",
        other_files=(
            (
                "runs/run.yaml",
                RUN
                + "  pipelineRef:\n    name: flow\n"
                + RUN_TEMPLATE
                + RUN_TIMEOUTS
                + "---\n"
                + FLOW
                + "---\n"
                + WORK_TASK,
            ),
        ),
    ),
    Case(
        catalog.PARAM_NAME,
        "spec.params[0].name",
        "param name '9lives' is not valid",
        TASK + "  params:\n    - name: 9lives  # <-\n" + STEPS,
        dsl="@task(image=IMAGE)  # <-\ndef t(café: str) -> list:\n"
        '    """T."""\n    return [command_step("main", ["true"])]\n',
        dsl_path="spec.params[0].name",
        dsl_message="param name 'café' is not valid",
    ),
    Case(
        catalog.PARAM_DUPLICATE,
        "spec.params[1].name",
        "param 'tag' is declared more than once",
        TASK + "  params:\n    - name: tag\n    - name: tag  # <-\n" + STEPS,
        dsl="@task(image=IMAGE)  # <-\ndef t(tag: str, _tag: str) -> list:\n"
        '    """T."""\n    return [command_step("main", ["true"])]\n',
    ),
    Case(
        catalog.PARAM_TYPE,
        "spec.params[0].type",
        "type 'int' is not one of string, array, object",
        TASK + "  params:\n    - name: count\n      type: int  # <-\n" + STEPS,
        no_dsl="int annotations become string params",
    ),
    Case(
        catalog.PARAM_DEFAULT,
        "spec.params[0].default",
        "param 'files' is an array but its default is string",
        TASK
        + "  params:\n    - name: files\n      type: array\n      default: one  # <-\n"
        + STEPS,
        dsl='@task(image=IMAGE)\ndef t(files: list[str] = "one") -> list:  # <-\n'
        '    """T."""\n    return [command_step("main", ["true"])]\n',
        dsl_error=True,
    ),
    Case(
        catalog.OBJECT_PROPERTIES,
        "spec.params[0].properties",
        "object param 'endpoint' needs properties",
        TASK + "  params:\n    - name: endpoint  # <-\n      type: object\n" + STEPS,
        dsl="@task(image=IMAGE)\ndef t(endpoint: dict[str, str]) -> list:  # <-\n"
        '    """T."""\n    return [command_step("main", ["true"])]\n',
        dsl_error=True,
    ),
    Case(
        catalog.PARAM_ENUM,
        "spec.params[0].default",
        "default 'slow' is not in the enum",
        TASK
        + "  params:\n    - name: mode\n      enum: [fast, safe]\n      default: slow  # <-\n"
        + STEPS,
        no_dsl="a Literal param's default is checked against its values in Python first",
        gates=Gates(flags=(("enable-param-enum", "true"),)),
    ),
    Case(
        catalog.RESULT_NAME,
        "spec.results[0].name",
        "result name 'image digest' is not valid",
        TASK + "  results:\n    - name: image digest  # <-\n" + STEPS,
        dsl='@task(image=IMAGE, results=["image digest"])  # <-\ndef t() -> list:\n'
        '    """T."""\n    return [command_step("main", ["true"])]\n',
    ),
    Case(
        catalog.RESULT_DUPLICATE,
        "spec.results[1].name",
        "result 'digest' is declared more than once",
        TASK + "  results:\n    - name: digest\n    - name: digest  # <-\n" + STEPS,
        dsl='@task(image=IMAGE, results=["digest", "digest"])  # <-\ndef t() -> list:\n'
        '    """T."""\n    return [command_step("main", ["true"])]\n',
    ),
    Case(
        catalog.RESULT_TYPE,
        "spec.results[0].type",
        "type 'number' is not one of string, array, object",
        TASK + "  results:\n    - name: count\n      type: number  # <-\n" + STEPS,
        no_dsl="Result(type=) takes string, array or object, refused at its line",
    ),
    Case(
        catalog.WORKSPACE_DUPLICATE,
        "spec.workspaces[1].name",
        "workspace 'data' is declared more than once",
        TASK
        + "  workspaces:\n    - name: data\n      mountPath: /a\n"
        + "    - name: data  # <-\n      mountPath: /b\n"
        + STEPS,
        dsl='@task(image=IMAGE, workspaces=[Workspace("data"), Workspace("data")])  # <-\n'
        'def t() -> list:\n    """T."""\n    return [command_step("main", ["true"])]\n',
    ),
    Case(
        catalog.TASK_NO_STEPS,
        "spec.steps",
        "a Task needs at least one step",
        TASK.replace("spec:", "spec:  # <-") + "  description: nothing to do\n",
        dsl='@task(image=IMAGE)  # <-\ndef t() -> list:\n    """T."""\n    return []\n',
    ),
    Case(
        catalog.STEP_NAME,
        "spec.steps[0].name",
        "step name 'Main_Step' is not a DNS-1123 label",
        TASK + "  steps:\n    - name: Main_Step  # <-\n      image: busybox\n",
        dsl='@task(image=IMAGE)\ndef t() -> list:\n    """T."""\n'
        '    return [command_step("Main_Step", ["true"])]  # <-\n',
    ),
    Case(
        catalog.STEP_DUPLICATE,
        "spec.steps[1].name",
        "step name 'main' is used more than once",
        WORK_TASK + "    - name: main  # <-\n      image: busybox\n",
        dsl='@task(image=IMAGE)\ndef t() -> list:\n    """T."""\n'
        '    return [command_step("main", ["true"]),\n'
        '            command_step("main", ["false"])]  # <-\n',
    ),
    Case(
        catalog.STEP_IMAGE,
        "spec.steps[0].image",
        "step 'main' has no image",
        TASK + "  steps:\n    - name: main  # <-\n      script: echo hi\n",
        dsl='@task()\ndef t() -> list:\n    """T."""\n'
        '    return [command_step("main", ["true"])]  # <-\n',
    ),
    Case(
        catalog.STEP_SCRIPT_COMMAND,
        "spec.steps[0].script",
        "script cannot be used with command",
        WORK_TASK + "      command: [sh]\n      script: echo hi  # <-\n",
        no_dsl="script_step and command_step are separate functions",
    ),
    Case(
        catalog.STEP_ON_ERROR,
        "spec.steps[0].onError",
        "onError 'ignore' is not one of continue, stopAndFail, continueAndFail",
        WORK_TASK + "      onError: ignore  # <-\n",
        no_dsl="on_error= takes continue or stopAndFail, refused at the user's line",
    ),
    Case(
        catalog.WORKSPACE_MOUNT_PATH,
        "spec.workspaces[1].mountPath",
        "workspace mount path '/data' must be unique",
        TASK
        + "  workspaces:\n    - name: a\n      mountPath: /data\n"
        + "    - name: b\n      mountPath: /data/  # <-\n"
        + STEPS,
        dsl='@task(image=IMAGE, workspaces=[Workspace("a", mount_path="/data"),  # <-\n'
        '                             Workspace("b", mount_path="/data")])\n'
        'def t() -> list:\n    """T."""\n    return [command_step("main", ["true"])]\n',
    ),
    Case(
        catalog.VOLUME_MOUNT,
        "spec.steps[0].volumeMounts[0].mountPath",
        "volumeMount path '/tekton/results' is under /tekton",
        WORK_TASK
        + "      volumeMounts:\n        - name: v\n          mountPath: /tekton/results  # <-\n",
        dsl="from modelcar_dsl import VolumeMount\n"
        'MOUNT = VolumeMount("v", "/tekton/results")  # <-\n',
        dsl_error=True,
    ),
    Case(
        catalog.TASK_VOLUME,
        "spec.volumes[1].name",
        "volume name 'cache' is used more than once",
        TASK
        + "  volumes:\n    - name: cache\n      emptyDir: {}\n"
        + "    - name: cache  # <-\n      emptyDir: {}\n"
        + STEPS,
        dsl="from modelcar_dsl import EmptyDir, TaskVolume\n"
        '@task(image=IMAGE, volumes=[TaskVolume("cache", EmptyDir()),\n'
        '                            TaskVolume("cache", EmptyDir())])  # <-\n'
        'def t() -> list:\n    """T."""\n    return [command_step("main", ["true"])]\n',
    ),
    Case(
        catalog.CONTAINER_SETTINGS,
        "spec.steps[0].securityContext.privileged",
        "privileged: true with allowPrivilegeEscalation: false",
        WORK_TASK
        + "      securityContext:\n        allowPrivilegeEscalation: false\n"
        + "        privileged: true  # <-\n",
        dsl="from modelcar_dsl import SecurityContext\n"
        "ROOT = SecurityContext(allow_privilege_escalation=False, privileged=True)  # <-\n",
        dsl_error=True,
    ),
    Case(
        catalog.ENV_NAME,
        "spec.steps[0].env[0].name",
        "env var 'MODEL DIR' is not valid",
        WORK_TASK + "      env:\n        - name: MODEL DIR  # <-\n          value: x\n",
        dsl='@task(image=IMAGE)\ndef t() -> list:\n    """T."""\n'
        '    return [command_step("main", ["true"], env={"MODEL DIR": "x"})]  # <-\n',
    ),
    Case(
        catalog.TASK_VARIABLE,
        "spec.steps[0].args[0]",
        "$(params.tga) names param 'tga', which is not declared; did you mean 'tag'?",
        TASK + "  params:\n    - name: tag\n" + STEPS + "      args: [$(params.tga)]  # <-\n",
        dsl='@task(image=IMAGE)\ndef t(tag: str) -> list:\n    """T."""\n'
        '    return [command_step("main", ["echo", "$(params.tga)"])]  # <-\n',
        dsl_path="spec.steps[0].command[1]",
    ),
    Case(
        catalog.ARRAY_ISOLATION,
        "spec.steps[0].args[0]",
        "$(params.files[*]) is an array, so it must stand alone",
        TASK
        + "  params:\n    - name: files\n      type: array\n"
        + STEPS
        + "      args:\n        - --files=$(params.files[*])  # <-\n",
        dsl='@task(image=IMAGE)\ndef t(files: list[str]) -> list:\n    """T."""\n'
        '    return [command_step("main", ["echo", "--files=$(params.files[*])"])]  # <-\n',
        dsl_path="spec.steps[0].command[1]",
    ),
    Case(
        catalog.SCRIPT_VARIABLE,
        "spec.steps[0].script",
        "script contains $(params.tag)",
        TASK
        + "  params:\n    - name: tag\n"
        + "  steps:\n    - name: main\n      image: busybox\n"
        + "      script: echo $(params.tag)  # <-\n",
        dsl='@task(image=IMAGE)\ndef t(tag: str) -> list:\n    """T."""\n'
        '    return [script_step("inject.sh")]  # <-\n',
        dsl_message="inject.sh:2 contains $(params.tag)",
    ),
    Case(
        catalog.PIPELINE_NO_TASKS,
        "spec.tasks",
        "a Pipeline needs at least one task",
        PIPELINE.replace("spec:", "spec:  # <-") + "  description: nothing\n",
        dsl='@pipeline()  # <-\ndef flow() -> None:\n    """Nothing."""\n',
    ),
    Case(
        catalog.PIPELINE_TASK_NAME,
        "spec.tasks[0].name",
        "pipeline task name 'First_Task' is not a DNS-1123 label",
        _pipeline_yaml("    - name: First_Task  # <-\n      taskRef:\n        name: work\n"),
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n'
        '    produce.options(name="First_Task")()  # <-\n',
    ),
    Case(
        catalog.PIPELINE_TASK_DUPLICATE,
        "spec.finally[0].name",
        "pipeline task name 'first' is used more than once",
        _pipeline_yaml(
            "    - name: first\n      taskRef:\n        name: work\n",
            "",
        )
        + "  finally:\n    - name: first  # <-\n      taskRef:\n        name: work\n",
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n    produce()\n'
        "    produce()  # <-\n",
        dsl_path="spec.tasks[1].name",
        dsl_message="pipeline task name 'produce' is used more than once",
    ),
    Case(
        catalog.TASK_REF,
        "spec.tasks[0]",
        "expected exactly one of taskRef and taskSpec, got neither",
        PIPELINE + "  tasks:\n    - name: first  # <-\n",
        no_dsl="every task call refers to its Task",
    ),
    Case(
        catalog.RUN_AFTER,
        "spec.tasks[0].runAfter[0]",
        "runAfter names 'frist', which is not a task of this pipeline",
        FLOW.replace("name: work\n", "name: work\n      runAfter: [frist]  # <-\n")
        + "---\n"
        + WORK_TASK,
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n'
        "    with finally_tasks():\n"
        '        late = produce.options(name="late")()\n'
        '    consume(value="x").after(late)  # <-\n',
        dsl_message="runAfter names finally task 'late'; finally tasks run after all others",
    ),
    Case(
        catalog.FINALLY_RUN_AFTER,
        "spec.finally[0].runAfter",
        "finally tasks cannot have runAfter",
        FLOW
        + "  finally:\n    - name: last\n      taskRef:\n        name: work\n"
        + "      runAfter: [first]  # <-\n"
        + "---\n"
        + WORK_TASK,
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n    made = produce()\n'
        "    with finally_tasks():\n"
        '        produce.options(name="last")().after(made)  # <-\n',
    ),
    Case(
        catalog.CYCLE,
        "spec.tasks[1].runAfter[0]",
        "tasks form a cycle: first -> second -> first",
        FLOW.replace("name: work\n", "name: work\n      runAfter: [second]\n")
        + "    - name: second\n      taskRef:\n        name: work\n      runAfter: [first]  # <-\n"
        + "---\n"
        + WORK_TASK,
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n    made = produce()\n'
        "    used = consume(value=made.results.out)\n"
        "    made.after(used)  # <-\n",
        dsl_path="spec.tasks[0].runAfter[0]",
        dsl_message="tasks form a cycle: produce -> consume -> produce",
    ),
    Case(
        catalog.RESULT_REFERENCE,
        "spec.tasks[1].params[0].value",
        "task 'first' has no result 'digest'; known: out",
        _pipeline_yaml(
            "    - name: first\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag\n          value: x\n"
            "      workspaces:\n        - name: data\n"
            "    - name: second\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag\n"
            "          value: $(tasks.first.results.digest)  # <-\n"
            "      workspaces:\n        - name: data\n",
            "  workspaces:\n    - name: data\n",
        ),
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n    made = produce()\n'
        "    consume(value=made.results.digest)  # <-\n",
        dsl_path="spec.tasks[1].params[0].value",
        dsl_message="task 'produce' has no result 'digest'; known: out",
    ),
    Case(
        catalog.MATRIX,
        "spec.tasks[0].params[0].name",
        "param 'tag' is in the matrix and in params",
        _pipeline_yaml(
            "    - name: first\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag  # <-\n          value: x\n"
            "      matrix:\n        params:\n          - name: tag\n            value: [a, b]\n"
        ),
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n'
        '    produce.options(matrix={"tag": ["a", "b"]})(tag="c")  # <-\n',
        dsl_error=True,
    ),
    Case(
        catalog.MATRIX_RESULT,
        "spec.tasks[1].params[0].value",
        "reads one value of matrixed task 'first'",
        _pipeline_yaml(
            "    - name: first\n      taskRef:\n        name: work\n"
            "      matrix:\n        params:\n          - name: tag\n            value: [a, b]\n"
            "    - name: second\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag\n"
            "          value: $(tasks.first.results.out)  # <-\n"
        ),
        no_dsl="a matrixed call's results are always read whole ([*]); passing one to a str "
        "param is a param-value-type error",
    ),
    Case(
        catalog.FINALLY_RESULT_REFERENCE,
        "spec.finally[1].params[0].value",
        "finally tasks run in parallel and cannot read each other's results",
        _pipeline_yaml(
            "    - name: first\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag\n          value: x\n"
            "      workspaces:\n        - name: data\n",
            "  workspaces:\n    - name: data\n",
        )
        + "  finally:\n"
        + "    - name: a\n      taskRef:\n        name: work\n"
        + "    - name: b\n      taskRef:\n        name: work\n"
        + "      params:\n        - name: tag\n"
        + "          value: $(tasks.a.results.out)  # <-\n",
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n    produce()\n'
        "    with finally_tasks():\n"
        '        late = produce.options(name="late")()\n'
        '        consume.options(name="last")(value=late.results.out)  # <-\n',
        dsl_path="spec.finally[1].params[0].value",
    ),
    Case(
        catalog.TASK_STATUS,
        "spec.tasks[1].params[0].value",
        "$(tasks.first.status) can only be read by finally tasks",
        _pipeline_yaml(
            "    - name: first\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag\n          value: x\n"
            "      workspaces:\n        - name: data\n"
            "    - name: second\n      taskRef:\n        name: work\n      runAfter: [first]\n"
            "      params:\n        - name: tag\n          value: $(tasks.first.status)  # <-\n"
            "      workspaces:\n        - name: data\n",
            "  workspaces:\n    - name: data\n",
        ),
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n    made = produce()\n'
        "    consume(value=made.status)  # <-\n",
        dsl_path="spec.tasks[1].params[0].value",
        dsl_message="$(tasks.produce.status) can only be read by finally tasks",
    ),
    Case(
        catalog.PIPELINE_VARIABLE,
        "spec.tasks[0].params[0].value",
        "$(params.repo) names param 'repo', which is not declared",
        _pipeline_yaml(
            "    - name: first\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag\n          value: $(params.repo)  # <-\n"
            "      workspaces:\n        - name: data\n",
            "  workspaces:\n    - name: data\n",
        ),
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n'
        '    produce(tag="$(params.repo)")  # <-\n',
        dsl_path="spec.tasks[0].params[0].value",
    ),
    Case(
        catalog.WHEN,
        "spec.tasks[0].when[0].operator",
        "operator 'equals' is not one of in, notin",
        FLOW
        + "      when:\n        - input: a\n          operator: equals  # <-\n"
        + "          values: [a]\n---\n"
        + WORK_TASK,
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n'
        '    produce().when("a", "equals", ["a"])  # <-\n',
        dsl_path="spec.tasks[0].when[0].operator",
    ),
    Case(
        catalog.ON_ERROR_RETRIES,
        "spec.tasks[0].onError",
        "onError: continue cannot be combined with retries",
        FLOW + "      retries: 2\n      onError: continue  # <-\n---\n" + WORK_TASK,
        no_dsl='.options(on_error="continue", retries=...) is refused at the call',
    ),
    Case(
        catalog.RETRIES,
        "spec.tasks[0].retries",
        "retries -1 must be 0 or more",
        FLOW + "      retries: -1  # <-\n---\n" + WORK_TASK,
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n'
        "    produce.options(retries=-1)()  # <-\n",
    ),
    Case(
        catalog.PIPELINE_RESULT,
        "spec.results[0].value",
        "reads task 'frist', which is not in this pipeline",
        FLOW
        + "  results:\n    - name: digest\n      value: $(tasks.frist.results.out)  # <-\n"
        + "---\n"
        + WORK_TASK,
        no_dsl="a returned result reading a task not called is refused at @pipeline",
    ),
    Case(
        catalog.PIPELINE_WORKSPACE,
        "spec.tasks[0].workspaces[0]",
        "binds pipeline workspace 'source', which the pipeline does not declare",
        _pipeline_yaml(
            "    - name: first\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag\n          value: x\n"
            "      workspaces:\n        - name: data  # <-\n          workspace: source\n",
            "  workspaces:\n    - name: data\n",
        ),
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n'
        '    produce.options(workspaces={"data": "source"})()  # <-\n',
    ),
    Case(
        catalog.TASK_TIMEOUT,
        "spec.tasks[0].timeout",
        "timeout '2 hours' is not a duration",
        FLOW + "      timeout: 2 hours  # <-\n---\n" + WORK_TASK,
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n'
        '    produce.options(timeout="2 hours")()  # <-\n',
        dsl_error=True,
    ),
    Case(
        catalog.PIPELINE_REF,
        "spec",
        "expected exactly one of pipelineRef and pipelineSpec, got neither",
        RUN.replace("spec:", "spec:  # <-") + RUN_TEMPLATE + RUN_TIMEOUTS,
        no_dsl="pipeline_run() takes the pipeline it runs",
    ),
    Case(
        catalog.RUN_WORKSPACE_SOURCE,
        "spec.workspaces[0]",
        "workspace 'data' needs exactly one volume source",
        FLOW.replace("  tasks:", "  workspaces:\n    - name: data\n  tasks:")
        + "---\n"
        + WORK_TASK
        + "---\n"
        + RUN
        + "  pipelineRef:\n    name: flow\n"
        + RUN_TEMPLATE
        + RUN_TIMEOUTS
        + "  workspaces:\n    - name: data  # <-\n      emptyDir: {}\n"
        + "      persistentVolumeClaim:\n        claimName: data\n",
        no_dsl="each workspace of pipeline_run() gets one volume source object",
    ),
    Case(
        catalog.RUN_WORKSPACE_DUPLICATE,
        "spec.workspaces[1].name",
        "workspace 'data' is bound more than once",
        FLOW.replace("  tasks:", "  workspaces:\n    - name: data\n  tasks:")
        + "---\n"
        + WORK_TASK
        + "---\n"
        + RUN
        + "  pipelineRef:\n    name: flow\n"
        + RUN_TEMPLATE
        + RUN_TIMEOUTS
        + "  workspaces:\n    - name: data\n      emptyDir: {}\n"
        + "    - name: data  # <-\n      emptyDir: {}\n",
        no_dsl="pipeline_run() takes workspaces as a mapping",
    ),
    Case(
        catalog.RUN_PARAM_DUPLICATE,
        "spec.params[1].name",
        "param 'repo' is given twice",
        FLOW.replace("  tasks:", "  params:\n    - name: repo\n  tasks:")
        + "---\n"
        + WORK_TASK
        + "---\n"
        + RUN
        + "  pipelineRef:\n    name: flow\n"
        + RUN_TEMPLATE
        + RUN_TIMEOUTS
        + "  params:\n    - name: repo\n      value: a\n    - name: repo  # <-\n      value: b\n",
        dsl='@pipeline(workspaces=["data"])\ndef flow(repo: str, Repo: str) -> None:\n'
        "    produce(tag=repo)\n\n\n"
        'run = pipeline_run("flow-run", flow, params={"repo": "a", "Repo": "b"},  # <-\n'
        "                   fs_group=1000970000)\n",
    ),
    Case(
        catalog.RUN_PARAM_RESULT,
        "spec.params[0].value",
        "$(tasks.produce.results.digest) reads a task result",
        FLOW.replace("  tasks:", "  params:\n    - name: repo\n  tasks:")
        + "---\n"
        + WORK_TASK
        + "---\n"
        + RUN
        + "  pipelineRef:\n    name: flow\n"
        + RUN_TEMPLATE
        + RUN_TIMEOUTS
        + "  params:\n    - name: repo\n      value: $(tasks.produce.results.digest)  # <-\n",
        no_dsl="a run's params are plain values in the DSL",
    ),
    Case(
        catalog.STEP_WORKSPACE,
        "spec.steps[0].workspaces[0].name",
        "workspace 'data' is not declared by the Task",
        WORK_TASK + "      workspaces:\n        - name: data  # <-\n",
        no_dsl="the DSL's steps see every workspace of their task",
    ),
    Case(
        catalog.STEP_RESULT_USE,
        "spec.steps[0].workingDir",
        "$(steps.main.results.dir) is a step result",
        WORK_TASK + "      workingDir: $(steps.main.results.dir)  # <-\n",
        no_dsl="the DSL passes step results through env",
    ),
    Case(
        catalog.STEP_RESULT_VALUE,
        "spec.results[0].value",
        "step 'main' declares no result 'url', so the result is never set",
        TASK
        + "  results:\n    - name: url\n      value: $(steps.main.results.url)  # <-\n"
        + "  steps:\n    - name: main\n      ref:\n        name: clone\n"
        + "---\n"
        + STEP_ACTION,
        dsl="from modelcar_dsl import step_action\n\n\n"
        "@step_action(image=IMAGE, results=['digest'])\ndef push() -> object:\n"
        "    return command_step('push', ['true'])\n\n\n"
        "@task(image=IMAGE,\n      results=[Result('url', from_step=('push', 'url'))])  # <-\n"
        'def t() -> list:\n    """T."""\n    return [push()]\n',
        dsl_message="step action 'push' of step 'push' declares no result 'url'",
    ),
    Case(
        catalog.TIMEOUTS,
        "spec.timeouts.tasks",
        "timeouts.tasks 5h is longer than timeouts.pipeline 4h",
        FLOW
        + "---\n"
        + WORK_TASK
        + "---\n"
        + RUN
        + "  pipelineRef:\n    name: flow\n"
        + RUN_TEMPLATE
        + RUN_TIMEOUTS
        + "    tasks: 5h  # <-\n",
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n    produce()\n\n\n'
        'run = pipeline_run("flow-run", flow, timeout="4h", tasks_timeout="5h",  # <-\n'
        "                   fs_group=1000970000)\n",
        dsl_message="timeouts.tasks 5h0m0s is longer than timeouts.pipeline 4h0m0s",
    ),
    Case(
        catalog.RUN_STATUS,
        "spec.status",
        "status 'Stopped' is not one of Cancelled",
        FLOW
        + "---\n"
        + WORK_TASK
        + "---\n"
        + RUN
        + "  pipelineRef:\n    name: flow\n"
        + RUN_TEMPLATE
        + RUN_TIMEOUTS
        + "  status: Stopped  # <-\n",
        no_dsl="runs are declared, never cancelled, in the DSL",
    ),
    Case(
        catalog.POD_TEMPLATE,
        "spec.taskRunTemplate.podTemplate.tolerations[0]",
        "operator 'Exist' is not one of Equal, Exists",
        FLOW
        + "---\n"
        + WORK_TASK
        + "---\n"
        + RUN
        + "  pipelineRef:\n    name: flow\n"
        + RUN_TEMPLATE
        + "      tolerations:\n        - key: gpu  # <-\n          operator: Exist\n"
        + RUN_TIMEOUTS,
        dsl="from modelcar_dsl import Toleration\n\n"
        'GPU = Toleration(key="gpu", operator="Exist")  # <-\n',
        dsl_error=True,
    ),
    Case(
        catalog.TASK_RUN_SPEC_NAME,
        "spec.taskRunSpecs[0].pipelineTaskName",
        "pipelineTaskName 'frist' is not a task of the pipeline",
        FLOW
        + "---\n"
        + WORK_TASK
        + "---\n"
        + RUN
        + "  pipelineRef:\n    name: flow\n"
        + RUN_TEMPLATE
        + "  taskRunSpecs:\n    - pipelineTaskName: frist  # <-\n"
        + "      serviceAccountName: builder\n"
        + RUN_TIMEOUTS,
        dsl="from modelcar_dsl import TaskRunSpec\n\n\n"
        '@pipeline(workspaces=["data"])\ndef flow() -> None:\n    produce()\n\n\n'
        'run = pipeline_run("flow-run", flow, task_run_specs={"frist": TaskRunSpec("b")})  # <-\n',
        dsl_message="task_run_specs names 'frist', which is not a task of pipeline 'flow'",
        dsl_error=True,
    ),
    Case(
        catalog.MISSING_REFERENCE,
        "spec.tasks[0].taskRef.name",
        "were not checked: Task 'work'",
        FLOW.replace("name: work\n", "name: work  # <-\n"),
        no_dsl="the compiler writes every Task a pipeline calls",
    ),
    Case(
        catalog.PARAM_MISSING,
        "spec.tasks[0].params",
        "Task 'work' needs the param 'tag', which has no default",
        TASK
        + "  params:\n    - name: tag\n"
        + STEPS
        + "---\n"
        + FLOW.replace("    - name: first\n", "    - name: first  # <-\n"),
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n    consume()  # <-\n',
        dsl_message="task 'consume' needs param 'value' (str), which has no default",
    ),
    Case(
        catalog.PARAM_UNKNOWN,
        "spec.tasks[0].params[1]",
        "Task 'work' declares no param 'tga', so Tekton ignores the value; did you mean 'tag'?",
        _pipeline_yaml(
            "    - name: first\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag\n          value: a\n"
            "        - name: tga  # <-\n          value: b\n"
            "      workspaces:\n        - name: data\n",
            "  workspaces:\n    - name: data\n",
        ),
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n    produce(tga="b")  # <-\n',
        dsl_path="spec.tasks[0].params",
        dsl_message="task 'produce' has no param 'tga'; did you mean 'tag'?",
    ),
    Case(
        catalog.PARAM_VALUE_TYPE,
        "spec.tasks[0].params[0].value",
        "param 'tag' of Task 'work' is a string, given an array",
        _pipeline_yaml(
            "    - name: first\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag\n          value: [a, b]  # <-\n"
            "      workspaces:\n        - name: data\n",
            "  workspaces:\n    - name: data\n",
        ),
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n    produce(tag=3)  # <-\n',
        dsl_path="spec.tasks[0].params[tag]",
        dsl_message="param 'tag' expects str, got int 3",
    ),
    Case(
        catalog.WORKSPACE_UNBOUND,
        "spec.tasks[0].workspaces",
        "Task 'work' needs workspace 'data', which is not bound",
        TASK
        + "  workspaces:\n    - name: data\n"
        + STEPS
        + "---\n"
        + FLOW.replace("    - name: first\n", "    - name: first  # <-\n"),
        dsl="@pipeline()\ndef flow() -> None:\n    produce()  # <-\n",
        dsl_message="Task 'produce' needs workspace 'data', which is not bound",
    ),
    Case(
        catalog.WORKSPACE_UNKNOWN,
        "spec.tasks[0].workspaces[1]",
        "Task 'work' declares no workspace 'dta'",
        _pipeline_yaml(
            "    - name: first\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag\n          value: x\n"
            "      workspaces:\n        - name: data\n"
            "        - name: dta  # <-\n          workspace: data\n",
            "  workspaces:\n    - name: data\n",
        ),
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n'
        '    produce.options(workspaces={"dta": "data"})()  # <-\n',
        dsl_message="Task 'produce' declares no workspace 'dta'; did you mean 'data'?",
    ),
    Case(
        catalog.RESULT_SIZE,
        "spec.results",
        "60 results leave",
        TASK
        + "  results:  # <-\n"
        + "".join(f"    - name: result-{i:02d}\n" for i in range(60))
        + STEPS,
        dsl="@task(image=IMAGE, results=[f'result-{i:02d}' for i in range(60)])  # <-\n"
        'def t() -> list:\n    """T."""\n    return [command_step("main", ["true"])]\n',
    ),
    Case(
        catalog.RUN_FS_GROUP,
        "spec.taskRunTemplate.podTemplate.securityContext.fsGroup",
        "the run sets no taskRunTemplate.podTemplate.securityContext.fsGroup",
        FLOW
        + "---\n"
        + WORK_TASK
        + "---\n"
        + RUN.replace("spec:", "spec:  # <-")
        + "  pipelineRef:\n    name: flow\n"
        + RUN_TIMEOUTS,
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n    produce()\n\n\n'
        'run = pipeline_run("flow-run", flow)  # <-\n',
    ),
    Case(
        catalog.RUN_TIMEOUT,
        "spec.timeouts.pipeline",
        "the run sets no pipeline timeout",
        FLOW
        + "---\n"
        + WORK_TASK
        + "---\n"
        + RUN.replace("spec:", "spec:  # <-")
        + "  pipelineRef:\n    name: flow\n"
        + RUN_TEMPLATE,
        no_dsl="pipeline_run() always writes timeouts.pipeline (default 6h)",
    ),
    Case(
        catalog.SHARED_WORKSPACE,
        "spec.tasks[1].workspaces[0]",
        "tasks 'first' and 'second' both mount workspace 'data'",
        _pipeline_yaml(
            "    - name: first\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag\n          value: x\n"
            "      workspaces:\n        - name: data\n"
            "    - name: second\n      taskRef:\n        name: work\n"
            "      params:\n        - name: tag\n          value: y\n"
            "      workspaces:\n        - name: data  # <-\n",
            "  workspaces:\n    - name: data\n",
        ),
        dsl='@pipeline(workspaces=["data"])\ndef flow() -> None:\n    produce()\n'
        "    with finally_tasks():\n"
        '        produce.options(name="a")()\n'
        '        produce.options(name="b")()  # <-\n',
        dsl_path="spec.finally[1].workspaces[0]",
        dsl_message="tasks 'a' and 'b' both mount workspace 'data'",
    ),
    Case(
        catalog.TLS_BYPASS,
        "spec.steps[0].script",
        "script line 2 turns TLS verification off (curl -k: 'curl -fsSk')",
        TASK
        + "  steps:\n    - name: main\n      image: busybox\n"
        + "      script: |  # <-\n        #!/bin/sh\n        curl -fsSk https://x\n",
        dsl='@task(image=IMAGE)\ndef t() -> list:\n    """T."""\n'
        '    return [script_step("insecure.sh")]  # <-\n',
        dsl_message="insecure.sh:2 turns TLS verification off (curl -k: 'curl -fsSk')",
    ),
    Case(
        catalog.TLS_VERIFY_OFF,
        "spec.tasks[0].params[1].value",
        "pipeline task 'first' sets tls-verify='false', turning TLS verification off",
        PIPELINE
        + "  tasks:\n    - name: first\n      taskRef:\n        name: push\n"
        + "      params:\n        - name: registry-host\n          value: registry.lab:5000\n"
        + "        - name: tls-verify\n          value: 'false'  # <-\n"
        + "---\n"
        + TASK.replace("name: work", "name: push")
        + "  params:\n    - name: registry-host\n      type: string\n"
        + "    - name: tls-verify\n      type: string\n      default: 'true'\n"
        + STEPS,
        dsl="@task(image=IMAGE)\n"
        "def push(registry_host: str, tls_verify: Annotated[bool, VerifiesTls('registry_host')]"
        " = True) -> list:\n"
        '    """T."""\n    return [command_step("main", ["true"])]\n\n\n'
        "@pipeline()\ndef flow() -> None:\n"
        "    push(registry_host='registry.lab:5000', tls_verify=False)  # <-\n",
        dsl_message="pipeline task 'push' sets tls-verify='false', turning TLS verification off",
    ),
    Case(
        catalog.ARRAY_PARAMS,
        "spec.params",
        "a task may have one",
        "",
        dsl="@task(image=IMAGE)  # <-\ndef t(a: list[str], b: list[str]) -> list:\n"
        '    """T."""\n    return [command_step("main", ["true"])]\n',
    ),
    Case(
        catalog.SCRIPT_WHITESPACE,
        "spec.steps[0].script",
        "ends in whitespace, which YAML emitters",
        "",
        dsl='@task(image=IMAGE)\ndef t() -> list:\n    """T."""\n'
        '    return [script_step("trailing.sh")]  # <-\n',
    ),
    Case(
        catalog.CATALOGUE_NAME,
        "spec.tasks[0].params[name]",
        "param 'name' of task 'register' takes a ModelName from the model catalogue, not the "
        "pipeline param $(params.name)",
        "",
        dsl="class ModelName(CatalogueName):\n    pass\n\n\n"
        "@task(image=IMAGE)\ndef register(name: ModelName) -> list:\n"
        '    """T."""\n    return [command_step("main", ["true"])]\n\n\n'
        "@pipeline()\ndef flow(name: str) -> None:\n"
        "    register(name=name)  # <-\n",
    ),
    Case(
        catalog.CATALOGUE_RECORD,
        "",
        "'' must name someone",
        "",
        dsl="class Named:\n"
        "    def record_problem(self, value: str, record: object) -> str | None:\n"
        "        return None if value else f'{value!r} must name someone'\n\n\n"
        "@attrs.frozen\nclass Greeting:\n    who: Annotated[str, Named()]\n"
        "    defined_at: SourceLocation = attrs.field(factory=where_defined, kw_only=True)\n\n\n"
        "@pipeline(workspaces=['data'])\ndef flow(greeting: Greeting) -> None:\n"
        "    produce(tag=greeting.who)\n\n\n"
        "NOBODY = Greeting(who='')  # <-\n"
        "run = pipeline_run('flow-run', flow, params={'greeting': NOBODY},\n"
        "                   workspaces={'data': ExistingClaim('data')})\n",
    ),
    Case(
        catalog.PARAM_CONSTRAINT,
        "spec.tasks[0].params[model-dir]",
        "'../etc' must be a normalised path inside the workspace",
        "",
        dsl="@task(image=IMAGE, workspaces=[Workspace('data')])\n"
        "def pack(model_dir: WorkspacePath = 'model') -> list:\n"
        '    """T."""\n    return [command_step("main", ["true"])]\n\n\n'
        "@pipeline(workspaces=['data'])\ndef flow() -> None:\n"
        "    pack(model_dir='../etc')  # <-\n",
    ),
    Case(
        catalog.REF,
        "spec.taskRef.name",
        "taskRef has both a name and resolver params",
        TASK_RUN
        + "  taskRef:\n    name: work  # <-\n    resolver: hub\n"
        + "    params:\n      - name: name\n        value: work\n",
        no_dsl="the DSL refers to the Tasks it compiles by name",
    ),
    Case(
        catalog.STEP_REF,
        "spec.steps[0].image",
        "image cannot be used with ref",
        TASK + "  steps:\n    - name: main\n      ref:\n        name: clone\n"
        "      image: busybox  # <-\n" + "---\n" + STEP_ACTION,
        no_dsl="a StepAction call takes no image of its own",
    ),
    Case(
        catalog.STEPACTION_SCRIPT_PARAM,
        "spec.script",
        "a StepAction's script cannot use $(params...)",
        STEP_ACTION.replace(
            "  image: busybox\n", "  image: busybox\n  script: echo $(params.url)  # <-\n"
        ),
        no_dsl="the DSL does not write StepActions",
    ),
    Case(
        catalog.TASKRUN_CONTAINER_SPECS,
        "spec.stepSpecs[1].name",
        "stepSpecs names step 'main' more than once",
        TASK_RUN
        + "  taskRef:\n    name: work\n"
        + "  stepSpecs:\n    - name: main\n    - name: Main  # <-\n"
        + "---\n"
        + WORK_TASK,
        no_dsl="the DSL does not write TaskRuns",
    ),
    Case(
        catalog.TASKRUN_DEBUG,
        "spec.debug.breakpoints.onFailure",
        "onFailure 'true' is not allowed",
        TASK_RUN
        + "  taskRef:\n    name: work\n"
        + "  debug:\n    breakpoints:\n      onFailure: 'true'  # <-\n"
        + "---\n"
        + WORK_TASK,
        no_dsl="the DSL does not write TaskRuns",
        gates=Gates(api_fields="alpha"),
    ),
]

SCRIPTS = {
    "inject.sh": "#!/usr/bin/env bash\necho $(params.tag)\n",
    "trailing.sh": "#!/usr/bin/env bash\necho hi \n",
    "insecure.sh": "#!/usr/bin/env bash\ncurl -fsSk https://x\n",
}


def _marked_line(text: str) -> int:
    lines = [number for number, line in enumerate(text.splitlines(), 1) if MARK in line]
    assert len(lines) == 1, f"mark exactly one line with {MARK!r}"
    return lines[0]


def _matching(problems: list[Problem], case: Case, path: str) -> list[Problem]:
    return [p for p in problems if p.rule == case.rule.id and p.path == path]


@pytest.mark.parametrize("case", [c for c in CASES if c.yaml], ids=lambda c: c.rule.id)
def test_yaml_breaking_the_rule_is_reported_at_its_line(case: Case, tmp_path: Path) -> None:
    """Only this rule is broken, so only it is reported, at the marked line and path."""
    file = tmp_path / case.file_name
    file.write_text(case.yaml)
    for name, text in case.other_files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    roots = [tmp_path] if case.other_files else [file]
    problems = list(validate_files(roots, gates=case.gates).problems)
    assert {p.rule for p in problems} == {case.rule.id}, "\n".join(map(str, problems))
    found = _matching(problems, case, case.path)
    assert found, "\n".join(map(str, problems))
    assert case.message in found[0].message
    assert found[0].location is not None
    assert (found[0].location.file, found[0].location.line) == (
        str(file),
        _marked_line(case.yaml),
    )


def _load(code: str, directory: Path) -> list[Any]:
    """Import `code` as a module from `directory`; its Tasks, Pipelines and runs."""
    module_file = directory / "flows_under_test.py"
    module_file.write_text(code)
    for name, text in SCRIPTS.items():
        (directory / name).write_text(text)
    spec = importlib.util.spec_from_file_location(f"flows_{directory.name}", module_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return [v for v in vars(module).values() if isinstance(v, Task | Pipeline | RunSpec)]


@pytest.mark.parametrize("case", [c for c in CASES if c.dsl], ids=lambda c: c.rule.id)
def test_dsl_breaking_the_rule_is_reported_at_the_users_line(case: Case, tmp_path: Path) -> None:
    """The same rule, written in Python, points at the line the user wrote."""
    code = HEADER + textwrap.dedent(case.dsl)
    line = _marked_line(code)
    if case.dsl_error:
        with pytest.raises(DefinitionError) as raised:
            _load(code, tmp_path)
        assert raised.value.location is not None
        assert raised.value.location.line == line
        return
    problems = check(*_load(code, tmp_path), target=Target(fs_group=None))
    found = _matching(problems, case, case.dsl_path or case.path)
    assert found, "\n".join(map(str, problems))
    assert (case.dsl_message or case.message) in found[0].message
    assert found[0].location is not None
    assert found[0].location.line == line, str(found[0])


def test_every_rule_has_a_yaml_case_and_a_dsl_case_or_a_reason() -> None:
    """A new rule without its cases fails here, so the table stays complete."""
    covered = {case.rule.id for case in CASES}
    assert covered == set(catalog.RULES)
    for case in CASES:
        yaml_needed = case.rule.origin != "dsl"
        assert bool(case.yaml) == yaml_needed, case.rule.id
        assert bool(case.dsl) != bool(case.no_dsl), case.rule.id


def test_a_valid_tree_has_no_problems(tmp_path: Path) -> None:
    """The base documents the cases break are themselves clean."""
    file = tmp_path / "ok.yaml"
    file.write_text(
        WORK_TASK
        + "---\n"
        + FLOW
        + "---\n"
        + RUN
        + "  pipelineRef:\n    name: flow\n"
        + RUN_TEMPLATE
        + RUN_TIMEOUTS
    )
    report = validate_files([file])
    assert report.problems == ()
    assert report.validated == 3


def test_a_param_and_an_object_key_with_one_env_name_are_reported(tmp_path: Path) -> None:
    """`a_b` and the key `b` of object `a` both become `$A_B`; one value would be lost."""
    code = HEADER + textwrap.dedent(
        """\
        @task(image=IMAGE)  # <-
        def t(a_b: str, a: dict[str, str] = {"b": "x"}) -> list:
            \"\"\"T.\"\"\"
            return [command_step("main", ["true"])]
        """
    )
    problems = check(*_load(code, tmp_path))
    assert [(p.rule, p.path, p.location.line if p.location else 0) for p in problems] == [
        ("env-name", "spec.stepTemplate.env[1].name", _marked_line(code))
    ]
    assert "env var 'A_B' is set more than once" in problems[0].message


ALIASED_RUN = (
    """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: release
spec:
  workspaces:
    - name: source
    - name: quay-source
  tasks:
    - name: push-internal
      workspaces:
        - name: source
          workspace: source
      taskSpec:
        workspaces:
          - name: source
        steps:
          - name: push
            image: busybox
            script: ls
    - name: push-quay
      workspaces:
        - name: source
          workspace: quay-source
      taskSpec:
        workspaces:
          - name: source
        steps:
          - name: push
            image: busybox
            script: ls
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: release-
spec:
  pipelineRef:
    name: release
  workspaces:
    - name: source
      persistentVolumeClaim:
        claimName: models
      subPath: {first}
    - name: quay-source
      persistentVolumeClaim:
        claimName: models
      subPath: {second}
"""
    + RUN_TEMPLATE
    + RUN_TIMEOUTS
)


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        ("''", "sub", True),
        ("a", "a/", True),
        ("a", "./a", True),
        ("a", "a/b", True),
        ("a", "b", False),
        ("a", "ab", False),
    ],
)
def test_bindings_of_one_claim_share_a_volume_when_one_subpath_holds_the_other(
    tmp_path: Path, first: str, second: str, shared: bool
) -> None:
    file = tmp_path / "release.yaml"
    file.write_text(ALIASED_RUN.format(first=first, second=second))
    rules = [problem.rule for problem in validate_files([file]).problems]
    assert rules == (["shared-workspace"] if shared else [])


WRITER_AND_READER = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: writer
spec:
  workspaces:
    - name: out
  steps:
    - name: write
      image: busybox
      script: date
---
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: reader
spec:
  workspaces:
    - name: in
      readOnly: true
  steps:
    - name: read
      image: busybox
      script: ls
---
"""
RUN_TAIL = RUN_TEMPLATE + RUN_TIMEOUTS


def test_paths_apart_on_one_claim_do_not_race_though_a_third_binding_holds_both(
    tmp_path: Path,
) -> None:
    """`models` and `results` are apart; the root binding that holds both is only read, after
    both writers."""
    file = tmp_path / "fanout.yaml"
    file.write_text(
        WRITER_AND_READER
        + """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: fanout
spec:
  workspaces: [{name: models}, {name: results}, {name: everything}]
  tasks:
    - {name: write-models, taskRef: {name: writer}, workspaces: [{name: out, workspace: models}]}
    - {name: write-results, taskRef: {name: writer}, workspaces: [{name: out, workspace: results}]}
    - name: list-all
      runAfter: [write-models, write-results]
      taskRef: {name: reader}
      workspaces: [{name: in, workspace: everything}]
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: fanout-
spec:
  pipelineRef: {name: fanout}
  workspaces:
    - {name: models, persistentVolumeClaim: {claimName: data}, subPath: models}
    - {name: results, persistentVolumeClaim: {claimName: data}, subPath: results}
    - {name: everything, persistentVolumeClaim: {claimName: data}}
"""
        + RUN_TAIL
    )
    assert validate_files([file]).problems == ()


@pytest.mark.parametrize(
    ("binding", "run_sub_path", "raced"),
    [("models", "models", True), ("models", "results", False), ("", "models", True)],
)
def test_a_task_subpath_and_a_run_subpath_are_one_path_on_the_claim(
    tmp_path: Path, binding: str, run_sub_path: str, raced: bool
) -> None:
    """Task `a` writes `source` at subPath `models`; task `b` writes `models`, which the run
    binds to the same claim at a subPath: they race when the two paths nest."""
    file = tmp_path / "race.yaml"
    sub_path = f", subPath: {binding}" if binding else ""
    file.write_text(
        WRITER_AND_READER
        + f"""\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: race
spec:
  workspaces: [{{name: source}}, {{name: models}}]
  tasks:
    - name: a
      taskRef: {{name: writer}}
      workspaces: [{{name: out, workspace: source{sub_path}}}]
    - {{name: b, taskRef: {{name: writer}}, workspaces: [{{name: out, workspace: models}}]}}
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: race-
spec:
  pipelineRef: {{name: race}}
  workspaces:
    - {{name: source, persistentVolumeClaim: {{claimName: data}}}}
    - {{name: models, persistentVolumeClaim: {{claimName: data}}, subPath: {run_sub_path}}}
"""
        + RUN_TAIL
    )
    rules = [problem.rule for problem in validate_files([file]).problems]
    assert rules == (["shared-workspace"] if raced else [])


def test_a_workspace_mounted_whole_holds_the_same_workspace_at_a_subpath(tmp_path: Path) -> None:
    file = tmp_path / "pipeline.yaml"
    file.write_text(
        WRITER_AND_READER
        + """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: nested
spec:
  workspaces: [{name: source}]
  tasks:
    - {name: whole, taskRef: {name: writer}, workspaces: [{name: out, workspace: source}]}
    - name: part
      taskRef: {name: writer}
      workspaces: [{name: out, workspace: source, subPath: models}]
    - name: other-part
      taskRef: {name: writer}
      runAfter: [whole]
      workspaces: [{name: out, workspace: source, subPath: results}]
"""
    )
    problems = validate_files([file]).problems
    assert [(problem.rule, problem.path) for problem in problems] == [
        ("shared-workspace", "spec.tasks[1].workspaces[0]")
    ]
