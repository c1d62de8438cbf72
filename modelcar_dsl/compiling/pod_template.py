"""A run's pod template and taskRunSpecs, as Tekton's documents hold them."""

from __future__ import annotations

import attrs

from modelcar_dsl.model.pod_affinity import (
    PodAffinity,
    PodAffinityTerm,
    PodAntiAffinity,
    TopologySpread,
    WeightedPodAffinityTerm,
)
from modelcar_dsl.model.pod_template import (
    NodeAffinity,
    NodeRequirement,
    NodeTerm,
    PodTemplate,
    TaskRunSpec,
    Toleration,
)
from modelcar_dsl.model.specs import Resources
from modelcar_dsl.tekton.documents import (
    Affinity as AffinityDocument,
)
from modelcar_dsl.tekton.documents import (
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PodSecurityContext,
    ResourceRequirements,
    TopologySpreadConstraint,
    V1beta1PipelineTaskRunSpec,
    V1PipelineTaskMetadata,
    V1PipelineTaskRunSpec,
)
from modelcar_dsl.tekton.documents import (
    PodAffinity as PodAffinityDocument,
)
from modelcar_dsl.tekton.documents import (
    PodAffinityTerm as PodAffinityTermDocument,
)
from modelcar_dsl.tekton.documents import (
    PodTemplate as PodTemplateDocument,
)
from modelcar_dsl.tekton.documents import (
    Toleration as TolerationDocument,
)


def pod_template_document(
    template: PodTemplate | None, fs_group: int | None, always: bool = True
) -> PodTemplateDocument:
    """The template's fields in Tekton's order; securityContext holds `fs_group` too. Tekton
    replaces the run's securityContext with a task's whole, so a task's carries the run's
    fsGroup (`always` false: only when the task's template sets a security field)."""
    document: PodTemplateDocument = {}
    if template is not None and template.affinity is not None:
        document["affinity"] = _affinity(template.affinity)
    if template is not None and (template.pod_affinity or template.pod_anti_affinity):
        document["affinity"] = {**document.get("affinity", {}), **_pod_affinities(template)}
    if template is not None and template.env:
        document["env"] = [{"name": name, "value": value} for name, value in template.env]
    if template is not None and template.image_pull_secrets:
        document["imagePullSecrets"] = [{"name": name} for name in template.image_pull_secrets]
    if template is not None and template.node_selector:
        document["nodeSelector"] = dict(template.node_selector)
    if template is not None and template.priority_class_name is not None:
        document["priorityClassName"] = template.priority_class_name
    if template is not None and template.runtime_class_name is not None:
        document["runtimeClassName"] = template.runtime_class_name
    security = _security_context(template)
    if always or security:
        if fs_group is not None:
            security = {"fsGroup": fs_group, **security}
        document["securityContext"] = security
    if template is not None and template.tolerations:
        document["tolerations"] = [_toleration(t) for t in template.tolerations]
    if template is not None and template.topology_spread:
        document["topologySpreadConstraints"] = [_spread(s) for s in template.topology_spread]
    return document


def _security_context(template: PodTemplate | None) -> PodSecurityContext:
    security: PodSecurityContext = {}
    if template is None:
        return security
    if template.run_as_group is not None:
        security["runAsGroup"] = template.run_as_group
    if template.run_as_non_root is not None:
        security["runAsNonRoot"] = template.run_as_non_root
    if template.run_as_user is not None:
        security["runAsUser"] = template.run_as_user
    if template.seccomp_profile is not None:
        security["seccompProfile"] = {"type": template.seccomp_profile}
    if template.supplemental_groups:
        security["supplementalGroups"] = list(template.supplemental_groups)
    return security


def _toleration(toleration: Toleration) -> TolerationDocument:
    document: TolerationDocument = {}
    if toleration.effect:
        document["effect"] = toleration.effect
    if toleration.key:
        document["key"] = toleration.key
    document["operator"] = toleration.operator
    if toleration.toleration_seconds is not None:
        document["tolerationSeconds"] = toleration.toleration_seconds
    if toleration.value:
        document["value"] = toleration.value
    return document


def _requirement(requirement: NodeRequirement) -> NodeSelectorRequirement:
    document: NodeSelectorRequirement = {
        "key": requirement.key,
        "operator": requirement.operator,
    }
    if requirement.values:
        document["values"] = list(requirement.values)
    return document


def _term(term: NodeTerm) -> NodeSelectorTerm:
    return {"matchExpressions": [_requirement(r) for r in term.requirements]}


def _affinity(affinity: NodeAffinity) -> AffinityDocument:
    document: AffinityDocument = {"nodeAffinity": {}}
    if affinity.preferred:
        document["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"preference": _term(p.term), "weight": p.weight} for p in affinity.preferred
        ]
    if affinity.required:
        document["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
            "nodeSelectorTerms": [_term(t) for t in affinity.required]
        }
    return document


