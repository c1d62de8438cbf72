"""Resource quantities as Kubernetes decodes them, in `modelcar validate` and in the DSL.

The grammar is k8s.io/apimachinery's ParseQuantity, which Quantity.UnmarshalJSON runs on every
quantity of a resource Tekton's webhook decodes:
https://github.com/kubernetes/apimachinery/blob/master/pkg/api/resource/quantity.go
(its suffixes: .../pkg/api/resource/suffix.go). Every verdict below was checked against Tekton
v1.15.0's own admission (strict decode, defaults, validation)."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from modelcar_dsl import Resources
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.formats.quantities import quantity_problem
from modelcar_dsl.model.specs import VolumeClaim
from modelcar_dsl.reading.validate_files import validate_files
from tests.conftest import validated

QUANTITY_GO = "https://github.com/kubernetes/apimachinery/blob/master/pkg/api/resource/quantity.go"


@pytest.mark.parametrize(
    "text",
    [
        "1",
        "0",
        "500m",
        "4Gi",
        "1.5Gi",
        "100Mi",
        "2Ti",
        "1.5Ei",
        "1n",
        "1u",
        "1k",
        "1M",
        "1G",
        "1T",
        "1P",
        "1E",
        "1e3",
        "1E3",
        "1e+3",
        "1e-9",
        "-1Gi",
        "+1",
        "00",
        "1.G",
        "1e-2147483649",
        "12345678901234567890123",
    ],
)
def test_parse_quantity_accepts_numbers_with_kubernetes_units(text: str) -> None:
    """ParseQuantity: a sign, digits, a fraction, then a binary (Ki..Ei) or decimal (n..E)
    suffix or a decimal exponent; `1E` is one exa, `1.G` passes (a TODO in quantity.go).
    An exponent past int32 wraps in Go and still parses. See QUANTITY_GO."""
    assert quantity_problem(text) is None


@pytest.mark.parametrize("text", [".", "+", "-", "Gi", "m", "Ti", "+.5Ki"])
def test_parse_quantity_reads_a_number_without_digits_as_zero_on_its_fast_path(text: str) -> None:
    """parseQuantityString returns "0" when only a sign or zeros are left, and the fast path
    (ParseInt of the digits, "" becoming 0) takes a digitless number with a small suffix."""
    assert quantity_problem(text) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("50GB", "has the unit 'GB', which Kubernetes does not know"),
        ("fifty gigs", "is not a number followed by a unit"),
        ("two", "is not a number followed by a unit"),
        ("1K", "has the unit 'K'"),
        ("1mi", "has the unit 'mi'"),
        ("1e", "has the unit 'e'"),
        ("1e+", "has the unit 'e+'"),
        ("1Ki3", "has the unit 'Ki3'"),
        ("1e99999999999999999999", "which Kubernetes does not know"),
        ("", "is empty"),
        ("1 Gi", "is not a number followed by a unit"),
        ("1.5.5", "is not a number followed by a unit"),
        ("0x10", "is not a number followed by a unit"),
        ("1e+-3", "is not a number followed by a unit"),
        ("\uff11Gi", "is not a number followed by a unit"),
    ],
)
def test_parse_quantity_refuses_unknown_units_and_words(text: str, problem: str) -> None:
    """ErrFormatWrong (no number-then-suffix shape) and ErrSuffix (a suffix neither table nor
    a 64-bit exponent reads): the decode fails, so the webhook rejects the resource."""
    found = quantity_problem(text)
    assert found is not None
    assert problem in found
    assert "500m, 4Gi, 50G" in found


@pytest.mark.parametrize("text", ["Pi", "Ei", "e-10", ".e-10", "-.e-10"])
def test_parse_quantity_refuses_a_number_without_digits_on_its_exact_path(text: str) -> None:
    """A digitless number with a suffix past Ti or a scale below nano goes to inf.Dec's
    SetString, which needs a digit: ErrNumeric ("unable to parse numeric part")."""
    found = quantity_problem(text)
    assert found is not None and "has no digits before its unit" in found


def test_json_numbers_and_null_decode_as_quantities() -> None:
    """UnmarshalJSON parses a number's JSON text (`1`, `1.5`, `1e+21`) and takes null;
    `true`, a list or an object is no quantity, and infinity is no JSON number."""
    decoded: tuple[object, ...] = (1, -5, 2**63, 1.5, 1e21, 1e-7, None)
    refused: tuple[object, ...] = (True, False, [1], {"a": 1}, math.inf, math.nan)
    assert [value for value in decoded if quantity_problem(value) is not None] == []
    assert [value for value in refused if quantity_problem(value) is None] == []


def test_spaces_around_a_quantity_are_trimmed_but_not_tabs() -> None:
    """UnmarshalJSON trims white space (strings.TrimSpace) from the JSON text; a tab or a line
    break reaches it escaped (`\\t`), which is not trimmed."""
    assert quantity_problem("  1Gi  ") is None
    assert quantity_problem("\u00a01Gi") is None
    assert quantity_problem("\t1Gi") is not None
    assert quantity_problem("1Gi\n") is not None


def _findings(tmp_path: Path, text: str) -> list[tuple[str, int]]:
    return [
        (problem.path, problem.location.line if problem.location else 0)
        for problem in validated(tmp_path, text)
        if problem.rule == "quantity"
    ]


def _line(text: str, needle: str) -> int:
    """The line of `text` that ends with `needle` (the value a finding must point at)."""
    lines = textwrap.dedent(text).splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.endswith(needle))


TASK_V1 = """\
    apiVersion: tekton.dev/v1
    kind: Task
    metadata:
      name: work
    spec:
      stepTemplate:
        computeResources:
          requests:
            memory: {value}
      steps:
        - name: main
          image: busybox
          computeResources:
            limits:
              nvidia.com/gpu: one
      sidecars:
        - name: side
          image: busybox
          computeResources:
            requests:
              cpu: 1K
      volumes:
        - name: scratch
          emptyDir:
            sizeLimit: 10 GB
        - name: claim
          ephemeral:
            volumeClaimTemplate:
              spec:
                accessModes: [ReadWriteOnce]
                resources:
                  requests:
                    storage: lots
