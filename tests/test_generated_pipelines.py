"""Property-based tests on generated pipelines.

Hypothesis writes random but valid pipelines (DAG shapes; params of every supported type; results,
workspaces, finally tasks, when guards, `.after()` and result-reference edges) and a run for each.
They always compile without problems, fit the yamale schemas and round-trip through YAML; and a
compiled pipeline with one rule broken on purpose is always rejected by that rule, at that path.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, Literal, TypedDict, TypeVar, get_args

import attrs
import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from modelcar_dsl import (
    PIPELINE_STATUS,
    ConfigMapEnv,
    ConfigMapVolume,
    EmptyDir,
    ExistingClaim,
    Pipeline,
    PipelineWorkspace,
    Resources,
    Result,
    RunSpec,
    SecretEnv,
    SecretVolume,
    Step,
    Steps,
    Task,
    TaskCall,
    VolumeClaim,
    Workspace,
    check,
    command_step,
    finally_tasks,
    pipeline,
    pipeline_run,
    script_step,
    task,
)
from modelcar_dsl.authoring.collection import collect_specs
from modelcar_dsl.compiling.render import compile_project
from modelcar_dsl.compiling.yaml_emitter import dump
from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.model.specs import VolumeSource
from modelcar_dsl.model.target import API_VERSIONS, ApiVersion, Target
from modelcar_dsl.rules import SourceDocument, validate_documents
from modelcar_dsl.rules.schema_check import schema_problems

Duration = str | int | timedelta
T = TypeVar("T")

# --- the vocabulary generated pipelines are written in --------------------------------------------
#
# Param words and object keys are disjoint, so `alpha` with key `url` (ALPHA_URL in the step's env)
# never meets a param `alpha_url`. Names never start or end with "_", so each Python name has its
# own Tekton name.

PARAM_WORDS = ("alpha", "beta", "gamma", "delta", "tag", "mode")
OBJECT_KEYS = ("url", "token", "region", "bucket_name")
PIPELINE_WORKSPACES = ("data", "cache", "models", "results")
TASK_WORKSPACES = ("data", "cache", "src", "scratch")
RESULT_NAMES = ("digest", "image-ref", "count")
TASK_WORDS = ("fetch", "build", "push", "check")
STR_CHOICES = ("fast", "safe", "yes", "on")
INT_CHOICES = (1, 2, 10)
IMAGE = "registry.example/tools:1"
OTHER_IMAGE = "registry.example/other:2"
HELLO = "fixtures/hello.sh"

Kind = Literal[
    "str", "int", "float", "bool", "choice", "int_choice", "list", "dict", "endpoint", "location"
]
KINDS: tuple[Kind, ...] = get_args(Kind)
SCALAR_KINDS = frozenset({"str", "int", "float", "bool", "choice", "int_choice"})
OBJECT_KINDS = frozenset({"dict", "endpoint", "location"})


class Endpoint(TypedDict):
    url: str
    token_key: str


class Location(TypedDict):
    bucket: str
    region: str


@attrs.frozen
class ModelRecord:
    """A catalogue record: a pipeline param of this type becomes one param per field it reads."""

    registry_name: str
    version: str
    quantization: str = "none"


RECORD_FIELDS = ("registry_name", "version", "quantization")
TYPED_DICT_KEYS: dict[str, tuple[str, ...]] = {
    "endpoint": ("token_key", "url"),
    "location": ("bucket", "region"),
}

NO_DEFAULT: Any = object()

# Strings YAML may read as something else, or that need quoting, escaping or a block style.
YAML_HOSTILE = (
    *("yes", "No", "on", "OFF", "y", "n", "true", "null", "~", "", "=", "<<"),
    *("1e3", "0o17", "0x1F", "1_000", ".inf", ".NaN", "-.5", "+1", "1:20", "2001-12-14"),
    *("'", '"', "#x", "- x", "a: b", "{a}", "[a]", "|", ">", "*a", "&a", "!x", "%x", "@x", "`x"),
    *("\t", " lead", "trail ", "a\nb", "a\n", "\n", " \n", "a  \nb", "\r\n", "x\u2028y"),
    *("x\x85y", "\ufeffx", "\x00", "é", "日本"),
)
# Any text, except Tekton's `$(`, which would turn a value into a variable.
TEXT = st.one_of(st.sampled_from(YAML_HOSTILE), st.text(max_size=10)).filter(
    lambda text: "$(" not in text
)
# Names, made unique by an index: pipeline task names are DNS-1123 labels, up to Tekton's 63
# characters; Task, Pipeline and run names may also hold dots (DNS-1123 subdomains).
LABEL_WORDS = ("a", "x9", "0", "stage", "to-quay", "long-name-" * 7)
SUBDOMAIN_WORDS = (*LABEL_WORDS, "model.v2", "a.b.c")


@functools.cache
def values_of(kind: str, keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """Python values that fit a param of `kind` (with exactly `keys` for objects)."""
    if kind == "str":
        return TEXT
    if kind == "int":
        return st.integers()
    if kind == "float":
        return st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-99, 99))
    if kind == "bool":
        return st.booleans()
    if kind == "choice":
        return st.sampled_from(STR_CHOICES)
    if kind == "int_choice":
        return st.sampled_from(INT_CHOICES)
    if kind == "list":
        return st.lists(TEXT, max_size=3)
    return st.fixed_dictionaries({key: TEXT for key in keys})


# --- plans: what a generated pipeline is made of --------------------------------------------------


@dataclass(frozen=True)
class ParamPlan:
    py_name: str
    kind: Kind
    keys: tuple[str, ...] = ()
    default: Any = NO_DEFAULT
    description: str | None = None

    @property
    def required(self) -> bool:
        return self.default is NO_DEFAULT

    def annotation(self) -> Any:
        base: Any = {
            "str": str,
            "int": int,
            "float": float,
            "bool": bool,
            "choice": Literal["fast", "safe", "yes", "on"],
            "int_choice": Literal[1, 2, 10],
            "list": list[str],
            "dict": dict[str, str],
            "endpoint": Endpoint,
            "location": Location,
        }[self.kind]
        return base if self.description is None else Annotated[base, self.description]


@dataclass(frozen=True)
class WorkspacePlan:
    name: str
    optional: bool
    read_only: bool
    mount_path: str | None = None
    description: str = ""


@dataclass(frozen=True)
class StepPlan:
    kind: Literal["script", "command"]
    name: str | None
    image: str | None
    uses_param: str | None = None
    timeout: int | None = None
    working_dir: str | None = None


@dataclass(frozen=True)
class TemplatePlan:
    function_name: str
    name: str | None
    params: tuple[ParamPlan, ...]
    results: tuple[str, ...]
    workspaces: tuple[WorkspacePlan, ...]
    steps: tuple[StepPlan, ...]
    image: str | None
    docstring: str | None = None
    secret_env: bool = False
    resources: bool = False
    timeout: Duration | None = None
    retries: int | None = None


# Where a value passed to a task comes from.


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class PipeParam:
    py_name: str


@dataclass(frozen=True)
class ObjKey:
    py_name: str
    key: str


@dataclass(frozen=True)
class RecordField:
    field: str


@dataclass(frozen=True)
class ResultOf:
    call: int
    result: str
    by_attribute: bool


@dataclass(frozen=True)
class StatusOf:
    call: int | None  # None: the whole pipeline's $(tasks.status)


@dataclass(frozen=True)
class Joined:
    prefix: str
    part: Source


@dataclass(frozen=True)
class ListOf:
    items: tuple[Source, ...]


@dataclass(frozen=True)
class DictOf:
    items: tuple[tuple[str, Source], ...]


Source = Lit | PipeParam | ObjKey | RecordField | ResultOf | StatusOf | Joined | ListOf | DictOf


@dataclass(frozen=True)
class WhenPlan:
    input: Source
    operator: Literal["in", "notin"]
    values: tuple[Source, ...]


@dataclass(frozen=True)
class CallPlan:
    template: int
    name: str | None
    arguments: tuple[tuple[str, Source], ...]
    workspaces: tuple[tuple[str, str], ...]
    after: tuple[int, ...]
    when: tuple[WhenPlan, ...]
    is_finally: bool
    timeout: Duration | None = None
    retries: int | None = None


@dataclass(frozen=True)
class RunPlan:
    name: str
    arguments: tuple[tuple[str, Any], ...]
    workspaces: tuple[tuple[str, VolumeSource], ...]
    timeout: Duration
    tasks_timeout: Duration | None
    finally_timeout: Duration | None
    fs_group: int
    service_account: str | None


@dataclass(frozen=True)
class PipelinePlan:
    name: str
    docstring: str | None
    api: ApiVersion
    namespace: str | None
    target_fs_group: int | None
    workspaces: tuple[tuple[str, bool], ...]  # name, optional
    params: tuple[ParamPlan, ...]
    record: bool
    templates: tuple[TemplatePlan, ...]
    calls: tuple[CallPlan, ...]
    run: RunPlan


@dataclass(frozen=True)
class Needs:
    """Features a mutation needs in the pipeline it breaks."""

    min_regular: int = 1
    min_finally: int = 0
    required_param: bool = False
    results: bool = False
    writer: bool = False
    two_steps: bool = False
    run_param: bool = False
    edge: bool = False

    @property
    def shapes_first_template(self) -> bool:
        return self.required_param or self.results or self.writer or self.two_steps


NO_NEEDS = Needs()


# --- generating plans -----------------------------------------------------------------------------
#
# Plain functions that take Hypothesis' `draw` and module-level (cached) strategies: building new
# strategies inside every draw costs more than compiling and checking the pipeline.

BOOLEANS = st.booleans()
PARAM_NAMES = st.lists(st.sampled_from(PARAM_WORDS), min_size=1, max_size=2, unique=True).map(
    "_".join
)
DICT_KEYS = st.lists(st.sampled_from(OBJECT_KEYS), min_size=1, unique=True).map(
    lambda keys: tuple(sorted(keys))
)
MAYBE_TEXT = st.none() | TEXT
OPERATORS: tuple[Literal["in", "notin"], ...] = ("in", "notin")
RECORDS = st.builds(ModelRecord, TEXT, TEXT, TEXT)


@functools.cache
def below(count: int) -> st.SearchStrategy[int]:
    """An index into a list of `count` items."""
    return st.integers(0, count - 1)


def pick(draw: st.DrawFn, items: Sequence[T]) -> T:
    return items[draw(below(len(items)))]


def maybe(draw: st.DrawFn) -> bool:
    return draw(BOOLEANS)


def draw_label(draw: st.DrawFn, index: int, words: Sequence[str] = LABEL_WORDS) -> str:
    """A name unique by its `index`, short or as long as Tekton allows."""
    suffix = f"-{index}"
    word = pick(draw, words)
    return word[: 63 - len(suffix)].rstrip("-") + suffix


def draw_duration(draw: st.DrawFn, seconds: int) -> Duration:
    """A number of seconds, written in one of the ways a user may write it."""
    forms: list[Duration] = [seconds, f"{seconds}s", timedelta(seconds=seconds)]
    if seconds % 60 == 0:
        forms.append(f"{seconds // 60}m")
    return pick(draw, forms)


def draw_optional_duration(draw: st.DrawFn, longest: int) -> Duration | None:
    return draw_duration(draw, draw(st.integers(1, longest))) if maybe(draw) else None


def draw_params(
    draw: st.DrawFn, min_size: int, one_array: bool, first_required: bool
) -> tuple[ParamPlan, ...]:
    names = draw(st.lists(PARAM_NAMES, min_size=min_size, max_size=4, unique=True))
    params = []
    has_array = False
    for position, name in enumerate(names):
        forced = first_required and position == 0
        kinds = [
            kind
            for kind in KINDS
            if not (one_array and has_array and kind == "list") and not (forced and kind == "dict")
        ]
        kind = pick(draw, kinds)
        has_array = has_array or kind == "list"
        keys = draw(DICT_KEYS) if kind == "dict" else TYPED_DICT_KEYS.get(kind, ())
        # dict[str, str] takes its keys from its default, so it always has one.
        with_default = kind == "dict" or (not forced and maybe(draw))
        default = draw(values_of(kind, keys)) if with_default else NO_DEFAULT
        params.append(ParamPlan(name, kind, keys, default, draw(MAYBE_TEXT)))
    return tuple(params)


def draw_template(
    draw: st.DrawFn, index: int, label: str, required_workspaces: Sequence[str], needs: Needs
) -> TemplatePlan:
    params = draw_params(
        draw,
        min_size=1 if needs.required_param else 0,
        one_array=True,
        first_required=needs.required_param,
    )
    results = draw(
        st.lists(
            st.sampled_from(RESULT_NAMES),
            unique=True,
            min_size=1 if needs.results else 0,
            max_size=2,
        )
    )
    names = draw(
        st.lists(
            st.sampled_from(TASK_WORKSPACES),
            unique=True,
            min_size=1 if needs.writer else 0,
            max_size=2,
        )
    )
    workspaces = []
    for position, name in enumerate(names):
        forced_writer = needs.writer and position == 0
        # A required task workspace needs a required pipeline workspace to bind to.
        optional = not forced_writer and (not required_workspaces or maybe(draw))
        read_only = not forced_writer and maybe(draw)
        mount_path = pick(draw, (None, f"/mnt/{name}"))
        workspaces.append(WorkspacePlan(name, optional, read_only, mount_path, draw(TEXT)))
    image = pick(draw, (IMAGE, None))
    steps = []
    for position in range(draw(st.integers(2 if needs.two_steps else 1, 3))):
        kind: Literal["script", "command"] = pick(draw, ("script", "command"))
        default_name = kind == "script" and position == 0 and maybe(draw)
        step_image = pick(draw, (None, OTHER_IMAGE)) if image else IMAGE
        uses = pick(draw, [None, *(p.py_name for p in params)])
        step_name = None if default_name else f"step-{position}"
        timeout = pick(draw, (None, 90, 3600))
        working_dir = pick(draw, (None, "/tmp"))
        steps.append(StepPlan(kind, step_name, step_image, uses, timeout, working_dir))
    word = pick(draw, TASK_WORDS)
    return TemplatePlan(
        function_name=f"{word}_{index}",
        name=pick(draw, (None, label)),
        params=params,
        results=tuple(results),
        workspaces=tuple(workspaces),
        steps=tuple(steps),
        image=image,
        docstring=draw(MAYBE_TEXT),
        secret_env=maybe(draw),
        resources=maybe(draw),
        timeout=draw_optional_duration(draw, 24 * 3600),
        retries=pick(draw, (None, 0, 1, 3)),
    )


@dataclass
class Scope:
    """What a call may read while the plan is drawn."""

    params: tuple[ParamPlan, ...]
    record: bool
    regular: list[tuple[int, TemplatePlan]] = field(default_factory=list)

    def results(self, before: int | None) -> list[tuple[int, str]]:
        return [
            (index, result)
            for index, template in self.regular
            if before is None or index < before
            for result in template.results
        ]


def draw_reference(draw: st.DrawFn, scope: Scope, index: int, is_finally: bool) -> Source | None:
    """A Tekton variable holding a string that a call at `index` may read, or None if none."""
    makers: list[Callable[[], Source]] = []
    strings = [p.py_name for p in scope.params if p.kind in SCALAR_KINDS]
    if strings:
        makers.append(lambda: PipeParam(pick(draw, strings)))
    keys = [(p.py_name, key) for p in scope.params if p.kind in OBJECT_KINDS for key in p.keys]
    if keys:
        makers.append(lambda: ObjKey(*pick(draw, keys)))
    if scope.record:
        makers.append(lambda: RecordField(pick(draw, RECORD_FIELDS)))
    results = scope.results(None if is_finally else index)
    if results:
        makers.append(lambda: ResultOf(*pick(draw, results), maybe(draw)))
    if is_finally:
        calls = [None, *(i for i, _ in scope.regular)]
        makers.append(lambda: StatusOf(pick(draw, calls)))
    return pick(draw, makers)() if makers else None


def draw_string_source(
    draw: st.DrawFn, scope: Scope, index: int, is_finally: bool, kind: Kind
) -> Source:
    """A value for a param Tekton types as a string (str, int, float, bool, Literal)."""
    how = pick(
        draw, ("reference", "literal", "joined") if kind == "str" else ("reference", "literal")
    )
    reference = None if how == "literal" else draw_reference(draw, scope, index, is_finally)
    if reference is None:
        return Lit(draw(values_of(kind, ())))
    if how == "joined":
        return Joined(draw(TEXT), reference)
    return reference


def draw_source(
    draw: st.DrawFn, scope: Scope, index: int, is_finally: bool, param: ParamPlan
) -> Source:
    """A value for `param` of a task called at position `index`."""
    if param.kind in SCALAR_KINDS:
        return draw_string_source(draw, scope, index, is_finally, param.kind)
    if param.kind == "list":
        whole = [p.py_name for p in scope.params if p.kind == "list"]
    else:
        whole = [
            p.py_name
            for p in scope.params
            if p.kind in OBJECT_KINDS and set(p.keys) == set(param.keys)
        ]
    how = pick(draw, ("literal", "items", "whole") if whole else ("literal", "items"))
    if how == "whole":
        return PipeParam(pick(draw, whole))
    if how == "literal":
        return Lit(draw(values_of(param.kind, param.keys)))
    if param.kind == "list":
        count = draw(st.integers(0, 3))
        return ListOf(
            tuple(draw_string_source(draw, scope, index, is_finally, "str") for _ in range(count))
        )
    return DictOf(
        tuple(
            (key, draw_string_source(draw, scope, index, is_finally, "str")) for key in param.keys
        )
    )


def effective_bindings(
    template: TemplatePlan, explicit: Mapping[str, str], declared: set[str]
) -> dict[str, str]:
    """Task workspace -> pipeline workspace, as the DSL binds them (explicit, else same name)."""
    return {
        w.name: explicit.get(w.name, w.name)
        for w in template.workspaces
        if w.name in explicit or w.name in declared
    }


def mounts(template: TemplatePlan, bindings: Mapping[str, str]) -> dict[str, bool]:
    """Pipeline workspace -> whether this call writes it."""
    read_only = {w.name: w.read_only for w in template.workspaces}
    writes: dict[str, bool] = {}
    for task_workspace, target in bindings.items():
        writes[target] = writes.get(target, False) or not read_only[task_workspace]
    return writes


@dataclass
class FinallyMounts:
    """Finally tasks all start together: a workspace one of them writes is its alone."""

    writers: dict[str, int] = field(default_factory=dict)
    readers: set[str] = field(default_factory=set)

    def admit(self, index: int, writes: Mapping[str, bool]) -> bool:
        for workspace, write in writes.items():
            if workspace in self.writers or (write and workspace in self.readers):
                return False
        for workspace, write in writes.items():
            if write:
                self.writers[workspace] = index
            else:
                self.readers.add(workspace)
        return True


@st.composite
def pipeline_plans(draw: st.DrawFn, needs: Needs = NO_NEEDS) -> PipelinePlan:
    """A valid pipeline and run, described as data so Hypothesis can shrink and print it."""
    workspace_names = draw(
        st.lists(
            st.sampled_from(PIPELINE_WORKSPACES),
            unique=True,
            min_size=1 if needs.writer else 0,
            max_size=3,
        )
    )
    workspaces = tuple(
        (name, not (needs.writer and position == 0) and maybe(draw))
        for position, name in enumerate(workspace_names)
    )
    declared = {name for name, _ in workspaces}
    required = [name for name, optional in workspaces if not optional]
    params = draw_params(
        draw, min_size=1 if needs.run_param else 0, one_array=False, first_required=needs.run_param
    )
    record = maybe(draw)
    # 3 templates, 6 calls, the pipeline and the run; only the calls' names take no dots.
    labels = [
        draw_label(draw, index, LABEL_WORDS if 3 <= index < 9 else SUBDOMAIN_WORDS)
        for index in range(11)
    ]
    templates = tuple(
        draw_template(draw, i, labels[i], required, needs if i == 0 else NO_NEEDS)
        for i in range(draw(st.integers(1, 3)))
    )
    scope = Scope(params, record)
    calls: list[CallPlan] = []
    unnamed: set[int] = set()
    finally_mounts = FinallyMounts()
    # Richer shapes first: Hypothesis favours the first choice while it explores.
    regular_count = pick(draw, [n for n in (3, 2, 4, 1) if n >= needs.min_regular])
    finally_count = pick(draw, [n for n in (1, 2, 0) if n >= needs.min_finally])
    for position in range(regular_count + finally_count):
        is_finally = position >= regular_count
        index = len(calls)
        if position == 0 and needs.shapes_first_template:
            template_index = 0
        else:
            template_index = draw(below(len(templates)))
        template = templates[template_index]
        explicit: dict[str, str] = {}
        for workspace in template.workspaces:
            target = pick(draw, [None, *declared] if workspace.optional else required)
            if target is not None:
                explicit[workspace.name] = target
        writes = mounts(template, effective_bindings(template, explicit, declared))
        if is_finally and not finally_mounts.admit(index, writes):
            continue
        arguments = tuple(
            (param.py_name, draw_source(draw, scope, index, is_finally, param))
            for param in template.params
            if param.required or maybe(draw)
        )
        after: tuple[int, ...] = ()
        if not is_finally and index > 0:
            after = tuple(draw(st.lists(below(index), unique=True, max_size=2)))
            if needs.edge and index == 1:
                after = (0,)
        when = tuple(
            WhenPlan(
                draw_string_source(draw, scope, index, is_finally, "str"),
                pick(draw, OPERATORS),
                tuple(
                    draw_string_source(draw, scope, index, is_finally, "str")
                    for _ in range(draw(st.integers(1, 3)))
                ),
            )
            for _ in range(draw(st.integers(0, 2)))
        )
        # A call without a name takes its template's (if that is a DNS-1123 label, as pipeline
        # task names must be); only one call of a template may.
        name: str | None = labels[3 + index]
        dotted = "." in (template.name or "")
        if not is_finally and template_index not in unnamed and not dotted and maybe(draw):
            name = None
            unnamed.add(template_index)
        calls.append(
            CallPlan(
                template=template_index,
                name=name,
                arguments=arguments,
                workspaces=tuple(sorted(explicit.items())),
                after=after,
                when=when,
                is_finally=is_finally,
                timeout=draw_optional_duration(draw, 6 * 3600),
                retries=pick(draw, (None, 0, 2)),
            )
        )
        if not is_finally:
            scope.regular.append((index, template))
    return PipelinePlan(
        name=labels[9],
        docstring=draw(MAYBE_TEXT),
        api=pick(draw, API_VERSIONS),
        namespace=pick(draw, (None, "demo", "private-ai-demo")),
        target_fs_group=pick(draw, (None, 0, 1000970000)),
        workspaces=workspaces,
        params=params,
        record=record,
        templates=templates,
        calls=tuple(calls),
        run=draw_run(draw, labels[10], params, record, workspaces, templates, tuple(calls)),
    )


def draw_run(
    draw: st.DrawFn,
    label: str,
    params: tuple[ParamPlan, ...],
    record: bool,
    workspaces: tuple[tuple[str, bool], ...],
    templates: tuple[TemplatePlan, ...],
    calls: tuple[CallPlan, ...],
) -> RunPlan:
    arguments: list[tuple[str, Any]] = [
        (param.py_name, draw(values_of(param.kind, param.keys)))
        for param in params
        if param.required or maybe(draw)
    ]
    if record:
        arguments.append(("card", draw(RECORDS)))
    declared = {name for name, _ in workspaces}
    written: set[str] = set()
    for call in calls:
        template = templates[call.template]
        bindings = effective_bindings(template, dict(call.workspaces), declared)
        written |= {ws for ws, write in mounts(template, bindings).items() if write}
    volumes = []
    for name, optional in workspaces:
        sources: list[VolumeSource] = [
            VolumeClaim(),
            VolumeClaim(size="60Gi", storage_class="gp3-csi", access_mode="ReadWriteMany"),
            # A claim of its own: two workspaces on one claim are one volume (shared-workspace).
            ExistingClaim(f"{name}-claim"),
            EmptyDir(),
        ]
        if name not in written:
            sources += [
                SecretVolume("registry-auth"),
                ConfigMapVolume("ca-bundle"),
                ExistingClaim(f"{name}-claim", read_only=True),
            ]
        # Required workspaces left out get the pipeline's default, a fresh VolumeClaim();
        # optional ones stay unbound.
        if maybe(draw) or (optional and maybe(draw)):
            volumes.append((name, pick(draw, sources)))
    pipeline_seconds = draw(st.integers(60, 48 * 3600))
    tasks_seconds = draw(st.integers(1, pipeline_seconds)) if maybe(draw) else None
    room = pipeline_seconds - (tasks_seconds or 0)
    finally_seconds = draw(st.integers(1, room)) if room >= 1 and maybe(draw) else None
    return RunPlan(
        # generateName is the name and a "-", at most 58 characters: the API server adds 5.
        name=label[:57].rstrip("-."),
        arguments=tuple(arguments),
        workspaces=tuple(volumes),
        timeout=draw_duration(draw, pipeline_seconds),
        tasks_timeout=draw_duration(draw, tasks_seconds) if tasks_seconds else None,
        finally_timeout=draw_duration(draw, finally_seconds) if finally_seconds else None,
        fs_group=draw(st.integers(0, 2**31 - 1)),  # a group ID, as Kubernetes takes it
        service_account=pick(draw, (None, "pipeline", "builder")),
    )


# --- building real tasks, pipelines and runs from a plan ------------------------------------------


def _signature(params: Sequence[ParamPlan], namespace: dict[str, Any]) -> str:
    """Keyword-only parameters (so required ones may follow defaults), annotations and defaults
    passed through `namespace`, so any value works without being spelled in source."""
    parts = []
    for position, param in enumerate(params):
        namespace[f"A{position}"] = param.annotation()
        part = f"{param.py_name}: A{position}"
        if not param.required:
            namespace[f"D{position}"] = param.default
            part += f" = D{position}"
        parts.append(part)
    return f"*, {', '.join(parts)}" if parts else ""


def _define(source: str, name: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    exec(compile(source, f"<generated {name}>", "exec", dont_inherit=True), namespace)
    function: Callable[..., Any] = namespace[name]
    return function


def _steps(plan: TemplatePlan, placeholders: Mapping[str, Any]) -> list[Step]:
    """The body of every generated task function: it runs in this module, so script paths are
    relative to the tests directory."""
    kinds = {param.py_name: param for param in plan.params}
    steps = []
    for step in plan.steps:
        if step.kind == "script":
            steps.append(
                script_step(
                    HELLO,
                    name=step.name,
                    image=step.image,
                    timeout=step.timeout,
                    working_dir=step.working_dir,
                )
            )
            continue
        args: list[Any] = []
        env: dict[str, Any] = {}
        if step.uses_param is not None:
            param = kinds[step.uses_param]
            reference = placeholders[step.uses_param]
            if param.kind in OBJECT_KINDS:
                reference = reference[param.keys[0]]
            args.append(reference)
            if param.kind != "list":
                env["STEP_INPUT"] = reference
        steps.append(
            command_step(
                step.name or "run",
                ["echo"],
                args,
                image=step.image,
                env=env or None,
                timeout=step.timeout,
                working_dir=step.working_dir,
            )
        )
    return steps


def define_task(plan: TemplatePlan) -> Task[...]:
    namespace: dict[str, Any] = {"Steps": Steps, "_steps": _steps, "_PLAN": plan}
    signature = _signature(plan.params, namespace)
    source = (
        f"def {plan.function_name}({signature}) -> Steps:\n    return _steps(_PLAN, locals())\n"
    )
    function = _define(source, plan.function_name, namespace)
    function.__doc__ = plan.docstring
    env: list[SecretEnv | ConfigMapEnv] = []
    if plan.secret_env:
        env = [
            SecretEnv("API_TOKEN", secret="creds", key="token", optional=True),
            ConfigMapEnv("LOG_LEVEL", config_map="settings", key="level"),
        ]
    return task(
        name=plan.name,
        image=plan.image,
        workspaces=[
            Workspace(w.name, w.description, w.optional, w.read_only, w.mount_path)
            for w in plan.workspaces
        ],
        results=[
            Result(name, f"The {name}.") if name == "digest" else name for name in plan.results
        ],
        env=env,
        resources=Resources(requests={"cpu": "1"}, limits={"memory": "1Gi"})
        if plan.resources
        else None,
        timeout=plan.timeout,
        retries=plan.retries,
    )(function)


def _resolve(source: Source, placeholders: Mapping[str, Any], calls: Sequence[TaskCall]) -> Any:
    match source:
        case Lit(value):
            return value
        case PipeParam(name):
            return placeholders[name]
        case ObjKey(name, key):
            return placeholders[name][key]
        case RecordField(name):
            return getattr(placeholders["card"], name)
        case ResultOf(index, result, by_attribute):
            results = calls[index].results
            return getattr(results, result.replace("-", "_")) if by_attribute else results[result]
        case StatusOf(index):
            return PIPELINE_STATUS if index is None else calls[index].status
        case Joined(prefix, part):
            return f"{prefix}{_resolve(part, placeholders, calls)}"
        case ListOf(items):
            return [_resolve(item, placeholders, calls) for item in items]
        case DictOf(items):
            return {key: _resolve(item, placeholders, calls) for key, item in items}
    raise AssertionError(f"unknown source {source!r}")


def _trace(plan: PipelinePlan, tasks: Sequence[Task[...]], placeholders: Mapping[str, Any]) -> None:
    """The body of the generated pipeline function: calls the tasks the plan lists."""
    calls: list[TaskCall] = []

    def call(step: CallPlan) -> None:
        template = tasks[step.template]
        arguments = {name: _resolve(source, placeholders, calls) for name, source in step.arguments}
        options = (step.name, step.workspaces, step.timeout, step.retries)
        if options == (None, (), None, None):
            handle = template(**arguments)
        else:
            handle = template.options(
                name=step.name,
                workspaces=dict(step.workspaces) or None,
                timeout=step.timeout,
                retries=step.retries,
            )(**arguments)
        if step.after:
            handle.after(*(calls[index] for index in step.after))
        for when in step.when:
            handle.when(
                _resolve(when.input, placeholders, calls),
                when.operator,
                [_resolve(value, placeholders, calls) for value in when.values],
            )
        calls.append(handle)

    for step in plan.calls:
        if not step.is_finally:
            call(step)
    if any(step.is_finally for step in plan.calls):
        with finally_tasks():
            for step in plan.calls:
                if step.is_finally:
                    call(step)


@dataclass(frozen=True)
class Built:
    pipeline: Pipeline
    run: RunSpec
    target: Target

    def documents(self) -> list[dict[str, Any]]:
        """Every compiled Task, the Pipeline and the PipelineRun, as `modelcar compile` would."""
        specs = collect_specs(
            [("generated", "pipeline", self.pipeline), ("generated", "run", self.run)]
        )
        return [resource.document.body for resource in compile_project(specs, self.target)]


def build(plan: PipelinePlan) -> Built:
    tasks = [define_task(template) for template in plan.templates]
    namespace: dict[str, Any] = {"_trace": _trace, "_PLAN": plan, "_TASKS": tasks}
    signature = _signature(plan.params, namespace)
    if plan.record:
        namespace["ModelRecord"] = ModelRecord
        signature = f"{signature}, card: ModelRecord" if signature else "*, card: ModelRecord"
    source = f"def generated_pipeline({signature}) -> None:\n    _trace(_PLAN, _TASKS, locals())\n"
    function = _define(source, "generated_pipeline", namespace)
    function.__doc__ = plan.docstring
    generated = pipeline(
        name=plan.name,
        workspaces=[
            PipelineWorkspace(name, optional=True)
            if optional
            else PipelineWorkspace(name, default=VolumeClaim())
            for name, optional in plan.workspaces
        ],
    )(function)
    run = pipeline_run(
        plan.run.name,
        generated,
        params=dict(plan.run.arguments),
        workspaces=dict(plan.run.workspaces),
        timeout=plan.run.timeout,
        tasks_timeout=plan.run.tasks_timeout,
        finally_timeout=plan.run.finally_timeout,
        fs_group=plan.run.fs_group,
        service_account=plan.run.service_account,
    )
    target = Target(api=plan.api, namespace=plan.namespace, fs_group=plan.target_fs_group)
    return Built(generated, run, target)


# --- valid pipelines ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(plan=pipeline_plans())
def test_generated_pipelines_compile_without_problems(plan: PipelinePlan) -> None:
    """Any pipeline the DSL accepts and that follows Tekton's rules compiles clean: `check` must
    not reject valid DAGs, params, results, workspaces, finally tasks or when guards."""
    built = build(plan)
    assert check(built.pipeline, built.run, target=built.target) == []


@settings(max_examples=40, deadline=None)
@given(plan=pipeline_plans())
def test_generated_documents_fit_the_schemas(plan: PipelinePlan) -> None:
    """What the compiler writes must fit the yamale schemas of its kind and API version, or the
    cluster (or ArgoCD) rejects what `modelcar compile` called fine."""
    for document in build(plan).documents():
        assert schema_problems(document) == [], yaml.safe_dump(document, sort_keys=False)


def typed(value: Any) -> Any:
    """`value` with the type of every scalar spelled out, so `True` and `1` differ."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


