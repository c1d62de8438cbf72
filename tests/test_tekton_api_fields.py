"""Every field of a Tekton document, at every depth, against Tekton's API types as its webhook
decodes them (rules/api_fields.py, with the description generated from Tekton's Go source)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from modelcar_dsl.diagnostics.errors import Problem
from modelcar_dsl.reading.validate_files import validate_files
from modelcar_dsl.rules.api_fields import go_fold, tekton_api
from tests.conftest import validated

REPO = Path(__file__).resolve().parent.parent
TEKTON = "https://github.com/tektoncd/pipeline/blob/v1.15.0/"
TASK = """\
apiVersion: tekton.dev/{api}
kind: Task
metadata:
  name: work
spec:
  steps:
    - name: build
      image: busybox
      script: echo hello
"""
RUN = """\
apiVersion: tekton.dev/{api}
kind: PipelineRun
metadata:
  name: flow-run
spec:
  pipelineRef:
    name: flow
"""
PIPELINE = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: flow
spec:
  tasks:
    - name: build
      taskRef:
        name: work
"""


def _findings(problems: list[Problem]) -> set[tuple[str, str, str]]:
    """(rule, path, origin) of the field rules' findings."""
    return {
        (p.rule, p.path, p.origin) for p in problems if p.rule in ("unknown-field", "field-type")
    }


def test_namespace_in_a_runs_workspace_configmap_is_refused(tmp_path: Path) -> None:
    """A workspace binding's configMap is Kubernetes' ConfigMapVolumeSource, which has no
    namespace: https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/workspace_types.go
    and https://github.com/tektoncd/pipeline/blob/v1.15.0/vendor/k8s.io/api/core/v1/types.go"""
    text = RUN.format(api="v1") + (
        "  workspaces:\n    - name: config\n      configMap:\n        name: settings\n"
        "        namespace: other\n"
    )
    problems = validated(tmp_path, text)
    assert _findings(problems) == {
        ("unknown-field", "spec.workspaces[0].configMap.namespace", "tekton")
    }
    assert any("ConfigMapVolumeSource; Tekton refuses it" in p.message for p in problems)


def test_version_in_a_task_ref_is_refused(tmp_path: Path) -> None:
    """TaskRef has name, kind, apiVersion, resolver and params, no version:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/taskref_types.go"""
    text = PIPELINE + "        version: '0.1'\n"
    problems = validated(tmp_path, text)
    assert _findings(problems) == {("unknown-field", "spec.tasks[0].taskRef.version", "tekton")}


def test_service_account_name_in_v1beta1_task_run_specs_is_refused(tmp_path: Path) -> None:
    """v1beta1's PipelineTaskRunSpec calls it taskServiceAccountName; v1 renamed it
    serviceAccountName:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/pipelinerun_types.go
    and https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipelinerun_types.go"""
    specs = "  taskRunSpecs:\n    - pipelineTaskName: build\n      {field}: builder\n"
    beta = validated(tmp_path, RUN.format(api="v1beta1") + specs.format(field="serviceAccountName"))
    assert _findings(beta) == {
        ("unknown-field", "spec.taskRunSpecs[0].serviceAccountName", "tekton")
    }
    assert any("in v1beta1 it is taskServiceAccountName" in p.message for p in beta)
    fine = validated(
        tmp_path, RUN.format(api="v1beta1") + specs.format(field="taskServiceAccountName")
    )
    assert _findings(fine) == set()
    v1 = validated(tmp_path, RUN.format(api="v1") + specs.format(field="taskServiceAccountName"))
    assert _findings(v1) == {
        ("unknown-field", "spec.taskRunSpecs[0].taskServiceAccountName", "tekton")
    }
    assert (
        _findings(
            validated(tmp_path, RUN.format(api="v1") + specs.format(field="serviceAccountName"))
        )
        == set()
    )


def test_unknown_field_deep_in_a_steps_security_context_is_refused(tmp_path: Path) -> None:
    """A step's securityContext is Kubernetes' SecurityContext, its capabilities take add and
    drop only: https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/container_types.go"""
    text = TASK.format(api="v1") + (
        "      securityContext:\n        capabilities:\n          add: [NET_ADMIN]\n"
        "          remove: [ALL]\n"
    )
    problems = validated(tmp_path, text)
    assert _findings(problems) == {
        ("unknown-field", "spec.steps[0].securityContext.capabilities.remove", "tekton")
    }


