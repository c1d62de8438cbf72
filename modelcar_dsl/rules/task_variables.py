"""`$(...)` variables in a Task's steps, judged as Tekton judges them.

Tekton's webhook reads variables only in some step fields (name, image, workingDir, script,
onError, command, args, env values, volumeMounts), and checks param names only where it knows
them all: a Task on its own, a taskSpec in a Pipeline, a taskSpec in a PipelineRun's
pipelineSpec. Elsewhere params and workspaces propagate from the pipeline or run (TEP-0107,
TEP-0111), so a name that reaches no step is a run-time problem, not an admission one.
Decided by pkg/apis/pipeline/v1/task_validation.go and pkg/substitution/substitution.go.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator
from typing import Any

import attrs

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.rules.declarations import param_type
from modelcar_dsl.rules.document import Report, mapping, mappings, sequence
from modelcar_dsl.rules.variables import (
    TASK_CONTEXT,
    check_context_use,
    check_result_use,
    check_workspace_use,
    strings,
    variables,
)

_INDEX = re.compile(r"\[[0-9]*\*?\]")
STEP_RESULT = re.compile(r"\$\(steps\..*?\.results\..*?\)")
"""Tekton's StepResultRegex: any `$(steps.<step>.results.<name>...)`."""
_STEP_RESULT_FIELDS = ("name", "image", "script", "imagePullPolicy", "workingDir")
_STEP_RESULT_LISTS = (
    ("envFrom", ("prefix", "configMapRef.name", "secretRef.name")),
    ("volumeMounts", ("name", "mountPath", "subPath")),
    ("volumeDevices", ("name", "devicePath")),
)
"""The step fields Tekton refuses a step result in (validateStepResultReference)."""
"""Array indexing (`[0]`, `[*]`), which Tekton trims before it looks a name up."""
TASK_RUN_CONTEXT = ("name", "namespace", "uid")
TASK_CONTEXT_NAMES = ("name", "retry-count")


@functools.lru_cache(maxsize=256)
def _reference(prefix: str) -> re.Pattern[str]:
    """Tekton's reference pattern for `prefix`: `$(prefix.x)`, `$(prefix["x"])`, `$(prefix['x'])`,
    each optionally ending in `[*]`; the name is matched lazily up to the first `)`."""
    name = r".*?(?:\[\*\])?"
    return re.compile(
        rf"""\$\({prefix}(?:\.(?P<dot>{name})|\["(?P<double>{name})"\]|\['(?P<single>{name})'\])\)"""
    )


def references(text: str, prefix: str) -> tuple[list[str], str | None]:
    """The names `text` refers to under `prefix` as Tekton extracts them (the part before a
    second dot), and Tekton's error when a dotted reference has more than two parts."""
    found, error = located_references(text, prefix)
    return [name for _, name in found], error


def located_references(text: str, prefix: str) -> tuple[list[tuple[str, str]], str | None]:
    """`references`, each with the variable's own text (`$(params.x)`)."""
    found: list[tuple[str, str]] = []
    for match in _reference(prefix).finditer(text):
        dotted = match.group("dot")
        if dotted and "." in dotted:
            parts = dotted.split(".")
            if len(parts) > 2:
                return found, (
                    f"{match.group(0)} has more than two dot-separated parts after '"
                    f"{prefix.replace(chr(92), '')}'; use the bracket form "
                    f'$({prefix.replace(chr(92), "")}["a.b"]) for a name with dots'
                )
            found.append((match.group(0), parts[0]))
        else:
            name = dotted or match.group("double") or match.group("single") or ""
            found.append((match.group(0), name))
    return found, None


def whole_references(text: str, prefix: str) -> list[str]:
    """Every name referred to in full, dots kept (`obj`, `obj.key`, `arr[*]`)."""
    return [
        match.group("dot") or match.group("double") or match.group("single") or ""
        for match in _reference(prefix).finditer(text)
    ]


def first_undeclared(
    found: list[tuple[str, str]], known: Collection[str]
) -> tuple[str, str] | None:
    """The first (variable, name) of `found` whose name, array index trimmed, is not `known`:
    Tekton reports one unknown name a string."""
    for variable, name in found:
        trimmed = _INDEX.sub("", name)
        if trimmed not in known:
            return variable, trimmed
    return None


def undeclared_message(
    found: list[tuple[str, str]], known: Collection[str], what: str
) -> str | None:
    """`$(params.x) names param 'x', which is not declared; did you mean ...`, or None."""
    first = first_undeclared(found, known)
    if first is None:
        return None
    variable, name = first
    return f"{variable} names {what} {name!r}, which is not declared" + did_you_mean(name, known)


def missing_key_message(
    found: list[tuple[str, str]], param: str, keys: Collection[str]
) -> str | None:
    """The first key of object param `param` that `found` reads and it does not declare."""
    first = first_undeclared(found, keys)
    if first is None:
        return None
    variable, key = first
    return f"{variable}: object param {param!r} has no key {key!r}" + did_you_mean(key, keys)