@settings(max_examples=40, deadline=None)
@given(plan=pipeline_plans())
def test_generated_documents_round_trip_through_yaml(plan: PipelinePlan) -> None:
    """The emitted YAML must read back as exactly the compiled document: a value YAML reads as
    another type (`yes`, `1e3`, `0o17`) or text it mangles would change what Tekton gets."""
    for document in build(plan).documents():
        text = dump(document, "tests.test_generated_pipelines")
        loaded = yaml.safe_load(text)
        assert loaded == document, text
        assert typed(loaded) == typed(document), text


# --- one rule broken on purpose -------------------------------------------------------------------

RESULT_READ = re.compile(r"\$\(tasks\.([^.)\s]+)\.results\.")


@dataclass(frozen=True)
class Call:
    """A pipeline task in the compiled Pipeline, with its path there."""

    path: str
    body: dict[str, Any]
    is_finally: bool

    @property
    def name(self) -> str:
        return str(self.body["name"])


@dataclass
class Documents:
    """The compiled documents of one generated pipeline, to break in place."""

    tasks: dict[str, dict[str, Any]]
    pipeline: dict[str, Any]
    run: dict[str, Any]

    @classmethod
    def of(cls, documents: Sequence[dict[str, Any]]) -> Documents:
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for document in documents:
            by_kind.setdefault(document["kind"], []).append(copy.deepcopy(document))
        (pipeline_document,) = by_kind["Pipeline"]
        (run_document,) = by_kind["PipelineRun"]
        tasks = {
            task_document["metadata"]["name"]: task_document for task_document in by_kind["Task"]
        }
        return cls(tasks, pipeline_document, run_document)

    @property
    def api(self) -> str:
        return str(self.run["apiVersion"]).removeprefix("tekton.dev/")

    def all(self) -> list[dict[str, Any]]:
        return [*self.tasks.values(), self.pipeline, self.run]

    def calls(self, regular: bool = True, final: bool = True) -> list[Call]:
        spec = self.pipeline["spec"]
        found = []
        if regular:
            found += [Call(f"spec.tasks[{i}]", body, False) for i, body in enumerate(spec["tasks"])]
        if final:
            found += [
                Call(f"spec.finally[{i}]", body, True)
                for i, body in enumerate(spec.get("finally", []))
            ]
        return found

    def task_of(self, call: Call) -> dict[str, Any]:
        return self.tasks[call.body["taskRef"]["name"]]

    def parents(self) -> dict[str, set[str]]:
        """Regular task -> the regular tasks it runs after (runAfter and result reads)."""
        names = {call.name for call in self.calls(final=False)}
        parents: dict[str, set[str]] = {}
        for call in self.calls(final=False):
            found = set(call.body.get("runAfter", []))
            for text in strings_in([call.body.get("params"), call.body.get("when")]):
                found |= set(RESULT_READ.findall(text))
            parents[call.name] = found & names
        return parents


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def ancestors(parents: Mapping[str, set[str]], name: str) -> set[str]:
    found: set[str] = set()
    pending = list(parents.get(name, ()))
    while pending:
        parent = pending.pop()
        if parent not in found:
            found.add(parent)
            pending.extend(parents.get(parent, ()))
    return found


