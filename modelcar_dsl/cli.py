"""The `modelcar` command: exit 0 when all is well, 1 when `--check` finds the tree stale, 2 for
bad input (with the user's file and line, no traceback unless --debug)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from modelcar_dsl.errors import ModelcarError
from modelcar_dsl.graph_formats import FORMATS as GRAPH_FORMATS

if TYPE_CHECKING:
    from modelcar_dsl.project import Settings

F = TypeVar("F", bound=Callable[..., Any])

COMPILE_EXAMPLES = """
\b
Examples:
  modelcar compile                      refresh compiled/ (or [tool.modelcar] out)
  modelcar compile --out ../gitops/serving/pipelines
  modelcar compile --check              in CI or a pre-commit hook: exit 1 if stale
  modelcar compile --api v1beta1        for clusters older than OpenShift Pipelines 1.11
"""


def _reports_errors(command: F) -> F:
    """Turn ModelcarError into a plain message and exit code 2; --debug keeps the traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ModelcarError as error:
            if kwargs.get("debug"):
                raise
            click.echo(f"error: {error}", err=True)
            sys.exit(2)

    return cast(F, wrapper)


_project_option = click.option(
    "--project",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Project directory (default: the nearest with [tool.modelcar] in pyproject.toml).",
)
_debug_option = click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
_api_option = click.option(
    "--api",
    type=click.Choice(["v1", "v1beta1"]),
    help="Tekton API version to compile to (default: [tool.modelcar] api, else v1).",
)


def _settings(project: Path | None) -> Settings:
    """The settings of `--project`, else of the nearest project at or above the directory."""
    from modelcar_dsl.project import find_pyproject, read_settings

    return read_settings(find_pyproject((project or Path.cwd()).resolve()))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="modelcar-dsl", prog_name="modelcar")
def main() -> None:
    """Compile Python-defined ModelCar pipelines to Tekton YAML.

    \b
    Examples:
      modelcar compile
      modelcar compile --check
    """


@main.command(epilog=COMPILE_EXAMPLES)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write (default: [tool.modelcar] out, else compiled/).",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 with a diff if the tree is stale."
)
@_api_option
@_project_option
@_debug_option
@_reports_errors
def compile(
    out: Path | None, check: bool, api: str | None, project: Path | None, debug: bool
) -> None:
    """Compile the project's tasks, pipelines and runs into a gitops tree.

    Writes 01-tasks/, 02-pipeline/, 03-runs/ and kustomization.yaml (which never lists
    03-runs/). Only files that modelcar generated are changed or removed.
    """
    from modelcar_dsl.output_tree import diff_tree, plan_changes, write_tree
    from modelcar_dsl.project import load_project
    from modelcar_dsl.render import render_tree

    settings = _settings(project)
    out_dir = (out or settings.out).resolve()
    files = render_tree(load_project(settings), settings.target(api))  # type: ignore[arg-type]
    if check:
        changes = plan_changes(out_dir, files)
        if changes.stale:
            click.echo(diff_tree(out_dir, files, changes), nl=False)
            click.echo(
                f"{_shown(out_dir)} is stale: {len(changes.written)} to write, "
                f"{len(changes.removed)} to remove; run `modelcar compile`",
                err=True,
            )
            sys.exit(1)
        click.echo(f"{_shown(out_dir)} is up to date ({len(files)} files)", err=True)
        return
    changes = write_tree(out_dir, files)
    for relative in changes.written:
        click.echo(f"wrote   {relative}", err=True)
    for relative in changes.removed:
        click.echo(f"removed {relative}", err=True)
    click.echo(
        f"{_shown(out_dir)}: {len(changes.written)} written, {len(changes.removed)} removed, "
        f"{len(changes.unchanged)} unchanged",
        err=True,
    )


VALIDATE_EXAMPLES = """
\b
Examples:
  modelcar validate ../gitops               every Tekton YAML file below ../gitops
  modelcar validate 01-tasks 02-pipeline    Pipelines checked against the Tasks given
  modelcar validate --format json compiled  for editors and CI annotations
  modelcar validate --ignore missing-reference pipeline.yaml
\b
Rules and their fixes: docs/errors.md. Exit 0: no problems; 1: problems; 2: bad usage.
"""