@attrs.frozen
class ParamScope:
    """The params a Task's steps may name: `admitted`, those Tekton's webhook knows (None: it
    checks no names here), and `propagated`, names that reach the steps at run time from the
    pipeline, its tasks or the run."""

    admitted: dict[str, dict[str, Any]] | None
    propagated: frozenset[str] = frozenset()


def step_fields(step: dict[str, Any], path: str) -> Iterator[tuple[str, str, bool]]:
    """(field path, text, is a list item of command or args) of the step fields Tekton reads
    variables in."""
    for field in ("name", "image", "workingDir", "script", "onError"):
        value = step.get(field)
        if isinstance(value, str) and "$(" in value:
            yield f"{path}.{field}", value, False
    for field in ("command", "args"):
        for index, item in enumerate(sequence(step.get(field))):
            if isinstance(item, str) and "$(" in item:
                yield f"{path}.{field}[{index}]", item, True
    for index, env in mappings(step.get("env")):
        value = env.get("value")
        if isinstance(value, str) and "$(" in value:
            yield f"{path}.env[{index}].value", value, False
    for index, mount in mappings(step.get("volumeMounts")):
        for field in ("name", "mountPath", "subPath"):
            value = mount.get(field)
            if isinstance(value, str) and "$(" in value:
                yield f"{path}.volumeMounts[{index}].{field}", value, False


def check_step_variables(
    spec: dict[str, Any],
    path: str,
    report: Report,
    declared: dict[str, dict[str, Any]],
    scope: ParamScope,
    workspaces: set[str],
    results: set[str],
) -> None:
    """Every variable in the Task spec at `path`: Tekton's admission checks in the step fields
    it reads, and what would go unresolved at run time everywhere else."""
    known = scope.admitted if scope.admitted is not None else declared
    arrays = {name for name, param in known.items() if param_type(param) == "array"}
    objects = {name: param for name, param in known.items() if param_type(param) == "object"}
    read: set[str] = set()
    steps = [step for _, step in mappings(spec.get("steps"))]
    inherited = _inherited(mapping(spec.get("stepTemplate")), steps, f"{path}.stepTemplate")
    for index, step in mappings(spec.get("steps")):
        check_step_result_use(step, f"{path}.steps[{index}]", report)
    template = mapping(spec.get("stepTemplate"))
    if steps:
        given = {
            field: value
            for field, value in template.items()
            if not all(s.get(field) for s in steps)
        }
        check_step_result_use(given, f"{path}.stepTemplate", report)
    for where, text, is_list_item in [
        field
        for index, step in mappings(spec.get("steps"))
        for field in step_fields(step, f"{path}.steps[{index}]")
    ] + inherited:
        for rule, message in _admission_problems(
            text, is_list_item, where.endswith(".script"), scope, arrays, objects, results
        ):
            report(where, rule, message)
        read.add(where)
    available = set(declared) | scope.propagated | set(scope.admitted or {})
    for field in ("steps", "stepTemplate", "sidecars", "volumes"):
        for where, text in strings(spec.get(field), f"{path}.{field}"):
            skip = set()
            if where in read:
                if scope.admitted is not None:
                    skip.add("params")
                if where.endswith(".script"):
                    skip.add("results")
            _check_at_run_time(text, where, available, workspaces, results, report, skip)


def _inherited(
    template: dict[str, Any], steps: list[dict[str, Any]], path: str
) -> list[tuple[str, str, bool]]:
    """The stepTemplate fields some step inherits: Tekton's webhook checks the steps merged
    with their template (MergeStepsWithStepTemplate), env by name, a field a step sets
    replacing the template's. Reported once, where the template says it."""
    inherited = []
    for where, text, is_list_item in step_fields(template, path):
        field = _top_field(where, path)
        if field == "env":
            index = int(where.split("[", 1)[1].split("]", 1)[0])
            name = mapping(sequence(template.get("env"))[index]).get("name")
            if all(any(e.get("name") == name for _, e in mappings(s.get("env"))) for s in steps):
                continue
        elif all(step.get(field) for step in steps):
            continue
        inherited.append((where, text, is_list_item))
    return inherited


def _top_field(where: str, path: str) -> str:
    """`env` of `<path>.env[0].value`."""
    return re.split(r"[.\[]", where.removeprefix(f"{path}."), maxsplit=1)[0]


def check_step_result_use(step: dict[str, Any], path: str, report: Report) -> None:
    """A step may read an earlier step's result only in env, command and args
    (validateStepResultReference)."""
    for where, text in _step_result_fields(step, path):
        if match := STEP_RESULT.search(text):
            report(
                where,
                catalog.STEP_RESULT_USE,
                f"{match.group(0)} is a step result, which Tekton substitutes only in env, "
                "command and args; pass it through an env variable",
            )