@dataclass(frozen=True)
class Broken:
    """The document broken on purpose and the paths at which the problem may be reported."""

    document: dict[str, Any]
    paths: frozenset[str]

    @classmethod
    def at(cls, document: dict[str, Any], *paths: str) -> Broken:
        return cls(document, frozenset(paths))


Breaker = Callable[[Documents, st.DataObject], Broken | None]


@dataclass(frozen=True)
class Mutation:
    id: str
    rule: catalog.Rule
    breaker: Breaker
    needs: Needs = NO_NEEDS


def choose(data: st.DataObject, items: Sequence[T]) -> T | None:
    return data.draw(st.sampled_from(items)) if items else None


def choose_entry(docs: Documents, data: st.DataObject, field: str) -> tuple[Call, int] | None:
    """One entry of some pipeline task's `field` list (params, workspaces): task and position."""
    entries = [
        (call, position)
        for call in docs.calls()
        for position in range(len(call.body.get(field, [])))
    ]
    return choose(data, entries)


def _append(body: dict[str, Any], key: str, item: Any) -> int:
    """Append `item` to the list `body[key]` (created if missing); return its index."""
    items = body.setdefault(key, [])
    items.append(item)
    return len(items) - 1


def _add_when(
    docs: Documents,
    data: st.DataObject,
    when: dict[str, Any],
    broken_field: str = "input",
    regular_only: bool = False,
) -> Broken | None:
    """Guard a task with `when`, which breaks a rule in its `broken_field`."""
    call = choose(data, docs.calls(final=not regular_only))
    if call is None:
        return None
    index = _append(call.body, "when", when)
    return Broken.at(docs.pipeline, f"{call.path}.when[{index}].{broken_field}")


