"""The `modelcar` command. Every command's outcome maps to one exit code, in `_Modelcar.invoke`:
0 ok; 1 findings (a stale tree, problems, changes, a failed run); 2 the user's input or environment
is wrong (one line naming the file or host, no traceback); 3 a bug in modelcar itself. `--debug`
adds the traceback, never changes the code.

At the top this module imports only click: each command imports what it uses in its body, so
`modelcar --help` and every command start without loading the rest of the package."""

from __future__ import annotations

import errno
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from modelcar_dsl.diagnostics.extras import how_to_install

if TYPE_CHECKING:
    from modelcar_dsl.model.gates import Gates
    from modelcar_dsl.project.settings import Settings
    from modelcar_dsl.running.step_runtime import StepRuntime

EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130
REPORT_BUGS_AT = "the project's issue tracker"
_DEBUG = "modelcar.debug"

COMPILE_EXAMPLES = """
\b
Examples:
  modelcar compile                      refresh compiled/ (or [tool.modelcar] out)
  modelcar compile --out ../gitops/serving/pipelines
  modelcar compile --check              in CI or a pre-commit hook: exit 1 if stale
  modelcar compile --api v1beta1        for clusters older than OpenShift Pipelines 1.11
\b
Exit 0: written (--check: up to date); 1: --check found the tree stale; 2: bad input, or an
out tree compile must not write (a link, a read-only or foreign file system; named).
"""

_OS_HINTS = {
    errno.ENOTDIR: "a part of that path is a file, not a directory",
    errno.EISDIR: "it is a directory, not a file",
    errno.ENOENT: "it does not exist",
    errno.EACCES: "check its permissions and those of the directories above it",
    errno.EPERM: "check its permissions and those of the directories above it",
    errno.EROFS: "the file system is read-only; choose a writable place",
    errno.ENOSPC: "the disk is full",
    errno.EXDEV: "it is on another file system than the out tree",
    errno.ELOOP: "it is a loop of symbolic links",
}


class _Modelcar(click.Group):
    """The one place where a command's outcome becomes an exit code: a command returns True
    when it has findings; click exits 2 for usage errors; everything raised ends here."""

    def invoke(self, ctx: click.Context) -> None:
        from modelcar_dsl.diagnostics.errors import ModelcarError, UserCodeError

        try:
            found = super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise  # click's own handling of `modelcar ... | head`
            _fail(ctx, EXIT_BAD_INPUT, f"error: {_os_error_line(error)}")
        except UserCodeError as error:
            _fail(ctx, EXIT_BAD_INPUT, f"error: {error}", "; run with --debug for the traceback")
        except ModelcarError as error:
            _fail(ctx, EXIT_BAD_INPUT, f"error: {error}")
        except UnicodeDecodeError as error:
            _fail(
                ctx,
                EXIT_BAD_INPUT,
                f"error: a file is not UTF-8 text ({error.reason} at byte {error.start}); save "
                "it as UTF-8",
                " (--debug shows which file was being read)",
            )
        except Exception as error:
            _fail(
                ctx,
                EXIT_BUG,
                f"modelcar hit a bug: {type(error).__name__}: {_one_line(str(error))}; ",
                f"rerun with --debug for the traceback and report it at {REPORT_BUGS_AT}",
                f"report it with the traceback above at {REPORT_BUGS_AT}",
            )
        if found:
            sys.exit(EXIT_FINDINGS)


def _fail(
    ctx: click.Context, code: int, line: str, plain: str = "", debugging: str = ""
) -> NoReturn:
    """Say what went wrong in one line (after the traceback, with --debug) and exit with `code`.
    The line ends with `plain` without --debug (a pointer to it) and `debugging` with it, so a
    traceback is never followed by advice to ask for one."""
    if ctx.meta.get(_DEBUG):
        import traceback

        traceback.print_exc()
        click.echo(line + debugging, err=True)
    else:
        click.echo(line + plain, err=True)
    sys.exit(code)


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _os_error_line(error: OSError) -> str:
    """`path: reason; what to do` for an OSError on one of the user's paths."""
    paths = [str(name) for name in (error.filename, error.filename2) if name is not None]
    where = " -> ".join(_shown(Path(path)) for path in paths)
    reason = error.strerror or str(error)
    if not where:
        return reason
    return f"{where}: {reason}; {_OS_HINTS.get(error.errno or 0, 'check that path')}"


