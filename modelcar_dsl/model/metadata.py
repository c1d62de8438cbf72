"""The user's own labels and annotations on a Task, Pipeline, StepAction, PipelineRun or one
pipeline task's TaskRuns, checked as the API server checks them (and against the keys Tekton
and the compiler set themselves) when declared, so a typo never waits for `kubectl apply`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation
from modelcar_dsl.formats.labels import label_key_problem, label_value_problem

Pairs = tuple[tuple[str, str], ...]

MANAGED_BY_KEY = "app.kubernetes.io/managed-by"
"""The compiler's own label, marking every document modelcar-dsl wrote; Tekton also
overwrites it on every TaskRun's pod (pkg/pod/pod.go makeLabels)."""

TEKTON_LABELS = (
    "tekton.dev/memberOf",
    "tekton.dev/pipeline",
    "tekton.dev/pipelineRun",
    "tekton.dev/pipelineRunUID",
    "tekton.dev/pipelineTask",
    "tekton.dev/task",
    "tekton.dev/taskRun",
    "tekton.dev/taskRunUID",
)
"""The labels Tekton's reconcilers set on PipelineRuns, TaskRuns and pods (pkg/apis/pipeline/
register.go; pipelinerun.go createChildResourceLabels, taskrun.go, pod.go makeLabels) and find
their children by: a user's value would be overwritten, or would win and mislead them."""

TEKTON_ANNOTATIONS = ("pipeline.tekton.dev/release", "tekton.dev/ready")
"""Annotations Tekton writes on a TaskRun's pod (pkg/pod/pod.go, entrypoint.go): a `ready` of
the user's would start the steps before the sidecars are ready."""

CHAINS_PREFIX = "chains.tekton.dev/"
"""Tekton drops these from new runs (TektonReservedAnnotationExpr): Tekton Chains records its
signatures there, and a Task's annotations reach its TaskRuns."""

MAX_ANNOTATIONS_SIZE = 256 * 1024
"""Kubernetes' limit on the total of one object's annotation keys and values, in bytes."""


def metadata_pairs(value: Mapping[str, str] | None) -> Pairs:
    """A mapping as sorted (key, value) pairs, for deterministic documents; anything else
    (which typed code cannot pass) is kept so that `metadata_problems` can name it."""
    if isinstance(value, Mapping):
        return tuple(sorted(value.items(), key=lambda item: str(item[0])))
    return () if value is None else cast(Pairs, value)


def metadata_problems(labels: object, annotations: object) -> list[str]:
    """Every problem of the labels and annotations (as `metadata_pairs` gives them) together."""
    problems: list[str] = []
    for what, pairs in (("labels", labels), ("annotations", annotations)):
        if not isinstance(pairs, tuple):
            problems.append(f"{what} must be a dict of strings, got {pairs!r}")
    if problems:
        return problems
    assert isinstance(labels, tuple) and isinstance(annotations, tuple)
    for key, value in labels:
        problems += filter(None, [_key_problem(key, "label"), label_value_problem(value)])
        if key in TEKTON_LABELS:
            problems.append(
                f"label {key!r} is set by Tekton on runs and their pods; choose a key of your "
                "own, e.g. 'example.com/team'"
            )
    size = 0
    for key, value in annotations:
        problems += filter(None, [_key_problem(key, "annotation")])
        if not isinstance(value, str):
            problems.append(f"annotation value {value!r} must be a string (quote numbers)")
        else:
            size += len(str(key).encode()) + len(value.encode())
        if key in TEKTON_ANNOTATIONS:
            problems.append(
                f"annotation {key!r} is written by Tekton on each TaskRun's pod; choose a key of "
                "your own, e.g. 'example.com/runbook'"
            )
        elif isinstance(key, str) and key.startswith(CHAINS_PREFIX):
            problems.append(
                f"annotation {key!r}: Tekton reserves {CHAINS_PREFIX}* for Tekton Chains and "
                "drops them from new runs"
            )
    if size > MAX_ANNOTATIONS_SIZE:
        problems.append(
            f"annotations total {size} bytes; Kubernetes allows {MAX_ANNOTATIONS_SIZE} (256 KiB) "
            "per object: keep large data in a ConfigMap"
        )
    return problems


def _key_problem(key: object, what: str) -> str | None:
    if key == MANAGED_BY_KEY:
        return (
            f"{what} {MANAGED_BY_KEY!r} is the compiler's own: it marks every document "
            "modelcar-dsl writes; choose another key"
        )
    return label_key_problem(key, f"{what} key")


def checked_metadata(
    labels: Mapping[str, str] | None,
    annotations: Mapping[str, str] | None,
    owner: str,
    location: SourceLocation,
) -> tuple[Pairs, Pairs]:
    """The labels and annotations as sorted pairs, or one error at the user's line naming every
    problem of both."""
    label_pairs, annotation_pairs = metadata_pairs(labels), metadata_pairs(annotations)
    problems = metadata_problems(label_pairs, annotation_pairs)
    if problems:
        raise DefinitionError(f"{owner}: {'; '.join(problems)}", location)
    return label_pairs, annotation_pairs
