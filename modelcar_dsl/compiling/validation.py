"""Checks only the Python side can make, before compiling: arguments against their annotations
(with the user's Python names), and the step scripts' own text. Everything Tekton checks is
checked on the compiled documents (`modelcar_dsl.rules`), once for the DSL and for YAML."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from modelcar_dsl.authoring.catalogue import record_location, record_problems
from modelcar_dsl.authoring.script_source import line_origin
from modelcar_dsl.compiling.task_containers import container_problems
from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.diagnostics.errors import Problem
from modelcar_dsl.diagnostics.source import SourceLocation
from modelcar_dsl.formats.names import did_you_mean
from modelcar_dsl.model.container_settings import Sidecar
from modelcar_dsl.model.graph import task_references
from modelcar_dsl.model.params import (
    ParamSpec,
    check_value,
    constraint_problem,
    env_name,
    render_value,
)
from modelcar_dsl.model.refs import ParamRef, Ref
from modelcar_dsl.model.specs import (
    EnvSource,
    PipelineSpec,
    PipelineTaskSpec,
    Result,
    RunSpec,
    Step,
    TaskSpec,
)
from modelcar_dsl.model.target import Target
from modelcar_dsl.rules.tls import (
    FIX,
    command_bypass,
    env_bypass,
    is_tls_switch,
    script_bypasses,
    sourced_env_bypass,
    url_host,
)
from modelcar_dsl.rules.variables import TEKTON_VARIABLE, VARIABLE, param_reference

DSL_RULES = frozenset(
    {
        catalog.PARAM_MISSING.id,
        catalog.PARAM_UNKNOWN.id,
        catalog.PARAM_VALUE_TYPE.id,
        catalog.SCRIPT_VARIABLE.id,
        catalog.STEP_RESULT_VALUE.id,
        catalog.TLS_BYPASS.id,
    }
)
"""Rules these checks own for DSL input: they report them in Python's terms (`model_dir`, the
script file's line), so the same rules on the compiled documents are skipped."""


@attrs.frozen
class _Reporter:
    """Builds problems for one resource, so each check states only its path, rule and message."""

    resource: str
    location: SourceLocation

    def __call__(
        self,
        path: str,
        rule: catalog.Rule,
        message: str,
        location: SourceLocation | None = None,
    ) -> Problem:
        return Problem(self.resource, path, message, rule.id, location or self.location)


def validate_task(task: TaskSpec) -> Iterator[Problem]:
    report = _Reporter(f"task/{task.name}", task.location)
    arrays = [param.name for param in task.params if param.type == "array"]
    if len(arrays) > 1:
        yield report(
            "spec.params",
            catalog.ARRAY_PARAMS,
            f"array params {arrays} all become the script's arguments; a task may have one, "
            "pass the others as strings",
        )
    for index, step in enumerate(task.steps):
        if step.action is not None:
            yield from _argument_problems(
                step.action.action.params,
                step.action.arguments,
                f"spec.steps[{index}].params",
                report,
                step.location,
                f"step action {step.action.action.name!r}",
            )
        if step.script is not None:
            yield from _script_problems(step, f"spec.steps[{index}]", report)
        yield from _tls_bypasses(step, f"spec.steps[{index}]", report)
    for index, sidecar in enumerate(task.sidecars):
        if sidecar.script is not None:
            yield from _script_problems(sidecar, f"spec.sidecars[{index}]", report)
        yield from _tls_bypasses(sidecar, f"spec.sidecars[{index}]", report)
    yield from _sourced_env_bypasses(task.env_from, "spec.stepTemplate", report, task.location)
    yield from _step_result_problems(task, report)
    yield from container_problems(task)
    for param in task.params:
        names = [f"{param.name}_{key}" for key in param.properties] or [param.name]
        for name in names:
            if message := sourced_env_bypass(env_name(name), f"param {param.py_name!r}"):
                yield report("spec.params", catalog.TLS_BYPASS, f"{message}; {FIX}")