def _remember_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_DEBUG] = True


_project_option = click.option(
    "--project",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Project directory (default: the nearest with [tool.modelcar] in pyproject.toml).",
)
_debug_option = click.option(
    "--debug",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_remember_debug,
    help="Show the traceback of an error (the exit code stays the same).",
)
_api_option = click.option(
    "--api",
    type=click.Choice(["v1", "v1beta1"]),
    help="Tekton API version to compile to (default: [tool.modelcar] api, else v1).",
)


def _settings(project: Path | None) -> Settings:
    """The settings of `--project`, else of the nearest project at or above the directory."""
    from modelcar_dsl.project.settings import find_pyproject, read_settings

    return read_settings(find_pyproject((project or Path.cwd()).resolve()))


@click.group(cls=_Modelcar, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="modelcar-dsl", prog_name="modelcar")
@_debug_option
def main() -> None:
    """Compile Python-defined ModelCar pipelines to Tekton YAML.

    \b
    Examples:
      modelcar compile
      modelcar compile --check
    \b
    Exit codes, every command: 0 ok; 1 findings (a stale tree, problems, changes, a failed
    run); 2 bad input or environment (the message names the file or host); 3 a bug in modelcar
    (rerun with --debug for the traceback).
    """


@main.command(epilog=COMPILE_EXAMPLES)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write (default: [tool.modelcar] out, else compiled/).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing (but finish a killed compile); exit 1 with a diff if the tree is stale.",
)
@_api_option
@_project_option
@_debug_option
def compile(out: Path | None, check: bool, api: str | None, project: Path | None) -> bool:
    """Compile the project's tasks, pipelines and runs into a gitops tree.

    Writes 01-tasks/, 02-pipeline/, 03-runs/ and kustomization.yaml (which never lists
    03-runs/). Only files that modelcar generated are changed or removed.
    """
    from modelcar_dsl.compiling.render import render_tree
    from modelcar_dsl.output.output_tree import check_tree, write_tree
    from modelcar_dsl.project.loading import load_project

    settings = _settings(project)
    out_dir = (out or settings.out).resolve()
    files = render_tree(load_project(settings), settings.target(api))  # type: ignore[arg-type]
    if check:
        changes, unified_diff = check_tree(out_dir, files, _to_stderr)
        if changes.stale:
            click.echo(unified_diff, nl=False)
            click.echo(
                f"{_shown(out_dir)} is stale: {len(changes.written)} to write, "
                f"{len(changes.removed)} to remove; run `modelcar compile`",
                err=True,
            )
            return True
        click.echo(f"{_shown(out_dir)} is up to date ({len(files)} files)", err=True)
        return False
    changes = write_tree(out_dir, files, _to_stderr)
    for relative in changes.written:
        click.echo(f"wrote   {relative}", err=True)
    for relative in changes.removed:
        click.echo(f"removed {relative}", err=True)
    click.echo(
        f"{_shown(out_dir)}: {len(changes.written)} written, {len(changes.removed)} removed, "
        f"{len(changes.unchanged)} unchanged",
        err=True,
    )
    return False


BUNDLE_EXAMPLES = """
\b
Examples:
  modelcar bundle --out bundle                          the OCI layout in bundle/
  skopeo copy oci:bundle:latest docker://quay.io/org/modelcar-tasks:v1
\b
A Task of the bundle is then fetched with the bundles resolver:
BundlesResolver(bundle="quay.io/org/modelcar-tasks:v1", name="push-to-quay").
Exit 0: the bundle is written; 2: a declaration that does not compile, or resources that
do not fit one bundle (more than 20).
"""


