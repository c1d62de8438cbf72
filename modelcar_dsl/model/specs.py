"""The frozen description of tasks, pipelines and runs that every later stage reads.

The decorators build these from user code; validation, the graph and the compiler only read them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

from modelcar_dsl.diagnostics.catalog import QUANTITY
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation, caller_location
from modelcar_dsl.formats.names import (
    RESULT_NAME,
    RESULT_NAME_RULE,
    dns_label_problem,
    object_name_problem,
    pattern_problem,
)
from modelcar_dsl.formats.quantities import SUFFIXES_HELP, quantity_problem
from modelcar_dsl.model.listing import as_tuple
from modelcar_dsl.model.params import ParamSpec
from modelcar_dsl.model.resolvers import Resolver

if TYPE_CHECKING:
    from modelcar_dsl.model.container_settings import (
        ImagePullPolicy,
        SecurityContext,
        Sidecar,
        TaskVolume,
        VolumeMount,
    )
    from modelcar_dsl.model.pod_template import PodTemplate, TaskRunSpec

ResultType = Literal["string", "array", "object"]
OnError = Literal["continue", "stopAndFail"]
ON_ERROR: tuple[OnError, ...] = ("continue", "stopAndFail")
"""What Tekton does when a step or a pipeline task fails: go on, or stop (its default)."""


def _as_sorted_pairs(
    value: Mapping[str, str] | tuple[tuple[str, str], ...] | None,
) -> tuple[tuple[str, str], ...]:
    pairs = value.items() if isinstance(value, Mapping) else (value or ())
    return tuple(sorted(pairs))


def _as_step_result(value: Any) -> Any:
    """A list as a tuple; anything else as given, for the result's own check to refuse."""
    return tuple(value) if isinstance(value, list) else value


def check_quantities(owner: str, quantities: Iterable[tuple[str, Any]]) -> None:
    """Refuse, at the user's line, a size or compute amount Kubernetes cannot read (`50GB`):
    the compiled run would be rejected when applied."""
    for name, value in quantities:
        problem = quantity_problem(value) if value is not None else f"None; give {SUFFIXES_HELP}"
        if problem:
            raise DefinitionError(
                f"{owner} {name}: {problem} [{QUANTITY.id}]", caller_location(skip_generated=True)
            )


def checked_on_error(value: str | None, location: SourceLocation) -> OnError | None:
    """`on_error` as given, refused at the user's line unless Tekton knows it: Tekton would
    refuse the compiled step or pipeline task when applied."""
    if value is None or value in ON_ERROR:
        return value
    raise DefinitionError(
        f"on_error={value!r}: give one of {', '.join(map(repr, ON_ERROR))} (continue: go on "
        "past a failure; stopAndFail: stop, as by default)",
        location,
    )


def _as_pairs(
    value: Mapping[str, str] | tuple[tuple[str, str], ...] | None,
) -> tuple[tuple[str, str], ...]:
    """Env keeps the user's order: Kubernetes expands `$(VAR)` only from variables above it."""
    return tuple(value.items() if isinstance(value, Mapping) else (value or ()))


@attrs.frozen
class Workspace:
    """A workspace a task mounts. `read_only` tasks never get serialized against each other."""

    name: str
    description: str = ""
    optional: bool = False
    read_only: bool = False
    mount_path: str | None = None


@attrs.frozen
class PipelineWorkspace:
    """A workspace a pipeline declares and its runs bind to a volume. A run that binds none
    gets `default` (e.g. `VolumeClaim(size="60Gi")`, a fresh claim per run); without a default,
    a run must bind it: an unbound workspace is an error, never a silent empty volume."""

    name: str
    description: str = ""
    optional: bool = False
    default: VolumeSource | None = None


def _step_result_problems(step: str, result: str) -> list[str]:
    """What Tekton refuses of $(steps.<step>.results.<result>) when the Task is applied: the
    step a DNS label, the result a result name. A `)` in either would also end the reference
    early, so that Tekton read another result than the one named."""
    return list(
        filter(
            None,
            [
                dns_label_problem(step, "from_step's step name"),
                pattern_problem(result, RESULT_NAME, "from_step's result name", RESULT_NAME_RULE),
            ],
        )
    )


