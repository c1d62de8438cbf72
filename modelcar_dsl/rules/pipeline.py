"""Rules for a Pipeline's spec, standalone or embedded in a run as `pipelineSpec`."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.catalog import Origin
from modelcar_dsl.formats.durations import is_duration
from modelcar_dsl.formats.names import RESULT_NAME, did_you_mean, dns_label_problem, pattern_problem
from modelcar_dsl.model.dag import ancestor_masks, find_cycle, topological_order
from modelcar_dsl.rules.calls import (
    check_arguments,
    check_param_values,
    check_workspace_bindings,
)
from modelcar_dsl.rules.declarations import (
    RESULT_NAME_RULE,
    check_combined,
    check_param_declarations,
    check_propagated_names,
    check_workspace_declarations,
    declarations_from_values,
    duplicates,
    merged,
    names_of,
    param_declarations,
)
from modelcar_dsl.rules.document import Report, SourceDocument, mapping, mappings, sequence
from modelcar_dsl.rules.pipeline_variables import (
    AGGREGATE_STATUS,
    MATRIX_STRING,
    call_strings,
    check_context,
    check_param_names,
    check_prefixes,
    check_status,
    expressions,
    is_matrix_length,
    looks_like_result,
)
from modelcar_dsl.rules.references import result_reference
from modelcar_dsl.rules.resource_ref import check_ref
from modelcar_dsl.rules.task import check_task_spec, check_when
from modelcar_dsl.rules.task_variables import ParamScope
from modelcar_dsl.rules.tls import check_calls_tls
from modelcar_dsl.rules.variables import strings, variables

ON_ERROR = ("continue", "stopAndFail")
PIPELINE_SPEC_FIELDS = ("description", "params", "resources", "tasks", "workspaces")
"""The fields Tekton's `expected at least one` names for an empty Pipeline spec."""


class TaskResolver(Protocol):
    def __call__(self, ref: dict[str, Any], path: str, report: Report) -> dict[str, Any] | None:
        """The spec of the Task (Pipeline) a taskRef (pipelineRef) names, or None when it is
        not among the files or behind a resolver."""


class PipelineTaskCall:
    """One pipeline task: where it sits, the variables in its params, when and matrix (found
    once, read by several rules), and the Task spec it resolved to. A plain class: thousands
    are made per pipeline, and attrs' class creation would cost more at import than it saves."""

    __slots__ = ("body", "is_finally", "name", "path", "spec", "step_variables", "variables")

    def __init__(self, body: dict[str, Any], path: str, is_finally: bool) -> None:
        self.body = body
        self.path = path
        self.is_finally = is_finally
        self.spec: dict[str, Any] | None = None
        self.name = str(body.get("name", ""))
        self.variables = [
            (where, variable)
            for where, value in _dependency_values(body, path)
            for where, text in strings(value, where)
            for variable in variables(text)
        ]
        """The variables in param values, `when` and matrix values (not names)."""
        self.step_variables = [
            (where, variable)
            for where, text in _step_dependency_strings(mapping(body.get("taskSpec")), path)
            for variable in variables(text)
        ]
        """The variables of an inline taskSpec's steps and sidecars, which order tasks too."""


def _dependency_values(body: dict[str, Any], path: str) -> Iterator[tuple[str, Any]]:
    """Where Tekton looks for the result references that order a task (PipelineTaskResultRefs):
    param values, matrix and include param values, `when` input, cel and values."""
    matrix = mapping(body.get("matrix"))
    lists = [
        (f"{path}.params", body.get("params")),
        (f"{path}.matrix.params", matrix.get("params")),
    ]
    for index, include in mappings(matrix.get("include")):
        lists.append((f"{path}.matrix.include[{index}].params", include.get("params")))
    for where, params in lists:
        for index, param in mappings(params):
            yield f"{where}[{index}].value", param.get("value")
    for index, when in mappings(body.get("when")):
        for field in ("input", "cel", "values"):
            yield f"{path}.when[{index}].{field}", when.get(field)


