"""A run's pod templates and taskRunSpecs as Kubernetes and Tekton's reconciler judge them.

Tekton's webhook passes a pod template through; Kubernetes refuses the pod it becomes, so
every TaskRun of the run fails at run time. These checks say so before the run is applied.
"""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.labels import label_key_problem, label_value_problem
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.model.pod_affinity import (
    namespace_problems,
    repeated_spreads,
    selector_problems,
    spread_problems,
    topology_key_problems,
    weight_problems,
)
from modelcar_dsl.rules.document import mapping, mappings, sequence
from modelcar_dsl.rules.findings import HERE, FieldPath, Finding

TOLERATION_OPERATORS = ("", "Equal", "Exists")
TAINT_EFFECTS = ("", "NoSchedule", "PreferNoSchedule", "NoExecute")
NODE_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")


def _finding(message: str, path: FieldPath) -> Finding:
    return Finding(catalog.POD_TEMPLATE, message, path)


def pod_template_findings(template: dict[str, Any]) -> list[Finding]:
    """Node selector labels, tolerations and node affinity of one template (relative to it)."""
    findings = []
    for key, value in mapping(template.get("nodeSelector")).items():
        path = HERE.field("nodeSelector").field(str(key))
        for problem in (label_key_problem(key, "nodeSelector key"), label_value_problem(value)):
            if problem:
                findings.append(_finding(problem, path))
    for index, toleration in mappings(template.get("tolerations")):
        path = HERE.field("tolerations").index(index)
        findings += [_finding(p, path) for p in _toleration_problems(toleration)]
    node_affinity = mapping(mapping(template.get("affinity")).get("nodeAffinity"))
    required = mapping(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution"))
    where = HERE.field("affinity").field("nodeAffinity")
    required_path = where.field("requiredDuringSchedulingIgnoredDuringExecution")
    if required and not required.get("nodeSelectorTerms"):
        findings.append(_finding("needs at least one nodeSelectorTerm", required_path))
    for index, term in mappings(required.get("nodeSelectorTerms")):
        findings += _term_findings(term, required_path.field("nodeSelectorTerms").index(index))
    preferred = node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution")
    for index, entry in mappings(preferred):
        path = where.field("preferredDuringSchedulingIgnoredDuringExecution").index(index)
        weight = entry.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
            findings.append(_finding(f"weight {weight!r} is not from 1 to 100", path))
        findings += _term_findings(mapping(entry.get("preference")), path.field("preference"))
    return findings + _pod_placement_findings(template)


def _pod_placement_findings(template: dict[str, Any]) -> list[Finding]:
    """Pod affinity and anti-affinity terms (weights, topology keys, selectors, namespaces) and
    topology spread constraints, as Kubernetes checks a pod's."""
    findings = []
    affinity = mapping(template.get("affinity"))
    for kind in ("podAffinity", "podAntiAffinity"):
        where = HERE.field("affinity").field(kind)
        terms = mapping(affinity.get(kind))
        required = "requiredDuringSchedulingIgnoredDuringExecution"
        for index, term in mappings(terms.get(required)):
            path = where.field(required).index(index)
            findings += [_finding(p, path) for p in _pod_term_problems(term)]
        preferred = "preferredDuringSchedulingIgnoredDuringExecution"
        for index, entry in mappings(terms.get(preferred)):
            path = where.field(preferred).index(index)
            problems = weight_problems(entry.get("weight"))
            problems += _pod_term_problems(mapping(entry.get("podAffinityTerm")))
            findings += [_finding(p, path) for p in problems]
    spreads = list(mappings(template.get("topologySpreadConstraints")))
    for index, spread in spreads:
        path = HERE.field("topologySpreadConstraints").index(index)
        problems = spread_problems(
            spread.get("maxSkew"),
            spread.get("topologyKey"),
            spread.get("whenUnsatisfiable"),
            spread.get("minDomains"),
            names={},
        )
        problems += _match_label_problems(spread)
        findings += [_finding(p, path) for p in problems]
    pairs = ((s.get("topologyKey"), s.get("whenUnsatisfiable")) for _, s in spreads)
    repeated = repeated_spreads(pairs, names={})
    findings += [_finding(p, HERE.field("topologySpreadConstraints")) for p in repeated]
    return findings


def _pod_term_problems(term: dict[str, Any]) -> list[str]:
    problems = topology_key_problems(term.get("topologyKey"), names={})
    problems += namespace_problems(sequence(term.get("namespaces")))
    return problems + _match_label_problems(term)


def _match_label_problems(owner: dict[str, Any]) -> list[str]:
    """matchLabels keys and values; YAML may select by matchExpressions, or not at all."""
    labels = mapping(mapping(owner.get("labelSelector")).get("matchLabels"))
    return selector_problems(labels) if labels else []


def _toleration_problems(toleration: dict[str, Any]) -> list[str]:
    key, operator = toleration.get("key") or "", toleration.get("operator") or ""
    value, effect = toleration.get("value") or "", toleration.get("effect") or ""
    problems = []
    if key and (problem := label_key_problem(key, "key")):
        problems.append(problem)
    if operator not in TOLERATION_OPERATORS:
        problems.append(f"operator {operator!r} is not one of Equal, Exists")
    elif not key and operator != "Exists":
        problems.append("a toleration without a key must have operator Exists")
    if operator == "Exists" and value:
        problems.append("operator Exists takes no value")
    elif value and (problem := label_value_problem(value, "value")):
        problems.append(problem)
    if effect not in TAINT_EFFECTS:
        problems.append(f"effect {effect!r} is not one of NoSchedule, PreferNoSchedule, NoExecute")
    if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
        problems.append("tolerationSeconds needs effect NoExecute")
    return problems


def _term_findings(term: dict[str, Any], path: FieldPath) -> list[Finding]:
    findings = []
    for index, requirement in mappings(term.get("matchExpressions")):
        problems = _requirement_problems(requirement)
        where = path.field("matchExpressions").index(index)
        findings += [_finding(problem, where) for problem in problems]
    return findings


def _requirement_problems(requirement: dict[str, Any]) -> list[str]:
    operator, values = requirement.get("operator"), requirement.get("values") or []
    problems = []
    if problem := label_key_problem(requirement.get("key"), "key"):
        problems.append(problem)
    if operator not in NODE_OPERATORS:
        problems.append(f"operator {operator!r} is not one of {', '.join(NODE_OPERATORS)}")
    elif operator in ("In", "NotIn") and not values:
        problems.append(f"operator {operator} needs at least one value")
    elif operator in ("Exists", "DoesNotExist") and values:
        problems.append(f"operator {operator} takes no values")
    elif operator in ("Gt", "Lt") and (
        len(values) != 1 or not str(values[0]).lstrip("-").isdigit()
    ):
        problems.append(f"operator {operator} needs exactly one whole-number value")
    return problems


def task_run_spec_findings(specs: Any, pipeline: dict[str, Any] | None) -> list[Finding]:
    """taskRunSpecs name tasks of the pipeline (Tekton's reconciler fails the run otherwise,
    after it is applied); relative to the list."""
    if pipeline is None:
        return []
    names = [
        str(task.get("name"))
        for field in ("tasks", "finally")
        for _, task in mappings(pipeline.get(field))
    ]
    findings = []
    for index, spec in mappings(specs):
        name = spec.get("pipelineTaskName")
        if name not in names:
            message = (
                f"pipelineTaskName {name!r} is not a task of the pipeline, so Tekton fails "
                f"the run when it starts{did_you_mean(str(name), names)}"
            )
            path = HERE.index(index).field("pipelineTaskName")
            findings.append(Finding(catalog.TASK_RUN_SPEC_NAME, message, path))
    return findings


def env_override_findings(
    env: Any, tasks: list[tuple[str, dict[str, Any] | None]]
) -> list[Finding]:
    """A pod template's env variable that a step of `tasks` (name, Task spec) sets too: Tekton
    appends the template's env after the step's, so the template's value wins and the step's
    script reads another value than its Task says (a param, a path, a TLS switch). Relative to
    the env list; a warning, since Kubernetes accepts it."""
    findings = []
    for index, variable in mappings(env):
        name = variable.get("name")
        users = sorted(task for task, spec in tasks if name in _step_env_names(mapping(spec)))
        if users:
            message = (
                f"env {name!r} replaces the variable of that name the steps of "
                f"{', '.join(users)} set (Tekton puts the pod template's env last, so it wins); "
                "rename it, or pass the value as the task's param"
            )
            findings.append(
                Finding(catalog.POD_TEMPLATE, message, HERE.index(index), origin="modelcar")
            )
    return findings


def _step_env_names(spec: dict[str, Any]) -> set[str]:
    containers = [*mappings(spec.get("steps")), (0, mapping(spec.get("stepTemplate")))]
    return {
        str(variable.get("name"))
        for _, container in containers
        for _, variable in mappings(container.get("env"))
    }