@attrs.frozen
class Result:
    """A result a task writes to `$RESULT_<NAME>_PATH`, or to the path in `env` where two
    results would share that name (`image-digest` and Tekton Chains' `IMAGE_DIGEST`): a string,
    or JSON for an array or object result."""

    name: str
    description: str = ""
    env: str | None = None
    type: ResultType = "string"
    """`array` (a JSON list of strings) or `object` (a JSON object of `properties`)."""
    properties: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    from_step: tuple[str, str] | None = attrs.field(default=None, converter=_as_step_result)
    """`(step, result)`: the task's result is that step's StepAction result, Tekton's
    `value: $(steps.<step>.results.<result>)`; no script writes it."""
    location: SourceLocation = attrs.field(
        factory=lambda: caller_location(skip_generated=True), eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        pair = self.from_step
        if pair is not None and (
            not isinstance(pair, tuple)
            or len(pair) != 2
            or not all(isinstance(part, str) and part for part in pair)
            or self.env is not None
        ):
            raise DefinitionError(
                f"result {self.name!r}: from_step= takes (step name, result name), e.g. "
                f'from_step=("push", "digest"), and no env= (no script writes the result)',
                self.location,
            )
        if pair is not None and (problems := _step_result_problems(*pair)):
            raise DefinitionError(f"result {self.name!r}: {'; '.join(problems)}", self.location)
        if self.type not in ("string", "array", "object"):
            raise DefinitionError(
                f"result {self.name!r} has type {self.type!r}; give string, array or object",
                caller_location(skip_generated=True),
            )
        if (self.type == "object") != bool(self.properties):
            raise DefinitionError(
                f"result {self.name!r}: an object result names its keys, "
                f'Result({self.name!r}, type="object", properties=["key", ...]), and only '
                "an object result has properties",
                caller_location(skip_generated=True),
            )


@attrs.frozen
class SecretEnv:
    """An environment variable read from a key of a Secret: credentials never enter the YAML."""

    name: str
    secret: str
    key: str
    optional: bool = False


@attrs.frozen
class ConfigMapEnv:
    """An environment variable read from a key of a ConfigMap."""

    name: str
    config_map: str
    key: str
    optional: bool = False


EnvSource = SecretEnv | ConfigMapEnv


@attrs.frozen
class Resources:
    """Compute requests and limits of a step (`{"cpu": "2", "memory": "4Gi"}`)."""

    requests: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_as_sorted_pairs)
    limits: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_as_sorted_pairs)

    def __attrs_post_init__(self) -> None:
        check_quantities("Resources requests", self.requests)
        check_quantities("Resources limits", self.limits)


@attrs.frozen
class Step:
    """One container of a task: a script file, or a command with args."""

    name: str
    location: SourceLocation
    image: str | None = None
    script: str | None = None
    script_origins: tuple[tuple[str, int], ...] = ()
    """For each line of `script`, the file and line it came from (scripts inline libraries)."""
    command: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    args: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    env: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_as_pairs)
    env_from: tuple[EnvSource, ...] = attrs.field(default=(), converter=as_tuple)
    resources: Resources | None = None
    working_dir: str | None = None
    timeout: str | None = None
    action: StepActionCall | None = None
    """The StepAction this step runs (`ref:`) instead of an image of its own."""
    on_error: OnError | None = None
    """`continue`: the task goes on past this step's failure (its exit code is kept)."""
    security_context: SecurityContext | None = None
    image_pull_policy: ImagePullPolicy | None = None
    volume_mounts: tuple[VolumeMount, ...] = attrs.field(default=(), converter=as_tuple)
    """Mounts of the task's own volumes (`TaskVolume`), not of its workspaces."""


