"""Tekton's documents as TypedDicts: one for each Go struct a Task, Pipeline or
PipelineRun reaches, in tekton.dev/v1 and v1beta1, so mypy refuses a key or a value
Tekton would refuse.

Generated from modelcar_dsl/rules/tekton_api.json (Tekton v1.15.0) by
scripts/generate_tekton_documents.py; do not edit. Every key is optional (total=False):
Tekton's own checks say which are required.
"""

from __future__ import annotations

from typing import Any, TypedDict

Quantity = str | int | float
"""resource.Quantity: a string such as "10Gi", or a bare number."""
IntOrString = int | str
"""intstr.IntOrString: a port number or a port name."""


class AWSElasticBlockStoreVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.AWSElasticBlockStoreVolumeSource"""

    fsType: str
    partition: int
    readOnly: bool
    volumeID: str


class Affinity(TypedDict, total=False):
    """k8s.io/api/core/v1.Affinity"""

    nodeAffinity: NodeAffinity
    podAffinity: PodAffinity
    podAntiAffinity: PodAntiAffinity


class AppArmorProfile(TypedDict, total=False):
    """k8s.io/api/core/v1.AppArmorProfile"""

    localhostProfile: str
    type: str


class AzureDiskVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.AzureDiskVolumeSource"""

    cachingMode: str
    diskName: str
    diskURI: str
    fsType: str
    kind: str
    readOnly: bool


class AzureFileVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.AzureFileVolumeSource"""

    readOnly: bool
    secretName: str
    shareName: str


class CSIVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.CSIVolumeSource"""

    driver: str
    fsType: str
    nodePublishSecretRef: LocalObjectReference
    readOnly: bool
    volumeAttributes: dict[str, str]


class Capabilities(TypedDict, total=False):
    """k8s.io/api/core/v1.Capabilities"""

    add: list[str]
    drop: list[str]


class CephFSVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.CephFSVolumeSource"""

    monitors: list[str]
    path: str
    readOnly: bool
    secretFile: str
    secretRef: LocalObjectReference
    user: str


class CinderVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.CinderVolumeSource"""

    fsType: str
    readOnly: bool
    secretRef: LocalObjectReference
    volumeID: str


class ClusterTrustBundleProjection(TypedDict, total=False):
    """k8s.io/api/core/v1.ClusterTrustBundleProjection"""

    labelSelector: LabelSelector
    name: str
    optional: bool
    path: str
    signerName: str


class ConfigMapEnvSource(TypedDict, total=False):
    """k8s.io/api/core/v1.ConfigMapEnvSource"""

    name: str
    optional: bool


class ConfigMapKeySelector(TypedDict, total=False):
    """k8s.io/api/core/v1.ConfigMapKeySelector"""

    key: str
    name: str
    optional: bool


class ConfigMapProjection(TypedDict, total=False):
    """k8s.io/api/core/v1.ConfigMapProjection"""

    items: list[KeyToPath]
    name: str
    optional: bool


class ConfigMapVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.ConfigMapVolumeSource"""

    defaultMode: int
    items: list[KeyToPath]
    name: str
    optional: bool


class ContainerPort(TypedDict, total=False):
    """k8s.io/api/core/v1.ContainerPort"""

    containerPort: int
    hostIP: str
    hostPort: int
    name: str
    protocol: str


class DownwardAPIProjection(TypedDict, total=False):
    """k8s.io/api/core/v1.DownwardAPIProjection"""

    items: list[DownwardAPIVolumeFile]


class DownwardAPIVolumeFile(TypedDict, total=False):
    """k8s.io/api/core/v1.DownwardAPIVolumeFile"""

    fieldRef: ObjectFieldSelector
    mode: int
    path: str
    resourceFieldRef: ResourceFieldSelector


class DownwardAPIVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.DownwardAPIVolumeSource"""

    defaultMode: int
    items: list[DownwardAPIVolumeFile]


class EmptyDirVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.EmptyDirVolumeSource"""

    medium: str
    sizeLimit: Quantity


class EnvFromSource(TypedDict, total=False):
    """k8s.io/api/core/v1.EnvFromSource"""

    configMapRef: ConfigMapEnvSource
    prefix: str
    secretRef: SecretEnvSource


class EnvVar(TypedDict, total=False):
    """k8s.io/api/core/v1.EnvVar"""

    name: str
    value: str
    valueFrom: EnvVarSource


class EnvVarSource(TypedDict, total=False):
    """k8s.io/api/core/v1.EnvVarSource"""

    configMapKeyRef: ConfigMapKeySelector
    fieldRef: ObjectFieldSelector
    fileKeyRef: FileKeySelector
    resourceFieldRef: ResourceFieldSelector
    secretKeyRef: SecretKeySelector


class EphemeralVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.EphemeralVolumeSource"""

    volumeClaimTemplate: PersistentVolumeClaimTemplate


class ExecAction(TypedDict, total=False):
    """k8s.io/api/core/v1.ExecAction"""

    command: list[str]


class FCVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.FCVolumeSource"""

    fsType: str
    lun: int
    readOnly: bool
    targetWWNs: list[str]
    wwids: list[str]


class FileKeySelector(TypedDict, total=False):
    """k8s.io/api/core/v1.FileKeySelector"""

    key: str
    optional: bool
    path: str
    volumeName: str


class FlexVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.FlexVolumeSource"""

    driver: str
    fsType: str
    options: dict[str, str]
    readOnly: bool
    secretRef: LocalObjectReference


class FlockerVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.FlockerVolumeSource"""

    datasetName: str
    datasetUUID: str


class GCEPersistentDiskVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.GCEPersistentDiskVolumeSource"""

    fsType: str
    partition: int
    pdName: str
    readOnly: bool