def test_a_string_where_tekton_wants_an_int_is_refused(tmp_path: Path) -> None:
    """PipelineTask.Retries is an int and SecurityContext.RunAsUser an *int64: Go's decoder
    refuses a JSON string for either:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_types.go"""
    problems = validated(tmp_path, PIPELINE + "      retries: '3'\n")
    assert ("field-type", "spec.tasks[0].retries", "tekton") in _findings(problems)
    assert any("must be an integer, got the str '3'" in p.message for p in problems)
    text = TASK.format(api="v1") + "      securityContext:\n        runAsUser: '1000'\n"
    assert _findings(validated(tmp_path, text)) == {
        ("field-type", "spec.steps[0].securityContext.runAsUser", "tekton")
    }


def test_a_whole_float_decodes_as_an_int_and_a_fraction_does_not(tmp_path: Path) -> None:
    """YAML's 3.0 reaches the webhook as the JSON number 3, which an int takes; 3.5 it refuses:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_types.go"""
    assert _findings(validated(tmp_path, PIPELINE + "      retries: 3.0\n")) == set()
    assert all(p.rule != "retries" for p in validated(tmp_path, PIPELINE + "      retries: 3.0\n"))
    assert _findings(validated(tmp_path, PIPELINE + "      retries: 3.5\n")) == {
        ("field-type", "spec.tasks[0].retries", "tekton")
    }


def test_a_mapping_where_a_list_belongs_is_refused(tmp_path: Path) -> None:
    """A step's volumeMounts is a []VolumeMount, at any depth (here in a pipeline's embedded
    taskSpec): https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/container_types.go"""
    text = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: flow
spec:
  tasks:
    - name: build
      taskSpec:
        steps:
          - name: build
            image: busybox
            script: echo hello
            volumeMounts:
              name: cache
              mountPath: /cache
"""
    assert _findings(validated(tmp_path, text)) == {
        ("field-type", "spec.tasks[0].taskSpec.steps[0].volumeMounts", "tekton")
    }


def test_a_number_where_a_string_belongs_is_refused_but_a_param_value_takes_it(
    tmp_path: Path,
) -> None:
    """image and an env var's value are Go strings, which refuse a JSON number; a param's
    value is a ParamValue, whose UnmarshalJSON keeps any JSON value:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/param_types.go"""
    text = TASK.format(api="v1").replace("image: busybox", "image: 3") + (
        "      env:\n        - name: RETRIES\n          value: 3\n"
    )
    assert _findings(validated(tmp_path, text)) == {
        ("field-type", "spec.steps[0].image", "tekton"),
        ("field-type", "spec.steps[0].env[0].value", "tekton"),
    }
    text = PIPELINE + "      params:\n        - name: retries\n          value: 3\n"
    assert _findings(validated(tmp_path, text)) == set()


def test_a_yaml_date_reaches_tekton_as_a_string(tmp_path: Path) -> None:
    """YAML-to-JSON conversion writes a timestamp as a string, which an env value takes:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/vendor/sigs.k8s.io/yaml/yaml.go"""
    text = (
        TASK.format(api="v1") + "      env:\n        - name: SINCE\n          value: 2024-01-02\n"
    )
    assert _findings(validated(tmp_path, text)) == set()


def test_a_quantity_takes_a_string_or_a_number(tmp_path: Path) -> None:
    """resource.Quantity's UnmarshalJSON parses a quoted or a bare number; true is neither:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/vendor/k8s.io/apimachinery/pkg/api/resource/quantity.go"""
    resources_ = "      computeResources:\n        requests:\n          memory: {value}\n"
    for value in ("1Gi", "1.5", "2"):
        text = TASK.format(api="v1") + resources_.format(value=value)
        assert _findings(validated(tmp_path, text)) == set(), value
    text = TASK.format(api="v1") + resources_.format(value="true")
    assert _findings(validated(tmp_path, text)) == {
        ("field-type", "spec.steps[0].computeResources.requests.memory", "tekton")
    }


def test_a_duration_is_a_string(tmp_path: Path) -> None:
    """metav1.Duration's UnmarshalJSON decodes a JSON string only:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/vendor/k8s.io/apimachinery/pkg/apis/meta/v1/duration.go"""
    text = TASK.format(api="v1") + "      timeout: 5\n"
    assert ("field-type", "spec.steps[0].timeout", "tekton") in _findings(validated(tmp_path, text))


def test_keys_match_fields_regardless_of_case(tmp_path: Path) -> None:
    """Go's encoding/json, under knative's strict decoder, takes `IMAGE` for `image` and
    `Steps` for `steps`, so Tekton accepts them; validate warns, and its other rules read them
    as Tekton does (no 'step has no image'):
    https://github.com/tektoncd/pipeline/blob/v1.15.0/vendor/knative.dev/pkg/webhook/json/decode.go"""
    text = TASK.format(api="v1").replace("steps:", "Steps:").replace("image:", "IMAGE:")
    problems = validated(tmp_path, text)
    assert {(p.rule, p.path, p.origin) for p in problems} == {
        ("unknown-field", "spec.Steps", "modelcar"),
        ("unknown-field", "spec.Steps[0].IMAGE", "modelcar"),
    }
    assert any("'IMAGE' is read by Tekton as 'image'" in p.message for p in problems)


