"""From a loaded project to the text of every file of the out tree, validated first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from modelcar_dsl.compiler import compile_pipeline, compile_run, compile_task
from modelcar_dsl.errors import Problem, ValidationError
from modelcar_dsl.project import Specs, collect_specs, project_target
from modelcar_dsl.rules import SourceDocument, catalog, validate_documents
from modelcar_dsl.source_map import pipeline_locations, run_locations, task_locations
from modelcar_dsl.target import Target
from modelcar_dsl.validation import (
    DSL_RULES,
    validate_pipeline,
    validate_records,
    validate_run,
    validate_task,
)
from modelcar_dsl.yaml_emitter import dump

TASKS_DIR = "01-tasks"
PIPELINES_DIR = "02-pipeline"
RUNS_DIR = "03-runs"
KUSTOMIZATION = "kustomization.yaml"
GENERATED_DIRS = (TASKS_DIR, PIPELINES_DIR, RUNS_DIR)


@attrs.frozen
class CompiledResource:
    """One resource: its file in the out tree, the Python it came from, and its document with
    the source map that points its fields back there."""

    path: str
    source: str
    document: SourceDocument


def compile_project(project: Specs, target: Target) -> list[CompiledResource]:
    compiled: list[CompiledResource] = []
    for task in project.tasks:
        document = SourceDocument(compile_task(task, target), task_locations(task))
        compiled.append(
            CompiledResource(f"{TASKS_DIR}/task-{task.name}.yaml", task.source, document)
        )
    for pipeline in project.pipelines:
        body = compile_pipeline(pipeline, target)
        document = SourceDocument(body, pipeline_locations(pipeline, body))
        path = f"{PIPELINES_DIR}/pipeline-{pipeline.name}.yaml"
        compiled.append(CompiledResource(path, pipeline.source, document))
    for source, run in project.runs:
        document = SourceDocument(compile_run(run, target), run_locations(run))
        compiled.append(
            CompiledResource(f"{RUNS_DIR}/pipelinerun-{run.name}.yaml", source, document)
        )
    return compiled


def validate_project(
    project: Specs, compiled: list[CompiledResource], target: Target
) -> list[Problem]:
    """Every problem: the DSL's own checks on the specs, then Tekton's rules on the compiled
    documents (each reported at the user's line), then run files that would collide."""
    problems: list[Problem] = []
    for task in project.tasks:
        problems.extend(validate_task(task))
    for pipeline in project.pipelines:
        problems.extend(validate_pipeline(pipeline, target))
    for _, run in project.runs:
        problems.extend(validate_run(run))
    problems.extend(validate_records(run for _, run in project.runs))
    documents = [resource.document for resource in compiled]
    found = validate_documents(documents, DSL_RULES, target.insecure_registries, target.gates)
    problems.extend(problem for problem in found if problem.severity != "info")
    problems.extend(_run_collisions(project))
    return problems


def _run_collisions(project: Specs) -> Iterator[Problem]:
    counts = Counter(run.name for _, run in project.runs)
    for source, run in project.runs:
        if counts[run.name] > 1:
            yield Problem(
                f"pipelinerun/{run.name}",
                "metadata.generateName",
                f"run name {run.name!r} is used by more than one run ({source} is one); "
                "each run needs its own file in 03-runs/",
                catalog.METADATA_NAME.id,
                run.location,
            )


def check(*objects: Any, target: Target | None = None) -> list[Problem]:
    """Every problem `modelcar compile` would report for these tasks, pipelines and runs (and
    the tasks and pipelines they use): for a pytest `assert check(my_pipeline) == []`. They
    are judged for the project's `[tool.modelcar]` (the nearest at or above the working
    directory), as compile judges them, unless `target` says otherwise."""
    named = [("", f"objects[{position}]", value) for position, value in enumerate(objects)]
    specs = collect_specs(named)
    target = target or project_target(Path.cwd())
    return validate_project(specs, compile_project(specs, target), target)


def compile_validated(project: Specs, target: Target) -> list[CompiledResource]:
    """Every resource compiled; raises ValidationError with every problem first."""
    compiled = compile_project(project, target)
    problems = validate_project(project, compiled, target)
    if problems:
        raise ValidationError(problems)
    return compiled


def render_tree(project: Specs, target: Target) -> dict[str, str]:
    """Relative path -> file text for every generated file; raises ValidationError first."""
    compiled = compile_validated(project, target)
    files = {resource.path: dump(resource.document.body, resource.source) for resource in compiled}
    resources = sorted(path for path in files if not path.startswith(f"{RUNS_DIR}/"))
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    }
    files[KUSTOMIZATION] = dump(
        kustomization, f"the project's Tasks and Pipelines ({RUNS_DIR}/ is never listed)"
    )
    return dict(sorted(files.items()))