def _step_result_fields(step: dict[str, Any], path: str) -> Iterator[tuple[str, str]]:
    for field in _STEP_RESULT_FIELDS:
        if isinstance(step.get(field), str):
            yield f"{path}.{field}", step[field]
    for field, keys in _STEP_RESULT_LISTS:
        for index, item in mappings(step.get(field)):
            for key in keys:
                head, _, tail = key.partition(".")
                value = mapping(item.get(head)).get(tail) if tail else item.get(head)
                if isinstance(value, str):
                    yield f"{path}.{field}[{index}].{key}", value


def _admission_problems(
    text: str,
    is_list_item: bool,
    is_script: bool,
    scope: ParamScope,
    arrays: set[str],
    objects: dict[str, dict[str, Any]],
    results: set[str],
) -> Iterator[tuple[catalog.Rule, str]]:
    found, error = located_references(text, "params")
    if error:
        yield catalog.TASK_VARIABLE, error
        return
    if scope.admitted is not None:
        if message := undeclared_message(found, scope.admitted, "param"):
            yield catalog.TASK_VARIABLE, message
        yield from _object_problems(text, objects)
    whole = [(variable, name.removesuffix("[*]")) for variable, name in found]
    arrays_used = [variable for variable, name in whole if name in arrays]
    if is_list_item:
        if arrays_used and found[0][0] != text:
            yield (
                catalog.ARRAY_ISOLATION,
                (
                    f"{arrays_used[0]} is an array, so it must stand alone as a whole list item of "
                    "args or command; it cannot be part of a longer string"
                ),
            )
    elif arrays_used:
        yield (
            catalog.ARRAY_ISOLATION,
            (
                f"{arrays_used[0]} is a whole array where a string belongs; use one item "
                "($(params.name[0])), or pass it alone as an item of command or args"
            ),
        )
    for message in _context_problems(text):
        yield catalog.TASK_VARIABLE, message
    if is_script:
        named, error = located_references(text, "results")
        if error:
            yield catalog.TASK_VARIABLE, error
        if message := undeclared_message(named, results, "result"):
            yield catalog.TASK_VARIABLE, message


def _object_problems(
    text: str, objects: dict[str, dict[str, Any]]
) -> Iterator[tuple[catalog.Rule, str]]:
    """Keys of object params must be declared properties; a whole object cannot be used in a
    step (Tekton's validateObjectUsage)."""
    for name, param in objects.items():
        keys = mapping(param.get("properties"))
        found, error = located_references(text, rf"params\.{re.escape(name)}")
        if error:
            yield catalog.TASK_VARIABLE, error
        if message := missing_key_message(found, name, keys):
            yield catalog.TASK_VARIABLE, message
    for whole in whole_references(text, "params"):
        if whole.removesuffix("[*]") in objects:
            yield (
                catalog.ARRAY_ISOLATION,
                (
                    f"$(params.{whole}) is a whole object, which a step cannot use; use one key at "
                    "a time ($(params.name.key))"
                ),
            )
            break


def _context_problems(text: str) -> Iterator[str]:
    for prefix, known in (
        (r"context\.taskRun", TASK_RUN_CONTEXT),
        (r"context\.task", TASK_CONTEXT_NAMES),
    ):
        found, _ = references(text, prefix)
        for name in found:
            if name not in known:
                shown = prefix.replace("\\", "")
                yield (
                    f"$({shown}.{name}) is not a variable Tekton provides; known: "
                    + ", ".join(f"$({shown}.{each})" for each in known)
                )


def _check_at_run_time(
    text: str,
    path: str,
    params: set[str],
    workspaces: set[str],
    results: set[str],
    report: Report,
    skip: set[str],
) -> None:
    """Variables Tekton accepts at admission that no param, workspace, result or context
    variable fills: they stay in the step as written. `skip` names the heads admission has
    judged at `path` already; a variable used twice in one string is reported once."""
    for variable in {variable.text: variable for variable in variables(text)}.values():
        head = variable.head
        if head in skip:
            continue
        if head == "params":
            names, _ = references(variable.text, "params")
            name = _INDEX.sub("", names[0]) if names else ""
            if names and name not in params:
                report(
                    path,
                    catalog.TASK_VARIABLE,
                    f"{variable.text} names param {name!r}, which neither the Task declares nor "
                    "the pipeline or run passes, so it stays unresolved"
                    + did_you_mean(name, params),
                    origin="run",
                )
        elif head == "workspaces" and ".when[" not in path:
            # In a step's `when`, an unknown workspace's `.bound` is simply not "true".
            check_workspace_use(variable, workspaces, path, report, catalog.TASK_VARIABLE, "run")
        elif head == "results":
            check_result_use(variable, results, path, report, catalog.TASK_VARIABLE, "run")
        elif head == "context" and not variable.expression.startswith(
            ("context.taskRun.", "context.task.")
        ):
            check_context_use(variable, TASK_CONTEXT, path, report, catalog.TASK_VARIABLE, "run")