def test_case_folding_is_gos() -> None:
    """Go folds each rune to upper case after lower case, so the long s matches s:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/vendor/knative.dev/pkg/webhook/json/decode.go"""
    assert go_fold("\u017fcript") == go_fold("script") == go_fold("SCRIPT")
    assert go_fold("image") != go_fold("imag")


def test_fields_of_only_one_api_version_are_refused_in_the_other(tmp_path: Path) -> None:
    """A v1beta1 step is a whole container (ports and all); a v1 step lists its own fields. A
    v1 PipelineRun has taskRunTemplate, a v1beta1 one podTemplate:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/container_types.go
    and https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/container_types.go"""
    ports = "      ports:\n        - containerPort: 8080\n"
    v1 = validated(tmp_path, TASK.format(api="v1") + ports)
    assert _findings(v1) == {("unknown-field", "spec.steps[0].ports", "tekton")}
    assert any("only a tekton.dev/v1beta1 Step has it" in p.message for p in v1)
    assert _findings(validated(tmp_path, TASK.format(api="v1beta1") + ports)) == set()
    template = "  taskRunTemplate:\n    serviceAccountName: builder\n"
    assert _findings(validated(tmp_path, RUN.format(api="v1") + template)) == set()
    beta = validated(tmp_path, RUN.format(api="v1beta1") + template)
    assert _findings(beta) == {("unknown-field", "spec.taskRunTemplate", "tekton")}
    pod = "  podTemplate:\n    securityContext:\n      fsGroup: 1000\n"
    v1_run = validated(tmp_path, RUN.format(api="v1") + pod)
    assert _findings(v1_run) == {("unknown-field", "spec.podTemplate", "tekton")}
    assert any("in v1 it is spec.taskRunTemplate.podTemplate" in p.message for p in v1_run)


def test_unknown_metadata_field_is_dropped_not_refused(tmp_path: Path) -> None:
    """knative's strict decoder skips unknown fields in a resource's own metadata (the API
    server's to check), but still decodes the known ones with their types; a nested ObjectMeta
    (a volumeClaimTemplate's) is decoded strictly:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/vendor/knative.dev/pkg/webhook/json/decode.go"""
    text = TASK.format(api="v1").replace("  name: work\n", "  name: work\n  owner: team-a\n")
    assert _findings(validated(tmp_path, text)) == {("unknown-field", "metadata.owner", "modelcar")}
    text = TASK.format(api="v1").replace("  name: work\n", "  name: work\n  labels: [a, b]\n")
    assert _findings(validated(tmp_path, text)) == {("field-type", "metadata.labels", "tekton")}
    text = RUN.format(api="v1") + (
        "  workspaces:\n    - name: data\n      volumeClaimTemplate:\n"
        "        metadata:\n          owner: team-a\n"
    )
    assert _findings(validated(tmp_path, text)) == {
        ("unknown-field", "spec.workspaces[0].volumeClaimTemplate.metadata.owner", "tekton")
    }


def test_a_task_has_no_status(tmp_path: Path) -> None:
    """A Task's Go type has TypeMeta, ObjectMeta and Spec only:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_types.go"""
    text = TASK.format(api="v1") + "status:\n  ready: true\n"
    assert _findings(validated(tmp_path, text)) == {("unknown-field", "status", "tekton")}


def test_the_generated_description_names_its_tekton_and_every_kind() -> None:
    """The file says which Tekton it comes from and how to regenerate it, and describes each
    kind validate reads in each version Tekton serves it:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/register.go"""
    text = resources.files("modelcar_dsl.rules").joinpath("tekton_api.json").read_text()
    data = json.loads(text)
    assert data["generated"].startswith(f"from tektoncd/pipeline {data['tekton']} by ")
    assert "scripts/generate_tekton_api.py" in data["generated"]
    api = tekton_api()
    for version in ("v1", "v1beta1"):
        assert {"Task", "Pipeline", "TaskRun", "PipelineRun"} <= set(api.kinds[version])
    assert "StepAction" in api.kinds["v1alpha1"]
    for kinds in api.kinds.values():
        for root in kinds.values():
            assert {"apiVersion", "kind", "metadata", "spec"} <= set(api.structs[root].fields)
    assert text == json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"
    assert TEKTON.endswith(f"/{data['tekton']}/")


def test_the_repos_compiled_yaml_has_no_field_findings() -> None:
    """What the compiler wrote (compiled/) uses only fields Tekton's types have:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipelinerun_types.go"""
    files = sorted((REPO / "compiled").rglob("*.yaml"))
    assert files
    assert _findings(list(validate_files(files).problems)) == set()