@main.command(epilog=BUNDLE_EXAMPLES)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The OCI layout directory to write (replaced if there).",
)
@click.option(
    "--tag",
    default="latest",
    show_default=True,
    help="The image's name in the layout (oci:OUT:TAG); the registry's tag is skopeo's to set.",
)
@_api_option
@_project_option
@_debug_option
def bundle(out: Path, tag: str, api: str | None, project: Path | None) -> None:
    """Pack the project's Tasks and StepActions as a Tekton bundle: an OCI image layout, one
    layer per resource, for `skopeo copy oci:OUT:TAG docker://...` to push.

    The same project gives the same bytes: layers are sorted, and hold no timestamps.
    """
    from modelcar_dsl.project.bundle import bundle_project

    settings = _settings(project)
    count, digest = bundle_project(settings, settings.target(api), out, tag)  # type: ignore[arg-type]
    click.echo(f"{_shown(out)}: {count} resources, {digest}", err=True)
    click.echo(digest)


VALIDATE_EXAMPLES = """
\b
Examples:
  modelcar validate ../gitops               every Tekton YAML file below ../gitops
  modelcar validate 01-tasks 02-pipeline    Pipelines checked against the Tasks given
  modelcar validate --format json compiled  for editors and CI annotations
  modelcar validate --api-fields alpha --tekton-version 1.14 gitops/
  modelcar validate --feature-flag enable-param-enum=true pipeline.yaml
  modelcar validate --strict --ignore run-timeout gitops/
\b
Each finding is an error (Tekton rejects it when applied, or the run fails), a warning
(modelcar's policy: fsGroup, timeouts, script injection, TLS, unordered writers) or a note
(what could not be checked). Rules and their fixes: docs/errors.md.
Exit 0: no errors (--strict: no warnings either); 1: errors; 2: bad usage.
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
    help="Do not report this rule (repeatable), e.g. run-fs-group.",
)
@click.option(
    "--strict",
    is_flag=True,
    default=None,
    help="Policy warnings fail too (default: [tool.modelcar] strict, else off).",
)
@click.option(
    "--api-fields",
    type=click.Choice(["alpha", "beta", "stable"]),
    help="The cluster's enable-api-fields (default: [tool.modelcar] api_fields, else the "
    "release's default: beta from Tekton 0.49, stable before).",
)
@click.option(
    "--feature-flag",
    "feature_flags",
    multiple=True,
    metavar="NAME=VALUE",
    help="A flag of the cluster's feature-flags ConfigMap (repeatable), e.g. "
    "enable-param-enum=true.",
)
@click.option(
    "--tekton-version",
    metavar="X.Y",
    help="The cluster's Tekton release, for what was added or removed by version (default: "
    "[tool.modelcar] tekton_version, else the newest release modelcar knows).",
)
@click.option(
    "--max-matrix-combinations",
    type=click.IntRange(min=1),
    help="The cluster's config-defaults default-max-matrix-combinations-count (default: "
    "[tool.modelcar] max_matrix_combinations, else Tekton's 256).",
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
def validate(
    paths: tuple[Path, ...],
    output_format: str,
    ignore: tuple[str, ...],
    strict: bool | None,
    api_fields: str | None,
    feature_flags: tuple[str, ...],
    tekton_version: str | None,
    max_matrix_combinations: int | None,
    max_file_mib: int,
    project: Path | None,
) -> bool:
    """Check Tekton YAML (Tasks, Pipelines, runs, StepActions) as Tekton's webhook would.

    Works offline on any YAML: a gitops tree, hand-written files, compiled output. Checks
    across the files given too: taskRefs and pipelineRefs, params, workspaces. Other
    documents are skipped. PATH defaults to the current directory. Inside a project,
    [tool.modelcar] gives the cluster's Tekton (api_fields, feature_flags, tekton_version),
    strict, and insecure_registries, the TLS policy; the options override them.
    """
    from modelcar_dsl.diagnostics.catalog import RULES
    from modelcar_dsl.reading.validate_files import validate_files, yaml_files

    unknown = sorted(set(ignore) - set(RULES))
    if unknown:
        raise click.BadParameter(
            f"no rule {', '.join(unknown)}; rules: {', '.join(sorted(RULES))}",
            param_hint="--ignore",
        )
    settings = _optional_settings(project)
    gates = _gates(settings, api_fields, feature_flags, tekton_version, max_matrix_combinations)
    roots = list(paths) or [Path(".")]
    if not yaml_files(roots):
        raise click.UsageError(f"no .yaml or .yml files in {', '.join(map(str, roots))}")
    report = validate_files(
        roots,
        frozenset(ignore),
        settings.cluster.insecure_registries if settings else frozenset(),
        max_file_mib * 2**20,
        gates,
    )
    click.echo(report.as_json() if output_format == "json" else report.as_text(), nl=False)
    return report.failed(strict if strict is not None else bool(settings and settings.strict))


def _optional_settings(project: Path | None) -> Settings | None:
    """The project's settings; None outside a project (validate needs none)."""
    from modelcar_dsl.diagnostics.errors import ProjectError
    from modelcar_dsl.project.settings import find_pyproject, read_settings

    try:
        pyproject = find_pyproject((project or Path.cwd()).resolve())
    except ProjectError:
        if project is not None:
            raise
        return None
    return read_settings(pyproject)