"""


def test_every_quantity_of_a_v1_task_is_checked_at_its_field(tmp_path: Path) -> None:
    """Step, sidecar and stepTemplate `computeResources` (corev1.ResourceRequirements) and the
    Task's volumes (corev1.Volume: emptyDir.sizeLimit, an ephemeral claim's requests):
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/container_types.go
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/task_types.go"""
    text = TASK_V1.replace("{value}", "1GB")
    assert sorted(_findings(tmp_path, text)) == [
        ("spec.sidecars[0].computeResources.requests.cpu", _line(text, "1K")),
        ("spec.stepTemplate.computeResources.requests.memory", _line(text, "1GB")),
        ("spec.steps[0].computeResources.limits.nvidia.com/gpu", _line(text, "one")),
        ("spec.volumes[0].emptyDir.sizeLimit", _line(text, "10 GB")),
        (
            "spec.volumes[1].ephemeral.volumeClaimTemplate.spec.resources.requests.storage",
            _line(text, "lots"),
        ),
    ]


def test_a_v1beta1_step_holds_its_quantities_in_resources(tmp_path: Path) -> None:
    """v1beta1's Step names its ResourceRequirements `resources` (v1: `computeResources`):
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/container_types.go"""
    text = """\
        apiVersion: tekton.dev/v1beta1
        kind: Task
        metadata:
          name: work
        spec:
          steps:
            - name: main
              image: busybox
              resources:
                requests:
                  memory: 4GB
    """
    assert _findings(tmp_path, text) == [
        ("spec.steps[0].resources.requests.memory", _line(text, "4GB"))
    ]


def test_quantities_of_a_pipeline_run_are_checked_through_its_embedded_specs(
    tmp_path: Path,
) -> None:
    """A run's workspace claim template and emptyDir, its taskRunSpecs' computeResources and
    stepSpecs, its pod template's volumes, and the embedded pipeline's embedded tasks:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipelinerun_types.go
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/workspace_types.go"""
    text = """\
        apiVersion: tekton.dev/v1
        kind: PipelineRun
        metadata:
          generateName: build-
        spec:
          pipelineSpec:
            workspaces:
              - name: data
            tasks:
              - name: a
                taskSpec:
                  steps:
                    - name: main
                      image: busybox
                      computeResources:
                        requests:
                          memory: 2 Gi
          workspaces:
            - name: data
              volumeClaimTemplate:
                spec:
                  accessModes: [ReadWriteOnce]
                  resources:
                    requests:
                      storage: 50GB
            - name: scratch
              emptyDir:
                sizeLimit: 1Gb
          taskRunTemplate:
            podTemplate:
              volumes:
                - name: cache
                  emptyDir:
                    sizeLimit: big
          taskRunSpecs:
            - pipelineTaskName: a
              computeResources:
                limits:
                  cpu: two
              stepSpecs:
                - name: main
                  computeResources:
                    limits:
                      memory: 4GB
    """
    assert sorted(_findings(tmp_path, text)) == [
        (
            "spec.pipelineSpec.tasks[0].taskSpec.steps[0].computeResources.requests.memory",
            _line(text, "2 Gi"),
        ),
        ("spec.taskRunSpecs[0].computeResources.limits.cpu", _line(text, "two")),
        ("spec.taskRunSpecs[0].stepSpecs[0].computeResources.limits.memory", _line(text, "4GB")),
        ("spec.taskRunTemplate.podTemplate.volumes[0].emptyDir.sizeLimit", _line(text, "big")),
        (
            "spec.workspaces[0].volumeClaimTemplate.spec.resources.requests.storage",
            _line(text, "50GB"),
        ),
        ("spec.workspaces[1].emptyDir.sizeLimit", _line(text, "1Gb")),
    ]


def test_quantities_of_a_v1beta1_pipeline_run_are_checked_in_its_pod_templates(
    tmp_path: Path,
) -> None:
    """v1beta1 names them `podTemplate`, `taskPodTemplate`, `stepOverrides` and
    `sidecarOverrides` (`resources`):
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/pipelinerun_types.go"""
    text = """\
        apiVersion: tekton.dev/v1beta1
        kind: PipelineRun
        metadata:
          generateName: build-
        spec:
          pipelineRef:
            name: build
          podTemplate:
            volumes:
              - name: v
                emptyDir:
                  sizeLimit: 1 G
          taskRunSpecs:
            - pipelineTaskName: a
              taskPodTemplate:
                volumes:
                  - name: w
                    emptyDir:
                      sizeLimit: 2 G
              stepOverrides:
                - name: main
                  resources:
                    requests:
                      memory: 3 G
              sidecarOverrides:
                - name: side
                  resources:
                    requests:
                      memory: 4 G
    """
    assert sorted(_findings(tmp_path, text)) == [
        ("spec.podTemplate.volumes[0].emptyDir.sizeLimit", _line(text, "1 G")),
        (
            "spec.taskRunSpecs[0].sidecarOverrides[0].resources.requests.memory",
            _line(text, "4 G"),
        ),
        ("spec.taskRunSpecs[0].stepOverrides[0].resources.requests.memory", _line(text, "3 G")),
        (
            "spec.taskRunSpecs[0].taskPodTemplate.volumes[0].emptyDir.sizeLimit",
            _line(text, "2 G"),
        ),
    ]


def test_quantities_of_a_pipelines_embedded_tasks_are_checked_in_finally_too(
    tmp_path: Path,
) -> None:
    """A Pipeline's `tasks` and `finally` embed Task specs (EmbeddedTask):
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/pipeline_types.go"""
    text = """\
        apiVersion: tekton.dev/v1
        kind: Pipeline
        metadata:
          name: flow
        spec:
          tasks:
            - name: a
              taskSpec:
                steps:
                  - name: main
                    image: busybox
                    computeResources:
                      limits:
                        memory: 1 Gi
          finally:
            - name: z
              taskSpec:
                sidecars:
                  - name: side
                    image: busybox
                    computeResources:
                      limits:
                        cpu: half
                steps:
                  - name: main
                    image: busybox
    """
    assert sorted(_findings(tmp_path, text)) == [
        ("spec.finally[0].taskSpec.sidecars[0].computeResources.limits.cpu", _line(text, "half")),
        ("spec.tasks[0].taskSpec.steps[0].computeResources.limits.memory", _line(text, "1 Gi")),
    ]


def test_quantities_of_a_v1beta1_task_run_are_checked(tmp_path: Path) -> None:
    """TaskRun: `computeResources`, v1beta1 `stepOverrides[].resources`, its pod template and
    workspaces:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1beta1/taskrun_types.go"""
    text = """\
        apiVersion: tekton.dev/v1beta1
        kind: TaskRun
        metadata:
          generateName: work-
        spec:
          taskRef:
            name: work
          computeResources:
            requests:
              memory: 1 GB
          stepOverrides:
            - name: main
              resources:
                limits:
                  memory: 1GB
          podTemplate:
            volumes:
              - name: v
                emptyDir:
                  sizeLimit: 1x
          workspaces:
            - name: data
              volumeClaimTemplate:
                spec:
                  resources:
                    requests:
                      storage: ten
    """
    assert sorted(_findings(tmp_path, text)) == [
        ("spec.computeResources.requests.memory", _line(text, "1 GB")),
        ("spec.podTemplate.volumes[0].emptyDir.sizeLimit", _line(text, "1x")),
        ("spec.stepOverrides[0].resources.limits.memory", _line(text, " 1GB")),
        (
            "spec.workspaces[0].volumeClaimTemplate.spec.resources.requests.storage",
            _line(text, "ten"),
        ),
    ]


def test_numbers_and_quoted_numbers_are_quantities_in_yaml(tmp_path: Path) -> None:
    """`memory: 1`, `"1"`, `1.5` and `~` all decode (a JSON number is parsed from its text,
    null is no quantity at all); `true` does not. See QUANTITY_GO, UnmarshalJSON."""
    base = TASK_V1.split("      steps:")[0]
    for value in ("1", '"1"', "1.5", "1.0e+3", "~", "'  2Gi '"):
        assert _findings(tmp_path, base.replace("{value}", value)) == [], value
    assert _findings(tmp_path, base.replace("{value}", "true")) == [
        ("spec.stepTemplate.computeResources.requests.memory", _line(base, "{value}"))
    ]


def test_a_v1_step_has_no_resources_field_to_read_quantities_from(tmp_path: Path) -> None:
    """v1 renamed the field to `computeResources`; `resources` there is an unknown field (the
    strict decode's verdict), not a place quantities are read:
    https://github.com/tektoncd/pipeline/blob/v1.15.0/pkg/apis/pipeline/v1/container_types.go"""
    text = """\
        apiVersion: tekton.dev/v1
        kind: Task
        metadata:
          name: work
        spec:
          steps:
            - name: main
              image: busybox
              resources:
                requests:
                  memory: 4GB
    """
    assert _findings(tmp_path, text) == []


def test_wrongly_shaped_quantity_holders_do_not_stop_validation(tmp_path: Path) -> None:
    """Requests that are a string, a list or null, steps that are a mapping: the type rules
    report those; the quantity walk skips them and still checks the rest."""
    text = """\
        apiVersion: tekton.dev/v1
        kind: Task
        metadata:
          name: work
        spec:
          stepTemplate: [1, 2]
          sidecars: {a: b}
          volumes: "none"
          steps:
            - name: a
              image: busybox
              computeResources: lots
            - name: b
              image: busybox
              computeResources:
                requests: [1Gi]
                limits: ~
            - name: c
              image: busybox
              computeResources:
                requests:
                  memory: [1Gi]
    """
    assert _findings(tmp_path, text) == [
        ("spec.steps[2].computeResources.requests.memory", _line(text, "memory: [1Gi]"))
    ]


def test_many_quantities_are_checked_in_linear_time(tmp_path: Path) -> None:
    """A step with 20,000 requests: each is parsed once (the parse is one pass over the text)."""
    entries = "".join(f"          r{index}: {index}Gi\n" for index in range(20_000))
    text = (
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: work\nspec:\n  steps:\n"
        "    - name: a\n      image: busybox\n      computeResources:\n        requests:\n"
        + entries
        + "          bad: 9"
        + "9" * 5000
        + "GB\n"
    )
    file = tmp_path / "big.yaml"
    file.write_text(text)
    problems = [p for p in validate_files([file]).problems if p.rule == "quantity"]
    assert len(problems) == 1
    assert problems[0].location is not None and problems[0].location.line == 20_011


def test_the_dsl_refuses_a_step_resource_kubernetes_cannot_read_where_it_is_written() -> None:
    """`Resources(...)` is checked when built, at the user's line, with the rule's id: the
    compiled Task would be rejected by the webhook's decode (QUANTITY_GO)."""
    with pytest.raises(DefinitionError) as raised:
        Resources(requests={"cpu": "2", "memory": "4GB"})  # the line reported
    assert raised.value.location is not None
    assert raised.value.location.file == __file__
    source = Path(__file__).read_text().splitlines()
    assert "# the line reported" in source[raised.value.location.line - 1]
    assert "memory: '4GB' has the unit 'GB'" in str(raised.value)
    assert str(raised.value).endswith("[quantity]")
    with pytest.raises(DefinitionError, match=r"limits cpu: 'two'"):
        Resources(limits={"cpu": "two"})


def test_the_dsl_refuses_a_volume_claim_size_kubernetes_cannot_read() -> None:
    """`VolumeClaim(size=...)` becomes the claim template's `requests.storage`, a quantity."""
    with pytest.raises(DefinitionError, match=r"VolumeClaim size: 'fifty gigs'.*\[quantity\]"):
        VolumeClaim(size="fifty gigs")
    with pytest.raises(DefinitionError, match=r"VolumeClaim size: '50GB'"):
        VolumeClaim(size="50GB")


def test_the_dsl_takes_every_quantity_kubernetes_reads() -> None:
    """The DSL refuses no quantity Kubernetes takes (numbers too), and no value at all is no
    quantity for the DSL (it would be written as null)."""
    assert Resources(requests={"cpu": "500m", "memory": "1.5Gi"}, limits={"cpu": "2"}).limits
    assert VolumeClaim(size="1e12").size == "1e12"
    with pytest.raises(DefinitionError, match="None"):
        Resources(requests={"memory": None})  # type: ignore[dict-item]