def _script_problems(step: Step | Sidecar, path: str, report: _Reporter) -> Iterator[Problem]:
    """Tabs are fine: the emitter keeps them in the literal block (a script starts with its #!
    line, so never with the tab YAML readers refuse on a block's first line)."""
    for number, line in enumerate((step.script or "").splitlines(), start=1):
        trailing = line != line.rstrip()
        variables = list(TEKTON_VARIABLE.finditer(line)) if "$(" in line else []
        if not trailing and not variables:
            continue
        where = line_origin(step.script_origins, number)
        if trailing:
            yield report(
                f"{path}.script",
                catalog.SCRIPT_WHITESPACE,
                f"{where} ends in whitespace, which YAML emitters (PyYAML's, libyaml's) never "
                "leave at the end of a literal block's line: the script would be one quoted "
                "line in the review. Strip line ends",
                step.location,
            )
        # A sidecar gets no stepTemplate, so none of the task's env: it passes its own.
        instead = (
            "every param, workspace path and result path is in the step's env "
            "(e.g. $IMAGE_REF, $WORKSPACE_SOURCE_PATH, $RESULT_IMAGE_DIGEST_PATH)"
            if isinstance(step, Step)
            else "a sidecar gets none of the task's env, so pass the value in its own, "
            'sidecar(..., env={"NAME": value}), and read $NAME'
        )
        for match in variables:
            yield report(
                f"{path}.script",
                catalog.SCRIPT_VARIABLE,
                f"{where} contains {match.group(0)}; Tekton would paste the value "
                "into the script text (script injection). Read it from the environment instead: "
                f"{instead}",
                step.location,
            )


def _tls_bypasses(step: Step | Sidecar, path: str, report: _Reporter) -> Iterator[Problem]:
    """The tls-bypass rule in Python's terms: a script's own file and line (libraries are
    inlined), the step's command, args and env."""
    for number, found in script_bypasses(step.script or ""):
        where = line_origin(step.script_origins, number)
        yield report(
            f"{path}.script",
            catalog.TLS_BYPASS,
            f"{where} turns TLS verification off ({found}); {FIX}",
            step.location,
        )
    if found_in_command := command_bypass(list(step.command), list(step.args)):
        field = "command" if step.command else "args"
        yield report(
            f"{path}.{field}",
            catalog.TLS_BYPASS,
            f"the {field} turns TLS verification off ({found_in_command}); {FIX}",
            step.location,
        )
    for name, value in step.env:
        if message := env_bypass(name, value):
            yield report(
                f"{path}.env[{name}]", catalog.TLS_BYPASS, f"{message}; {FIX}", step.location
            )
    yield from _sourced_env_bypasses(step.env_from, path, report, step.location)


def _sourced_env_bypasses(
    sources: Iterable[EnvSource], path: str, report: _Reporter, location: SourceLocation
) -> Iterator[Problem]:
    for source in sources:
        if message := sourced_env_bypass(source.name):
            yield report(
                f"{path}.env[{source.name}]", catalog.TLS_BYPASS, f"{message}; {FIX}", location
            )


def validate_pipeline(pipeline: PipelineSpec, target: Target) -> Iterator[Problem]:
    report = _Reporter(f"pipeline/{pipeline.name}", pipeline.location)
    defaults = [
        (param.py_name, param.default) for param in pipeline.params if param.default is not None
    ]
    yield from _flow_problems(
        pipeline, defaults, "spec.params", report, pipeline.location, rendered=True
    )
    calls = [(task, f"spec.tasks[{i}]") for i, task in enumerate(pipeline.tasks)]
    calls += [(task, f"spec.finally[{i}]") for i, task in enumerate(pipeline.finally_tasks)]
    yield from _remote_result_problems(pipeline, report)
    for task, path in calls:
        yield from _catalogue_problems(pipeline, task, f"{path}.params", report)
        yield from _tls_problems(task, f"{path}.params", target, report)
        yield from _argument_problems(
            task.task.params,
            task.arguments,
            f"{path}.params",
            report,
            task.location,
            f"task {task.task.name!r}",
            supplied=frozenset(name for name, _ in task.matrix)
            | frozenset(name for _, entry in task.include for name, _ in entry),
        )
        yield from _matrix_problems(task, f"{path}.matrix", report)