class GRPCAction(TypedDict, total=False):
    """k8s.io/api/core/v1.GRPCAction"""

    port: int
    service: str


class GitRepoVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.GitRepoVolumeSource"""

    directory: str
    repository: str
    revision: str


class GlusterfsVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.GlusterfsVolumeSource"""

    endpoints: str
    path: str
    readOnly: bool


class HTTPGetAction(TypedDict, total=False):
    """k8s.io/api/core/v1.HTTPGetAction"""

    host: str
    httpHeaders: list[HTTPHeader]
    path: str
    port: IntOrString
    scheme: str


class HTTPHeader(TypedDict, total=False):
    """k8s.io/api/core/v1.HTTPHeader"""

    name: str
    value: str


class HostAlias(TypedDict, total=False):
    """k8s.io/api/core/v1.HostAlias"""

    hostnames: list[str]
    ip: str


class HostPathVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.HostPathVolumeSource"""

    path: str
    type: str


class ISCSIVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.ISCSIVolumeSource"""

    chapAuthDiscovery: bool
    chapAuthSession: bool
    fsType: str
    initiatorName: str
    iqn: str
    iscsiInterface: str
    lun: int
    portals: list[str]
    readOnly: bool
    secretRef: LocalObjectReference
    targetPortal: str


class ImageVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.ImageVolumeSource"""

    pullPolicy: str
    reference: str


class KeyToPath(TypedDict, total=False):
    """k8s.io/api/core/v1.KeyToPath"""

    key: str
    mode: int
    path: str


class LabelSelector(TypedDict, total=False):
    """k8s.io/apimachinery/pkg/apis/meta/v1.LabelSelector"""

    matchExpressions: list[LabelSelectorRequirement]
    matchLabels: dict[str, str]


class LabelSelectorRequirement(TypedDict, total=False):
    """k8s.io/apimachinery/pkg/apis/meta/v1.LabelSelectorRequirement"""

    key: str
    operator: str
    values: list[str]


class Lifecycle(TypedDict, total=False):
    """k8s.io/api/core/v1.Lifecycle"""

    postStart: LifecycleHandler
    preStop: LifecycleHandler
    stopSignal: str


class LifecycleHandler(TypedDict, total=False):
    """k8s.io/api/core/v1.LifecycleHandler"""

    exec: ExecAction
    httpGet: HTTPGetAction
    sleep: SleepAction
    tcpSocket: TCPSocketAction


class LocalObjectReference(TypedDict, total=False):
    """k8s.io/api/core/v1.LocalObjectReference"""

    name: str


class ManagedFieldsEntry(TypedDict, total=False):
    """k8s.io/apimachinery/pkg/apis/meta/v1.ManagedFieldsEntry"""

    apiVersion: str
    fieldsType: str
    fieldsV1: Any
    manager: str
    operation: str
    subresource: str
    time: str


class ModifyVolumeStatus(TypedDict, total=False):
    """k8s.io/api/core/v1.ModifyVolumeStatus"""

    status: str
    targetVolumeAttributesClassName: str


class NFSVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.NFSVolumeSource"""

    path: str
    readOnly: bool
    server: str


class NodeAffinity(TypedDict, total=False):
    """k8s.io/api/core/v1.NodeAffinity"""

    preferredDuringSchedulingIgnoredDuringExecution: list[PreferredSchedulingTerm]
    requiredDuringSchedulingIgnoredDuringExecution: NodeSelector


class NodeSelector(TypedDict, total=False):
    """k8s.io/api/core/v1.NodeSelector"""

    nodeSelectorTerms: list[NodeSelectorTerm]


class NodeSelectorRequirement(TypedDict, total=False):
    """k8s.io/api/core/v1.NodeSelectorRequirement"""

    key: str
    operator: str
    values: list[str]


class NodeSelectorTerm(TypedDict, total=False):
    """k8s.io/api/core/v1.NodeSelectorTerm"""

    matchExpressions: list[NodeSelectorRequirement]
    matchFields: list[NodeSelectorRequirement]


class ObjectFieldSelector(TypedDict, total=False):
    """k8s.io/api/core/v1.ObjectFieldSelector"""

    apiVersion: str
    fieldPath: str


class ObjectMeta(TypedDict, total=False):
    """k8s.io/apimachinery/pkg/apis/meta/v1.ObjectMeta"""

    annotations: dict[str, str]
    creationTimestamp: str
    deletionGracePeriodSeconds: int
    deletionTimestamp: str
    finalizers: list[str]
    generateName: str
    generation: int
    labels: dict[str, str]
    managedFields: list[ManagedFieldsEntry]
    name: str
    namespace: str
    ownerReferences: list[OwnerReference]
    resourceVersion: str
    selfLink: str
    uid: str


class OwnerReference(TypedDict, total=False):
    """k8s.io/apimachinery/pkg/apis/meta/v1.OwnerReference"""

    apiVersion: str
    blockOwnerDeletion: bool
    controller: bool
    kind: str
    name: str
    uid: str


class PersistentVolumeClaim(TypedDict, total=False):
    """k8s.io/api/core/v1.PersistentVolumeClaim"""

    apiVersion: str
    kind: str
    metadata: ObjectMeta
    spec: PersistentVolumeClaimSpec
    status: PersistentVolumeClaimStatus


class PersistentVolumeClaimCondition(TypedDict, total=False):
    """k8s.io/api/core/v1.PersistentVolumeClaimCondition"""

    lastProbeTime: str
    lastTransitionTime: str
    message: str
    reason: str
    status: str
    type: str


class PersistentVolumeClaimSpec(TypedDict, total=False):
    """k8s.io/api/core/v1.PersistentVolumeClaimSpec"""

    accessModes: list[str]
    dataSource: TypedLocalObjectReference
    dataSourceRef: TypedObjectReference
    resources: VolumeResourceRequirements
    selector: LabelSelector
    storageClassName: str
    volumeAttributesClassName: str
    volumeMode: str
    volumeName: str