def _step_dependency_strings(task_spec: dict[str, Any], path: str) -> Iterator[tuple[str, str]]:
    """The step and sidecar fields of an inline taskSpec Tekton reads result references in
    (Step and Sidecar GetVarSubstitutionExpressions)."""
    for section in ("steps", "sidecars"):
        for index, step in mappings(task_spec.get(section)):
            where = f"{path}.taskSpec.{section}[{index}]"
            for field in ("name", "image", "imagePullPolicy", "script", "workingDir"):
                if isinstance(step.get(field), str):
                    yield f"{where}.{field}", step[field]
            for field in ("command", "args"):
                for position, item in enumerate(sequence(step.get(field))):
                    if isinstance(item, str):
                        yield f"{where}.{field}[{position}]", item
            for position, env in mappings(step.get("env")):
                if isinstance(env.get("value"), str):
                    yield f"{where}.env[{position}].value", env["value"]
                source = mapping(env.get("valueFrom"))
                for ref in ("secretKeyRef", "configMapKeyRef"):
                    for key in ("key", "name"):
                        value = mapping(source.get(ref)).get(key)
                        if isinstance(value, str):
                            yield f"{where}.env[{position}].valueFrom.{ref}.{key}", value


def check_pipeline_spec(
    spec: dict[str, Any],
    path: str,
    report: Report,
    resolve: TaskResolver,
    run: RunContext | None = None,
) -> None:
    """Check a Pipeline spec at `path`: a Pipeline of its own, or (`run`) one embedded in a
    PipelineRun, whose params and workspaces propagate into it."""
    params = check_param_declarations(
        spec.get("params"),
        f"{path}.params",
        report,
        False,
        properties_checked=has_inline_steps(spec, embedded=run is not None),
    )
    workspaces = check_workspace_declarations(spec.get("workspaces"), f"{path}.workspaces", report)
    calls = _calls(spec, path)
    scope = _Scope(params, workspaces, run, calls)
    if run is not None and report.context.is_v1beta1:
        scope.bound = set()
    if run is not None:
        check_combined(run.params, spec.get("params"), f"{path}.params", report)
        if has_inline_steps(spec, embedded=True):
            check_propagated_names(spec.get("params"), f"{path}.params", scope.run_params, report)
            for call in calls:
                if not call.is_finally:
                    where = f"{call.path}.params"
                    check_propagated_names(call.body.get("params"), where, scope.run_params, report)
        for call in calls:
            task_params = mapping(call.body.get("taskSpec")).get("params")
            if not call.is_finally and task_params:
                where = f"{call.path}.taskSpec.params"
                check_combined(merged(run.params, params), task_params, where, report)
    if not sequence(spec.get("tasks")):
        _report_no_tasks(spec, path, report)
    regular = {call.name for call in calls if not call.is_finally}
    finally_names = {call.name for call in calls if call.is_finally}
    for index, name in duplicates((i, call.name) for i, call in enumerate(calls) if call.name):
        report(
            f"{calls[index].path}.name",
            catalog.PIPELINE_TASK_DUPLICATE,
            f"pipeline task name {name!r} is used more than once (tasks and finally share one "
            "namespace); give each its own name",
        )
    for call in calls:
        _check_call(call, scope, regular, finally_names, report, resolve)
    for section in (False, True):
        listed = [call for call in calls if call.is_finally == section]
        for call in listed:
            for where, text, _ in call_strings(call.body, call.path):
                # Tekton's webhook reads the param values of a list's last task only.
                admitted = call is listed[-1] and ".when[" not in where
                check_context(text, where, report, at_admission=admitted)
    defaults = {name: declaration.get("default") for name, declaration in params.items()}
    check_calls_tls([(call.path, call.body, call.spec) for call in calls], defaults, report)
    _check_order(calls, regular, report, report.context.is_v1)
    _check_results(spec.get("results"), f"{path}.results", regular, finally_names, report)


class RunContext:
    """What a PipelineRun gives the pipelineSpec it embeds: its params, as Tekton types them
    from their values, and the names of the workspaces it binds."""

    __slots__ = ("params", "workspaces")

    def __init__(self, params: dict[str, dict[str, Any]], workspaces: set[str]) -> None:
        self.params = params
        self.workspaces = workspaces