def _remote_result_problems(pipeline: PipelineSpec, report: _Reporter) -> Iterator[Problem]:
    """A result a remote Task's stub does not declare: no Task document is written for the
    rules to read its results from, so the stub is what the call is held to."""
    remote = {call.name: call.task for call in pipeline.all_tasks if call.task.resolver}
    for call in pipeline.all_tasks:
        for producer, result in task_references(call):
            task = remote.get(producer)
            if task is None or task.resolver is None or not result:
                continue
            declared = [declared.name for declared in task.results]
            if result not in declared:
                yield report(
                    f"spec.tasks[{call.name}].params",
                    catalog.RESULT_REFERENCE,
                    f"task {producer!r} (remote, resolver {task.resolver.resolver}) declares no "
                    f"result {result!r}; add it to @remote_task(results=[...]) if the fetched "
                    "Task writes it" + did_you_mean(result, declared),
                    call.location,
                )


def _catalogue_problems(
    pipeline: PipelineSpec, call: PipelineTaskSpec, path: str, report: _Reporter
) -> Iterator[Problem]:
    """A catalogue name param gets the same-typed field of a catalogue record param, nothing
    else: the build and the tests then name one model version the same way."""
    arguments = dict(call.arguments)
    for param in call.task.params:
        if param.catalogue is None or param.py_name not in arguments:
            continue
        value = arguments[param.py_name]
        if isinstance(value, ParamRef) and value.catalogue == param.catalogue:
            continue
        kind = param.catalogue.rsplit(".", 1)[-1]
        fields = [p.py_name for p in pipeline.params if p.catalogue == param.catalogue]
        instead = (
            f"pass {fields[0]}"
            if fields
            else (f"take a catalogue record param (model: ModelVersion) and pass its {kind} field")
        )
        yield report(
            f"{path}[{param.name}]",
            catalog.CATALOGUE_NAME,
            f"param {param.py_name!r} of task {call.task.name!r} takes a {kind} from the model "
            f"catalogue, not {_provenance(value)}; {instead}, so the build registers exactly "
            "what the tests look up",
            call.location,
        )


def _tls_problems(
    call: PipelineTaskSpec, path: str, target: Target, report: _Reporter
) -> Iterator[Problem]:
    """A TLS switch whose name follows no convention, known only by its `VerifiesTls`
    annotation: a literal the compiler can see, on, or off for the host of its host param when
    the project lists it. A switch named by convention (`tls-verify`) is judged on the compiled
    documents, through pipeline params and runs, by the rule `modelcar validate` applies too."""
    arguments = dict(call.arguments)
    params = {param.py_name: param for param in call.task.params}
    for param in call.task.params:
        if param.tls_host is None or is_tls_switch(param.name):
            continue
        value = arguments.get(param.py_name, param.default)
        where = f"{path}[{param.name}]"
        if isinstance(value, Ref) or (isinstance(value, str) and TEKTON_VARIABLE.search(value)):
            yield report(
                where,
                catalog.TLS_VERIFY_OFF,
                f"param {param.py_name!r} of task {call.task.name!r} is {value}, known only at "
                "run time, so TLS verification could be off for any host; pass True, or False "
                "for a host listed in [tool.modelcar] insecure_registries",
                call.location,
            )
            continue
        if value in (True, "true"):
            continue
        host = arguments.get(param.tls_host, params[param.tls_host].default)
        if url_host(host) in target.insecure_registries:
            continue
        yield report(
            where,
            catalog.TLS_VERIFY_OFF,
            f"param {param.py_name!r} of task {call.task.name!r} turns TLS verification off for "
            f"{param.tls_host} {host}, which [tool.modelcar] insecure_registries does not list; "
            "trust its CA through the ca-bundle workspace, or list the host as insecure",
            call.location,
        )


def _provenance(value: Any) -> str:
    if isinstance(value, ParamRef):
        return f"the pipeline param $(params.{value.name})"
    if isinstance(value, Ref):
        return f"the variable {value}"
    return f"the literal {value!r}"


