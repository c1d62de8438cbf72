"""Where and how a run's pods run: node placement, pull secrets, the pod's user, extra env.

A `PodTemplate` is checked as Kubernetes checks a pod (keys, enums, IDs), when it is built:
Tekton passes it through unchecked, so a mistake would otherwise surface as every TaskRun of
the run failing to create its pod. Every problem of one value is reported together.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from modelcar_dsl.formats.group_ids import MAX_GID, is_group_id
from modelcar_dsl.formats.labels import label_key_problem, label_value_problem
from modelcar_dsl.formats.names import ENV_NAME, object_name_problem
from modelcar_dsl.model.listing import as_listed, as_tuple, listing_problems
from modelcar_dsl.model.metadata import Pairs, metadata_pairs, metadata_problems
from modelcar_dsl.model.pod_affinity import (
    PodAffinity,
    PodAntiAffinity,
    TopologySpread,
    refuse_here,
    repeated_spreads,
)
from modelcar_dsl.model.specs import Resources

TOLERATION_OPERATORS = ("Equal", "Exists")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
NODE_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
SECCOMP_PROFILES = ("RuntimeDefault", "Unconfined")
"""The seccomp profiles a template names by type; a Localhost profile needs a node file."""


def _as_sorted_pairs(value: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((value or {}).items()))


def _as_pairs(value: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    """Env keeps the user's order: Kubernetes expands `$(VAR)` only from variables above it."""
    return tuple((value or {}).items())


@attrs.frozen
class Toleration:
    """Lets the run's pods onto nodes with a matching taint (e.g. `nvidia.com/gpu`).
    `operator="Exists"` matches any value; no `key` with Exists tolerates every taint."""

    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""
    toleration_seconds: int | None = None

    def __attrs_post_init__(self) -> None:
        problems = []
        if self.key and (problem := label_key_problem(self.key, "key")):
            problems.append(problem)
        if self.operator not in TOLERATION_OPERATORS:
            problems.append(f"operator {self.operator!r} is not one of Equal, Exists")
        if not self.key and self.operator != "Exists":
            problems.append("a toleration without a key must use operator='Exists'")
        if self.operator == "Exists" and self.value:
            problems.append("operator='Exists' takes no value")
        elif self.value and (problem := label_value_problem(self.value, "value")):
            problems.append(problem)
        if self.effect and self.effect not in TAINT_EFFECTS:
            problems.append(
                f"effect {self.effect!r} is not one of {', '.join(TAINT_EFFECTS)} (or empty: "
                "every effect)"
            )
        if self.toleration_seconds is not None and self.effect != "NoExecute":
            problems.append("toleration_seconds needs effect='NoExecute'")
        refuse_here(f"Toleration(key={self.key!r})", problems)


@attrs.frozen
class NodeRequirement:
    """One node label test: `NodeRequirement("nvidia.com/gpu.product", "In", ["A100"])`."""

    key: str
    operator: str
    values: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)

    def __attrs_post_init__(self) -> None:
        problems = []
        if problem := label_key_problem(self.key, "key"):
            problems.append(problem)
        if self.operator not in NODE_OPERATORS:
            problems.append(f"operator {self.operator!r} is not one of {', '.join(NODE_OPERATORS)}")
        elif self.operator in ("In", "NotIn") and not self.values:
            problems.append(f"operator {self.operator!r} needs at least one value")
        elif self.operator in ("Exists", "DoesNotExist") and self.values:
            problems.append(f"operator {self.operator!r} takes no values")
        elif self.operator in ("Gt", "Lt") and (
            len(self.values) != 1 or not str(self.values[0]).lstrip("-").isdigit()
        ):
            problems.append(f"operator {self.operator!r} needs exactly one whole-number value")
        for value in self.values:
            if problem := label_value_problem(value, "value"):
                problems.append(problem)
        refuse_here(f"NodeRequirement({self.key!r})", problems)