def _when_reading(text: str) -> dict[str, Any]:
    return {"input": text, "operator": "in", "values": ["x"]}


# Pipeline: the task graph


def break_run_after(docs: Documents, data: st.DataObject) -> Broken | None:
    call = choose(data, docs.calls(final=False))
    assert call is not None
    index = _append(call.body, "runAfter", "no-such-task")
    return Broken.at(docs.pipeline, f"{call.path}.runAfter[{index}]")


def break_with_cycle(docs: Documents, data: st.DataObject) -> Broken | None:
    """`a` runs after one of its descendants `b`, or after itself. Every cycle then holds the new
    entry; the rule may name it or any other runAfter entry on a path from `a` to `b`."""
    parents = docs.parents()
    pairs = [
        (call, other)
        for call in docs.calls(final=False)
        for other in docs.calls(final=False)
        if call.name == other.name or call.name in ancestors(parents, other.name)
    ]
    pair = choose(data, pairs)
    if pair is None:
        return None
    first, descendant = pair
    between = {first.name, descendant.name} | (
        {n for n in parents if first.name in ancestors(parents, n)}
        & ancestors(parents, descendant.name)
    )
    paths = {
        f"{call.path}.runAfter[{position}]"
        for call in docs.calls(final=False)
        if call.name in between
        for position, after in enumerate(call.body.get("runAfter", []))
        if after in between
    }
    index = _append(first.body, "runAfter", descendant.name)
    return Broken(docs.pipeline, frozenset({*paths, f"{first.path}.runAfter[{index}]"}))


def break_task_name_twice(docs: Documents, data: st.DataObject) -> Broken | None:
    calls = docs.calls()
    pair = choose(data, [(i, j) for j in range(len(calls)) for i in range(j)])
    if pair is None:
        return None
    earlier, later = pair
    calls[later].body["name"] = calls[earlier].name
    return Broken.at(docs.pipeline, f"{calls[later].path}.name")


def break_finally_run_after(docs: Documents, data: st.DataObject) -> Broken | None:
    call = choose(data, docs.calls(regular=False))
    if call is None:
        return None
    call.body["runAfter"] = [docs.calls(final=False)[0].name]
    return Broken.at(docs.pipeline, f"{call.path}.runAfter")


def break_task_ref(docs: Documents, data: st.DataObject) -> Broken | None:
    call = choose(data, docs.calls())
    assert call is not None
    call.body["taskRef"]["name"] = "no-such-task"
    return Broken.at(docs.pipeline, f"{call.path}.taskRef.name")


def break_retries(docs: Documents, data: st.DataObject) -> Broken | None:
    call = choose(data, docs.calls())
    assert call is not None
    call.body["retries"] = -1
    return Broken.at(docs.pipeline, f"{call.path}.retries")


def break_task_timeout(docs: Documents, data: st.DataObject) -> Broken | None:
    call = choose(data, docs.calls())
    assert call is not None
    call.body["timeout"] = data.draw(st.sampled_from(("soon", "1 hour", "-", "5d")))
    return Broken.at(docs.pipeline, f"{call.path}.timeout")