class _Scope:
    """The params and workspaces a pipeline task's strings and its taskSpec may name: at
    admission, and (propagated) at run time."""

    __slots__ = ("bound", "embedded", "params", "run_params", "workspaces")

    def __init__(
        self,
        params: dict[str, dict[str, Any]],
        workspaces: set[str],
        run: RunContext | None,
        calls: list[PipelineTaskCall],
    ) -> None:
        self.params = params
        self.workspaces = workspaces | (run.workspaces if run else set())
        self.embedded = run is not None
        self.bound: set[str] | None = None
        """v1beta1's webhook checks an embedded pipelineSpec's task bindings against the run's,
        the spec's and the binding names of the tasks so far (validateInlineWorkspaces in
        v1beta1's pipelinerun_validation.go; v1 does not check them)."""
        self.run_params: dict[str, dict[str, Any]] = {}
        if run is not None:
            # Tekton's validateInlineParameters: the run's params, the pipeline's, and the
            # params every task passes or its taskSpec declares.
            scopes = [run.params, params]
            for call in calls:
                if not call.is_finally:
                    scopes.append(declarations_from_values(call.body.get("params")))
                    task_spec = mapping(call.body.get("taskSpec"))
                    scopes.append(param_declarations(task_spec.get("params")))
            self.run_params = merged(*scopes)

    def admitted(self, call: PipelineTaskCall) -> dict[str, dict[str, Any]] | None:
        """The params Tekton's webhook lets this task's strings name (None: it checks none)."""
        if not self.embedded:
            return self.params
        return None if call.is_finally else self.run_params

    def task_scope(self, call: PipelineTaskCall, task_spec: dict[str, Any]) -> ParamScope:
        given = frozenset(str(p.get("name")) for _, p in mappings(call.body.get("params")))
        declared = param_declarations(task_spec.get("params"))
        if not self.embedded:
            return ParamScope(merged(self.params, declared), given)
        if call.is_finally:
            return ParamScope(None, given | frozenset(self.run_params))
        return ParamScope(merged(self.run_params, declared), given)


def has_inline_steps(spec: dict[str, Any], embedded: bool) -> bool:
    """Tekton checks that object params have properties where an inline taskSpec may use them:
    a Pipeline's tasks and finally with a taskSpec (validatePipelineParameterUsage), a run's
    tasks whose taskSpec has steps (validateInlineParameters)."""
    for section in ("tasks",) if embedded else ("tasks", "finally"):
        for _, task in mappings(spec.get(section)):
            task_spec = task.get("taskSpec")
            if task_spec is not None and (
                not embedded or mapping(task_spec).get("steps") is not None
            ):
                return True
    return False


def _report_no_tasks(spec: dict[str, Any], path: str, report: Report) -> None:
    """Tekton's webhook refuses only an empty spec, or finally tasks without tasks
    (PipelineSpec.Validate, validatePipelineTasks); a Pipeline with no tasks otherwise runs
    nothing."""
    empty = not any(spec.get(field) for field in PIPELINE_SPEC_FIELDS)
    refused = empty or bool(sequence(spec.get("finally")))
    report(
        f"{path}.tasks",
        catalog.PIPELINE_NO_TASKS,
        "a Pipeline needs at least one task" + ("" if refused else ": this one runs nothing"),
        origin=None if refused else "modelcar",
    )


