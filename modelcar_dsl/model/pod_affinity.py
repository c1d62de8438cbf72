"""Where a run's pods go relative to other pods: pod affinity and anti-affinity, and topology
spread constraints, for a `PodTemplate`.

Checked as Kubernetes checks a pod's (apis/core/validation: ValidatePodAffinityTerm, weights,
validateTopologySpreadConstraints) when built, at the user's line: Tekton passes them through,
and a mistake fails every TaskRun of the run. The problem functions read plain values, so the
rules judge hand-written YAML by the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import caller_location
from modelcar_dsl.formats.labels import label_key_problem, label_value_problem
from modelcar_dsl.formats.names import DNS_LABEL
from modelcar_dsl.model.listing import as_listed, listing_problem, listing_problems

WHEN_UNSATISFIABLE = ("DoNotSchedule", "ScheduleAnyway")
PYTHON_NAMES = {
    "topologyKey": "topology_key",
    "maxSkew": "max_skew",
    "whenUnsatisfiable": "when_unsatisfiable",
    "minDomains": "min_domains",
}
"""How the problems name Kubernetes' fields for the DSL; the rules name them as YAML does."""


def _as_sorted_pairs(value: Any) -> Any:
    """A mapping as sorted pairs; anything else as given, for the selector check to refuse."""
    if isinstance(value, Mapping):
        return tuple(sorted(value.items(), key=lambda item: str(item[0])))
    return value


def _labels(pairs: Any) -> Any:
    return dict(pairs) if isinstance(pairs, tuple) else pairs


def refuse_here(owner: str, problems: list[str]) -> None:
    """One error naming every problem of `owner`, at the user's line that built it."""
    if problems:
        raise DefinitionError(
            f"{owner}: {'; '.join(problems)}", caller_location(skip_generated=True)
        )


def selector_problems(labels: Any) -> list[str]:
    """A `matchLabels` selector: label keys and values. An empty one is refused: in an affinity
    term Kubernetes reads no selector as no pods, so the term would do nothing."""
    if not isinstance(labels, Mapping) or not labels:
        return ['give label_selector={"label": "value"}: the pods this is about']
    problems: list[str] = []
    for key, value in labels.items():
        problems += filter(None, [label_key_problem(key, "label_selector key")])
        problems += filter(None, [label_value_problem(value, f"label_selector[{key!r}]")])
    return problems


def topology_key_problems(topology_key: Any, names: Mapping[str, str] = PYTHON_NAMES) -> list[str]:
    """A node label naming the domain (`kubernetes.io/hostname`, `topology.kubernetes.io/zone`)."""
    field = names.get("topologyKey", "topologyKey")
    if not topology_key:
        return [f'give {field} (a node label, e.g. "kubernetes.io/hostname")']
    return list(filter(None, [label_key_problem(topology_key, field)]))


def weight_problems(weight: Any) -> list[str]:
    if isinstance(weight, bool) or not isinstance(weight, int):
        return [f"weight must be a whole number from 1 to 100, got {weight!r}"]
    return [] if 1 <= weight <= 100 else [f"weight {weight} is not from 1 to 100"]


def term_problems(topology_key: Any, labels: Any, namespaces: Iterable[Any]) -> list[str]:
    """One pod affinity term: its selector, topology key and namespaces (DNS labels)."""
    return (
        selector_problems(labels)
        + topology_key_problems(topology_key)
        + namespace_problems(namespaces)
    )


def namespace_problems(namespaces: Iterable[Any]) -> list[str]:
    if problem := listing_problem(namespaces, "namespaces"):
        return [problem]
    return [
        f"namespace {namespace!r} is not a namespace name (a DNS-1123 label)"
        for namespace in namespaces
        if not isinstance(namespace, str) or not DNS_LABEL.fullmatch(namespace)
    ]


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def spread_problems(
    max_skew: Any,
    topology_key: Any,
    when_unsatisfiable: Any,
    min_domains: Any,
    names: Mapping[str, str] = PYTHON_NAMES,
) -> list[str]:
    """One topology spread constraint, but for its selector."""
    skew, when, domains = (
        names.get(field, field) for field in ("maxSkew", "whenUnsatisfiable", "minDomains")
    )
    problems = []
    if not _positive(max_skew):
        problems.append(f"{skew} must be a whole number above 0, got {max_skew!r}")
    problems += topology_key_problems(topology_key, names)
    if when_unsatisfiable not in WHEN_UNSATISFIABLE:
        problems.append(
            f"{when} {when_unsatisfiable!r} is not one of {', '.join(WHEN_UNSATISFIABLE)}"
        )
    if min_domains is not None and not _positive(min_domains):
        problems.append(f"{domains} must be a whole number above 0, got {min_domains!r}")
    elif min_domains is not None and when_unsatisfiable != "DoNotSchedule":
        problems.append(f"{domains} needs {when} DoNotSchedule")
    return problems