def _argument_problems(
    params: Iterable[ParamSpec],
    arguments: Iterable[tuple[str, Any]],
    path: str,
    report: _Reporter,
    location: SourceLocation,
    owner: str,
    supplied: frozenset[str] = frozenset(),
) -> Iterator[Problem]:
    """`supplied`: the params a matrix gives, which the call need not."""
    by_name = {param.py_name: param for param in params}
    given = dict(arguments)
    for py_name, value in given.items():
        param = by_name.get(py_name)
        if param is None:
            yield report(
                path,
                catalog.PARAM_UNKNOWN,
                f"{owner} has no param {py_name!r}" + did_you_mean(py_name, by_name),
                location,
            )
        elif problem := check_value(param, value):
            yield report(
                f"{path}[{param.name}]",
                catalog.PARAM_VALUE_TYPE,
                f"param {py_name!r} {problem}",
                location,
            )
        elif problem := constraint_problem(param, value):
            yield report(
                f"{path}[{param.name}]",
                catalog.PARAM_CONSTRAINT,
                f"param {py_name!r} of {owner}: {problem}",
                location,
            )
    for param in by_name.values():
        if param.required and param.py_name not in given and param.py_name not in supplied:
            yield report(
                path,
                catalog.PARAM_MISSING,
                f"{owner} needs param {param.py_name!r} ({param.kind}), which has no default",
                location,
            )


def _matrix_problems(task: PipelineTaskSpec, path: str, report: _Reporter) -> Iterator[Problem]:
    """Each value of a matrix or include param, checked as the single value one run gets: a
    matrix fans out into string params, so an array or object param cannot be in it."""
    owner = f"task {task.task.name!r}"
    by_name = {param.py_name: param for param in task.task.params}
    values = [
        (f"{path}.params", name, value)
        for name, values in task.matrix
        for value in (values if isinstance(values, tuple) else ())
    ]
    values += [
        (f"{path}.include[{index}].params", name, value)
        for index, (_, entry) in enumerate(task.include)
        for name, value in entry
    ]
    for where, name, value in values:
        param = by_name.get(name)
        if param is None:
            yield report(
                where,
                catalog.PARAM_UNKNOWN,
                f"the matrix of {owner} names no param of it: {name!r}"
                + did_you_mean(name, by_name),
                task.location,
            )
        elif param.type != "string":
            yield report(
                f"{where}[{param.name}]",
                catalog.PARAM_VALUE_TYPE,
                f"param {name!r} of {owner} is an "
                f"{param.type} param; a matrix gives each run one string value, so only "
                "string params (str, int, float, bool, Literal) can be in it",
                task.location,
            )
        elif problem := check_value(param, value):
            yield report(
                f"{where}[{param.name}]",
                catalog.PARAM_VALUE_TYPE,
                f"matrix param {name!r} {problem}",
                task.location,
            )
        elif problem := constraint_problem(param, value):
            yield report(
                f"{where}[{param.name}]",
                catalog.PARAM_CONSTRAINT,
                f"matrix param {name!r} of {owner}: {problem}",
                task.location,
            )


def validate_records(runs: Iterable[RunSpec]) -> Iterator[Problem]:
    """The checks catalogue records' fields declare, once for each record the runs pass, at the
    line that built the record (a record without a location field: the first run's line)."""
    seen: set[int] = set()
    for run in runs:
        for _, record in run.records:
            if id(record) in seen:
                continue
            seen.add(id(record))
            for field, message in record_problems(record):
                yield Problem(
                    f"{type(record).__name__}.{field}",
                    "",
                    message,
                    catalog.CATALOGUE_RECORD.id,
                    record_location(record) or run.location,
                )


def validate_run(run: RunSpec) -> Iterator[Problem]:
    report = _Reporter(f"pipelinerun/{run.name}", run.location)
    yield from _argument_problems(
        run.pipeline.params,
        run.params,
        "spec.params",
        report,
        run.location,
        f"pipeline {run.pipeline.name!r}",
    )
    yield from _flow_problems(run.pipeline, run.params, "spec.params", report, run.location)


