"""The dependency graph of a pipeline: data, explicit and serialization edges, and the order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import attrs

from modelcar_dsl.diagnostics.errors import CycleError
from modelcar_dsl.model.dag import find_cycle, topological_order
from modelcar_dsl.model.refs import MATRIX_LENGTH_REFERENCE, RESULT_REFERENCE, STATUS_REFERENCE
from modelcar_dsl.model.specs import PipelineSpec, PipelineTaskSpec

EdgeKind = Literal["data", "explicit", "serialization"]


@attrs.frozen
class Edge:
    """`target` runs after `source`: it reads a result (data), was told to (explicit), or shares
    a writable workspace with it (serialization; `detail` names the workspace)."""

    source: str
    target: str
    kind: EdgeKind
    detail: str = ""


def references(value: Any) -> Iterator[tuple[str, str]]:
    """Every `(task, result)` a value refers to; `(task, "")` for `$(tasks.x.status)`."""
    if isinstance(value, str):
        yield from RESULT_REFERENCE.findall(value)
        for task in STATUS_REFERENCE.findall(value):
            yield task, ""
    elif isinstance(value, list | tuple):
        for item in value:
            yield from references(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from references(item)
    elif value is not None and not isinstance(value, int | float | bool):
        yield from references(str(value))


def task_references(task: PipelineTaskSpec) -> Iterator[tuple[str, str]]:
    """References in a task's arguments and when expressions."""
    for _, value in task.arguments:
        yield from references(value)
    for when in task.when:
        yield from references(when.input)
        yield from references(list(when.values))
        yield from references(when.cel)
    for _, values in task.matrix:
        yield from references(values)
    for _, combination in task.include:
        for _, value in combination:
            yield from references(value)


def matrix_length_sources(task: PipelineTaskSpec) -> Iterator[str]:
    """The tasks whose `$(tasks.X.matrix.length)` a task reads: Tekton does not order by it, so
    the compiler writes a runAfter (a value read before the fan-out would be unresolved)."""
    texts = [str(value) for _, value in task.arguments] + [when.input for when in task.when]
    for text in texts:
        yield from MATRIX_LENGTH_REFERENCE.findall(text)


class PipelineGraph:
    """The graph of a pipeline's (non-finally) tasks, with the serialization the compiler adds.

    Two tasks that mount the same pipeline workspace, at least one of them writable, are ordered
    in declaration order unless the user already ordered them.
    """

    def __init__(self, spec: PipelineSpec) -> None:
        self.spec = spec
        self.tasks: list[str] = [task.name for task in spec.tasks]
        self.finally_tasks: list[str] = [task.name for task in spec.finally_tasks]
        self._index = {name: i for i, name in enumerate(self.tasks)}
        self.edges: list[Edge] = self._user_edges()
        self._children: dict[str, list[str]] = {name: [] for name in self.tasks}
        for edge in self.edges:
            self._children[edge.source].append(edge.target)
        self.cycle = find_cycle(self.tasks, self._children)
        if self.cycle is None:
            self.edges.extend(self._serialization_edges())
        self._incoming: dict[str, list[Edge]] = {name: [] for name in self.tasks}
        for edge in self.edges:
            self._incoming[edge.target].append(edge)

    def _user_edges(self) -> list[Edge]:
        edges: dict[tuple[str, str], Edge] = {}
        for task in self.spec.tasks:
            for source, result in task_references(task):
                if source in self._index and source != task.name and result:
                    edges.setdefault((source, task.name), Edge(source, task.name, "data", result))
            for source in matrix_length_sources(task):
                if source in self._index and source != task.name:
                    edges.setdefault((source, task.name), Edge(source, task.name, "explicit"))
            for source, _ in task.after:
                if source in self._index and source != task.name:
                    edges.setdefault((source, task.name), Edge(source, task.name, "explicit"))
        return list(edges.values())

    def _serialization_edges(self) -> list[Edge]:
        """Visit the tasks in order; give each user of a workspace an edge from every earlier
        user it is not yet ordered with (most recent first; two readers need none). A task's
        ancestors are a bit mask built from its parents when it is visited, so each task costs
        a few mask operations, not a walk over what comes before or after it."""
        mounts = self._workspace_mounts()
        duplicated = len(self._index) < len(self.tasks)
        if duplicated or all(len(users) < 2 for users in mounts.values()):
            return []
        uses: dict[str, list[tuple[str, bool]]] = {}
        for workspace, users in mounts.items():
            for name, read_only in users:
                uses.setdefault(name, []).append((workspace, read_only))
        parents: dict[str, list[str]] = {name: [] for name in self.tasks}
        for parent, children in self._children.items():
            for child in children:
                parents[child].append(parent)
        ancestors: dict[str, int] = {}
        earlier: dict[str, int] = dict.fromkeys(mounts, 0)
        writers: dict[str, int] = dict.fromkeys(mounts, 0)
        added: list[Edge] = []
        for name in self.order():
            mask = 0
            for parent in parents[name]:
                mask |= ancestors[parent] | 1 << self._index[parent]
            for workspace, read_only in uses.get(name, ()):
                while pending := (writers if read_only else earlier)[workspace] & ~mask:
                    source = self.tasks[pending.bit_length() - 1]
                    added.append(Edge(source, name, "serialization", workspace))
                    self._children[source].append(name)
                    mask |= ancestors[source] | 1 << self._index[source]
                earlier[workspace] |= 1 << self._index[name]
                if not read_only:
                    writers[workspace] |= 1 << self._index[name]
            ancestors[name] = mask
        return added

    def _workspace_mounts(self) -> dict[str, list[tuple[str, bool]]]:
        """For each pipeline workspace, the tasks that mount it (declaration order), read-only?"""
        mounts: dict[str, list[tuple[str, bool]]] = {}
        for task in self.spec.tasks:
            read_only = {w.name: w.read_only for w in task.task.workspaces}
            only_reads: dict[str, bool] = {}
            for task_workspace, pipeline_workspace in task.workspaces:
                reads = read_only.get(task_workspace, False)
                only_reads[pipeline_workspace] = only_reads.get(pipeline_workspace, True) and reads
            for pipeline_workspace, reads in only_reads.items():
                mounts.setdefault(pipeline_workspace, []).append((task.name, reads))
        return mounts

    def order(self) -> list[str]:
        """A topological order of the tasks; ties go to the task declared first."""
        if self.cycle is not None:
            raise CycleError(self.cycle)
        return topological_order(self.tasks, self._children)

    def upstream(self, name: str) -> list[str]:
        """Tasks that `name` waits for directly, in declaration order."""
        return sorted({edge.source for edge in self._incoming[name]}, key=self._index.__getitem__)

    def downstream(self, name: str) -> list[str]:
        """Tasks that wait for `name` directly, in declaration order."""
        return sorted(set(self._children[name]), key=self._index.__getitem__)

    def edges_of(self, kind: EdgeKind) -> list[Edge]:
        return [edge for edge in self.edges if edge.kind == kind]

    def workspace_users(self, workspace: str) -> list[str]:
        """Tasks (finally tasks included) that mount a pipeline workspace."""
        return [
            task.name
            for task in self.spec.all_tasks
            if any(bound == workspace for _, bound in task.workspaces)
        ]

    def run_after(self, name: str) -> list[str]:
        """What the compiler writes in `runAfter`: explicit and serialization edges not already
        implied by a data edge between the same two tasks."""
        incoming = self._incoming[name]
        data = {edge.source for edge in incoming if edge.kind == "data"}
        return sorted(
            {edge.source for edge in incoming if edge.kind != "data" and edge.source not in data},
            key=self._index.__getitem__,
        )