def repeated_spreads(
    pairs: Iterable[tuple[Any, Any]], names: Mapping[str, str] = PYTHON_NAMES
) -> list[str]:
    """Kubernetes refuses two constraints with one topology key and one whenUnsatisfiable."""
    listed = list(pairs)
    return [
        f"two topology spread constraints have {names.get('topologyKey', 'topologyKey')} "
        f"{key!r} and {names.get('whenUnsatisfiable', 'whenUnsatisfiable')} {when!r}; "
        "merge them"
        for key, when in sorted(set(listed), key=str)
        if listed.count((key, when)) > 1
    ]


@attrs.frozen
class PodAffinityTerm:
    """Pods matching `label_selector` (in `namespaces`, by default the run's) in the same
    domain of `topology_key`, e.g. the same node for `kubernetes.io/hostname`."""

    topology_key: str
    label_selector: tuple[tuple[str, str], ...] = attrs.field(converter=_as_sorted_pairs)
    namespaces: tuple[str, ...] = attrs.field(default=(), converter=as_listed)

    def __attrs_post_init__(self) -> None:
        problems = term_problems(self.topology_key, _labels(self.label_selector), self.namespaces)
        refuse_here(f"PodAffinityTerm(topology_key={self.topology_key!r})", problems)


@attrs.frozen
class WeightedPodAffinityTerm:
    """A pod affinity term the scheduler prefers, by `weight` (1 to 100) against the other
    preferences of the pod."""

    weight: int
    topology_key: str
    label_selector: tuple[tuple[str, str], ...] = attrs.field(converter=_as_sorted_pairs)
    namespaces: tuple[str, ...] = attrs.field(default=(), converter=as_listed)

    def __attrs_post_init__(self) -> None:
        problems = weight_problems(self.weight)
        problems += term_problems(self.topology_key, _labels(self.label_selector), self.namespaces)
        refuse_here(f"WeightedPodAffinityTerm(topology_key={self.topology_key!r})", problems)


def _terms_problems(required: tuple[Any, ...], preferred: tuple[Any, ...]) -> list[str]:
    if listed := listing_problems(required=required, preferred=preferred):
        return listed
    problems = [
        f"{t!r} is not a PodAffinityTerm(...)"
        for t in required
        if not isinstance(t, PodAffinityTerm)
    ]
    problems += [
        f"{p!r} is not a WeightedPodAffinityTerm(...)"
        for p in preferred
        if not isinstance(p, WeightedPodAffinityTerm)
    ]
    if not required and not preferred:
        problems.append(
            "give required=[PodAffinityTerm(...)] or preferred=[WeightedPodAffinityTerm(...)]"
        )
    return problems


@attrs.frozen
class PodAffinity:
    """Run near other pods: only in a domain holding a pod of each `required` term, and
    preferably in one holding those of `preferred` (e.g. beside a model cache's pods)."""

    required: tuple[PodAffinityTerm, ...] = attrs.field(default=(), converter=as_listed)
    preferred: tuple[WeightedPodAffinityTerm, ...] = attrs.field(default=(), converter=as_listed)

    def __attrs_post_init__(self) -> None:
        refuse_here("PodAffinity", _terms_problems(self.required, self.preferred))


@attrs.frozen
class PodAntiAffinity:
    """Run away from other pods: never in a domain holding a pod of a `required` term, and
    preferably not in one holding those of `preferred` (e.g. one build per node)."""

    required: tuple[PodAffinityTerm, ...] = attrs.field(default=(), converter=as_listed)
    preferred: tuple[WeightedPodAffinityTerm, ...] = attrs.field(default=(), converter=as_listed)

    def __attrs_post_init__(self) -> None:
        refuse_here("PodAntiAffinity", _terms_problems(self.required, self.preferred))


@attrs.frozen
class TopologySpread:
    """Spread the pods matching `label_selector` over the domains of `topology_key`, at most
    `max_skew` apart; `when_unsatisfiable` says whether a pod waits (`DoNotSchedule`) or runs
    anyway (`ScheduleAnyway`)."""

    max_skew: int
    topology_key: str
    when_unsatisfiable: str
    label_selector: tuple[tuple[str, str], ...] = attrs.field(converter=_as_sorted_pairs)
    min_domains: int | None = None

    def __attrs_post_init__(self) -> None:
        problems = spread_problems(
            self.max_skew, self.topology_key, self.when_unsatisfiable, self.min_domains
        )
        problems += selector_problems(_labels(self.label_selector))
        refuse_here(f"TopologySpread(topology_key={self.topology_key!r})", problems)
