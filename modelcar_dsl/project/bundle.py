"""`modelcar bundle`: the project's Tasks and StepActions, compiled and validated as for
`modelcar compile`, packed as a Tekton bundle (an OCI image layout) for the bundles resolver."""

from __future__ import annotations

from pathlib import Path

from modelcar_dsl.compiling.render import compile_validated
from modelcar_dsl.compiling.yaml_emitter import dump
from modelcar_dsl.diagnostics.errors import ProjectError
from modelcar_dsl.model.target import Target
from modelcar_dsl.output.bundle import BundleResource, bundle_problems, write_bundle
from modelcar_dsl.project.loading import load_project
from modelcar_dsl.project.settings import Settings

BUNDLED_KINDS = ("Task", "StepAction")


def bundle_project(settings: Settings, target: Target, out: Path, tag: str) -> tuple[int, str]:
    """Write the bundle of the project's Tasks and StepActions to `out`; return how many
    resources it holds and the image manifest's digest."""
    resources = [
        BundleResource(
            api_version=resource.document.api_version,
            kind=resource.document.kind,
            name=resource.document.name,
            text=dump(resource.document.body, resource.source),
        )
        for resource in compile_validated(load_project(settings), target)
        if resource.document.kind in BUNDLED_KINDS
    ]
    if not resources:
        raise ProjectError("the project declares no Task or StepAction to bundle")
    problems = bundle_problems(resources)
    if problems:
        raise ProjectError(
            "cannot make one Tekton bundle: " + "; ".join(problems) + "; bundle fewer resources"
        )
    return len(resources), write_bundle(out, resources, tag)