def break_with_racing_copy(docs: Documents, data: st.DataObject) -> Broken | None:
    """A copy of a task that writes a workspace, without its runAfter: nothing orders the copy
    and the original, so the rule must flag the workspace on the copy or a task it races."""
    parents = docs.parents()
    writers = [
        (call, binding["workspace"])
        for call in docs.calls(final=False)
        for binding in call.body.get("workspaces", [])
        if not next(
            w.get("readOnly", False)
            for w in docs.task_of(call)["spec"]["workspaces"]
            if w["name"] == binding["name"]
        )
    ]
    chosen = choose(data, writers)
    if chosen is None:
        return None
    original, workspace = chosen
    racer = copy.deepcopy(original.body)
    racer["name"] = "racing-copy"
    racer.pop("runAfter", None)
    tasks = docs.pipeline["spec"]["tasks"]
    tasks.append(racer)
    racer_call = Call(f"spec.tasks[{len(tasks) - 1}]", racer, False)
    before_racer = {
        parent
        for parent in parents[original.name]
        if parent not in original.body.get("runAfter", [])
    }
    before_racer |= {a for p in before_racer for a in ancestors(parents, p)}
    paths = {
        f"{call.path}.workspaces[{position}]"
        for call in docs.calls(final=False)
        if call.name not in before_racer
        for position, binding in enumerate(call.body.get("workspaces", []))
        if binding["workspace"] == workspace
    }
    assert any(path.startswith(racer_call.path) for path in paths)
    return Broken(docs.pipeline, frozenset(paths))


# Pipeline: variables and when expressions


def break_unknown_task_result(docs: Documents, data: st.DataObject) -> Broken | None:
    return _add_when(docs, data, _when_reading("$(tasks.no-such-task.results.digest)"))


def break_unknown_result(docs: Documents, data: st.DataObject) -> Broken | None:
    pairs = [
        (reader, source)
        for reader in docs.calls()
        for source in docs.calls(final=False)
        if source.name != reader.name
    ]
    pair = choose(data, pairs)
    if pair is None:
        return None
    reader, source = pair
    index = _append(
        reader.body, "when", _when_reading(f"$(tasks.{source.name}.results.no-such-result)")
    )
    return Broken.at(docs.pipeline, f"{reader.path}.when[{index}].input")


def break_status_outside_finally(docs: Documents, data: st.DataObject) -> Broken | None:
    source = choose(data, docs.calls(final=False))
    assert source is not None
    return _add_when(docs, data, _when_reading(f"$(tasks.{source.name}.status)"), regular_only=True)


def break_finally_result_read(docs: Documents, data: st.DataObject) -> Broken | None:
    source = choose(data, docs.calls(regular=False))
    if source is None:
        return None
    return _add_when(docs, data, _when_reading(f"$(tasks.{source.name}.results.digest)"))


def break_pipeline_variable(docs: Documents, data: st.DataObject) -> Broken | None:
    return _add_when(docs, data, _when_reading("$(params.no-such-param)"))


def break_when_operator(docs: Documents, data: st.DataObject) -> Broken | None:
    operator = data.draw(st.sampled_from(("equals", "In", "", "not in", "notIn")))
    when = {"input": "x", "operator": operator, "values": ["x"]}
    return _add_when(docs, data, when, broken_field="operator")


# Pipeline tasks against their Tasks: params and workspaces


def _declared_param(docs: Documents, call: Call, name: str) -> dict[str, Any]:
    """The declaration, in the Task `call` runs, of the param `name`."""
    return next(p for p in docs.task_of(call)["spec"]["params"] if p["name"] == name)


def break_missing_param(docs: Documents, data: st.DataObject) -> Broken | None:
    candidates = [
        (call, position)
        for call in docs.calls()
        for position, param in enumerate(call.body.get("params", []))
        if "default" not in _declared_param(docs, call, param["name"])
    ]
    chosen = choose(data, candidates)
    if chosen is None:
        return None
    call, position = chosen
    del call.body["params"][position]
    return Broken.at(docs.pipeline, f"{call.path}.params")


def break_unknown_param(docs: Documents, data: st.DataObject) -> Broken | None:
    call = choose(data, docs.calls())
    assert call is not None
    index = _append(call.body, "params", {"name": "no-such-param", "value": "x"})
    return Broken.at(docs.pipeline, f"{call.path}.params[{index}]")


def break_param_value_type(docs: Documents, data: st.DataObject) -> Broken | None:
    chosen = choose_entry(docs, data, "params")
    if chosen is None:
        return None
    call, position = chosen
    given_param = call.body["params"][position]
    declared = _declared_param(docs, call, given_param["name"])
    given_param["value"] = {"key": "value"} if declared["type"] == "array" else ["a", "b"]
    return Broken.at(docs.pipeline, f"{call.path}.params[{position}].value")


NESTED_VALUES = ([["a"]], {"key": {"nested": "x"}}, [{"a": "b"}])


def break_param_value_nesting(docs: Documents, data: st.DataObject) -> Broken | None:
    """A value Tekton cannot decode: neither a string, a list of strings nor a string mapping."""
    chosen = choose_entry(docs, data, "params")
    if chosen is None:
        return None
    call, position = chosen
    call.body["params"][position]["value"] = data.draw(st.sampled_from(NESTED_VALUES))
    return Broken.at(docs.pipeline, f"{call.path}.params[{position}].value")


def break_param_given_twice(docs: Documents, data: st.DataObject) -> Broken | None:
    candidates = [call for call in docs.calls() if call.body.get("params")]
    call = choose(data, candidates)
    if call is None:
        return None
    index = _append(
        call.body, "params", copy.deepcopy(data.draw(st.sampled_from(call.body["params"])))
    )
    return Broken.at(docs.pipeline, f"{call.path}.params[{index}].name")


def break_undeclared_pipeline_workspace(docs: Documents, data: st.DataObject) -> Broken | None:
    chosen = choose_entry(docs, data, "workspaces")
    if chosen is None:
        return None
    call, position = chosen
    call.body["workspaces"][position]["workspace"] = "no-such-workspace"
    return Broken.at(docs.pipeline, f"{call.path}.workspaces[{position}]")


def break_unbound_task_workspace(docs: Documents, data: st.DataObject) -> Broken | None:
    candidates = [
        (call, position)
        for call in docs.calls()
        for position, binding in enumerate(call.body.get("workspaces", []))
        if not next(
            w.get("optional", False)
            for w in docs.task_of(call)["spec"]["workspaces"]
            if w["name"] == binding["name"]
        )
    ]
    chosen = choose(data, candidates)
    if chosen is None:
        return None
    call, position = chosen
    del call.body["workspaces"][position]
    if not call.body["workspaces"]:
        del call.body["workspaces"]
    return Broken.at(docs.pipeline, f"{call.path}.workspaces")


def break_unknown_task_workspace(docs: Documents, data: st.DataObject) -> Broken | None:
    declared = [w["name"] for w in docs.pipeline["spec"].get("workspaces", [])]
    call = choose(data, docs.calls())
    if call is None or not declared:
        return None
    binding = {"name": "no-such-workspace", "workspace": data.draw(st.sampled_from(declared))}
    index = _append(call.body, "workspaces", binding)
    return Broken.at(docs.pipeline, f"{call.path}.workspaces[{index}]")


def break_workspace_bound_twice(docs: Documents, data: st.DataObject) -> Broken | None:
    call = choose(data, [call for call in docs.calls() if call.body.get("workspaces")])
    if call is None:
        return None
    binding = copy.deepcopy(data.draw(st.sampled_from(call.body["workspaces"])))
    index = _append(call.body, "workspaces", binding)
    return Broken.at(docs.pipeline, f"{call.path}.workspaces[{index}].name")


# Tasks


def _any_task(docs: Documents, data: st.DataObject) -> dict[str, Any]:
    name = data.draw(st.sampled_from(sorted(docs.tasks)))
    return docs.tasks[name]


def _any_step(docs: Documents, data: st.DataObject) -> tuple[dict[str, Any], int]:
    document = _any_task(docs, data)
    return document, data.draw(st.integers(0, len(document["spec"]["steps"]) - 1))


def break_step_image(docs: Documents, data: st.DataObject) -> Broken | None:
    document, index = _any_step(docs, data)
    del document["spec"]["steps"][index]["image"]
    return Broken.at(document, f"spec.steps[{index}].image")


def break_param_name(docs: Documents, data: st.DataObject) -> Broken | None:
    document = choose(data, [d for d in docs.tasks.values() if d["spec"].get("params")])
    if document is None:
        return None
    index = data.draw(st.integers(0, len(document["spec"]["params"]) - 1))
    param = document["spec"]["params"][index]
    param["name"] = data.draw(st.sampled_from(("9{}", "{} x", "{}/x", "-{}", "{}:x"))).format(
        param["name"]
    )
    return Broken.at(document, f"spec.params[{index}].name")


def break_declared_twice(field: str) -> Breaker:
    """Declare one of a Task's params, results or workspaces a second time."""

    def breaker(docs: Documents, data: st.DataObject) -> Broken | None:
        document = choose(data, [d for d in docs.tasks.values() if d["spec"].get(field)])
        if document is None:
            return None
        item = copy.deepcopy(data.draw(st.sampled_from(document["spec"][field])))
        index = _append(document["spec"], field, item)
        return Broken.at(document, f"spec.{field}[{index}].name")

    return breaker


def break_no_steps(docs: Documents, data: st.DataObject) -> Broken | None:
    document = _any_task(docs, data)
    document["spec"]["steps"] = []
    return Broken.at(document, "spec.steps")


def break_step_name_twice(docs: Documents, data: st.DataObject) -> Broken | None:
    document = choose(data, [d for d in docs.tasks.values() if len(d["spec"]["steps"]) > 1])
    if document is None:
        return None
    steps = document["spec"]["steps"]
    later = data.draw(st.integers(1, len(steps) - 1))
    steps[later]["name"] = steps[data.draw(st.integers(0, later - 1))]["name"]
    return Broken.at(document, f"spec.steps[{later}].name")


def break_script_and_command(docs: Documents, data: st.DataObject) -> Broken | None:
    document, index = _any_step(docs, data)
    step = document["spec"]["steps"][index]
    step.setdefault("command", ["sh"])
    step.setdefault("script", "#!/bin/sh\necho hello\n")
    return Broken.at(document, f"spec.steps[{index}].script")