class PersistentVolumeClaimStatus(TypedDict, total=False):
    """k8s.io/api/core/v1.PersistentVolumeClaimStatus"""

    accessModes: list[str]
    allocatedResourceStatuses: dict[str, str]
    allocatedResources: dict[str, Quantity]
    capacity: dict[str, Quantity]
    conditions: list[PersistentVolumeClaimCondition]
    currentVolumeAttributesClassName: str
    modifyVolumeStatus: ModifyVolumeStatus
    phase: str


class PersistentVolumeClaimTemplate(TypedDict, total=False):
    """k8s.io/api/core/v1.PersistentVolumeClaimTemplate"""

    metadata: ObjectMeta
    spec: PersistentVolumeClaimSpec


class PersistentVolumeClaimVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.PersistentVolumeClaimVolumeSource"""

    claimName: str
    readOnly: bool


class PhotonPersistentDiskVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.PhotonPersistentDiskVolumeSource"""

    fsType: str
    pdID: str


class PodAffinity(TypedDict, total=False):
    """k8s.io/api/core/v1.PodAffinity"""

    preferredDuringSchedulingIgnoredDuringExecution: list[WeightedPodAffinityTerm]
    requiredDuringSchedulingIgnoredDuringExecution: list[PodAffinityTerm]


class PodAffinityTerm(TypedDict, total=False):
    """k8s.io/api/core/v1.PodAffinityTerm"""

    labelSelector: LabelSelector
    matchLabelKeys: list[str]
    mismatchLabelKeys: list[str]
    namespaceSelector: LabelSelector
    namespaces: list[str]
    topologyKey: str


class PodAntiAffinity(TypedDict, total=False):
    """k8s.io/api/core/v1.PodAntiAffinity"""

    preferredDuringSchedulingIgnoredDuringExecution: list[WeightedPodAffinityTerm]
    requiredDuringSchedulingIgnoredDuringExecution: list[PodAffinityTerm]


class PodCertificateProjection(TypedDict, total=False):
    """k8s.io/api/core/v1.PodCertificateProjection"""

    certificateChainPath: str
    credentialBundlePath: str
    keyPath: str
    keyType: str
    maxExpirationSeconds: int
    signerName: str
    userAnnotations: dict[str, str]


class PodDNSConfig(TypedDict, total=False):
    """k8s.io/api/core/v1.PodDNSConfig"""

    nameservers: list[str]
    options: list[PodDNSConfigOption]
    searches: list[str]


class PodDNSConfigOption(TypedDict, total=False):
    """k8s.io/api/core/v1.PodDNSConfigOption"""

    name: str
    value: str


class PodSecurityContext(TypedDict, total=False):
    """k8s.io/api/core/v1.PodSecurityContext"""

    appArmorProfile: AppArmorProfile
    fsGroup: int
    fsGroupChangePolicy: str
    runAsGroup: int
    runAsNonRoot: bool
    runAsUser: int
    seLinuxChangePolicy: str
    seLinuxOptions: SELinuxOptions
    seccompProfile: SeccompProfile
    supplementalGroups: list[int]
    supplementalGroupsPolicy: str
    sysctls: list[Sysctl]
    windowsOptions: WindowsSecurityContextOptions


class PodTemplate(TypedDict, total=False):
    """pkg/apis/pipeline/pod.Template"""

    affinity: Affinity
    automountServiceAccountToken: bool
    dnsConfig: PodDNSConfig
    dnsPolicy: str
    enableServiceLinks: bool
    env: list[EnvVar]
    hostAliases: list[HostAlias]
    hostNetwork: bool
    hostUsers: bool
    imagePullSecrets: list[LocalObjectReference]
    nodeSelector: dict[str, str]
    priorityClassName: str
    runtimeClassName: str
    schedulerName: str
    securityContext: PodSecurityContext
    tolerations: list[Toleration]
    topologySpreadConstraints: list[TopologySpreadConstraint]
    volumes: list[Volume]


class PortworxVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.PortworxVolumeSource"""

    fsType: str
    readOnly: bool
    volumeID: str


class PreferredSchedulingTerm(TypedDict, total=False):
    """k8s.io/api/core/v1.PreferredSchedulingTerm"""

    preference: NodeSelectorTerm
    weight: int


class Probe(TypedDict, total=False):
    """k8s.io/api/core/v1.Probe"""

    exec: ExecAction
    failureThreshold: int
    grpc: GRPCAction
    httpGet: HTTPGetAction
    initialDelaySeconds: int
    periodSeconds: int
    successThreshold: int
    tcpSocket: TCPSocketAction
    terminationGracePeriodSeconds: int
    timeoutSeconds: int


class ProjectedVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.ProjectedVolumeSource"""

    defaultMode: int
    sources: list[VolumeProjection]


class QuobyteVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.QuobyteVolumeSource"""

    group: str
    readOnly: bool
    registry: str
    tenant: str
    user: str
    volume: str


class RBDVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.RBDVolumeSource"""

    fsType: str
    image: str
    keyring: str
    monitors: list[str]
    pool: str
    readOnly: bool
    secretRef: LocalObjectReference
    user: str


class ResourceClaim(TypedDict, total=False):
    """k8s.io/api/core/v1.ResourceClaim"""

    name: str
    request: str


class ResourceFieldSelector(TypedDict, total=False):
    """k8s.io/api/core/v1.ResourceFieldSelector"""

    containerName: str
    divisor: Quantity
    resource: str


