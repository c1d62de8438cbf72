"""From a loaded project to the text of every file of the out tree, validated first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from modelcar_dsl.compiler import compile_pipeline, compile_run, compile_task
from modelcar_dsl.errors import Problem, ValidationError
from modelcar_dsl.project import Project
from modelcar_dsl.target import Target
from modelcar_dsl.validation import validate_pipeline, validate_run, validate_task
from modelcar_dsl.yaml_emitter import dump

TASKS_DIR = "01-tasks"
PIPELINES_DIR = "02-pipeline"
RUNS_DIR = "03-runs"
KUSTOMIZATION = "kustomization.yaml"
GENERATED_DIRS = (TASKS_DIR, PIPELINES_DIR, RUNS_DIR)


def validate_project(project: Project, target: Target) -> list[Problem]:
    """Every problem in the project: its tasks, pipelines and runs, and names that collide."""
    problems: list[Problem] = []
    for task in project.tasks:
        problems.extend(validate_task(task))
    for pipeline in project.pipelines:
        problems.extend(validate_pipeline(pipeline))
    for _, run in project.runs:
        problems.extend(validate_run(run, target.fs_group))
    problems.extend(_collisions(project))
    return problems


def _collisions(project: Project) -> Iterator[Problem]:
    for kind, specs in (("task", project.tasks), ("pipeline", project.pipelines)):
        counts = Counter(spec.name for spec in specs)
        for spec in specs:
            if counts[spec.name] > 1:
                others = [s.source for s in specs if s.name == spec.name and s is not spec]
                yield Problem(
                    f"{kind}/{spec.name} metadata.name",
                    f"{kind} name {spec.name!r} is also declared by {', '.join(others)}; "
                    "give one of them another name=",
                    spec.location,
                )
    counts = Counter(run.name for _, run in project.runs)
    for source, run in project.runs:
        if counts[run.name] > 1:
            yield Problem(
                f"pipelinerun/{run.name} metadata.generateName",
                f"run name {run.name!r} is used by more than one run ({source} is one); "
                "each run needs its own file in 03-runs/",
                run.location,
            )


def render_tree(project: Project, target: Target) -> dict[str, str]:
    """Relative path -> file text for every generated file; raises ValidationError first."""
    problems = validate_project(project, target)
    if problems:
        raise ValidationError(problems)
    files: dict[str, str] = {}
    for task in project.tasks:
        files[f"{TASKS_DIR}/task-{task.name}.yaml"] = dump(compile_task(task, target), task.source)
    for pipeline in project.pipelines:
        files[f"{PIPELINES_DIR}/pipeline-{pipeline.name}.yaml"] = dump(
            compile_pipeline(pipeline, target), pipeline.source
        )
    for source, run in project.runs:
        files[f"{RUNS_DIR}/pipelinerun-{run.name}.yaml"] = dump(compile_run(run, target), source)
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