def _gates(
    settings: Settings | None,
    api_fields: str | None,
    feature_flags: tuple[str, ...],
    tekton_version: str | None,
    max_matrix_combinations: int | None = None,
) -> Gates:
    """The cluster's Tekton: the options over the project's settings over Tekton's defaults."""
    from modelcar_dsl.model.gates import Gates, parse_api_fields, parse_flag, parse_version

    gates = settings.cluster.gates if settings else Gates()
    try:
        flags = dict(gates.flags)
        flags.update(parse_flag(text) for text in feature_flags)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--feature-flag") from None
    try:
        version = parse_version(tekton_version) if tekton_version else gates.tekton_version
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--tekton-version") from None
    try:
        return Gates(
            api_fields=parse_api_fields(api_fields) if api_fields else gates.api_fields,
            flags=tuple(sorted(flags.items())),
            tekton_version=version,
            max_matrix_combinations=max_matrix_combinations or gates.max_matrix_combinations,
        )
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--feature-flag") from None


GRAPH_FORMATS = ("text", "mermaid", "dot", "png")
GRAPH_EXAMPLES = """
\b
Examples:
  modelcar graph modelcar-build-deploy                   stages in order, for a terminal
  modelcar graph modelcar-build-deploy --format mermaid  paste into a pull request
  modelcar graph model-testing --format dot | dot -Tsvg > model-testing.svg
  modelcar graph model-testing --format png --out docs/model-testing.png

--format png needs the graph extra and Graphviz (apt-get install graphviz). To install the extra:
{install}.
""".format(install=how_to_install("graph"))


@main.command(epilog=GRAPH_EXAMPLES)
@click.argument("pipeline_name", metavar="PIPELINE")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(GRAPH_FORMATS),
    default="text",
    show_default=True,
    help="Stages as text, Mermaid, Graphviz DOT, or a PNG (needs the graph extra, below).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of standard output (png: default PIPELINE.png).",
)
@_project_option
@_debug_option
def graph(pipeline_name: str, output_format: str, out: Path | None, project: Path | None) -> None:
    """Draw a pipeline's tasks and edges: data (which result), explicit (.after()),
    serialization (which workspace), finally tasks and when-guards.

    PIPELINE is the Tekton name of a pipeline of the project.
    """
    from modelcar_dsl.diagnostics.errors import ProjectError
    from modelcar_dsl.formats.names import did_you_mean
    from modelcar_dsl.model.graph import PipelineGraph
    from modelcar_dsl.project.loading import load_project
    from modelcar_dsl.review import graph_formats

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
  modelcar diff                          the fresh compile against the out tree at HEAD
  modelcar diff --against origin/main    what this branch changes, for its pull request
  modelcar diff --out ../gitops/serving/pipelines --against origin/main
  modelcar diff --against ../gitops/serving/pipelines --format md