@main.command(epilog=VALIDATE_EXAMPLES)
@click.argument(
    "paths", nargs=-1, type=click.Path(exists=True, path_type=Path), metavar="[PATH]..."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="One line per problem, or a JSON report.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="RULE",
    help="Do not report this rule (repeatable), e.g. missing-reference.",
)
@click.option(
    "--max-file-mib",
    type=click.IntRange(min=1),
    default=16,
    show_default=True,
    help="Refuse (exit 2) a file bigger than this many MiB.",
)
@_project_option
@_debug_option
@_reports_errors
def validate(
    paths: tuple[Path, ...],
    output_format: str,
    ignore: tuple[str, ...],
    max_file_mib: int,
    project: Path | None,
    debug: bool,
) -> None:
    """Check Tekton YAML (Tasks, Pipelines, PipelineRuns) against Tekton's admission rules.

    Works offline on any YAML: a gitops tree, hand-written files, compiled output. Checks
    across the files given too: taskRefs and pipelineRefs, params, workspaces. Other
    documents are skipped. PATH defaults to the current directory. The project's
    [tool.modelcar] insecure_registries, when there is a project, is the TLS policy.
    """
    from modelcar_dsl.rules.catalog import RULES
    from modelcar_dsl.validate_files import validate_files, yaml_files

    unknown = sorted(set(ignore) - set(RULES))
    if unknown:
        raise click.BadParameter(
            f"no rule {', '.join(unknown)}; rules: {', '.join(sorted(RULES))}",
            param_hint="--ignore",
        )
    roots = list(paths) or [Path(".")]
    if not yaml_files(roots):
        raise click.UsageError(f"no .yaml or .yml files in {', '.join(map(str, roots))}")
    report = validate_files(
        roots, frozenset(ignore), _insecure_registries(project), max_file_mib * 2**20
    )
    click.echo(report.as_json() if output_format == "json" else report.as_text(), nl=False)
    sys.exit(1 if report.problems else 0)


def _insecure_registries(project: Path | None) -> frozenset[str]:
    """The project's insecure_registries; none outside a project (validate needs none)."""
    from modelcar_dsl.errors import ProjectError
    from modelcar_dsl.project import find_pyproject, read_settings

    try:
        pyproject = find_pyproject((project or Path.cwd()).resolve())
    except ProjectError:
        if project is not None:
            raise
        return frozenset()
    return read_settings(pyproject).insecure_registries


GRAPH_EXAMPLES = """
\b
Examples:
  modelcar graph modelcar-build-deploy                   stages in order, for a terminal
  modelcar graph modelcar-build-deploy --format mermaid  paste into a pull request
  modelcar graph model-testing --format dot | dot -Tsvg > model-testing.svg
  modelcar graph model-testing --format png --out docs/model-testing.png
"""


@main.command(epilog=GRAPH_EXAMPLES)
@click.argument("pipeline_name", metavar="PIPELINE")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(GRAPH_FORMATS),
    default="text",
    show_default=True,
    help="Stages as text, Mermaid, Graphviz DOT, or a PNG (needs modelcar-dsl[graph]).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of standard output (png: default PIPELINE.png).",
)
@_project_option
@_debug_option
@_reports_errors
def graph(
    pipeline_name: str, output_format: str, out: Path | None, project: Path | None, debug: bool
) -> None:
    """Draw a pipeline's tasks and edges: data (which result), explicit (.after()),
    serialization (which workspace), finally tasks and when-guards.

    PIPELINE is the Tekton name of a pipeline of the project.
    """
    from modelcar_dsl import graph_formats
    from modelcar_dsl.errors import ProjectError
    from modelcar_dsl.graph import PipelineGraph
    from modelcar_dsl.names import did_you_mean
    from modelcar_dsl.project import load_project

    settings = _settings(project)
    pipelines = {spec.name: spec for spec in load_project(settings).pipelines}
    if pipeline_name not in pipelines:
        raise ProjectError(
            f"the project has no pipeline {pipeline_name!r}"
            + did_you_mean(pipeline_name, pipelines)
        )
    drawn = PipelineGraph(pipelines[pipeline_name])
    if output_format == "png":
        target = out or Path(f"{pipeline_name}.png")
        target.write_bytes(graph_formats.to_png(drawn))
        click.echo(f"wrote {target}", err=True)
        return
    render = {
        "text": graph_formats.to_text,
        "mermaid": graph_formats.to_mermaid,
        "dot": graph_formats.to_dot,
    }[output_format]
    text = render(drawn)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