def _check_call(
    call: PipelineTaskCall,
    scope: _Scope,
    regular: set[str],
    finally_names: set[str],
    report: Report,
    resolve: TaskResolver,
) -> None:
    body, path = call.body, call.path
    workspaces = scope.workspaces
    if not call.name:
        report(f"{path}.name", catalog.MISSING_FIELD, "a pipeline task needs a name")
    elif problem := dns_label_problem(call.name, "pipeline task name"):
        report(f"{path}.name", catalog.PIPELINE_TASK_NAME, problem)
    has_ref, has_spec = "taskRef" in body, "taskSpec" in body
    if has_ref == has_spec and "pipelineRef" not in body and "pipelineSpec" not in body:
        report(
            path,
            catalog.TASK_REF,
            "expected exactly one of taskRef and taskSpec, got "
            + ("both" if has_ref else "neither"),
        )
    elif _is_custom_task(body, path, report):
        pass
    elif has_spec:
        call.spec = mapping(body["taskSpec"])
        bound = {str(b.get("name")) for _, b in mappings(body.get("workspaces"))}
        check_task_spec(
            call.spec,
            f"{path}.taskSpec",
            report,
            scope.task_scope(call, call.spec),
            workspaces | bound,
        )
    elif has_ref:
        task_ref = mapping(body["taskRef"])
        if check_ref(task_ref, f"{path}.taskRef", report, "taskRef"):
            call.spec = resolve(task_ref, f"{path}.taskRef", report)
    for index, after in enumerate(sequence(body.get("runAfter"))):
        if call.is_finally:
            report(
                f"{path}.runAfter",
                catalog.FINALLY_RUN_AFTER,
                "finally tasks cannot have runAfter: they all start once the tasks end",
            )
            break
        if not isinstance(after, str):
            continue
        if after in finally_names:
            report(
                f"{path}.runAfter[{index}]",
                catalog.RUN_AFTER,
                f"runAfter names finally task {after!r}; finally tasks run after all others, "
                "so no task can wait for them",
            )
        elif after not in regular:
            report(
                f"{path}.runAfter[{index}]",
                catalog.RUN_AFTER,
                f"runAfter names {after!r}, which is not a task of this pipeline"
                + did_you_mean(str(after), regular),
            )
    check_when(body.get("when"), f"{path}.when", report)
    _check_execution(body, path, report)
    admitted = scope.admitted(call)
    texts = []
    for where, text, how in call_strings(body, path):
        texts.append((where, text))
        check_prefixes(text, where, report)
        if how == MATRIX_STRING:
            continue  # Tekton checks only the prefixes of a matrix param's string value
        if admitted is not None:
            check_param_names(text, how, where, admitted, report)
        for expression in expressions(text):
            _check_task_reference(call, expression, where, regular, finally_names, report)
    check_status(texts, call.is_finally, regular, report)
    bindings = []
    # Tekton checks the bindings of a Pipeline's tasks, not of a v1 run's embedded pipelineSpec
    # (Pipeline.Validate calls validatePipelineWorkspacesUsage; PipelineSpec.Validate does not).
    unchecked: Origin | None = "run" if scope.embedded else None
    known = workspaces
    if scope.bound is not None:
        scope.bound |= {str(b.get("name", "")) for _, b in mappings(body.get("workspaces"))}
        known = workspaces | scope.bound
    for index, binding in mappings(body.get("workspaces")):
        target = binding.get("workspace") or binding.get("name")
        if target is None:
            report(
                f"{path}.workspaces[{index}]",
                catalog.MISSING_FIELD,
                "a workspace binding names a pipeline workspace: give it a name",
                origin=unchecked,
            )
        elif isinstance(target, str) and target not in known:
            report(
                f"{path}.workspaces[{index}]",
                catalog.PIPELINE_WORKSPACE,
                f"binds pipeline workspace {target!r}, which the pipeline does not declare"
                + did_you_mean(str(target), workspaces),
                origin=None if scope.bound is not None else unchecked,
            )
        bindings.append((index, str(binding.get("name"))))
    for index, name in duplicates(bindings):
        report(
            f"{path}.workspaces[{index}].name",
            catalog.WORKSPACE_DUPLICATE,
            f"task workspace {name!r} is bound more than once",
        )
    check_param_values(body.get("params"), f"{path}.params", report)
    given = [(i, p.get("name")) for i, p in mappings(body.get("params"))]
    for index, name in duplicates(given):
        report(
            f"{path}.params[{index}].name",
            catalog.PARAM_DUPLICATE,
            f"param {name!r} is given more than once; parameter names must be unique",
        )
    if call.spec is not None and has_ref:
        owner = f"Task {mapping(body['taskRef']).get('name')!r}"
        declared = param_declarations(call.spec.get("params"))
        matrix = mapping(body.get("matrix"))
        supplied = frozenset(
            str(param.get("name"))
            for source in [matrix, *(entry for _, entry in mappings(matrix.get("include")))]
            for _, param in mappings(source.get("params"))
        )
        check_arguments(declared, body.get("params"), f"{path}.params", owner, report, supplied)
        check_workspace_bindings(
            call.spec.get("workspaces"), bindings, f"{path}.workspaces", owner, report
        )


TASK_KINDS = ("", "Task")
"""The kinds a taskRef or taskSpec may name without being a custom task (Tekton's taskKinds)."""
_API_VERSION = re.compile(r"[^/]+/[^/]+")