def _pod_term(term: PodAffinityTerm | WeightedPodAffinityTerm) -> PodAffinityTermDocument:
    document: PodAffinityTermDocument = {
        "labelSelector": {"matchLabels": dict(term.label_selector)}
    }
    if term.namespaces:
        document["namespaces"] = list(term.namespaces)
    document["topologyKey"] = term.topology_key
    return document


def _pod_affinity_terms(affinity: PodAffinity | PodAntiAffinity) -> PodAffinityDocument:
    terms: PodAffinityDocument = {}
    if affinity.preferred:
        terms["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"podAffinityTerm": _pod_term(p), "weight": p.weight} for p in affinity.preferred
        ]
    if affinity.required:
        terms["requiredDuringSchedulingIgnoredDuringExecution"] = [
            _pod_term(t) for t in affinity.required
        ]
    return terms


def _pod_affinities(template: PodTemplate) -> AffinityDocument:
    """`podAffinity` and `podAntiAffinity`, each with its preferred and required terms."""
    document: AffinityDocument = {}
    if template.pod_affinity is not None:
        document["podAffinity"] = _pod_affinity_terms(template.pod_affinity)
    if template.pod_anti_affinity is not None:
        document["podAntiAffinity"] = _pod_affinity_terms(template.pod_anti_affinity)
    return document


def _spread(spread: TopologySpread) -> TopologySpreadConstraint:
    document: TopologySpreadConstraint = {
        "labelSelector": {"matchLabels": dict(spread.label_selector)},
        "maxSkew": spread.max_skew,
    }
    if spread.min_domains is not None:
        document["minDomains"] = spread.min_domains
    document["topologyKey"] = spread.topology_key
    document["whenUnsatisfiable"] = spread.when_unsatisfiable
    return document


def compute_resources(resources: Resources) -> ResourceRequirements:
    """A step's or a task's requests and limits, in the order Tekton stores them."""
    document: ResourceRequirements = {}
    if resources.requests:
        document["requests"] = dict(resources.requests)
    if resources.limits:
        document["limits"] = dict(resources.limits)
    return document


def task_run_metadata(spec: TaskRunSpec) -> V1PipelineTaskMetadata:
    """One pipeline task's TaskRun labels and annotations, which Tekton also puts on its pod."""
    document: V1PipelineTaskMetadata = {}
    if spec.labels:
        document["labels"] = dict(spec.labels)
    if spec.annotations:
        document["annotations"] = dict(spec.annotations)
    return document


_AFFINITY_PARTS = ("affinity", "pod_affinity", "pod_anti_affinity")
_POD_USER_PARTS = (
    "run_as_non_root",
    "run_as_user",
    "run_as_group",
    "supplemental_groups",
    "seccomp_profile",
)


def with_run_parts(task: PodTemplate, run: PodTemplate | None) -> PodTemplate:
    """A task's template with the run's parts Tekton would drop: it merges the two field by
    field, but takes a task's `affinity` and `securityContext` whole, so a task that sets its
    anti-affinity would lose the run's node affinity, one that sets its user the run's group."""
    if run is None:
        return task
    inherited = {}
    for parts in (_AFFINITY_PARTS, _POD_USER_PARTS):
        if any(getattr(task, part) for part in parts):
            inherited.update(
                {part: getattr(run, part) for part in parts if not getattr(task, part)}
            )
    return attrs.evolve(task, **inherited) if inherited else task


def v1_task_run_specs(
    specs: tuple[tuple[str, TaskRunSpec], ...], fs_group: int | None, run: PodTemplate | None
) -> list[V1PipelineTaskRunSpec]:
    documents: list[V1PipelineTaskRunSpec] = []
    for name, spec in specs:
        document: V1PipelineTaskRunSpec = {"pipelineTaskName": name}
        if spec.service_account is not None:
            document["serviceAccountName"] = spec.service_account
        if spec.pod_template is not None:
            template = with_run_parts(spec.pod_template, run)
            document["podTemplate"] = pod_template_document(template, fs_group, False)
        if spec.labels or spec.annotations:
            document["metadata"] = task_run_metadata(spec)
        if spec.compute_resources is not None:
            document["computeResources"] = compute_resources(spec.compute_resources)
        documents.append(document)
    return documents


def v1beta1_task_run_specs(
    specs: tuple[tuple[str, TaskRunSpec], ...], fs_group: int | None, run: PodTemplate | None
) -> list[V1beta1PipelineTaskRunSpec]:
    documents: list[V1beta1PipelineTaskRunSpec] = []
    for name, spec in specs:
        document: V1beta1PipelineTaskRunSpec = {"pipelineTaskName": name}
        if spec.service_account is not None:
            document["taskServiceAccountName"] = spec.service_account
        if spec.pod_template is not None:
            template = with_run_parts(spec.pod_template, run)
            document["taskPodTemplate"] = pod_template_document(template, fs_group, False)
        if spec.labels or spec.annotations:
            document["metadata"] = task_run_metadata(spec)
        if spec.compute_resources is not None:
            document["computeResources"] = compute_resources(spec.compute_resources)
        documents.append(document)
    return documents