DIFF_EXAMPLES = """
\b
Examples:
  modelcar diff                          the fresh compile against compiled/ at HEAD
  modelcar diff --against origin/main    what this branch changes, for its pull request
  modelcar diff --against ../gitops/serving/pipelines --format md
\b
Exit 0: no changes; 1: changes; 2: bad input.
"""


@main.command(epilog=DIFF_EXAMPLES)
@click.option(
    "--against",
    default="HEAD",
    show_default=True,
    help="A git ref of this repository (its committed out tree), or a directory.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "md"]),
    default="text",
    show_default=True,
    help="Plain text, or Markdown for a pull request comment.",
)
@_api_option
@_project_option
@_debug_option
@_reports_errors
def diff(
    against: str, output_format: str, api: str | None, project: Path | None, debug: bool
) -> None:
    """Say what the current code changes in the compiled tree, by resource and by meaning:
    resources and tasks added or removed, runAfter edges, params and defaults, images, scripts
    (with a diff of the script alone), run settings such as fsGroup and timeouts."""
    from modelcar_dsl.project import load_project
    from modelcar_dsl.render import render_tree
    from modelcar_dsl.tree_diff import (
        as_markdown,
        as_text,
        diff_trees,
        tree_from_directory,
        tree_from_git,
    )

    settings = _settings(project)
    after = render_tree(load_project(settings), settings.target(api))  # type: ignore[arg-type]
    directory = Path(against)
    if directory.is_dir():
        before = tree_from_directory(directory)
    else:
        before = tree_from_git(against, settings.out)
    changes = diff_trees(before, after)
    click.echo(as_markdown(changes) if output_format == "md" else as_text(changes), nl=False)
    sys.exit(1 if changes else 0)


SUBMIT_EXAMPLES = """
\b
Examples:
  modelcar submit mistral-24b-quantized-build --dry-run   print the PipelineRun, touch nothing
  modelcar submit mistral-24b-quantized-build --wait      start it and follow it to the end
  modelcar submit mistral-24b-test --context prod --namespace private-ai-demo
\b
Needs the cluster extra: pip install 'modelcar-dsl[cluster]'. Exit 0: created (with --wait:
succeeded); 1: the run failed; 2: bad input, or the cluster refused.
"""


@main.command(epilog=SUBMIT_EXAMPLES)
@click.argument("run_name", metavar="RUN")
@click.option(
    "--namespace", help="Namespace (default: [tool.modelcar] namespace, else the context's)."
)
@click.option("--context", help="kubeconfig context (default: the current one).")
@click.option("--dry-run", is_flag=True, help="Print the PipelineRun instead of creating it.")
@click.option("--wait", is_flag=True, help="Follow the run until it ends; exit with its outcome.")
@_project_option
@_debug_option
@_reports_errors
def submit(
    run_name: str,
    namespace: str | None,
    context: str | None,
    dry_run: bool,
    wait: bool,
    project: Path | None,
    debug: bool,
) -> None:
    """Create a PipelineRun from a compiled run on the cluster of the current kubeconfig.

    RUN is the run's name (its generateName without the dash). First checks that the Pipeline
    and Tasks it needs are on the cluster and equal to the compiled ones.
    """
    import os

    from modelcar_dsl.cluster import connect
    from modelcar_dsl.project import load_project
    from modelcar_dsl.render import compile_validated
    from modelcar_dsl.submit import Compiled, drift, follow
    from modelcar_dsl.yaml_emitter import dump_body

    settings = _settings(project)
    target = settings.target()
    compiled = Compiled.of(compile_validated(load_project(settings), target))
    run = compiled.run(run_name)
    if dry_run:
        click.echo(dump_body(run), nl=False)
        return
    cluster = connect(target.api, context, namespace or settings.namespace)
    for warning in drift(compiled, cluster, run):
        click.echo(warning, err=True)
    created = cluster.create(run)
    name = created["metadata"]["name"]
    click.echo(f"created PipelineRun {name} in {cluster.namespace}", err=True)
    if wait:
        poll = float(os.environ.get("MODELCAR_POLL_SECONDS", "5"))
        succeeded = follow(cluster, name, lambda line: click.echo(line, err=True), poll)
        sys.exit(0 if succeeded else 1)


def _shown(path: Path) -> str:
    from modelcar_dsl.source import display_path

    return display_path(str(path))
