"""A pipeline task's `matrix`, as Tekton's webhook judges it (pipeline_validation.go
validateMatrix, matrix_types.go): unique params, none also in `params`, array values, at most
the cluster's default-max-matrix-combinations-count runs (its gates); and a matrixed task's
results read whole (`[*]`)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.rules.document import Report, mapping, mappings, sequence
from modelcar_dsl.rules.pipeline_calls import PipelineTaskCall
from modelcar_dsl.rules.pipeline_variables import call_strings

_RESULT = re.compile(r"\$\(tasks\.([^.)\s]+)\.results\.([^)\s]+)\)")


def check_matrices(calls: list[PipelineTaskCall], report: Report) -> None:
    """Each task's matrix, then every read of a matrixed task's result."""
    for call in calls:
        _check_matrix(call, report)
    matrixed = {call.name for call in calls if _is_matrixed(mapping(call.body.get("matrix")))}
    if not matrixed:
        return
    for call in calls:
        for where, text, _ in call_strings(call.body, call.path):
            if ".params[" not in where:
                continue
            for task, result in _RESULT.findall(text):
                if task in matrixed and not result.endswith("[*]"):
                    report(
                        where,
                        catalog.MATRIX_RESULT,
                        f"$(tasks.{task}.results.{result}) reads one value of matrixed task "
                        f"{task!r}, which has one per run; read them all as an array, "
                        f"$(tasks.{task}.results.{result}[*]), into an array param",
                    )


def _is_matrixed(matrix: dict[str, Any]) -> bool:
    return bool(sequence(matrix.get("params")) or sequence(matrix.get("include")))


def _check_matrix(call: PipelineTaskCall, report: Report) -> None:
    matrix = mapping(call.body.get("matrix"))
    path = f"{call.path}.matrix"
    params = list(mappings(matrix.get("params")))
    includes = list(mappings(matrix.get("include")))
    _check_unique(params, f"{path}.params", report)
    for index, include in includes:
        _check_unique(
            list(mappings(include.get("params"))), f"{path}.include[{index}].params", report
        )
    for index, param in params:
        value = param.get("value")
        whole = isinstance(value, str) and value.startswith("$(") and value.endswith("[*])")
        if not isinstance(value, list) and not whole:
            # Tekton admits it; the run fails (ValidateParameterTypesInMatrix).
            report(
                f"{path}.params[{index}].value",
                catalog.MATRIX,
                f"matrix param {param.get('name')!r} is {value!r}; a matrix param takes an "
                "array of values, one per run (or a whole array, $(params.x[*]))",
                "run",
            )
    in_matrix = {str(p.get("name")) for _, p in params} | {
        str(p.get("name")) for _, include in includes for _, p in mappings(include.get("params"))
    }
    for index, param in mappings(call.body.get("params")):
        if isinstance(param.get("name"), str) and param.get("name") in in_matrix:
            report(
                f"{call.path}.params[{index}].name",
                catalog.MATRIX,
                f"param {param.get('name')!r} is in the matrix and in params; give it in one "
                "of them",
            )
    count = count_combinations(
        [(str(param.get("name")), param.get("value")) for _, param in params],
        [
            {str(p.get("name")): p.get("value") for _, p in mappings(include.get("params"))}
            for _, include in includes
        ],
    )
    limit = report.context.gates.max_matrix_combinations
    if count > limit:
        report(
            path,
            catalog.MATRIX,
            f"the matrix makes {count} runs, more than the cluster's default-max-matrix-"
            f"combinations-count, {limit}; split the task or fan out over fewer values (or, "
            "where the cluster's config-defaults allow more, set [tool.modelcar] "
            "max_matrix_combinations)",
        )


def _check_unique(params: list[tuple[int, dict[str, Any]]], path: str, report: Report) -> None:
    seen: set[str] = set()
    for index, param in params:
        name = param.get("name")
        if not isinstance(name, str):
            continue
        if name in seen:
            report(
                f"{path}[{index}].name",
                catalog.MATRIX,
                f"matrix param {name!r} is given more than once; give each param once",
            )
        seen.add(name)


def count_combinations(
    params: Sequence[tuple[str, object]], includes: Iterable[Mapping[str, object]]
) -> int:
    """Tekton's CountCombinations (matrix_types.go): the product of the matrix params' array
    lengths (an empty or non-array one left out), plus, for each include entry, each of its
    params naming a matrix param whose array lacks its value, up to the first one that has it;
    every include entry when there are no matrix params. `params`: (name, value) in order."""
    includes = list(includes)
    if not params:
        return len(includes)
    arrays = [(name, value if isinstance(value, list) else []) for name, value in params]
    count = math.prod(len(found) for _, found in arrays if found)
    lists = dict(arrays)
    for include in includes:
        for name, value in include.items():
            if name not in lists:
                continue
            if value in lists[name]:
                break
            count += 1
    return count