def break_script_variable(docs: Documents, data: st.DataObject) -> Broken | None:
    document, index = _any_step(docs, data)
    step = document["spec"]["steps"][index]
    step.pop("command", None)
    params = document["spec"].setdefault("params", [])
    params.append({"name": "injected-by-mutation", "default": "x"})
    step["script"] = "#!/bin/sh\necho $(params.injected-by-mutation)\n"
    return Broken.at(document, f"spec.steps[{index}].script")


def break_step_timeout(docs: Documents, data: st.DataObject) -> Broken | None:
    document, index = _any_step(docs, data)
    timeout = data.draw(st.sampled_from(("soon", "1 hour", "5d", 90)))
    document["spec"]["steps"][index]["timeout"] = timeout
    return Broken.at(document, f"spec.steps[{index}].timeout")


def break_env_name(docs: Documents, data: st.DataObject) -> Broken | None:
    document, index = _any_step(docs, data)
    name = data.draw(st.sampled_from(("1TOKEN", "MY VAR", "A=B", "")))
    position = _append(document["spec"]["steps"][index], "env", {"name": name, "value": "x"})
    return Broken.at(document, f"spec.steps[{index}].env[{position}].name")


def break_task_variable(docs: Documents, data: st.DataObject) -> Broken | None:
    document, index = _any_step(docs, data)
    variable = data.draw(
        st.sampled_from(
            (
                "$(params.no-such-param)",
                "$(workspaces.no-such-workspace.path)",
                "$(results.nope.path)",
            )
        )
    )
    position = _append(document["spec"]["steps"][index], "args", variable)
    return Broken.at(document, f"spec.steps[{index}].args[{position}]")


# Any document


def break_api_version(docs: Documents, data: st.DataObject) -> Broken | None:
    document = data.draw(st.sampled_from(docs.all()))
    document["apiVersion"] = data.draw(st.sampled_from(("tekton.dev/v2", "tekton.dev/v1alpha1")))
    return Broken.at(document, "apiVersion")


def break_metadata_name(docs: Documents, data: st.DataObject) -> Broken | None:
    document = data.draw(st.sampled_from([*docs.tasks.values(), docs.pipeline]))
    document["metadata"]["name"] = data.draw(
        st.sampled_from(("Upper-Case", "under_score", "x" * 64, "-dash"))
    )
    return Broken.at(document, "metadata.name")


# PipelineRun


def break_run_timeouts(docs: Documents, data: st.DataObject) -> Broken | None:
    spec = docs.run["spec"]
    if "timeout" in spec:
        spec["timeouts"] = {"pipeline": spec.pop("timeout")}
    pipeline_seconds = sum(
        int(number) * {"h": 3600, "m": 60, "s": 1}[unit]
        for number, unit in re.findall(r"(\d+)([hms])", spec["timeouts"]["pipeline"])
    )
    spec["timeouts"]["tasks"] = f"{pipeline_seconds + data.draw(st.integers(1, 3600))}s"
    return Broken.at(docs.run, "spec.timeouts.tasks")


def break_run_fs_group(docs: Documents, data: st.DataObject) -> Broken | None:
    """No fsGroup, or one Kubernetes refuses: either way the pods cannot share the workspace."""
    spec = docs.run["spec"]
    template = spec["taskRunTemplate"] if docs.api == "v1" else spec
    context = template["podTemplate"]["securityContext"]
    fs_group = data.draw(st.sampled_from((None, -1, 2**31, True, "1000970000")))
    if fs_group is None:
        del context["fsGroup"]
    else:
        context["fsGroup"] = fs_group
    prefix = "spec.taskRunTemplate" if docs.api == "v1" else "spec"
    return Broken.at(docs.run, f"{prefix}.podTemplate.securityContext.fsGroup")


def break_run_timeout(docs: Documents, data: st.DataObject) -> Broken | None:
    spec = docs.run["spec"]
    if "timeout" in spec:
        del spec["timeout"]
    else:
        del spec["timeouts"]["pipeline"]
    return Broken.at(docs.run, "spec.timeouts.pipeline")


def break_run_unbound_workspace(docs: Documents, data: st.DataObject) -> Broken | None:
    required = {
        w["name"] for w in docs.pipeline["spec"].get("workspaces", []) if not w.get("optional")
    }
    bindings = docs.run["spec"].get("workspaces", [])
    position = choose(data, [i for i, b in enumerate(bindings) if b["name"] in required])
    if position is None:
        return None
    del bindings[position]
    return Broken.at(docs.run, "spec.workspaces")


def break_run_volume_source(docs: Documents, data: st.DataObject) -> Broken | None:
    bindings = docs.run["spec"].get("workspaces", [])
    position = choose(data, range(len(bindings)))
    if position is None:
        return None
    binding = bindings[position]
    if "emptyDir" in binding:
        binding["persistentVolumeClaim"] = {"claimName": "models"}
    else:
        binding["emptyDir"] = {}
    return Broken.at(docs.run, f"spec.workspaces[{position}]")


def break_run_param_twice(docs: Documents, data: st.DataObject) -> Broken | None:
    params = docs.run["spec"].get("params", [])
    param = choose(data, params)
    if param is None:
        return None
    twin = copy.deepcopy(param)
    twin["name"] = data.draw(st.sampled_from((twin["name"], twin["name"].upper())))
    params.append(twin)
    return Broken.at(docs.run, f"spec.params[{len(params) - 1}].name")


def break_run_pipeline_ref(docs: Documents, data: st.DataObject) -> Broken | None:
    del docs.run["spec"]["pipelineRef"]
    return Broken.at(docs.run, "spec")


def break_run_field_of_other_api(docs: Documents, data: st.DataObject) -> Broken | None:
    spec = docs.run["spec"]
    if docs.api == "v1":
        spec["serviceAccountName"] = "pipeline"
        return Broken.at(docs.run, "spec.serviceAccountName")
    spec["taskRunTemplate"] = {"serviceAccountName": "pipeline"}
    return Broken.at(docs.run, "spec.taskRunTemplate")


def _task_param(docs: Documents, data: st.DataObject) -> tuple[dict[str, Any], int] | None:
    document = choose(data, [d for d in docs.tasks.values() if d["spec"].get("params")])
    if document is None:
        return None
    return document, data.draw(st.integers(0, len(document["spec"]["params"]) - 1))


def break_param_type(docs: Documents, data: st.DataObject) -> Broken | None:
    found = _task_param(docs, data)
    if found is None:
        return None
    document, index = found
    document["spec"]["params"][index]["type"] = data.draw(st.sampled_from(("integer", "String")))
    return Broken.at(document, f"spec.params[{index}].type")


def break_param_default(docs: Documents, data: st.DataObject) -> Broken | None:
    found = _task_param(docs, data)
    if found is None:
        return None
    document, index = found
    param = document["spec"]["params"][index]
    param["default"] = ["a"] if param["type"] == "string" else "a"
    return Broken.at(document, f"spec.params[{index}].default")


def break_object_properties(docs: Documents, data: st.DataObject) -> Broken | None:
    found = _task_param(docs, data)
    if found is None:
        return None
    document, index = found
    param = document["spec"]["params"][index]
    if param["type"] == "object":
        del param["properties"]
    else:
        param["properties"] = {"url": {"type": "string"}}
    return Broken.at(document, f"spec.params[{index}].properties")


def break_param_enum(docs: Documents, data: st.DataObject) -> Broken | None:
    found = _task_param(docs, data)
    if found is None:
        return None
    document, index = found
    param = document["spec"]["params"][index]
    param["enum"] = ["a"] if param["type"] != "string" else ["a", "a"]
    return Broken.at(document, f"spec.params[{index}].enum")


def break_params_type(docs: Documents, data: st.DataObject) -> Broken | None:
    document = _any_task(docs, data)
    document["spec"]["params"] = {"alpha": "x"}
    return Broken.at(document, "spec.params")


def break_array_isolation(docs: Documents, data: st.DataObject) -> Broken | None:
    """An array or object param inside a longer string: Tekton cannot splice a list into it."""
    candidates = [
        (document, param["name"])
        for document in docs.tasks.values()
        for param in document["spec"].get("params", [])
        if param["type"] in ("array", "object")
    ]
    chosen = choose(data, candidates)
    if chosen is None:
        return None
    document, name = chosen
    index = data.draw(st.integers(0, len(document["spec"]["steps"]) - 1))
    position = _append(document["spec"]["steps"][index], "args", f"--x=$(params.{name}[*])")
    return Broken.at(document, f"spec.steps[{index}].args[{position}]")


def break_result_name(docs: Documents, data: st.DataObject) -> Broken | None:
    document = choose(data, [d for d in docs.tasks.values() if d["spec"].get("results")])
    if document is None:
        return None
    index = data.draw(st.integers(0, len(document["spec"]["results"]) - 1))
    bad = data.draw(st.sampled_from(("-out", "out-", "has space", "a/b")))
    document["spec"]["results"][index]["name"] = bad
    return Broken.at(document, f"spec.results[{index}].name")


def break_result_type(docs: Documents, data: st.DataObject) -> Broken | None:
    document = choose(data, [d for d in docs.tasks.values() if d["spec"].get("results")])
    if document is None:
        return None
    index = data.draw(st.integers(0, len(document["spec"]["results"]) - 1))
    document["spec"]["results"][index]["type"] = "integer"
    return Broken.at(document, f"spec.results[{index}].type")


def break_result_size(docs: Documents, data: st.DataObject) -> Broken | None:
    """So many results that their names leave no room for values in the termination message."""
    document = _any_task(docs, data)
    results = document["spec"].setdefault("results", [])
    results += [{"name": f"extra-result-{i}", "type": "string"} for i in range(60)]
    return Broken.at(document, "spec.results")


def break_step_name(docs: Documents, data: st.DataObject) -> Broken | None:
    document, index = _any_step(docs, data)
    bad = data.draw(st.sampled_from(("Bad_Step", "-step", "step.one", "s" * 64)))
    document["spec"]["steps"][index]["name"] = bad
    return Broken.at(document, f"spec.steps[{index}].name")


def break_step_on_error(docs: Documents, data: st.DataObject) -> Broken | None:
    document, index = _any_step(docs, data)
    document["spec"]["steps"][index]["onError"] = data.draw(st.sampled_from(("ignore", "Continue")))
    return Broken.at(document, f"spec.steps[{index}].onError")


