"""From a loaded project to the text of every file of the out tree, validated first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from modelcar_dsl.authoring.collection import Specs
from modelcar_dsl.compiling.compiler import (
    compile_pipeline,
    compile_run,
    compile_step_action,
    compile_task,
)
from modelcar_dsl.compiling.source_map import pipeline_locations, run_locations, task_locations
from modelcar_dsl.compiling.validation import (
    DSL_RULES,
    validate_pipeline,
    validate_records,
    validate_run,
    validate_task,
)
from modelcar_dsl.compiling.yaml_emitter import dump
from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.errors import Problem, ProjectError, ValidationError
from modelcar_dsl.diagnostics.source import SourceLocation
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.model.target import Target
from modelcar_dsl.output.layout import KUSTOMIZATION, PIPELINES_DIR, RUNS_DIR, TASKS_DIR
from modelcar_dsl.rules import SourceDocument, validate_documents


@attrs.frozen
class CompiledResource:
    """One resource: its file in the out tree, the Python it came from, and its document with
    the source map that points its fields back there."""

    path: str
    source: str
    document: SourceDocument


@attrs.frozen
class Compiled:
    """The documents of a fresh compile, by kind and name (runs by their name prefix)."""

    documents: dict[tuple[str, str], dict[str, Any]]

    @classmethod
    def of(cls, resources: list[CompiledResource]) -> Compiled:
        return cls(
            {
                (resource.document.kind, resource.document.name.removesuffix("-")): (
                    resource.document.body
                )
                for resource in resources
            }
        )

    def run(self, name: str) -> dict[str, Any]:
        runs = [key for kind, key in self.documents if kind == "PipelineRun"]
        if ("PipelineRun", name) not in self.documents:
            raise ProjectError(f"the project has no run {name!r}" + did_you_mean(name, runs))
        return self.documents[("PipelineRun", name)]


def compile_project(project: Specs, target: Target) -> list[CompiledResource]:
    compiled: list[CompiledResource] = []
    for task in project.tasks:
        if task.resolver is not None:
            continue  # Tekton fetches a remote Task; its calls carry the resolver.
        document = SourceDocument(compile_task(task, target), task_locations(task))
        compiled.append(
            CompiledResource(f"{TASKS_DIR}/task-{task.name}.yaml", task.source, document)
        )
    compiled.extend(_step_actions(project, target))
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


def _at(location: SourceLocation) -> Callable[[str], SourceLocation]:
    """Every field of a document located at one line: a StepAction's declaration."""
    return lambda _: location


def _step_actions(project: Specs, target: Target) -> Iterator[CompiledResource]:
    """Each StepAction the project's tasks call, once, beside the Tasks that call it; a remote
    one is Tekton's to fetch."""
    actions = {
        id(step.action.action): step.action.action
        for task in project.tasks
        for step in task.steps
        if step.action is not None and step.action.action.resolver is None
    }
    for action in sorted(actions.values(), key=lambda a: (a.name, a.source)):
        document = SourceDocument(compile_step_action(action, target), _at(action.location))
        path = f"{TASKS_DIR}/stepaction-{action.name}.yaml"
        yield CompiledResource(path, action.source, document)


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