@attrs.frozen
class NodeTerm:
    """Requirements that must all hold on one node (a nodeSelectorTerm)."""

    requirements: tuple[NodeRequirement, ...] = attrs.field(converter=as_tuple)

    def __attrs_post_init__(self) -> None:
        bad = [r for r in self.requirements if not isinstance(r, NodeRequirement)]
        refuse_here(
            "NodeTerm",
            [f"{r!r} is not a NodeRequirement(...)" for r in bad]
            or (["needs at least one NodeRequirement"] if not self.requirements else []),
        )


@attrs.frozen
class PreferredNode:
    """A node term the scheduler prefers, by `weight` (1 to 100) against other preferences."""

    weight: int
    term: NodeTerm

    def __attrs_post_init__(self) -> None:
        problems = []
        if isinstance(self.weight, bool) or not isinstance(self.weight, int):
            problems.append(f"weight must be a whole number from 1 to 100, got {self.weight!r}")
        elif not 1 <= self.weight <= 100:
            problems.append(f"weight {self.weight} is not from 1 to 100")
        if not isinstance(self.term, NodeTerm):
            problems.append(f"term {self.term!r} is not a NodeTerm(...)")
        refuse_here("PreferredNode", problems)


@attrs.frozen
class NodeAffinity:
    """Node affinity: a pod runs only on a node matching one of `required` (any term), and
    the scheduler favours nodes matching `preferred`."""

    required: tuple[NodeTerm, ...] = attrs.field(default=(), converter=as_tuple)
    preferred: tuple[PreferredNode, ...] = attrs.field(default=(), converter=as_tuple)

    def __attrs_post_init__(self) -> None:
        problems = [
            f"{t!r} is not a NodeTerm(...)" for t in self.required if not isinstance(t, NodeTerm)
        ]
        problems += [
            f"{p!r} is not a PreferredNode(...)"
            for p in self.preferred
            if not isinstance(p, PreferredNode)
        ]
        if not self.required and not self.preferred:
            problems.append("give required=[NodeTerm(...)] or preferred=[PreferredNode(...)]")
        refuse_here("NodeAffinity", problems)


def _id_problem(name: str, value: object) -> str | None:
    if value is None or is_group_id(value):
        return None
    return f"{name} {value!r} is not a whole number from 0 to {MAX_GID}"


@attrs.frozen
class PodTemplate:
    """The pod settings of every TaskRun of a run (or of one pipeline task, in a
    `TaskRunSpec`). `fs_group` stays on `pipeline_run`; the rest is written as given."""

    node_selector: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_as_sorted_pairs)
    tolerations: tuple[Toleration, ...] = attrs.field(default=(), converter=as_listed)
    affinity: NodeAffinity | None = None
    image_pull_secrets: tuple[str, ...] = attrs.field(default=(), converter=as_listed)
    priority_class_name: str | None = None
    runtime_class_name: str | None = None
    run_as_non_root: bool | None = None
    run_as_user: int | None = None
    run_as_group: int | None = None
    supplemental_groups: tuple[int, ...] = attrs.field(default=(), converter=as_listed)
    seccomp_profile: str | None = None
    env: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_as_pairs)
    pod_affinity: PodAffinity | None = None
    pod_anti_affinity: PodAntiAffinity | None = None
    topology_spread: tuple[TopologySpread, ...] = attrs.field(default=(), converter=as_listed)

    def __attrs_post_init__(self) -> None:
        listed = listing_problems(
            tolerations=self.tolerations,
            image_pull_secrets=self.image_pull_secrets,
            supplemental_groups=self.supplemental_groups,
            topology_spread=self.topology_spread,
        )
        refuse_here("PodTemplate", listed)
        problems: list[str] = _placement_problems(self)
        for key, value in self.node_selector:
            problems += filter(None, [label_key_problem(key, "node_selector key")])
            problems += filter(None, [label_value_problem(value, f"node_selector[{key!r}]")])
        problems += [
            f"{t!r} is not a Toleration(...)"
            for t in self.tolerations
            if not isinstance(t, Toleration)
        ]
        if self.affinity is not None and not isinstance(self.affinity, NodeAffinity):
            problems.append(f"affinity {self.affinity!r} is not a NodeAffinity(...)")
        for secret in self.image_pull_secrets:
            problems += filter(None, [object_name_problem(secret, "image pull secret")])
        for field in ("priority_class_name", "runtime_class_name"):
            value = getattr(self, field)
            if value is not None:
                problems += filter(None, [object_name_problem(value, field)])
        if self.run_as_non_root is not None and not isinstance(self.run_as_non_root, bool):
            problems.append(f"run_as_non_root must be True or False, got {self.run_as_non_root!r}")
        if self.run_as_non_root and self.run_as_user == 0:
            problems.append("run_as_non_root=True with run_as_user=0: no pod could start")
        problems += filter(None, [_id_problem("run_as_user", self.run_as_user)])
        problems += filter(None, [_id_problem("run_as_group", self.run_as_group)])
        for group in self.supplemental_groups:
            problems += filter(None, [_id_problem("supplemental group", group)])
        if self.seccomp_profile is not None and self.seccomp_profile not in SECCOMP_PROFILES:
            problems.append(
                f"seccomp_profile {self.seccomp_profile!r} is not one of "
                f"{', '.join(SECCOMP_PROFILES)}"
            )
        names = [name for name, _ in self.env]
        for name, value in self.env:
            if not isinstance(name, str) or not ENV_NAME.fullmatch(name):
                problems.append(f"env name {name!r} is not valid (letters, digits, '_', '-', '.')")
            if not isinstance(value, str):
                problems.append(f"env {name!r} value {value!r} must be a string")
        problems += [f"env {n!r} is given twice" for n in sorted(set(names)) if names.count(n) > 1]
        refuse_here("PodTemplate", problems)


