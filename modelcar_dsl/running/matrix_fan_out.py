"""A matrixed pipeline task's combinations, one TaskRun each, made as Tekton's controller makes
them (matrix_types.go FanOut): the params' values multiplied, the first param varying fastest;
an include entry adds its params to every combination it matches, or is a combination of its
own when it matches none; and the results read back as arrays in TaskRun-name order."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from modelcar_dsl.rules.matrix import count_combinations as tekton_count
from modelcar_dsl.running.taskrun import TaskRunOutcome
from modelcar_dsl.running.variables import UnresolvedReference, Value, substitute, substitute_value

Combination = dict[str, str]


def matrix_params(
    task: Mapping[str, Any], values: Mapping[str, Value]
) -> list[tuple[str, list[str]]]:
    """Each matrix param with its values put in; a value that is not an array fails the task,
    as Tekton's ValidateParameterTypesInMatrix fails the run."""
    resolved = []
    for param in task.get("matrix", {}).get("params", []):
        value = substitute_value(param["value"], values)
        if not isinstance(value, list):
            raise UnresolvedReference(
                f"matrix param {param['name']} is {value!r}, not an array of strings"
            )
        resolved.append((str(param["name"]), value))
    return resolved


def fan_out(task: Mapping[str, Any], values: Mapping[str, Value], limit: int) -> list[Combination]:
    """The task's combinations, in the order Tekton creates their TaskRuns (`-0`, `-1`, ...).
    More than `limit` (the cluster's default-max-matrix-combinations-count) are refused before
    they are built: Tekton's webhook checks it only on literal arrays, so a run's params could
    fan a task out without end, and a local run would run out of memory or processes."""
    params = matrix_params(task, values)
    includes = [
        {str(p["name"]): substitute(str(p["value"]), values) for p in entry.get("params", [])}
        for entry in task.get("matrix", {}).get("include", [])
    ]
    if not params:
        return includes
    product = math.prod(len(param_values) for _, param_values in params)
    if product > limit:
        raise UnresolvedReference(
            f"the matrix makes {product} combinations; a local run makes at most {limit} "
            "(the cluster's default-max-matrix-combinations-count): pass fewer values, or, "
            "where the cluster's config-defaults allow more, set [tool.modelcar] "
            "max_matrix_combinations to its count"
        )
    combinations: list[Combination] = [{}]
    for name, param_values in params:
        combinations = [
            {**combination, name: value} for value in param_values for combination in combinations
        ]
    for include in includes:
        for combination in combinations:
            if _matches(combination, include):
                combination.update(include)
    for include in includes:
        if _is_new(combinations, include):
            combinations.append(dict(include))
    return combinations


def _matches(combination: Combination, include: Combination) -> bool:
    """Every include param the combination has, it has with the include's value."""
    return all(combination[name] == value for name, value in include.items() if name in combination)


def _is_new(combinations: Sequence[Combination], include: Combination) -> bool:
    """No combination, those added for earlier includes too, has any of the include's params
    with its value: as Tekton checks it, after the includes were merged in."""
    return bool(include) and not any(
        combination.get(name) == value
        for combination in combinations
        for name, value in include.items()
        if name in combination
    )


def count_combinations(task: Mapping[str, Any], values: Mapping[str, Value]) -> int:
    """`$(tasks.<name>.matrix.length)` of a matrixed task that made no TaskRuns (it was
    skipped), as Tekton counts it from the spec (so an empty array counts 1), with what can
    be read put in."""
    matrix = task.get("matrix", {})
    return tekton_count(
        [(str(p["name"]), _as_spec_reads(p["value"], values)) for p in matrix.get("params", [])],
        [
            {
                str(p["name"]): _as_spec_reads(str(p["value"]), values)
                for p in entry.get("params", [])
            }
            for entry in matrix.get("include", [])
        ],
    )


def _as_spec_reads(value: object, values: Mapping[str, Value]) -> object:
    """The value with what can be read put in; one reading past an array's end is kept as
    written, as it stands in the spec Tekton counts from."""
    try:
        return substitute_value(value, values)
    except UnresolvedReference:
        return value


def empty_matrix_param(task: Mapping[str, Any], values: Mapping[str, Value]) -> str | None:
    """The first matrix param whose array is empty: Tekton then skips the task."""
    return next((name for name, found in matrix_params(task, values) if not found), None)


def matrix_outcome(ended: Sequence[tuple[TaskRunOutcome, int]], prefix: str) -> TaskRunOutcome:
    """One outcome for the pipeline task from its TaskRuns' (outcome, attempts): it succeeded
    when all did; each result is the array of the TaskRuns' values, in the order Tekton reads
    them (TaskRun names sorted as text, so `-10` before `-2`); steps are named `<step>[<i>]`."""
    order = sorted(range(len(ended)), key=lambda index: f"{prefix}-{index}")
    results: dict[str, list[str]] = {}
    for index in order:
        outcome = ended[index][0]
        written = outcome.results if outcome.succeeded else outcome.written_before_failing
        for name, value in written.items():
            text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
            results.setdefault(name, []).append(text)
    failed = [(index, outcome) for index, (outcome, _) in enumerate(ended) if not outcome.succeeded]
    steps = tuple(
        attrs.evolve(step, name=f"{step.name}[{index}]")
        for index, (outcome, _) in enumerate(ended)
        for step in outcome.steps
    )
    attempts = max((count for _, count in ended), default=1)
    if not failed:
        return TaskRunOutcome(True, "Succeeded", "", dict(results), steps, attempts=attempts)
    index, first = failed[0]
    taskrun = prefix if len(ended) == 1 else f"{prefix}-{index}"  # as Tekton names them
    return TaskRunOutcome(
        False,
        first.reason,
        f"{len(failed)} of {len(ended)} TaskRuns failed; {taskrun}: {first.message}",
        {},
        steps,
        written_before_failing=dict(results),
        attempts=attempts,
    )