def break_volume_mount(docs: Documents, data: st.DataObject) -> Broken | None:
    document, index = _any_step(docs, data)
    mount = {
        "name": "scratch",
        "mountPath": data.draw(st.sampled_from(("/tekton/x", "/tekton/results"))),
    }
    position = _append(document["spec"]["steps"][index], "volumeMounts", mount)
    return Broken.at(document, f"spec.steps[{index}].volumeMounts[{position}].mountPath")


def break_mount_path_twice(docs: Documents, data: st.DataObject) -> Broken | None:
    document = choose(data, [d for d in docs.tasks.values() if d["spec"].get("workspaces")])
    if document is None:
        return None
    taken = data.draw(st.sampled_from(document["spec"]["workspaces"]))
    path = taken.get("mountPath", f"/workspace/{taken['name']}")
    extra = {"name": "extra-workspace", "mountPath": path, "optional": True}
    index = _append(document["spec"], "workspaces", extra)
    return Broken.at(document, f"spec.workspaces[{index}].mountPath")


def break_pipeline_workspace_twice(docs: Documents, data: st.DataObject) -> Broken | None:
    declared = docs.pipeline["spec"].get("workspaces")
    if not declared:
        return None
    index = _append(docs.pipeline["spec"], "workspaces", copy.deepcopy(declared[0]))
    return Broken.at(docs.pipeline, f"spec.workspaces[{index}].name")


def break_on_error_with_retries(docs: Documents, data: st.DataObject) -> Broken | None:
    call = choose(data, docs.calls())
    assert call is not None
    call.body["onError"] = "continue"
    call.body["retries"] = data.draw(st.integers(1, 5))
    return Broken.at(docs.pipeline, f"{call.path}.onError")


def break_task_ref_and_spec(docs: Documents, data: st.DataObject) -> Broken | None:
    call = choose(data, docs.calls())
    assert call is not None
    call.body["taskSpec"] = {"steps": [{"name": "run", "image": IMAGE}]}
    return Broken.at(docs.pipeline, call.path)


def break_pipeline_task_name(docs: Documents, data: st.DataObject) -> Broken | None:
    call = choose(data, docs.calls())
    assert call is not None
    call.body["name"] = data.draw(st.sampled_from(("Bad_Name", "-task", "a.b", "t" * 64)))
    return Broken.at(docs.pipeline, f"{call.path}.name")


def break_no_tasks(docs: Documents, data: st.DataObject) -> Broken | None:
    docs.pipeline["spec"]["tasks"] = []
    return Broken.at(docs.pipeline, "spec.tasks")


def break_pipeline_result(docs: Documents, data: st.DataObject) -> Broken | None:
    value = data.draw(st.sampled_from(("x", "$(params.alpha)", "$(tasks.no-such-task.results.r)")))
    index = _append(docs.pipeline["spec"], "results", {"name": "summary", "value": value})
    return Broken.at(docs.pipeline, f"spec.results[{index}].value")


def break_missing_name(docs: Documents, data: st.DataObject) -> Broken | None:
    document = data.draw(st.sampled_from([*docs.tasks.values(), docs.pipeline]))
    del document["metadata"]["name"]
    return Broken.at(document, "metadata.name")


def _run_param(docs: Documents, data: st.DataObject) -> tuple[int, dict[str, Any]] | None:
    params = docs.run["spec"].get("params", [])
    index = choose(data, range(len(params)))
    if index is None:
        return None
    declared = next(
        p for p in docs.pipeline["spec"]["params"] if p["name"] == params[index]["name"]
    )
    return index, declared


def break_run_param_missing(docs: Documents, data: st.DataObject) -> Broken | None:
    found = _run_param(docs, data)
    if found is None or "default" in found[1]:
        return None
    del docs.run["spec"]["params"][found[0]]
    return Broken.at(docs.run, "spec.params")


def break_run_param_value_type(docs: Documents, data: st.DataObject) -> Broken | None:
    found = _run_param(docs, data)
    if found is None:
        return None
    index, declared = found
    wrong = {"key": "value"} if declared["type"] == "array" else ["a", "b"]
    docs.run["spec"]["params"][index]["value"] = wrong
    return Broken.at(docs.run, f"spec.params[{index}].value")


def break_run_param_value_nesting(docs: Documents, data: st.DataObject) -> Broken | None:
    found = _run_param(docs, data)
    if found is None:
        return None
    docs.run["spec"]["params"][found[0]]["value"] = data.draw(st.sampled_from(NESTED_VALUES))
    return Broken.at(docs.run, f"spec.params[{found[0]}].value")


def break_run_param_unknown(docs: Documents, data: st.DataObject) -> Broken | None:
    index = _append(docs.run["spec"], "params", {"name": "no-such-param", "value": "x"})
    return Broken.at(docs.run, f"spec.params[{index}]")


def break_run_workspace_unknown(docs: Documents, data: st.DataObject) -> Broken | None:
    binding = {"name": "no-such-workspace", "emptyDir": {}}
    index = _append(docs.run["spec"], "workspaces", binding)
    return Broken.at(docs.run, f"spec.workspaces[{index}]")


def break_run_workspace_twice(docs: Documents, data: st.DataObject) -> Broken | None:
    bindings = docs.run["spec"].get("workspaces", [])
    binding = choose(data, bindings)
    if binding is None:
        return None
    bindings.append(copy.deepcopy(binding))
    return Broken.at(docs.run, f"spec.workspaces[{len(bindings) - 1}].name")


def break_run_status(docs: Documents, data: st.DataObject) -> Broken | None:
    docs.run["spec"]["status"] = data.draw(st.sampled_from(("Paused", "Running", "cancelled")))
    return Broken.at(docs.run, "spec.status")


TWO = Needs(min_regular=2)
PARAMS = Needs(required_param=True)
RESULTS = Needs(results=True)
WRITER = Needs(writer=True)
RUN_PARAM = Needs(run_param=True)
MUTATIONS = [
    Mutation("run-after-unknown-task", catalog.RUN_AFTER, break_run_after),
    Mutation(
        "cycle-through-run-after", catalog.CYCLE, break_with_cycle, Needs(min_regular=2, edge=True)
    ),
    Mutation("task-name-twice", catalog.PIPELINE_TASK_DUPLICATE, break_task_name_twice, TWO),
    Mutation(
        "finally-run-after",
        catalog.FINALLY_RUN_AFTER,
        break_finally_run_after,
        Needs(min_finally=1),
    ),
    Mutation("task-ref-to-missing-task", catalog.MISSING_REFERENCE, break_task_ref),
    Mutation("negative-retries", catalog.RETRIES, break_retries),
    Mutation("bad-task-timeout", catalog.TASK_TIMEOUT, break_task_timeout),
    Mutation("racing-writers", catalog.SHARED_WORKSPACE, break_with_racing_copy, WRITER),
    Mutation("result-of-unknown-task", catalog.RESULT_REFERENCE, break_unknown_task_result),
    Mutation("unknown-result", catalog.RESULT_REFERENCE, break_unknown_result, TWO),
    Mutation("status-in-regular-task", catalog.TASK_STATUS, break_status_outside_finally),
    Mutation(
        "finally-result-read",
        catalog.FINALLY_RESULT_REFERENCE,
        break_finally_result_read,
        Needs(min_finally=1),
    ),
    Mutation("unknown-pipeline-param", catalog.PIPELINE_VARIABLE, break_pipeline_variable),
    Mutation("bad-when-operator", catalog.WHEN, break_when_operator),
    Mutation(
        "required-param-missing",
        catalog.PARAM_MISSING,
        break_missing_param,
        PARAMS,
    ),
    Mutation("unknown-param", catalog.PARAM_UNKNOWN, break_unknown_param),
    Mutation(
        "param-value-type",
        catalog.PARAM_VALUE_TYPE,
        break_param_value_type,
        PARAMS,
    ),
    Mutation(
        "param-given-twice",
        catalog.PARAM_DUPLICATE,
        break_param_given_twice,
        PARAMS,
    ),
    Mutation(
        "undeclared-pipeline-workspace",
        catalog.PIPELINE_WORKSPACE,
        break_undeclared_pipeline_workspace,
        WRITER,
    ),
    Mutation(
        "required-workspace-unbound",
        catalog.WORKSPACE_UNBOUND,
        break_unbound_task_workspace,
        WRITER,
    ),
    Mutation(
        "unknown-task-workspace",
        catalog.WORKSPACE_UNKNOWN,
        break_unknown_task_workspace,
        WRITER,
    ),
    Mutation(
        "workspace-bound-twice",
        catalog.WORKSPACE_DUPLICATE,
        break_workspace_bound_twice,
        WRITER,
    ),
    Mutation("step-without-image", catalog.STEP_IMAGE, break_step_image),
    Mutation("bad-param-name", catalog.PARAM_NAME, break_param_name, PARAMS),
    Mutation(
        "param-declared-twice",
        catalog.PARAM_DUPLICATE,
        break_declared_twice("params"),
        PARAMS,
    ),
    Mutation(
        "result-declared-twice",
        catalog.RESULT_DUPLICATE,
        break_declared_twice("results"),
        RESULTS,
    ),
    Mutation("no-steps", catalog.TASK_NO_STEPS, break_no_steps),
    Mutation(
        "step-name-twice", catalog.STEP_DUPLICATE, break_step_name_twice, Needs(two_steps=True)
    ),
    Mutation("script-and-command", catalog.STEP_SCRIPT_COMMAND, break_script_and_command),
    Mutation("variable-in-script", catalog.SCRIPT_VARIABLE, break_script_variable),
    Mutation("bad-env-name", catalog.ENV_NAME, break_env_name),
    Mutation("bad-step-timeout", catalog.TASK_TIMEOUT, break_step_timeout),
    Mutation("nested-param-value", catalog.FIELD_TYPE, break_param_value_nesting, PARAMS),
    Mutation(
        "nested-run-param-value", catalog.FIELD_TYPE, break_run_param_value_nesting, RUN_PARAM
    ),
    Mutation("unknown-task-variable", catalog.TASK_VARIABLE, break_task_variable),
    Mutation("unknown-api-version", catalog.API_VERSION, break_api_version),
    Mutation("bad-metadata-name", catalog.METADATA_NAME, break_metadata_name),
    Mutation("tasks-timeout-over-pipeline", catalog.TIMEOUTS, break_run_timeouts),
    Mutation("run-fs-group-missing-or-invalid", catalog.RUN_FS_GROUP, break_run_fs_group),
    Mutation("run-without-timeout", catalog.RUN_TIMEOUT, break_run_timeout),
    Mutation(
        "run-leaves-workspace-unbound",
        catalog.WORKSPACE_UNBOUND,
        break_run_unbound_workspace,
        WRITER,
    ),
    Mutation(
        "two-volume-sources",
        catalog.RUN_WORKSPACE_SOURCE,
        break_run_volume_source,
        WRITER,
    ),
    Mutation("run-param-twice", catalog.RUN_PARAM_DUPLICATE, break_run_param_twice, RUN_PARAM),
    Mutation("run-without-pipeline-ref", catalog.PIPELINE_REF, break_run_pipeline_ref),
    Mutation("run-field-of-other-api", catalog.UNKNOWN_FIELD, break_run_field_of_other_api),
    Mutation("bad-param-type", catalog.PARAM_TYPE, break_param_type, PARAMS),
    Mutation("default-of-wrong-type", catalog.PARAM_DEFAULT, break_param_default, PARAMS),
    Mutation("object-properties", catalog.OBJECT_PROPERTIES, break_object_properties, PARAMS),
    Mutation("bad-enum", catalog.PARAM_ENUM, break_param_enum, PARAMS),
    Mutation("params-not-a-list", catalog.FIELD_TYPE, break_params_type),
    Mutation("array-in-longer-string", catalog.ARRAY_ISOLATION, break_array_isolation, PARAMS),
    Mutation("bad-result-name", catalog.RESULT_NAME, break_result_name, RESULTS),
    Mutation("bad-result-type", catalog.RESULT_TYPE, break_result_type, RESULTS),
    Mutation("too-many-results", catalog.RESULT_SIZE, break_result_size),
    Mutation("bad-step-name", catalog.STEP_NAME, break_step_name),
    Mutation("bad-step-on-error", catalog.STEP_ON_ERROR, break_step_on_error),
    Mutation("volume-mount-under-tekton", catalog.VOLUME_MOUNT, break_volume_mount),
    Mutation(
        "task-workspace-twice",
        catalog.WORKSPACE_DUPLICATE,
        break_declared_twice("workspaces"),
        WRITER,
    ),
    Mutation("mount-path-twice", catalog.WORKSPACE_MOUNT_PATH, break_mount_path_twice, WRITER),
    Mutation(
        "pipeline-workspace-twice",
        catalog.WORKSPACE_DUPLICATE,
        break_pipeline_workspace_twice,
        WRITER,
    ),
    Mutation("on-error-with-retries", catalog.ON_ERROR_RETRIES, break_on_error_with_retries),
    Mutation("task-ref-and-task-spec", catalog.TASK_REF, break_task_ref_and_spec),
    Mutation("bad-pipeline-task-name", catalog.PIPELINE_TASK_NAME, break_pipeline_task_name),
    Mutation("no-tasks", catalog.PIPELINE_NO_TASKS, break_no_tasks),
    Mutation("pipeline-result-reads-no-task", catalog.PIPELINE_RESULT, break_pipeline_result),
    Mutation("resource-without-name", catalog.MISSING_FIELD, break_missing_name),
    Mutation("run-param-missing", catalog.PARAM_MISSING, break_run_param_missing, RUN_PARAM),
    Mutation("run-param-type", catalog.PARAM_VALUE_TYPE, break_run_param_value_type, RUN_PARAM),
    Mutation("run-param-unknown", catalog.PARAM_UNKNOWN, break_run_param_unknown),
    Mutation("run-workspace-unknown", catalog.WORKSPACE_UNKNOWN, break_run_workspace_unknown),
    Mutation(
        "run-workspace-twice", catalog.RUN_WORKSPACE_DUPLICATE, break_run_workspace_twice, WRITER
    ),
    Mutation("bad-run-status", catalog.RUN_STATUS, break_run_status),
]