@attrs.frozen
class StepActionSpec:
    """A Tekton StepAction, as declared by `@step_action`: one reusable step, with its own
    params (reaching it as env, as a task's do) and results (at `$(step.results.<name>.path)`)."""

    name: str
    source: str
    location: SourceLocation
    description: str
    params: tuple[ParamSpec, ...]
    step: Step
    results: tuple[Result, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    """The user's own labels (sorted), besides the compiler's managed-by."""
    annotations: tuple[tuple[str, str], ...] = ()
    resolver: Resolver | None = None
    """Where Tekton fetches a remote StepAction (`@remote_step_action`); its `step` is then a
    stub, and the project writes no StepAction document for it."""


@attrs.frozen
class StepActionCall:
    """A step's use of a StepAction, with the arguments exactly as the user passed them."""

    action: StepActionSpec
    arguments: tuple[tuple[str, Any], ...]


@attrs.frozen
class TaskSpec:
    """A Tekton Task, as declared by `@task`."""

    name: str
    source: str
    location: SourceLocation
    description: str
    params: tuple[ParamSpec, ...]
    steps: tuple[Step, ...]
    workspaces: tuple[Workspace, ...] = ()
    results: tuple[Result, ...] = ()
    env_from: tuple[EnvSource, ...] = ()
    timeout: str | None = None
    retries: int | None = None
    resolver: Resolver | None = None
    """Where Tekton fetches a remote Task (`@remote_task`); the project writes no Task for it."""
    labels: tuple[tuple[str, str], ...] = ()
    """The user's own labels (sorted), besides the compiler's managed-by."""
    annotations: tuple[tuple[str, str], ...] = ()
    display_name: str | None = None
    volumes: tuple[TaskVolume, ...] = ()
    sidecars: tuple[Sidecar, ...] = ()


@attrs.frozen
class When:
    """A guard: the task runs only when `input` is (or is not) one of `values`."""

    input: str
    operator: Literal["in", "notin"]
    values: tuple[str, ...] = attrs.field(converter=as_tuple)
    cel: str = ""
    """A CEL expression that says it all instead (Tekton's `cel:`, behind its
    enable-cel-in-whenexpression flag); input, operator and values are then unused."""


@attrs.frozen
class PipelineTaskSpec:
    """One call of a task inside a pipeline, with the arguments exactly as the user passed them."""

    name: str
    task: TaskSpec
    location: SourceLocation
    arguments: tuple[tuple[str, Any], ...]
    workspaces: tuple[tuple[str, str], ...]
    after: tuple[tuple[str, SourceLocation], ...] = ()
    when: tuple[When, ...] = ()
    timeout: str | None = None
    retries: int | None = None
    is_finally: bool = False
    matrix: tuple[tuple[str, Any], ...] = ()
    """The params the task fans out over: Python name -> its values (a tuple, or an array
    variable), one TaskRun per combination."""
    include: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    """The matrix's named extra combinations: name -> (Python name, single value) pairs."""
    on_error: OnError | None = None
    """`continue`: the pipeline goes on past this task's failure (Tekton's FailureIgnored)."""
    display_name: str | None = None

    @property
    def is_matrixed(self) -> bool:
        return bool(self.matrix or self.include)


@attrs.frozen
class PipelineResult:
    """A result of the whole pipeline (its run's status shows it): `value` reads task results,
    `$(tasks.<task>.results.<name>)`, or a finally task's, `$(finally.<task>.results.<name>)`."""

    name: str
    value: str
    description: str = ""
    type: ResultType = "string"


@attrs.frozen
class PipelineSpec:
    """A Tekton Pipeline, as traced from the `@pipeline` function."""

    name: str
    source: str
    location: SourceLocation
    description: str
    params: tuple[ParamSpec, ...]
    workspaces: tuple[PipelineWorkspace, ...]
    tasks: tuple[PipelineTaskSpec, ...]
    finally_tasks: tuple[PipelineTaskSpec, ...] = ()
    results: tuple[PipelineResult, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    """The user's own labels (sorted), besides the compiler's managed-by."""
    annotations: tuple[tuple[str, str], ...] = ()
    display_name: str | None = None

    @property
    def all_tasks(self) -> tuple[PipelineTaskSpec, ...]:
        return self.tasks + self.finally_tasks


@attrs.frozen
class VolumeClaim:
    """A fresh PVC for every run (`volumeClaimTemplate`): no stale files from earlier runs."""

    size: str = "10Gi"
    storage_class: str | None = None
    access_mode: str = "ReadWriteOnce"

    def __attrs_post_init__(self) -> None:
        check_quantities("VolumeClaim", [("size", self.size)])


def _check_object_name(owner: str, name: object) -> None:
    """Refuse, at the user's line, a Secret, ConfigMap or claim name Kubernetes cannot hold:
    the pod that mounts it would fail to start."""
    if problem := object_name_problem(name, "name"):
        raise DefinitionError(f"{owner}: {problem}", caller_location(skip_generated=True))


@attrs.frozen
class ExistingClaim:
    """A PVC that already exists and outlives the run."""

    claim_name: str
    read_only: bool = False

    def __attrs_post_init__(self) -> None:
        _check_object_name("ExistingClaim", self.claim_name)


@attrs.frozen
class EmptyDir:
    """Scratch space that lives as long as one TaskRun's pod."""


@attrs.frozen
class SecretVolume:
    """A Secret mounted as files, e.g. a dockerconfigjson for `--authfile`."""

    secret_name: str

    def __attrs_post_init__(self) -> None:
        _check_object_name("SecretVolume", self.secret_name)


@attrs.frozen
class ConfigMapVolume:
    """A ConfigMap mounted as files, e.g. a CA bundle."""

    name: str

    def __attrs_post_init__(self) -> None:
        _check_object_name("ConfigMapVolume", self.name)


VolumeSource = VolumeClaim | ExistingClaim | EmptyDir | SecretVolume | ConfigMapVolume


@attrs.frozen
class RunSpec:
    """A PipelineRun: which pipeline, with which values, on which volumes, as which group."""

    name: str
    pipeline: PipelineSpec
    location: SourceLocation
    params: tuple[tuple[str, Any], ...]
    workspaces: tuple[tuple[str, VolumeSource], ...]
    timeout: str
    tasks_timeout: str | None = None
    finally_timeout: str | None = None
    fs_group: int | None = None
    service_account: str | None = None
    records: tuple[tuple[str, Any], ...] = ()
    """The catalogue records passed (`("model", MISTRAL_24B_QUANTIZED)`), for their checks."""
    pod_template: PodTemplate | None = None
    task_run_specs: tuple[tuple[str, TaskRunSpec], ...] = ()
    """Per pipeline task settings, by the task's Tekton name."""
    labels: tuple[tuple[str, str], ...] = ()
    """The user's own labels (sorted), besides the compiler's managed-by."""
    annotations: tuple[tuple[str, str], ...] = ()