class ResourceRequirements(TypedDict, total=False):
    """k8s.io/api/core/v1.ResourceRequirements"""

    claims: list[ResourceClaim]
    limits: dict[str, Quantity]
    requests: dict[str, Quantity]


class SELinuxOptions(TypedDict, total=False):
    """k8s.io/api/core/v1.SELinuxOptions"""

    level: str
    role: str
    type: str
    user: str


class ScaleIOVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.ScaleIOVolumeSource"""

    fsType: str
    gateway: str
    protectionDomain: str
    readOnly: bool
    secretRef: LocalObjectReference
    sslEnabled: bool
    storageMode: str
    storagePool: str
    system: str
    volumeName: str


class SeccompProfile(TypedDict, total=False):
    """k8s.io/api/core/v1.SeccompProfile"""

    localhostProfile: str
    type: str


class SecretEnvSource(TypedDict, total=False):
    """k8s.io/api/core/v1.SecretEnvSource"""

    name: str
    optional: bool


class SecretKeySelector(TypedDict, total=False):
    """k8s.io/api/core/v1.SecretKeySelector"""

    key: str
    name: str
    optional: bool


class SecretProjection(TypedDict, total=False):
    """k8s.io/api/core/v1.SecretProjection"""

    items: list[KeyToPath]
    name: str
    optional: bool


class SecretVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.SecretVolumeSource"""

    defaultMode: int
    items: list[KeyToPath]
    optional: bool
    secretName: str


class SecurityContext(TypedDict, total=False):
    """k8s.io/api/core/v1.SecurityContext"""

    allowPrivilegeEscalation: bool
    appArmorProfile: AppArmorProfile
    capabilities: Capabilities
    privileged: bool
    procMount: str
    readOnlyRootFilesystem: bool
    runAsGroup: int
    runAsNonRoot: bool
    runAsUser: int
    seLinuxOptions: SELinuxOptions
    seccompProfile: SeccompProfile
    windowsOptions: WindowsSecurityContextOptions


class ServiceAccountTokenProjection(TypedDict, total=False):
    """k8s.io/api/core/v1.ServiceAccountTokenProjection"""

    audience: str
    expirationSeconds: int
    path: str


class SleepAction(TypedDict, total=False):
    """k8s.io/api/core/v1.SleepAction"""

    seconds: int


class StorageOSVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.StorageOSVolumeSource"""

    fsType: str
    readOnly: bool
    secretRef: LocalObjectReference
    volumeName: str
    volumeNamespace: str


class Sysctl(TypedDict, total=False):
    """k8s.io/api/core/v1.Sysctl"""

    name: str
    value: str


class TCPSocketAction(TypedDict, total=False):
    """k8s.io/api/core/v1.TCPSocketAction"""

    host: str
    port: IntOrString


class Toleration(TypedDict, total=False):
    """k8s.io/api/core/v1.Toleration"""

    effect: str
    key: str
    operator: str
    tolerationSeconds: int
    value: str


class TopologySpreadConstraint(TypedDict, total=False):
    """k8s.io/api/core/v1.TopologySpreadConstraint"""

    labelSelector: LabelSelector
    matchLabelKeys: list[str]
    maxSkew: int
    minDomains: int
    nodeAffinityPolicy: str
    nodeTaintsPolicy: str
    topologyKey: str
    whenUnsatisfiable: str


class TypedLocalObjectReference(TypedDict, total=False):
    """k8s.io/api/core/v1.TypedLocalObjectReference"""

    apiGroup: str
    kind: str
    name: str


class TypedObjectReference(TypedDict, total=False):
    """k8s.io/api/core/v1.TypedObjectReference"""

    apiGroup: str
    kind: str
    name: str
    namespace: str


class V1EmbeddedTask(TypedDict, total=False):
    """pkg/apis/pipeline/v1.EmbeddedTask"""

    apiVersion: str
    description: str
    displayName: str
    kind: str
    metadata: V1PipelineTaskMetadata
    params: list[V1ParamSpec]
    results: list[V1TaskResult]
    sidecars: list[V1Sidecar]
    spec: Any
    stepTemplate: V1StepTemplate
    steps: list[V1Step]
    volumes: list[Volume]
    workspaces: list[V1WorkspaceDeclaration]


class V1IncludeParams(TypedDict, total=False):
    """pkg/apis/pipeline/v1.IncludeParams"""

    name: str
    params: list[V1Param]


class V1Matrix(TypedDict, total=False):
    """pkg/apis/pipeline/v1.Matrix"""

    include: list[V1IncludeParams]
    params: list[V1Param]


class V1Param(TypedDict, total=False):
    """pkg/apis/pipeline/v1.Param"""

    name: str
    value: Any


class V1ParamSpec(TypedDict, total=False):
    """pkg/apis/pipeline/v1.ParamSpec"""

    default: Any
    description: str
    enum: list[str]
    name: str
    properties: dict[str, V1PropertySpec]
    type: str


class V1Pipeline(TypedDict, total=False):
    """pkg/apis/pipeline/v1.Pipeline"""

    apiVersion: str
    kind: str
    metadata: ObjectMeta
    spec: V1PipelineSpec


class V1PipelineRef(TypedDict, total=False):
    """pkg/apis/pipeline/v1.PipelineRef"""

    apiVersion: str
    name: str
    params: list[V1Param]
    resolver: str


class V1PipelineResult(TypedDict, total=False):
    """pkg/apis/pipeline/v1.PipelineResult"""

    description: str
    name: str
    type: str
    value: Any


class V1PipelineRun(TypedDict, total=False):
    """pkg/apis/pipeline/v1.PipelineRun"""

    apiVersion: str
    kind: str
    metadata: ObjectMeta
    spec: V1PipelineRunSpec


class V1PipelineRunSpec(TypedDict, total=False):
    """pkg/apis/pipeline/v1.PipelineRunSpec"""

    managedBy: str
    params: list[V1Param]
    pipelineRef: V1PipelineRef
    pipelineSpec: V1PipelineSpec
    status: str
    taskRunSpecs: list[V1PipelineTaskRunSpec]
    taskRunTemplate: V1PipelineTaskRunTemplate
    timeouts: V1TimeoutFields
    workspaces: list[V1WorkspaceBinding]


V1PipelineSpec = TypedDict(
    "V1PipelineSpec",
    {
        "description": "str",
        "displayName": "str",
        "finally": "list[V1PipelineTask]",
        "params": "list[V1ParamSpec]",
        "results": "list[V1PipelineResult]",
        "tasks": "list[V1PipelineTask]",
        "workspaces": "list[V1PipelineWorkspaceDeclaration]",
    },
    total=False,
)
"""pkg/apis/pipeline/v1.PipelineSpec"""


class V1PipelineTask(TypedDict, total=False):
    """pkg/apis/pipeline/v1.PipelineTask"""

    description: str
    displayName: str
    matrix: V1Matrix
    name: str
    onError: str
    params: list[V1Param]
    pipelineRef: V1PipelineRef
    pipelineSpec: V1PipelineSpec
    retries: int
    runAfter: list[str]
    taskRef: V1TaskRef
    taskSpec: V1EmbeddedTask
    timeout: str
    when: list[V1WhenExpression]
    workspaces: list[V1WorkspacePipelineTaskBinding]


class V1PipelineTaskMetadata(TypedDict, total=False):
    """pkg/apis/pipeline/v1.PipelineTaskMetadata"""

    annotations: dict[str, str]
    labels: dict[str, str]


class V1PipelineTaskRunSpec(TypedDict, total=False):
    """pkg/apis/pipeline/v1.PipelineTaskRunSpec"""

    computeResources: ResourceRequirements
    metadata: V1PipelineTaskMetadata
    pipelineTaskName: str
    podTemplate: PodTemplate
    serviceAccountName: str
    sidecarSpecs: list[V1TaskRunSidecarSpec]
    stepSpecs: list[V1TaskRunStepSpec]
    timeout: str


class V1PipelineTaskRunTemplate(TypedDict, total=False):
    """pkg/apis/pipeline/v1.PipelineTaskRunTemplate"""

    podTemplate: PodTemplate
    serviceAccountName: str


class V1PipelineWorkspaceDeclaration(TypedDict, total=False):
    """pkg/apis/pipeline/v1.PipelineWorkspaceDeclaration"""

    description: str
    name: str
    optional: bool


class V1PropertySpec(TypedDict, total=False):
    """pkg/apis/pipeline/v1.PropertySpec"""

    type: str


class V1Ref(TypedDict, total=False):
    """pkg/apis/pipeline/v1.Ref"""

    name: str
    params: list[V1Param]
    resolver: str


class V1Sidecar(TypedDict, total=False):
    """pkg/apis/pipeline/v1.Sidecar"""

    args: list[str]
    command: list[str]
    computeResources: ResourceRequirements
    env: list[EnvVar]
    envFrom: list[EnvFromSource]
    image: str
    imagePullPolicy: str
    lifecycle: Lifecycle
    livenessProbe: Probe
    name: str
    ports: list[ContainerPort]
    readinessProbe: Probe
    restartPolicy: str
    script: str
    securityContext: SecurityContext
    startupProbe: Probe
    stdin: bool
    stdinOnce: bool
    terminationMessagePath: str
    terminationMessagePolicy: str
    tty: bool
    volumeDevices: list[VolumeDevice]
    volumeMounts: list[VolumeMount]
    workingDir: str
    workspaces: list[V1WorkspaceUsage]


class V1Step(TypedDict, total=False):
    """pkg/apis/pipeline/v1.Step"""

    args: list[str]
    command: list[str]
    computeResources: ResourceRequirements
    displayName: str
    env: list[EnvVar]
    envFrom: list[EnvFromSource]
    image: str
    imagePullPolicy: str
    name: str
    onError: str
    params: list[V1Param]
    ref: V1Ref
    results: list[V1StepResult]
    script: str
    securityContext: SecurityContext
    stderrConfig: V1StepOutputConfig
    stdoutConfig: V1StepOutputConfig
    timeout: str
    volumeDevices: list[VolumeDevice]
    volumeMounts: list[VolumeMount]
    when: list[V1WhenExpression]
    workingDir: str
    workspaces: list[V1WorkspaceUsage]


class V1StepOutputConfig(TypedDict, total=False):
    """pkg/apis/pipeline/v1.StepOutputConfig"""

    path: str


class V1StepResult(TypedDict, total=False):
    """pkg/apis/pipeline/v1.StepResult"""

    description: str
    name: str
    properties: dict[str, V1PropertySpec]
    type: str


class V1StepTemplate(TypedDict, total=False):
    """pkg/apis/pipeline/v1.StepTemplate"""

    args: list[str]
    command: list[str]
    computeResources: ResourceRequirements
    env: list[EnvVar]
    envFrom: list[EnvFromSource]
    image: str
    imagePullPolicy: str
    securityContext: SecurityContext
    volumeDevices: list[VolumeDevice]
    volumeMounts: list[VolumeMount]
    workingDir: str


class V1Task(TypedDict, total=False):
    """pkg/apis/pipeline/v1.Task"""

    apiVersion: str
    kind: str
    metadata: ObjectMeta
    spec: V1TaskSpec


class V1TaskRef(TypedDict, total=False):
    """pkg/apis/pipeline/v1.TaskRef"""

    apiVersion: str
    kind: str
    name: str
    params: list[V1Param]
    resolver: str


class V1TaskResult(TypedDict, total=False):
    """pkg/apis/pipeline/v1.TaskResult"""

    description: str
    name: str
    properties: dict[str, V1PropertySpec]
    type: str
    value: Any


class V1TaskRunSidecarSpec(TypedDict, total=False):
    """pkg/apis/pipeline/v1.TaskRunSidecarSpec"""

    computeResources: ResourceRequirements
    name: str


class V1TaskRunStepSpec(TypedDict, total=False):
    """pkg/apis/pipeline/v1.TaskRunStepSpec"""

    computeResources: ResourceRequirements
    name: str


class V1TaskSpec(TypedDict, total=False):
    """pkg/apis/pipeline/v1.TaskSpec"""

    description: str
    displayName: str
    params: list[V1ParamSpec]
    results: list[V1TaskResult]
    sidecars: list[V1Sidecar]
    stepTemplate: V1StepTemplate
    steps: list[V1Step]
    volumes: list[Volume]
    workspaces: list[V1WorkspaceDeclaration]


V1TimeoutFields = TypedDict(
    "V1TimeoutFields",
    {
        "finally": "str",
        "pipeline": "str",
        "tasks": "str",
    },
    total=False,
)
"""pkg/apis/pipeline/v1.TimeoutFields"""


class V1WhenExpression(TypedDict, total=False):
    """pkg/apis/pipeline/v1.WhenExpression"""

    cel: str
    input: str
    operator: str
    values: list[str]


class V1WorkspaceBinding(TypedDict, total=False):
    """pkg/apis/pipeline/v1.WorkspaceBinding"""

    configMap: ConfigMapVolumeSource
    csi: CSIVolumeSource
    emptyDir: EmptyDirVolumeSource
    name: str
    persistentVolumeClaim: PersistentVolumeClaimVolumeSource
    projected: ProjectedVolumeSource
    secret: SecretVolumeSource
    subPath: str
    volumeClaimTemplate: PersistentVolumeClaim


class V1WorkspaceDeclaration(TypedDict, total=False):
    """pkg/apis/pipeline/v1.WorkspaceDeclaration"""

    description: str
    mountPath: str
    name: str
    optional: bool
    readOnly: bool


class V1WorkspacePipelineTaskBinding(TypedDict, total=False):
    """pkg/apis/pipeline/v1.WorkspacePipelineTaskBinding"""

    name: str
    subPath: str
    workspace: str


class V1WorkspaceUsage(TypedDict, total=False):
    """pkg/apis/pipeline/v1.WorkspaceUsage"""

    mountPath: str
    name: str


class V1alpha1PipelineResourceSpec(TypedDict, total=False):
    """pkg/apis/resource/v1alpha1.PipelineResourceSpec"""

    description: str
    params: list[V1alpha1ResourceParam]
    secrets: list[V1alpha1SecretParam]
    type: str


class V1alpha1ResourceParam(TypedDict, total=False):
    """pkg/apis/resource/v1alpha1.ResourceParam"""

    name: str
    value: str


class V1alpha1SecretParam(TypedDict, total=False):
    """pkg/apis/resource/v1alpha1.SecretParam"""

    fieldName: str
    secretKey: str
    secretName: str


class V1beta1EmbeddedTask(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.EmbeddedTask"""

    apiVersion: str
    description: str
    displayName: str
    kind: str
    metadata: V1beta1PipelineTaskMetadata
    params: list[V1beta1ParamSpec]
    resources: V1beta1TaskResources
    results: list[V1beta1TaskResult]
    sidecars: list[V1beta1Sidecar]
    spec: Any
    stepTemplate: V1beta1StepTemplate
    steps: list[V1beta1Step]
    volumes: list[Volume]
    workspaces: list[V1beta1WorkspaceDeclaration]