\b
A ref names a commit of the git repository that holds the out tree ([tool.modelcar] out, or
--out): this project's when the tree is inside it, the gitops checkout's when the tree is in
one. Only files compile writes (those with its header) are compared, never hand-written ones.
Out of git, compare with a directory: --against DIR.
\b
Exit 0: no changes; 1: changes; 2: bad input (an unknown ref, an out tree in no git repository).
"""


@main.command(epilog=DIFF_EXAMPLES)
@click.option(
    "--against",
    default="HEAD",
    show_default=True,
    metavar="REF|DIR",
    help="A git ref of the repository that holds the out tree, or a directory of YAML (a "
    "checkout or a copy of the deployed tree).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The out tree whose committed files REF names (default: [tool.modelcar] out, else "
    "compiled/).",
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
def diff(
    against: str, out: Path | None, output_format: str, api: str | None, project: Path | None
) -> bool:
    """Say what the current code changes in the compiled tree, by resource and by meaning:
    resources and tasks added or removed, runAfter edges, params and defaults, images, scripts
    (with a diff of the script alone), run settings such as fsGroup and timeouts."""
    from modelcar_dsl.compiling.render import render_tree
    from modelcar_dsl.output.layout import GENERATED_MARKER
    from modelcar_dsl.output.output_tree import read_generated
    from modelcar_dsl.project.loading import load_project
    from modelcar_dsl.review.committed_tree import committed_tree
    from modelcar_dsl.review.tree_diff import as_markdown, as_text, diff_trees

    settings = _settings(project)
    after = render_tree(load_project(settings), settings.target(api))  # type: ignore[arg-type]
    directory = Path(against)
    if directory.is_dir():
        before, origin = read_generated(directory.resolve(), _to_stderr), f"{_shown(directory)}/"
    else:
        committed = committed_tree((out or settings.out).resolve(), against)
        before, origin = committed.files, committed.origin
    if not before:
        click.echo(
            f"note: {origin} holds no file compile wrote (none starts with its header "
            f"{GENERATED_MARKER!r}), so every resource is added",
            err=True,
        )
    changes = diff_trees(before, after, origin)
    click.echo(as_markdown(changes) if output_format == "md" else as_text(changes), nl=False)
    return bool(changes)


SUBMIT_EXAMPLES = """
\b
Examples:
  modelcar submit mistral-24b-quantized-build --dry-run   print the PipelineRun, touch nothing
  modelcar submit mistral-24b-quantized-build --wait      start it and follow it to the end
  modelcar submit mistral-24b-test --context prod --namespace private-ai-demo
\b
Exit 0: created (with --wait: succeeded); 1: the run failed; 2: bad input, or the cluster cannot
be reached or refused.