def test_mutations_cover_many_rules() -> None:
    """The issue asks for at least ten kinds of breakage, each checked against its own rule."""
    assert len({mutation.rule.id for mutation in MUTATIONS}) >= 10
    assert all(mutation.rule.id in catalog.RULES for mutation in MUTATIONS)
    assert len({mutation.id for mutation in MUTATIONS}) == len(MUTATIONS)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda mutation: mutation.id)
@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_a_rule_broken_on_purpose_is_reported(mutation: Mutation, data: st.DataObject) -> None:
    """Break one rule in the compiled documents of a valid generated pipeline: validation must
    report exactly that rule, at the field that was broken, whatever the pipeline around it."""
    plan = data.draw(pipeline_plans(mutation.needs), label="plan")
    docs = Documents.of(build(plan).documents())
    unbroken = validate_documents([SourceDocument(d, lambda path: None) for d in docs.all()])
    assert unbroken == [], "the valid pipeline's documents must pass every rule on their own"
    broken = mutation.breaker(docs, data)
    assume(broken is not None)
    assert broken is not None
    problems = validate_documents([SourceDocument(d, lambda path: None) for d in docs.all()])
    resource = SourceDocument(broken.document, lambda path: None).resource
    found = [
        problem
        for problem in problems
        if problem.rule == mutation.rule.id
        and problem.resource == resource
        and problem.path in broken.paths
    ]
    assert found, (
        f"expected [{mutation.rule.id}] on {resource} at one of {sorted(broken.paths)}; got:\n"
        + "\n".join(map(str, problems))
        + "\n"
        + yaml.safe_dump(broken.document, sort_keys=False)
    )


# --- bugs these properties found, as minimal reproductions ----------------------------------------
#
# Each failed here before c782801 fixed it; the generated properties above now cover them too.


def minimal_documents() -> Documents:
    """Two tasks, one reading the other's result, and a run: the smallest valid pipeline."""

    @task(image=IMAGE, results=["digest"])
    def first(tag: str = "x") -> Steps:
        return [command_step("run", ["true"])]

    @pipeline()
    def flow() -> None:
        built = first.options(name="a")()
        first.options(name="b")(tag=built.results.digest)

    run = pipeline_run("flow-run", flow, fs_group=1000970000)
    return Documents.of(Built(flow, run, Target()).documents())


def problems_in(docs: Documents) -> list[tuple[str, str]]:
    problems = validate_documents([SourceDocument(d, lambda path: None) for d in docs.all()])
    return [(problem.rule, problem.path) for problem in problems]


def test_minimal_documents_are_valid() -> None:
    """The reproductions below break one thing each in documents that are otherwise valid."""
    assert problems_in(minimal_documents()) == []


def test_a_task_that_runs_after_itself_is_a_cycle() -> None:
    """Tekton refuses a task that waits for itself (a one-task cycle), so validation must too;
    the rules used to drop the self edge before looking for cycles."""
    docs = minimal_documents()
    docs.pipeline["spec"]["tasks"][0]["runAfter"] = ["a"]
    assert ("cycle", "spec.tasks[0].runAfter[0]") in problems_in(docs)


@pytest.mark.parametrize("fs_group", [-1, 2**31, True], ids=["negative", "too-big", "bool"])
def test_an_invalid_fs_group_in_a_run_document_is_reported(fs_group: int) -> None:
    """An fsGroup Kubernetes refuses is as bad as none: the run's pods never start. The rule
    used to take any int (and `true`)."""
    docs = minimal_documents()
    context = docs.run["spec"]["taskRunTemplate"]["podTemplate"]["securityContext"]
    context["fsGroup"] = fs_group
    path = "spec.taskRunTemplate.podTemplate.securityContext.fsGroup"
    assert ("run-fs-group", path) in problems_in(docs)


@pytest.mark.parametrize("fs_group", [-1, 2**31], ids=["negative", "too-big"])
def test_an_invalid_fs_group_in_the_dsl_is_rejected(fs_group: int) -> None:
    """The DSL must not compile a run whose pods Kubernetes refuses; `check` used to pass
    `pipeline_run(fs_group=-1)`."""

    @task(image=IMAGE)
    def hello() -> Steps:
        return [command_step("run", ["true"])]

    @pipeline()
    def flow() -> None:
        hello()

    try:
        run = pipeline_run("flow-run", flow, fs_group=fs_group)
    except DefinitionError:
        return  # rejected where it is written: as good as a problem from check()
    assert "run-fs-group" in [problem.rule for problem in check(run)]


def _check_and_schemas_agree(built: Built) -> None:
    accepted = check(built.pipeline, built.run, target=built.target) == []
    problems = [problem for d in built.documents() for problem in schema_problems(d)]
    assert accepted == (problems == []), problems


def test_dotted_resource_names_pass_check_and_the_schemas() -> None:
    """`check` and the schemas must agree on what a valid name is; the schemas used to refuse
    the dotted Task and Pipeline names the rules accept, as Tekton does."""

    @task(name="fetch.v2", image=IMAGE)
    def fetch() -> Steps:
        return [command_step("run", ["true"])]

    @pipeline(name="flow.v2")
    def flow() -> None:
        fetch.options(name="fetch")()

    run = pipeline_run("flow-run", flow, fs_group=1000970000)
    built = Built(flow, run, Target())
    _check_and_schemas_agree(built)
    assert check(built.pipeline, built.run) == []


def test_long_run_names_are_refused_by_check_and_the_schemas() -> None:
    """`check` and the schemas must agree on how long a run name may be; `check` used to pass
    58 characters, which the schema refuses."""

    @task(image=IMAGE)
    def hello() -> Steps:
        return [command_step("run", ["true"])]

    @pipeline()
    def flow() -> None:
        hello()

    run = pipeline_run("r" * 58, flow, fs_group=1000970000)
    built = Built(flow, run, Target())
    _check_and_schemas_agree(built)
    assert "metadata-name" in [problem.rule for problem in check(built.run)]


@pytest.mark.parametrize("field", ["step-timeout", "nested-param-value"])
def test_values_tekton_cannot_decode_are_reported(field: str) -> None:
    """Tekton's webhook cannot decode these, so `modelcar validate` must not pass them; no rule
    used to look at a step's timeout or a param value's nesting."""
    docs = minimal_documents()
    if field == "step-timeout":
        (task_document,) = docs.tasks.values()
        task_document["spec"]["steps"][0]["timeout"] = "soon"
        path = "spec.steps[0].timeout"
    else:
        docs.pipeline["spec"]["tasks"][1]["params"][0]["value"] = [["a"]]
        path = "spec.tasks[1].params[0].value"
    assert path in [found_path for _, found_path in problems_in(docs)]