class V1beta1IncludeParams(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.IncludeParams"""

    name: str
    params: list[V1beta1Param]


class V1beta1Matrix(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.Matrix"""

    include: list[V1beta1IncludeParams]
    params: list[V1beta1Param]


class V1beta1Param(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.Param"""

    name: str
    value: Any


class V1beta1ParamSpec(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.ParamSpec"""

    default: Any
    description: str
    enum: list[str]
    name: str
    properties: dict[str, V1beta1PropertySpec]
    type: str


class V1beta1Pipeline(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.Pipeline"""

    apiVersion: str
    kind: str
    metadata: ObjectMeta
    spec: V1beta1PipelineSpec


class V1beta1PipelineDeclaredResource(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineDeclaredResource"""

    name: str
    optional: bool
    type: str


class V1beta1PipelineRef(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineRef"""

    apiVersion: str
    bundle: str
    name: str
    params: list[V1beta1Param]
    resolver: str


class V1beta1PipelineResourceBinding(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineResourceBinding"""

    name: str
    resourceRef: V1beta1PipelineResourceRef
    resourceSpec: V1alpha1PipelineResourceSpec


class V1beta1PipelineResourceRef(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineResourceRef"""

    apiVersion: str
    name: str


class V1beta1PipelineResult(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineResult"""

    description: str
    name: str
    type: str
    value: Any


class V1beta1PipelineRun(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineRun"""

    apiVersion: str
    kind: str
    metadata: ObjectMeta
    spec: V1beta1PipelineRunSpec


class V1beta1PipelineRunSpec(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineRunSpec"""

    managedBy: str
    params: list[V1beta1Param]
    pipelineRef: V1beta1PipelineRef
    pipelineSpec: V1beta1PipelineSpec
    podTemplate: PodTemplate
    resources: list[V1beta1PipelineResourceBinding]
    serviceAccountName: str
    status: str
    taskRunSpecs: list[V1beta1PipelineTaskRunSpec]
    timeout: str
    timeouts: V1beta1TimeoutFields
    workspaces: list[V1beta1WorkspaceBinding]


V1beta1PipelineSpec = TypedDict(
    "V1beta1PipelineSpec",
    {
        "description": "str",
        "displayName": "str",
        "finally": "list[V1beta1PipelineTask]",
        "params": "list[V1beta1ParamSpec]",
        "resources": "list[V1beta1PipelineDeclaredResource]",
        "results": "list[V1beta1PipelineResult]",
        "tasks": "list[V1beta1PipelineTask]",
        "workspaces": "list[V1beta1PipelineWorkspaceDeclaration]",
    },
    total=False,
)
"""pkg/apis/pipeline/v1beta1.PipelineSpec"""


class V1beta1PipelineTask(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineTask"""

    description: str
    displayName: str
    matrix: V1beta1Matrix
    name: str
    onError: str
    params: list[V1beta1Param]
    pipelineRef: V1beta1PipelineRef
    pipelineSpec: V1beta1PipelineSpec
    resources: V1beta1PipelineTaskResources
    retries: int
    runAfter: list[str]
    taskRef: V1beta1TaskRef
    taskSpec: V1beta1EmbeddedTask
    timeout: str
    when: list[V1beta1WhenExpression]
    workspaces: list[V1beta1WorkspacePipelineTaskBinding]


V1beta1PipelineTaskInputResource = TypedDict(
    "V1beta1PipelineTaskInputResource",
    {
        "from": "list[str]",
        "name": "str",
        "resource": "str",
    },
    total=False,
)
"""pkg/apis/pipeline/v1beta1.PipelineTaskInputResource"""


class V1beta1PipelineTaskMetadata(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineTaskMetadata"""

    annotations: dict[str, str]
    labels: dict[str, str]


class V1beta1PipelineTaskOutputResource(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineTaskOutputResource"""

    name: str
    resource: str


class V1beta1PipelineTaskResources(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineTaskResources"""

    inputs: list[V1beta1PipelineTaskInputResource]
    outputs: list[V1beta1PipelineTaskOutputResource]


class V1beta1PipelineTaskRunSpec(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineTaskRunSpec"""

    computeResources: ResourceRequirements
    metadata: V1beta1PipelineTaskMetadata
    pipelineTaskName: str
    sidecarOverrides: list[V1beta1TaskRunSidecarOverride]
    stepOverrides: list[V1beta1TaskRunStepOverride]
    taskPodTemplate: PodTemplate
    taskServiceAccountName: str
    timeout: str


class V1beta1PipelineWorkspaceDeclaration(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PipelineWorkspaceDeclaration"""

    description: str
    name: str
    optional: bool


class V1beta1PropertySpec(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.PropertySpec"""

    type: str


class V1beta1Ref(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.Ref"""

    name: str
    params: list[V1beta1Param]
    resolver: str


class V1beta1Sidecar(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.Sidecar"""

    args: list[str]
    command: list[str]
    env: list[EnvVar]
    envFrom: list[EnvFromSource]
    image: str
    imagePullPolicy: str
    lifecycle: Lifecycle
    livenessProbe: Probe
    name: str
    ports: list[ContainerPort]
    readinessProbe: Probe
    resources: ResourceRequirements
    restartPolicy: str
    script: str
    securityContext: SecurityContext
    startupProbe: Probe
    stdin: bool
    stdinOnce: bool
    terminationMessagePath: str
    terminationMessagePolicy: str
    tty: bool
    volumeDevices: list[VolumeDevice]
    volumeMounts: list[VolumeMount]
    workingDir: str
    workspaces: list[V1beta1WorkspaceUsage]


class V1beta1Step(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.Step"""

    args: list[str]
    command: list[str]
    displayName: str
    env: list[EnvVar]
    envFrom: list[EnvFromSource]
    image: str
    imagePullPolicy: str
    lifecycle: Lifecycle
    livenessProbe: Probe
    name: str
    onError: str
    params: list[V1beta1Param]
    ports: list[ContainerPort]
    readinessProbe: Probe
    ref: V1beta1Ref
    resources: ResourceRequirements
    results: list[V1StepResult]
    script: str
    securityContext: SecurityContext
    startupProbe: Probe
    stderrConfig: V1beta1StepOutputConfig
    stdin: bool
    stdinOnce: bool
    stdoutConfig: V1beta1StepOutputConfig
    terminationMessagePath: str
    terminationMessagePolicy: str
    timeout: str
    tty: bool
    volumeDevices: list[VolumeDevice]
    volumeMounts: list[VolumeMount]
    when: list[V1beta1WhenExpression]
    workingDir: str
    workspaces: list[V1beta1WorkspaceUsage]


class V1beta1StepOutputConfig(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.StepOutputConfig"""

    path: str


class V1beta1StepTemplate(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.StepTemplate"""

    args: list[str]
    command: list[str]
    env: list[EnvVar]
    envFrom: list[EnvFromSource]
    image: str
    imagePullPolicy: str
    lifecycle: Lifecycle
    livenessProbe: Probe
    name: str
    ports: list[ContainerPort]
    readinessProbe: Probe
    resources: ResourceRequirements
    securityContext: SecurityContext
    startupProbe: Probe
    stdin: bool
    stdinOnce: bool
    terminationMessagePath: str
    terminationMessagePolicy: str
    tty: bool
    volumeDevices: list[VolumeDevice]
    volumeMounts: list[VolumeMount]
    workingDir: str


class V1beta1Task(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.Task"""

    apiVersion: str
    kind: str
    metadata: ObjectMeta
    spec: V1beta1TaskSpec


class V1beta1TaskRef(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.TaskRef"""

    apiVersion: str
    bundle: str
    kind: str
    name: str
    params: list[V1beta1Param]
    resolver: str


class V1beta1TaskResource(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.TaskResource"""

    description: str
    name: str
    optional: bool
    targetPath: str
    type: str


class V1beta1TaskResources(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.TaskResources"""

    inputs: list[V1beta1TaskResource]
    outputs: list[V1beta1TaskResource]


class V1beta1TaskResult(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.TaskResult"""

    description: str
    name: str
    properties: dict[str, V1beta1PropertySpec]
    type: str
    value: Any


class V1beta1TaskRunSidecarOverride(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.TaskRunSidecarOverride"""

    name: str
    resources: ResourceRequirements


class V1beta1TaskRunStepOverride(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.TaskRunStepOverride"""

    name: str
    resources: ResourceRequirements


class V1beta1TaskSpec(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.TaskSpec"""

    description: str
    displayName: str
    params: list[V1beta1ParamSpec]
    resources: V1beta1TaskResources
    results: list[V1beta1TaskResult]
    sidecars: list[V1beta1Sidecar]
    stepTemplate: V1beta1StepTemplate
    steps: list[V1beta1Step]
    volumes: list[Volume]
    workspaces: list[V1beta1WorkspaceDeclaration]


V1beta1TimeoutFields = TypedDict(
    "V1beta1TimeoutFields",
    {
        "finally": "str",
        "pipeline": "str",
        "tasks": "str",
    },
    total=False,
)
"""pkg/apis/pipeline/v1beta1.TimeoutFields"""


class V1beta1WhenExpression(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.WhenExpression"""

    cel: str
    input: str
    operator: str
    values: list[str]


class V1beta1WorkspaceBinding(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.WorkspaceBinding"""

    configMap: ConfigMapVolumeSource
    csi: CSIVolumeSource
    emptyDir: EmptyDirVolumeSource
    name: str
    persistentVolumeClaim: PersistentVolumeClaimVolumeSource
    projected: ProjectedVolumeSource
    secret: SecretVolumeSource
    subPath: str
    volumeClaimTemplate: PersistentVolumeClaim


class V1beta1WorkspaceDeclaration(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.WorkspaceDeclaration"""

    description: str
    mountPath: str
    name: str
    optional: bool
    readOnly: bool


class V1beta1WorkspacePipelineTaskBinding(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.WorkspacePipelineTaskBinding"""

    name: str
    subPath: str
    workspace: str


class V1beta1WorkspaceUsage(TypedDict, total=False):
    """pkg/apis/pipeline/v1beta1.WorkspaceUsage"""

    mountPath: str
    name: str


class Volume(TypedDict, total=False):
    """k8s.io/api/core/v1.Volume"""

    awsElasticBlockStore: AWSElasticBlockStoreVolumeSource
    azureDisk: AzureDiskVolumeSource
    azureFile: AzureFileVolumeSource
    cephfs: CephFSVolumeSource
    cinder: CinderVolumeSource
    configMap: ConfigMapVolumeSource
    csi: CSIVolumeSource
    downwardAPI: DownwardAPIVolumeSource
    emptyDir: EmptyDirVolumeSource
    ephemeral: EphemeralVolumeSource
    fc: FCVolumeSource
    flexVolume: FlexVolumeSource
    flocker: FlockerVolumeSource
    gcePersistentDisk: GCEPersistentDiskVolumeSource
    gitRepo: GitRepoVolumeSource
    glusterfs: GlusterfsVolumeSource
    hostPath: HostPathVolumeSource
    image: ImageVolumeSource
    iscsi: ISCSIVolumeSource
    name: str
    nfs: NFSVolumeSource
    persistentVolumeClaim: PersistentVolumeClaimVolumeSource
    photonPersistentDisk: PhotonPersistentDiskVolumeSource
    portworxVolume: PortworxVolumeSource
    projected: ProjectedVolumeSource
    quobyte: QuobyteVolumeSource
    rbd: RBDVolumeSource
    scaleIO: ScaleIOVolumeSource
    secret: SecretVolumeSource
    storageos: StorageOSVolumeSource
    vsphereVolume: VsphereVirtualDiskVolumeSource


class VolumeDevice(TypedDict, total=False):
    """k8s.io/api/core/v1.VolumeDevice"""

    devicePath: str
    name: str


class VolumeMount(TypedDict, total=False):
    """k8s.io/api/core/v1.VolumeMount"""

    mountPath: str
    mountPropagation: str
    name: str
    readOnly: bool
    recursiveReadOnly: str
    subPath: str
    subPathExpr: str


class VolumeProjection(TypedDict, total=False):
    """k8s.io/api/core/v1.VolumeProjection"""

    clusterTrustBundle: ClusterTrustBundleProjection
    configMap: ConfigMapProjection
    downwardAPI: DownwardAPIProjection
    podCertificate: PodCertificateProjection
    secret: SecretProjection
    serviceAccountToken: ServiceAccountTokenProjection


class VolumeResourceRequirements(TypedDict, total=False):
    """k8s.io/api/core/v1.VolumeResourceRequirements"""

    limits: dict[str, Quantity]
    requests: dict[str, Quantity]


class VsphereVirtualDiskVolumeSource(TypedDict, total=False):
    """k8s.io/api/core/v1.VsphereVirtualDiskVolumeSource"""

    fsType: str
    storagePolicyID: str
    storagePolicyName: str
    volumePath: str


class WeightedPodAffinityTerm(TypedDict, total=False):
    """k8s.io/api/core/v1.WeightedPodAffinityTerm"""

    podAffinityTerm: PodAffinityTerm
    weight: int


class WindowsSecurityContextOptions(TypedDict, total=False):
    """k8s.io/api/core/v1.WindowsSecurityContextOptions"""

    gmsaCredentialSpec: str
    gmsaCredentialSpecName: str
    hostProcess: bool
    runAsUserName: str
