"""`$(...)` variables in a Task's steps, judged as Tekton judges them.

Tekton's webhook reads variables only in some step fields (name, image, workingDir, script,
onError, command, args, env values, volumeMounts), and checks param names only where it knows
them all: a Task on its own, a taskSpec in a Pipeline, a taskSpec in a PipelineRun's
pipelineSpec. Elsewhere params and workspaces propagate from the pipeline or run (TEP-0107,
TEP-0111), so a name that reaches no step is a run-time problem, not an admission one.
Decided by pkg/apis/pipeline/v1/task_validation.go and pkg/substitution/substitution.go.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import attrs

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.rules.declarations import param_type
from modelcar_dsl.rules.document import Report, mapping, mappings, sequence
from modelcar_dsl.rules.findings import Finding
from modelcar_dsl.rules.reference_patterns import (
    INDEX,
    located_references,
    missing_key_message,
    references,
    undeclared_message,
    whole_references,
)
from modelcar_dsl.rules.step_results import check_step_result_uses
from modelcar_dsl.rules.variables import (
    TASK_CONTEXT,
    check_context_use,
    check_result_use,
    check_workspace_use,
    strings,
    variables,
)

TASK_RUN_CONTEXT = ("name", "namespace", "uid")
TASK_CONTEXT_NAMES = ("name", "retry-count")


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
    names = _AdmittedNames(
        scope,
        frozenset(name for name, param in known.items() if param_type(param) == "array"),
        {name: param for name, param in known.items() if param_type(param) == "object"},
        frozenset(results),
    )
    steps = [step for _, step in mappings(spec.get("steps"))]
    inherited = _inherited(mapping(spec.get("stepTemplate")), steps, f"{path}.stepTemplate")
    check_step_result_uses(spec, steps, path, report)
    read: set[str] = set()
    for where, text, is_list_item in [
        field
        for index, step in mappings(spec.get("steps"))
        for field in step_fields(step, f"{path}.steps[{index}]")
    ] + inherited:
        report.add(names.findings(text, is_list_item, where.endswith(".script")), where)
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


@attrs.frozen
class _AdmittedNames:
    """What Tekton's webhook knows of a Task's names when it reads a step's strings: the
    params in scope (their arrays and objects) and the Task's results."""

    scope: ParamScope
    arrays: frozenset[str]
    objects: dict[str, dict[str, Any]]
    results: frozenset[str]

    def findings(self, text: str, is_list_item: bool, is_script: bool) -> list[Finding]:
        """Tekton's admission checks on one step string."""
        found, error = located_references(text, "params")
        if error:
            return [Finding(catalog.TASK_VARIABLE, error)]
        problems: list[tuple[catalog.Rule, str]] = []
        if self.scope.admitted is not None:
            if message := undeclared_message(found, self.scope.admitted, "param"):
                problems.append((catalog.TASK_VARIABLE, message))
            problems += _object_problems(text, self.objects)
        if isolation := _array_problem(text, found, self.arrays, is_list_item):
            problems.append((catalog.ARRAY_ISOLATION, isolation))
        problems += [(catalog.TASK_VARIABLE, message) for message in _context_problems(text)]
        if is_script:
            problems += [(catalog.TASK_VARIABLE, m) for m in _result_problems(text, self.results)]
        return [Finding(rule, message) for rule, message in problems]


def _array_problem(
    text: str, found: list[tuple[str, str]], arrays: frozenset[str], is_list_item: bool
) -> str | None:
    """A whole array stands alone as a list item of command or args, nowhere else."""
    used = [variable for variable, name in found if name.removesuffix("[*]") in arrays]
    if not used:
        return None
    if not is_list_item:
        return (
            f"{used[0]} is a whole array where a string belongs; use one item "
            "($(params.name[0])), or pass it alone as an item of command or args"
        )
    if found[0][0] != text:
        return (
            f"{used[0]} is an array, so it must stand alone as a whole list item of "
            "args or command; it cannot be part of a longer string"
        )
    return None


def _result_problems(script: str, results: frozenset[str]) -> list[str]:
    """The results a script writes: its Task's own."""
    named, error = located_references(script, "results")
    problems = [error] if error else []
    if message := undeclared_message(named, results, "result"):
        problems.append(message)
    return problems


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
            name = INDEX.sub("", names[0]) if names else ""
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
