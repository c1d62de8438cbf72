"""Tasks that mount one volume, at least one writing, with nothing ordering them: they can run
at the same time on it. Read by a Pipeline's rules and, with the run's bindings, a run's."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator

from modelcar_dsl.model.dag import ancestor_masks, find_cycle, topological_order
from modelcar_dsl.rules.document import mapping, mappings
from modelcar_dsl.rules.pipeline_calls import PipelineTaskCall
from modelcar_dsl.rules.pipeline_graph import regular_tasks, task_graph


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


Graph = tuple[list[str], dict[str, list[str]]]
"""Task names, and for each the tasks that wait for it."""


def unordered_writers(
    calls: list[PipelineTaskCall],
    graph: Graph | None = None,
    volume_of: Callable[[str], tuple[str, str]] = lambda workspace: (workspace, ""),
    read_only: frozenset[str] = frozenset(),
) -> Iterator[tuple[WorkspaceUse, WorkspaceUse]]:
    """Pairs of mounts by two tasks of paths on one volume where one holds the other, at least
    one writing, that nothing orders: the later use and the earlier one. `volume_of` says which
    volume a pipeline workspace is and at which path on it (a run may bind two to one claim),
    `read_only` which workspaces no task can write (a run's Secrets, ConfigMaps, read-only
    claims); the tasks' graph is built from `calls` unless given."""
    if graph is None:
        tasks, by_name = regular_tasks(calls)
        if len(by_name) < len(tasks):
            return
        graph = task_graph(tasks, by_name)
        if find_cycle(*graph):
            return
    users = _users(calls, volume_of, read_only)
    if all(len(group) < 2 for group in users.values()):
        return
    unordered, position = _ordering(*graph)
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


def _users(
    calls: list[PipelineTaskCall],
    volume_of: Callable[[str], tuple[str, str]],
    read_only: frozenset[str],
) -> dict[str, list[WorkspaceUse]]:
    """Each volume's mounts, in the tasks' order."""
    users: dict[str, list[WorkspaceUse]] = {}
    for call in calls:
        for (workspace, sub_path), (index, writes) in _writes(call).items():
            volume, base = volume_of(workspace)
            writes = writes and workspace not in read_only
            path = _clean_path(base, sub_path)
            use = WorkspaceUse(call, index, workspace, sub_path, writes, path)
            users.setdefault(volume, []).append(use)
    return users


def _ordering(
    names: list[str], children: dict[str, list[str]]
) -> tuple[Callable[[WorkspaceUse, WorkspaceUse], bool], dict[str, int]]:
    """Whether nothing makes one use wait for another, and each task's topological position."""
    order = topological_order(names, children)
    masks = ancestor_masks(names, children, order)
    bit = {name: 1 << position for position, name in enumerate(names)}
    everything = (1 << len(names)) - 1

    def unordered(later: WorkspaceUse, earlier: WorkspaceUse) -> bool:
        """Nothing makes `later` wait for `earlier` (finally tasks wait for every regular task
        and for no finally task)."""
        if later.call is earlier.call:
            return False
        ancestors = everything if later.call.is_finally else masks.get(later.call.name, 0)
        waits = not earlier.call.is_finally and bool(ancestors & bit.get(earlier.call.name, 0))
        return not waits

    return unordered, {name: i for i, name in enumerate(order)}


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