def _placement_problems(template: PodTemplate) -> list[str]:
    """The pod affinities and spread constraints are of their types, the constraints not two
    for one topology key and whenUnsatisfiable."""
    problems = []
    if template.pod_affinity is not None and not isinstance(template.pod_affinity, PodAffinity):
        problems.append(f"pod_affinity {template.pod_affinity!r} is not a PodAffinity(...)")
    anti = template.pod_anti_affinity
    if anti is not None and not isinstance(anti, PodAntiAffinity):
        problems.append(f"pod_anti_affinity {anti!r} is not a PodAntiAffinity(...)")
    spreads = [s for s in template.topology_spread if isinstance(s, TopologySpread)]
    problems += [
        f"{s!r} is not a TopologySpread(...)"
        for s in template.topology_spread
        if not isinstance(s, TopologySpread)
    ]
    problems += repeated_spreads((s.topology_key, s.when_unsatisfiable) for s in spreads)
    return problems


@attrs.frozen
class TaskRunSpec:
    """What one pipeline task's TaskRuns get instead of the run's defaults: a service account,
    pod settings (replacing the run's template field by field, as Tekton merges them) and
    compute resources for the whole TaskRun; labels and annotations for its TaskRuns and their
    pods (a cost centre, a network policy's selector)."""

    service_account: str | None = None
    pod_template: PodTemplate | None = None
    compute_resources: Resources | None = None
    labels: Pairs = attrs.field(default=(), converter=metadata_pairs)
    annotations: Pairs = attrs.field(default=(), converter=metadata_pairs)

    def __attrs_post_init__(self) -> None:
        problems: list[str] = []
        if self.service_account is not None:
            problems += filter(None, [object_name_problem(self.service_account, "service_account")])
        if self.pod_template is not None and not isinstance(self.pod_template, PodTemplate):
            problems.append(f"pod_template {self.pod_template!r} is not a PodTemplate(...)")
        if self.compute_resources is not None and not isinstance(self.compute_resources, Resources):
            problems.append(f"compute_resources {self.compute_resources!r} is not a Resources(...)")
        problems += metadata_problems(self.labels, self.annotations)
        if (self.service_account, self.pod_template, self.compute_resources) == (None,) * 3 and (
            not self.labels and not self.annotations
        ):
            problems.append(
                "sets nothing; give service_account, pod_template, compute_resources, labels or "
                "annotations"
            )
        refuse_here("TaskRunSpec", problems)