def _is_custom_task(body: dict[str, Any], path: str, report: Report) -> bool:
    """A taskRef or taskSpec with another kind, or with an apiVersion, runs a custom task (a
    CustomRun), which needs both (Tekton's validateCustomTask); a taskSpec with steps cannot
    name them. ClusterTask is the version rules' to judge."""
    for field in ("taskRef", "taskSpec"):
        target = mapping(body.get(field))
        kind, api_version = target.get("kind", ""), target.get("apiVersion", "")
        if field == "taskSpec" and target.get("steps"):
            for name in ("apiVersion", "kind"):
                if target.get(name):
                    report(
                        f"{path}.taskSpec.{name}",
                        catalog.TASK_REF,
                        f"taskSpec.{name} cannot be set when the taskSpec has steps",
                    )
            return False
        if kind == "ClusterTask" or (kind in TASK_KINDS and not api_version):
            continue
        if not kind:
            report(
                f"{path}.{field}.kind", catalog.TASK_REF, f"a custom task's {field} needs a kind"
            )
        if not api_version:
            report(
                f"{path}.{field}.apiVersion",
                catalog.TASK_REF,
                f"a custom task's {field} needs an apiVersion (group/version) besides kind "
                f"{kind!r}",
            )
        elif not _API_VERSION.fullmatch(str(api_version)):
            report(
                f"{path}.{field}.apiVersion",
                catalog.TASK_REF,
                f"apiVersion {api_version!r} is not of the form group/version",
            )
        return True
    return False


def _check_execution(body: dict[str, Any], path: str, report: Report) -> None:
    retries = body.get("retries")
    if isinstance(retries, int | float) and not isinstance(retries, bool) and retries < 0:
        # PipelineTask.Validate does not check it; the run simply does not retry.
        message = f"retries {retries!r} must be 0 or more"
        report(f"{path}.retries", catalog.RETRIES, message, origin="modelcar")
    on_error = body.get("onError")
    if on_error is not None and on_error not in ON_ERROR:
        report(
            f"{path}.onError",
            catalog.ON_ERROR_RETRIES,
            f"onError {on_error!r} is not one of {', '.join(ON_ERROR)}",
        )
    elif on_error == "continue" and isinstance(retries, int) and retries > 0:
        report(
            f"{path}.onError",
            catalog.ON_ERROR_RETRIES,
            "onError: continue cannot be combined with retries; a task that may fail and "
            "continue is not retried",
        )
    timeout = body.get("timeout")
    if timeout is not None and not is_duration(timeout):
        report(
            f"{path}.timeout",
            catalog.TASK_TIMEOUT,
            f"timeout {timeout!r} is not a duration like 1h30m, 90s or 0 (no timeout)",
        )


def _check_task_reference(
    call: PipelineTaskCall,
    expression: str,
    path: str,
    regular: set[str],
    finally_names: set[str],
    report: Report,
) -> None:
    """A `$(tasks.X...)` expression: a result of a task that runs before this one (the graph
    Tekton builds from result references needs it), or a variable Tekton fills at run time."""
    if not expression.startswith("tasks.") or is_matrix_length(expression):
        return
    if expression == AGGREGATE_STATUS or expression.endswith((".status", ".reason")):
        return
    if not looks_like_result(expression):
        report(
            path,
            catalog.PIPELINE_VARIABLE,
            f"$({expression}) is not a task variable Tekton fills; use "
            "$(tasks.<task>.results.<name>), $(tasks.<task>.matrix.length) or, in finally, "
            "$(tasks.<task>.status)",
            "run",
        )
        return
    source = expression.split(".")[1]
    if source in finally_names:
        report(
            path,
            catalog.FINALLY_RESULT_REFERENCE,
            f"$({expression}) reads a result of finally task {source!r}; "
            + (
                "finally tasks run in parallel and cannot read each other's results"
                if call.is_finally
                else "finally tasks run after all others, so no task can wait for them"
            ),
        )
    elif source not in regular:
        report(
            path,
            catalog.RESULT_REFERENCE,
            f"$({expression}) names task {source!r}, which is not in this pipeline"
            + did_you_mean(source, regular),
        )