Needs the cluster extra. To install it: {install}.
""".format(install=how_to_install("cluster"))


_Command = TypeVar("_Command", bound=Callable[..., Any])


def _seconds_option(name: str, default: float, help: str) -> Callable[[_Command], _Command]:
    """A positive number of seconds, shown with its default."""
    return click.option(
        name,
        type=click.FloatRange(min=0, min_open=True),
        default=default,
        show_default=True,
        metavar="SECONDS",
        help=help,
    )


@main.command(epilog=SUBMIT_EXAMPLES)
@click.argument("run_name", metavar="RUN")
@click.option(
    "--namespace", help="Namespace (default: [tool.modelcar] namespace, else the context's)."
)
@click.option("--context", help="kubeconfig context (default: the current one).")
@click.option("--dry-run", is_flag=True, help="Print the PipelineRun instead of creating it.")
@click.option("--wait", is_flag=True, help="Follow the run until it ends; exit with its outcome.")
@_seconds_option(
    "--request-timeout", 30, "Give up on the cluster when connecting, or an answer, takes longer."
)
@_seconds_option(
    "--poll-interval", 5, "With --wait: how often to ask the cluster for the run's state."
)
@_project_option
@_debug_option
def submit(
    run_name: str,
    namespace: str | None,
    context: str | None,
    dry_run: bool,
    wait: bool,
    request_timeout: float,
    poll_interval: float,
    project: Path | None,
) -> bool:
    """Create a PipelineRun from a compiled run on the cluster of the current kubeconfig.

    RUN is the run's name (its generateName without the dash). First checks that the Pipeline
    and Tasks it needs are on the cluster and equal to the compiled ones.
    """
    from modelcar_dsl.cluster.client import connect
    from modelcar_dsl.cluster.submit import drift, follow
    from modelcar_dsl.compiling.render import Compiled, compile_validated
    from modelcar_dsl.compiling.yaml_emitter import dump_body
    from modelcar_dsl.project.loading import load_project

    settings = _settings(project)
    target = settings.target()
    compiled = Compiled.of(compile_validated(load_project(settings), target))
    run = compiled.run(run_name)
    if dry_run:
        click.echo(dump_body(run), nl=False)
        return False
    cluster = connect(target.api, context, namespace or settings.cluster.namespace, request_timeout)
    for warning in drift(compiled, cluster, run):
        click.echo(warning, err=True)
    created = cluster.create(run)
    name = created["metadata"]["name"]
    click.echo(f"created PipelineRun {name} in {cluster.namespace}", err=True)
    if wait:
        succeeded = follow(cluster, name, lambda line: click.echo(line, err=True), poll_interval)
        return not succeeded
    return False


RUN_EXAMPLES = """
\b
Examples:
  modelcar run mistral-24b-quantized-build \\
      --param registry-url=https://127.0.0.1:8443 \\
      --secret modelcar-registry-auth=auth/ --configmap trusted-ca-bundle=ca/
  modelcar run mistral-24b-quantized-build --from push-to-quay    rerun from a failed task
  modelcar run mistral-24b-quantized-test --only publish-results --report run.json
