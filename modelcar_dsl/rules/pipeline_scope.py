"""What a pipeline task may name: the pipeline's params and workspaces, those a run embedding
the pipeline propagates into it, and the names of the other tasks."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.rules.declarations import declarations_from_values, merged, param_declarations
from modelcar_dsl.rules.document import mapping, mappings
from modelcar_dsl.rules.pipeline_calls import PipelineTaskCall
from modelcar_dsl.rules.task_variables import ParamScope


class RunContext:
    """What a PipelineRun gives the pipelineSpec it embeds: its params, as Tekton types them
    from their values, and the names of the workspaces it binds."""

    __slots__ = ("params", "workspaces")

    def __init__(self, params: dict[str, dict[str, Any]], workspaces: set[str]) -> None:
        self.params = params
        self.workspaces = workspaces


class PipelineScope:
    """The params, workspaces and task names a pipeline task's strings and its taskSpec may
    name: at admission, and (propagated) at run time."""

    __slots__ = (
        "bound",
        "embedded",
        "finally_names",
        "params",
        "regular",
        "run_params",
        "workspaces",
    )

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
        self.regular = {call.name for call in calls if not call.is_finally}
        self.finally_names = {call.name for call in calls if call.is_finally}
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