def _check_order(
    calls: list[PipelineTaskCall], regular: set[str], report: Report, steps_admitted: bool
) -> None:
    """No cycles among the tasks; known result names; and tasks that write one workspace
    ordered, so they never run at the same time on one volume. Results read in inline steps
    order tasks in Tekton's v1 webhook (`steps_admitted`); v1beta1's reads only params and
    when, so there they order the run alone (it runs as v1)."""
    tasks = [call for call in calls if not call.is_finally and call.name]
    by_name = {call.name: call for call in tasks}
    for call in calls:
        _check_result_names(call, by_name, report)
        if not call.is_finally:
            _check_step_dependencies(call, by_name, report, None if steps_admitted else "run")
    names, children = _task_graph(tasks, by_name)
    cycle = find_cycle(names, children)
    if cycle:
        admitted = steps_admitted or bool(find_cycle(*_task_graph(tasks, by_name, steps=False)))
        report(
            _cycle_path(cycle, by_name),
            catalog.CYCLE,
            "tasks form a cycle: "
            + " -> ".join([*cycle, cycle[0]])
            + "; remove one of the runAfter entries or result references that close it",
            origin=None if admitted else "run",
        )
        return
    if len(by_name) < len(tasks):
        return
    for use, other in unordered_writers(calls, names, children):
        where = f" (subPath {use.sub_path!r})" if use.sub_path else ""
        fix = (
            "finally tasks all start together and cannot be ordered: mount it readOnly where "
            "it is only read, give each its own subPath, or move one into the pipeline's tasks"
            if use.call.is_finally and other.call.is_finally
            else f"Add {other.call.name!r} to runAfter of {use.call.name!r} (in the DSL: "
            ".after()), or mount it readOnly where it is only read"
        )
        report(
            f"{use.call.path}.workspaces[{use.index}]",
            catalog.SHARED_WORKSPACE,
            f"tasks {other.call.name!r} and {use.call.name!r} both mount workspace "
            f"{use.workspace!r}{where}, at least one writes it, and nothing orders them: "
            f"they can run at the same time on one volume. {fix}",
        )


def _task_graph(
    tasks: list[PipelineTaskCall], by_name: dict[str, PipelineTaskCall], steps: bool = True
) -> tuple[list[str], dict[str, list[str]]]:
    """The regular tasks' names and, for each, the tasks that wait for it (counting results
    read in inline steps unless `steps` is false)."""
    names = list(by_name)
    children: dict[str, list[str]] = {name: [] for name in names}
    for call in tasks:
        for parent in _parents(call, by_name, steps):
            if parent in children:
                children[parent].append(call.name)
    return names, children


def _calls(spec: dict[str, Any], path: str) -> list[PipelineTaskCall]:
    """The tasks, then the finally tasks, of a Pipeline spec at `path`."""
    return [
        PipelineTaskCall(body, f"{path}.tasks[{index}]", False)
        for index, body in mappings(spec.get("tasks"))
    ] + [
        PipelineTaskCall(body, f"{path}.finally[{index}]", True)
        for index, body in mappings(spec.get("finally"))
    ]


def pipeline_calls(spec: dict[str, Any], resolve: TaskResolver) -> list[PipelineTaskCall]:
    """A Pipeline's tasks with the Task specs they resolve to, for checks made from a run; what
    is wrong with them is the Pipeline's own rules' to report, so nothing is reported here."""
    calls = _calls(spec, "spec")
    silent = Report(SourceDocument({}, lambda path: None), [])
    for call in calls:
        if "taskSpec" in call.body:
            call.spec = mapping(call.body["taskSpec"])
        elif mapping(call.body.get("taskRef")).get("name"):
            call.spec = resolve(mapping(call.body["taskRef"]), call.path, silent)
    return calls


class WorkspaceUse:
    """One task's mount of a pipeline workspace: which binding, which subPath, written or not,
    and the path on its volume that the mount reaches."""

    __slots__ = ("call", "index", "path", "sub_path", "workspace", "writes")

    def __init__(
        self,
        call: PipelineTaskCall,
        index: int,
        workspace: str,
        sub_path: str,
        writes: bool,
        path: str,
    ):
        self.call = call
        self.index = index
        self.workspace = workspace
        self.sub_path = sub_path
        self.writes = writes
        self.path = path


def _clean_path(*parts: str) -> str:
    return posixpath.normpath("/" + "/".join(parts)).strip("/")


def nested(path: str, other: str) -> bool:
    """One path on a volume holds the other (the root, "", holds every one)."""
    return (
        not path
        or not other
        or f"{path}/".startswith(f"{other}/")
        or (f"{other}/".startswith(f"{path}/"))
    )