\b
Steps run on this machine with its tools (its images are not used); with --containers, each
runs in its image under podman. A Secret or ConfigMap is a directory with one file per key.
Exit 0: the run succeeded; 1: it failed; 2: bad input, an unmapped Secret or ConfigMap, or
--containers without podman (nothing ran).
"""


def _pairs(option: str, given: tuple[str, ...]) -> dict[str, str]:
    """NAME=VALUE options as a dict; a malformed or repeated one is a usage error."""
    pairs: dict[str, str] = {}
    for item in given:
        name, equals, value = item.partition("=")
        if not equals or not name:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint=option)
        if name in pairs:
            raise click.BadParameter(f"{name} is given twice", param_hint=option)
        pairs[name] = value
    return pairs


def _directories(option: str, given: tuple[str, ...]) -> dict[str, Path]:
    return {name: Path(value) for name, value in _pairs(option, given).items()}


def _user(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    uid, _, gid = value.partition(":")
    if not re.fullmatch(r"[0-9]+", uid) or (gid and not re.fullmatch(r"[0-9]+", gid)):
        raise click.BadParameter(f"{value!r} is not UID or UID:GID", param_hint="--user")
    return int(uid), int(gid or 0)


def _container_runtime(user: tuple[int, int] | None, fs_group: int | None) -> StepRuntime:
    """`--containers`: podman runs each step, as `user` (with the run's fsGroup) when given."""
    from modelcar_dsl.running.container_runtime import ContainerRuntime
    from modelcar_dsl.running.step_runtime import RunAs

    return ContainerRuntime(RunAs(user[0], user[1], fs_group) if user else None)


def _require_container_tools() -> None:
    """Before anything compiles: a usage error when this machine lacks podman or runc."""
    from modelcar_dsl.running.container_runtime import INSTALL_HINT, missing_tools

    missing = missing_tools()
    if missing:
        raise click.UsageError(
            f"--containers needs {' and '.join(missing)}, not found on PATH: {INSTALL_HINT}"
        )


@main.command(epilog=RUN_EXAMPLES)
@click.argument("run_name", metavar="RUN")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A pipeline param's value (an array: a JSON list or a,b,c).",
)
@click.option(
    "--workspace",
    "-w",
    "workspaces",
    multiple=True,
    metavar="NAME=DIR",
    help="Use DIR for a pipeline workspace, whatever the run binds it to.",
)
@click.option(
    "--secret",
    "secrets",
    multiple=True,
    metavar="NAME=DIR",
    help="The Secret NAME: DIR holds one file per key.",
)
@click.option(
    "--configmap",
    "config_maps",
    multiple=True,
    metavar="NAME=DIR",
    help="The ConfigMap NAME: DIR holds one file per key.",
)
@click.option(
    "--env",
    "env",
    multiple=True,
    metavar="NAME=VALUE",
    help="Add to every step's environment (the step's own env wins).",
)
@click.option(
    "--run-dir",
    type=click.Path(path_type=Path),
    help="Where workspaces, results and logs go (default: .modelcar/runs/RUN).",
)
@click.option(
    "--from",
    "from_task",
    metavar="TASK",
    help="Rerun TASK and what follows it, reusing the earlier run in --run-dir.",
)
@click.option(
    "--only",
    "only_task",
    metavar="TASK",
    help="Run TASK alone, with the earlier run's results as its inputs.",
)
@click.option(
    "--parallel",
    type=click.IntRange(1, 256),
    default=4,
    show_default=True,
    help="TaskRuns running at once, a matrixed task's each counting as one.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the outcome as JSON to this file.",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not print the steps' output.")
@click.option(
    "--user",
    metavar="UID[:GID]",
    help="Run steps as this user, as OpenShift does (needs root; fsGroup applies).",
)
@click.option(
    "--containers",
    is_flag=True,
    help="Run each step in its image with podman, instead of on this machine.",
)
@_project_option
@_debug_option
def run(
    run_name: str,
    params: tuple[str, ...],
    workspaces: tuple[str, ...],
    secrets: tuple[str, ...],
    config_maps: tuple[str, ...],
    env: tuple[str, ...],
    run_dir: Path | None,
    from_task: str | None,
    only_task: str | None,
    parallel: int,
    report: Path | None,
    quiet: bool,
    user: str | None,
    containers: bool,
    project: Path | None,
) -> bool:
    """Run a compiled PipelineRun on this machine, with Tekton's semantics.

    RUN is the run's name (its generateName without the dash). The project is compiled in
    memory and judged first; then its tasks run as the cluster would run them: in parallel
    where the graph allows, with `when`, retries, finally tasks and the run's timeouts.
    """
    import attrs

    from modelcar_dsl.project.local_run import project_documents
    from modelcar_dsl.running.console import Console, summary_table
    from modelcar_dsl.running.local import RunOptions, execute
    from modelcar_dsl.running.report import report as report_of
    from modelcar_dsl.running.report import write_report
    from modelcar_dsl.running.run_plan import RunPlan

    if containers:
        _require_container_tools()
    if report is not None and not report.absolute().parent.is_dir():
        # Found before the run, not after it has run for an hour with nowhere to report.
        raise click.BadParameter(f"{report.parent} is not a directory", param_hint="--report")
    settings = _settings(project)
    options = RunOptions(
        params=dict(_pairs("--param", params)),
        workspaces=_directories("--workspace", workspaces),
        secrets=dict(_directories("--secret", secrets)),
        config_maps=dict(_directories("--configmap", config_maps)),
        env=_pairs("--env", env),
        parallel=parallel,
        from_task=from_task,
        only_task=only_task,
        user=_user(user),
        max_matrix_combinations=settings.cluster.gates.max_matrix_combinations,
    )
    documents = project_documents(settings).documents
    if containers:
        fs_group = RunPlan.of(documents, run_name).fs_group()
        options = attrs.evolve(options, runtime=_container_runtime(options.user, fs_group))
    directory = run_dir or settings.root / ".modelcar" / "runs" / run_name
    console = Console(quiet=quiet)
    result = execute(documents, run_name, directory, options, console)
    outcome = result.outcome
    click.echo(summary_table(outcome.tasks), err=True)
    verdict = "succeeded" if outcome.succeeded else f"failed ({outcome.reason})"
    click.echo(
        f"PipelineRun {outcome.name} {verdict} in {outcome.seconds:.1f}s; logs in "
        f"{_shown(result.run_dir / 'tasks')}/TASK/logs/",
        err=True,
    )
    if report is not None:
        images = [] if containers else RunPlan.of(documents, run_name).images()
        write_report(report, report_of(result, run_name, images))
    return not outcome.succeeded


INIT_EXAMPLES = """
\b
Examples:
  modelcar init team-pipelines          asks for what it needs
  modelcar init team-pipelines --namespace team-a --fs-group 1000970000 \\
      --registry-url https://model-registry.apps.example:8443
\b
Then: cd DIR && modelcar compile && pytest. Exit 0: created; 2: a bad or missing answer, or a
file already in the way (nothing is written).
"""
DEFAULT_MODEL = "RedHatAI/Mistral-Small-24B-Instruct-2501-quantized.w4a16"


@main.command(epilog=INIT_EXAMPLES)
@click.argument(
    "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."), required=False
)
@click.option("--namespace", help="The namespace the pipelines run in.")
@click.option(
    "--fs-group",
    type=int,
    help="First GID of the namespace's openshift.io/sa.scc.supplemental-groups annotation.",
)
@click.option("--quay-organization", help="Quay organization to push to (default: the namespace).")
@click.option("--registry-url", help="The Model Registry's REST address (https://...).")
@click.option(
    "--model", default=DEFAULT_MODEL, show_default=True, help="Hugging Face repository, org/name."
)
@click.option("--no-input", is_flag=True, help="Never ask: a missing answer is an error.")
@_debug_option
def init(
    directory: Path,
    namespace: str | None,
    fs_group: int | None,
    quay_organization: str | None,
    registry_url: str | None,
    model: str,
    no_input: bool,
) -> None:
    """Start a pipeline repository in DIRECTORY (default: here) on the installed task library.

    Writes pyproject.toml ([tool.modelcar]), requirements.txt pinning this modelcar-dsl, a
    catalogue with one model, the runs of the library's build and test pipelines, tests, a
    pre-commit configuration, .gitignore and a README; never overwrites a file. Values not
    given as options are asked for on a terminal.
    """
    from modelcar_dsl.project.scaffold import Answers, render, write

    ask = sys.stdin.isatty() and not no_input
    missing = [
        flag
        for flag, value in (
            ("--namespace", namespace),
            ("--fs-group", fs_group),
            ("--registry-url", registry_url),
        )
        if value is None and not ask
    ]
    if missing:
        raise click.UsageError(f"give {', '.join(missing)} (or run init on a terminal to be asked)")
    namespace = namespace or click.prompt("Namespace the pipelines run in")
    if fs_group is None:
        fs_group = click.prompt(
            "fsGroup (first GID of the namespace's openshift.io/sa.scc.supplemental-groups)",
            type=int,
        )
    quay_organization = quay_organization or (
        click.prompt("Quay organization", default=namespace) if ask else namespace
    )
    registry_url = registry_url or click.prompt("Model Registry REST address (https://...)")
    answers = Answers(str(namespace), fs_group, str(quay_organization), str(registry_url), model)
    files = render(directory, answers)
    write(directory, files)
    for path in sorted(files):
        click.echo(f"created {_shown(directory / path)}", err=True)
    click.echo(
        f"next: cd {_shown(directory)} && modelcar compile && pytest "
        "(pytest: pip install -r requirements.txt)",
        err=True,
    )


def _to_stderr(line: str) -> None:
    click.echo(line, err=True)


def _shown(path: Path) -> str:
    from modelcar_dsl.diagnostics.source import display_path

    return display_path(str(path))