def _flow_problems(
    pipeline: PipelineSpec,
    values: Iterable[tuple[str, Any]],
    path: str,
    report: _Reporter,
    location: SourceLocation,
    rendered: bool = False,
) -> Iterator[Problem]:
    """Values of pipeline params put where the task calls use them (whole, inside a string,
    or as one key of an object param) and held to the checks of the task params that get them:
    a run's `model_dir="../etc"` is refused where it is written, not in the pod. `values` are a
    run's (Python values, typed here first) or, `rendered`, the pipeline's defaults as Tekton
    holds them (strings, typed when they were declared)."""
    params = {param.py_name: param for param in pipeline.params}
    given: dict[str, tuple[str, Any]] = {}
    for py_name, value in values:
        param = params.get(py_name)
        if param is not None and (rendered or not check_value(param, value)):
            given[param.name] = (py_name, value)
    for call in pipeline.all_tasks:
        task_params = {param.py_name: param for param in call.task.params}
        for argument_name, argument in call.arguments:
            task_param = task_params.get(argument_name)
            if task_param is None or not task_param.checks or not isinstance(argument, str | Ref):
                continue
            used = [name for name in _params_used(str(argument)) if name in given]
            if not used:
                continue
            if problem := constraint_problem(task_param, _filled(str(argument), given)):
                yield report(
                    f"{path}[{used[0]}]",
                    catalog.PARAM_CONSTRAINT,
                    f"param {given[used[0]][0]!r} is passed to param {task_param.py_name!r} of "
                    f"task {call.name!r}: {problem}",
                    location,
                )


def _params_used(text: str) -> list[str]:
    return [
        reference[0]
        for match in VARIABLE.finditer(text)
        if (reference := param_reference(match.group(0)))
    ]


def _filled(text: str, given: dict[str, tuple[str, Any]]) -> Any:
    """`text` with the given values put in place of the variables naming them: the value itself
    when the text is one such variable, else a string (unknown variables left as they are)."""

    def value_of(variable: str) -> Any:
        reference = param_reference(variable)
        if reference is None or reference[0] not in given:
            return variable
        value = given[reference[0]][1]
        if reference[1] is not None:
            return value.get(reference[1], variable) if isinstance(value, dict) else variable
        return value

    if param_reference(text) is not None:
        return value_of(text)
    return VARIABLE.sub(lambda match: str(render_value(value_of(match.group(0)))), text)


def _step_result_problems(task: TaskSpec, report: _Reporter) -> Iterator[Problem]:
    """A result `from_step` reads a result the named step's StepAction declares, of its type:
    Tekton checks only the reference's form, and the TaskRun fails, or reads an array as a
    string, when it runs."""
    steps = {step.name: step for step in task.steps}
    for index, result in enumerate(task.results):
        if result.from_step is None:
            continue
        step_name, name = result.from_step
        where = f"spec.results[{index}].value"
        step = steps.get(step_name)
        problem = ""
        if step is None:
            problem = f"task {task.name} has no step {step_name!r}" + did_you_mean(
                step_name, list(steps)
            )
        elif step.action is None:
            problem = (
                f"step {step_name!r} runs its own image, and only a StepAction's results reach "
                "the task this way: call a @step_action or @remote_step_action there, or drop "
                "from_step= and let the step write the result"
            )
        else:
            action = step.action.action
            declared = {r.name: r for r in action.results}
            written = declared.get(name)
            if written is None:
                problem = (
                    f"step action {action.name!r} of step {step_name!r} declares no result "
                    f"{name!r}" + did_you_mean(name, list(declared))
                )
            elif (written.type, written.properties) != (result.type, result.properties):
                problem = (
                    f"step result {name!r} is {_typed(written)}, the task's result "
                    f"{_typed(result)}: declare the same type"
                )
        if problem:
            yield report(
                where,
                catalog.STEP_RESULT_VALUE,
                f"result {result.name!r} from_step={result.from_step!r}: {problem}",
                result.location,
            )


def _typed(result: Result) -> str:
    keys = f" with keys {list(result.properties)}" if result.properties else ""
    return f"{result.type}{keys}"