def unordered_writers(
    calls: list[PipelineTaskCall],
    names: list[str] | None = None,
    children: dict[str, list[str]] | None = None,
    volume_of: Callable[[str], tuple[str, str]] = lambda workspace: (workspace, ""),
    read_only: frozenset[str] = frozenset(),
) -> Iterator[tuple[WorkspaceUse, WorkspaceUse]]:
    """Pairs of mounts by two tasks of paths on one volume where one holds the other, at least
    one writing, that nothing orders: the later use and the earlier one. `volume_of` says which
    volume a pipeline workspace is and at which path on it (a run may bind two to one claim),
    `read_only` which workspaces no task can write (a run's Secrets, ConfigMaps, read-only
    claims); the tasks' graph is built from `calls` unless given."""
    if names is None or children is None:
        tasks = [call for call in calls if not call.is_finally and call.name]
        by_name = {call.name: call for call in tasks}
        if len(by_name) < len(tasks):
            return
        names, children = _task_graph(tasks, by_name)
        if find_cycle(names, children):
            return
    users: dict[str, list[WorkspaceUse]] = {}
    for call in calls:
        for (workspace, sub_path), (index, writes) in _writes(call).items():
            volume, base = volume_of(workspace)
            writes = writes and workspace not in read_only
            path = _clean_path(base, sub_path)
            use = WorkspaceUse(call, index, workspace, sub_path, writes, path)
            users.setdefault(volume, []).append(use)
    if all(len(group) < 2 for group in users.values()):
        return
    order = topological_order(names, children)
    masks = ancestor_masks(names, children, order)
    bit = {name: 1 << position for position, name in enumerate(names)}
    everything = (1 << len(names)) - 1
    position = {name: i for i, name in enumerate(order)}

    def unordered(later: WorkspaceUse, earlier: WorkspaceUse) -> bool:
        """Nothing makes `later` wait for `earlier` (finally tasks wait for every regular task
        and for no finally task)."""
        if later.call is earlier.call:
            return False
        ancestors = everything if later.call.is_finally else masks.get(later.call.name, 0)
        waits = not earlier.call.is_finally and bool(ancestors & bit.get(earlier.call.name, 0))
        return not waits

    for _, group in sorted(users.items(), key=lambda item: item[0]):
        if len(group) < 2:
            continue
        group.sort(key=lambda use: (use.call.is_finally, position.get(use.call.name, 0)))
        if len({use.path for use in group}) == 1:
            yield from _chained(group, unordered)
            continue
        # Paths that nest without being equal: each pair is judged (rare, and small).
        for later_index, use in enumerate(group):
            for other in group[:later_index]:
                if (
                    (use.writes or other.writes)
                    and nested(use.path, other.path)
                    and unordered(use, other)
                ):
                    yield use, other


def _chained(
    group: list[WorkspaceUse], unordered: Callable[[WorkspaceUse, WorkspaceUse], bool]
) -> Iterator[tuple[WorkspaceUse, WorkspaceUse]]:
    """Mounts of one path in order: each must wait for the last writer and, if it writes, for
    the readers since; a linear walk instead of every pair."""
    last_writer: WorkspaceUse | None = None
    readers: list[WorkspaceUse] = []
    for use in group:
        earlier = ([last_writer] if last_writer else []) + (readers if use.writes else [])
        for other in earlier:
            if unordered(use, other):
                yield use, other
        if use.writes:
            last_writer, readers = use, []
        else:
            readers.append(use)


def _cycle_path(cycle: list[str], by_name: dict[str, PipelineTaskCall]) -> str:
    """The runAfter entry that closes the cycle when there is one (the easiest edge to drop),
    else the task that reads the result closing it."""
    for parent, child in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
        call = by_name[child]
        after = [str(name) for name in sequence(call.body.get("runAfter"))]
        if parent in after:
            return f"{call.path}.runAfter[{after.index(parent)}]"
    return f"{by_name[cycle[0]].path}.params"


def _parents(
    call: PipelineTaskCall, by_name: dict[str, PipelineTaskCall], steps: bool = True
) -> list[str]:
    parents = [str(after) for after in sequence(call.body.get("runAfter"))]
    for _, variable in call.variables + (call.step_variables if steps else []):
        reference = result_reference(variable)
        if reference is not None:
            parents.append(reference.task)
    return list(dict.fromkeys(parent for parent in parents if parent in by_name))


def _check_step_dependencies(
    call: PipelineTaskCall,
    by_name: dict[str, PipelineTaskCall],
    report: Report,
    origin: Origin | None,
) -> None:
    """A task result read in an inline taskSpec's steps orders the task after its producer as
    a param would; Tekton's graph refuses a producer that is no task (or a finally task) of
    the pipeline (dag.Build: `couldn't add link`)."""
    for where, variable in call.step_variables:
        reference = result_reference(variable)
        parts = variable.expression.split(".")
        if reference is None or len(parts) not in (4, 5):
            continue
        if reference.task not in by_name:
            report(
                where,
                catalog.RESULT_REFERENCE,
                f"{variable.text} names task {reference.task!r}, which is no task of this "
                "pipeline (a finally task's results cannot be read before finally)"
                + did_you_mean(reference.task, by_name),
                origin=origin,
            )
            return


def _check_result_names(
    call: PipelineTaskCall, by_name: dict[str, PipelineTaskCall], report: Report
) -> None:
    """A result the task does not declare: Tekton's webhook never reads the Task's results
    (not even an embedded taskSpec's), so the run fails when it resolves the reference."""
    for where, variable in call.variables:
        reference = result_reference(variable)
        if reference is None:
            continue
        source = by_name.get(reference.task)
        if source is None or source.spec is None:
            continue
        declared = names_of(source.spec.get("results"))
        if reference.result not in declared:
            report(
                where,
                catalog.RESULT_REFERENCE,
                f"{variable.text}: task {reference.task!r} has no result "
                f"{reference.result!r}" + did_you_mean(reference.result, declared),
                origin="run",
            )


def _writes(call: PipelineTaskCall) -> dict[tuple[str, str], tuple[int, bool]]:
    """(pipeline workspace, subPath) -> (binding index, writes?) for the workspaces a task mounts.
    A task whose Task is unknown is taken to write."""
    read_only = {
        str(w.get("name")): bool(w.get("readOnly"))
        for _, w in mappings(mapping(call.spec).get("workspaces"))
    }
    mounts: dict[tuple[str, str], tuple[int, bool]] = {}
    for index, binding in mappings(call.body.get("workspaces")):
        key = (
            str(binding.get("workspace") or binding.get("name")),
            str(binding.get("subPath", "")),
        )
        writes = not read_only.get(str(binding.get("name")), False)
        previous = mounts.get(key)
        mounts[key] = (index, writes or (previous is not None and previous[1]))
    return mounts


def _check_results(
    results: Any, path: str, regular: set[str], finally_names: set[str], report: Report
) -> None:
    """Pipeline results read task results (`$(tasks.X.results.Y)`, or `$(finally.X...)` of a
    finally task), as Tekton's validatePipelineResults requires."""
    names = []
    for index, result in mappings(results):
        where = f"{path}[{index}]"
        name = result.get("name")
        if isinstance(name, str):
            names.append((index, name))
            if problem := pattern_problem(name, RESULT_NAME, "result name", RESULT_NAME_RULE):
                # validatePipelineResults reads the values, not the names (a Task's are checked).
                report(f"{where}.name", catalog.RESULT_NAME, problem, origin="modelcar")
        value = result.get("value")
        found = [expression for _, text in strings(value, "") for expression in expressions(text)]
        if not found or not any(looks_like_result(expression) for expression in found):
            report(
                f"{where}.value",
                catalog.PIPELINE_RESULT,
                "a pipeline result's value must read a task result: "
                "$(tasks.<task>.results.<name>), or $(finally.<task>.results.<name>)",
            )
        elif isinstance(value, str) and (
            missing := _result_source_problem(value, regular, finally_names)
        ):
            report(f"{where}.value", catalog.PIPELINE_RESULT, missing)
    for index, name in duplicates(names):
        report(
            f"{path}[{index}].name", catalog.RESULT_DUPLICATE, f"result {name!r} is declared twice"
        )


def _result_source_problem(value: str, regular: set[str], finally_names: set[str]) -> str | None:
    """Tekton reads every `$`-separated piece of a string result value as a result reference
    (taskContainsResult): text before the first reference, or a task not in the pipeline,
    is refused."""
    for piece in value.split("$"):
        if not piece:
            continue
        expression = ("$" + piece).removeprefix("$(").removesuffix(")")
        parts = expression.split(".")
        if not looks_like_result(expression) or len(parts) not in (4, 5):
            return (
                f"{value!r} holds {piece!r}, which is not a result reference; a string result "
                "value may only hold $(tasks.<task>.results.<name>) references"
            )
        tasks = regular if parts[0] == "tasks" else finally_names
        if parts[1] not in tasks:
            kind = "task" if parts[0] == "tasks" else "finally task"
            return f"reads {kind} {parts[1]!r}, which is not in this pipeline" + did_you_mean(
                parts[1], tasks
            )
    return None
