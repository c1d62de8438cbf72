"""Cycle finding and ordering on a directed graph of named nodes: one implementation for the
DSL's PipelineGraph and for the rules on hand-written Pipelines."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence


def find_cycle(nodes: Sequence[str], children: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle as a list of node names, found by iterative depth-first search, or None."""
    state: dict[str, int] = {}
    for root in nodes:
        if root in state:
            continue
        path = [root]
        state[root] = 1
        stack = [iter(children[root])]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                return path[path.index(child) :]
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append(iter(children[child]))
    return None


def topological_order(nodes: Sequence[str], children: Mapping[str, Sequence[str]]) -> list[str]:
    """The nodes with every parent before its children; ties go to the node listed first.
    The graph must have no cycle."""
    index = {name: position for position, name in enumerate(nodes)}
    indegree = dict.fromkeys(nodes, 0)
    for name in nodes:
        for child in children[name]:
            indegree[child] += 1
    ready = [index[name] for name, degree in indegree.items() if degree == 0]
    heapq.heapify(ready)
    ordered: list[str] = []
    while ready:
        name = nodes[heapq.heappop(ready)]
        ordered.append(name)
        for child in children[name]:
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(ready, index[child])
    return ordered


def ancestor_masks(
    nodes: Sequence[str], children: Mapping[str, Sequence[str]], order: Sequence[str]
) -> dict[str, int]:
    """For each node, a bit mask (bit i = nodes[i]) of every node it transitively waits for."""
    index = {name: position for position, name in enumerate(nodes)}
    masks = dict.fromkeys(nodes, 0)
    for name in order:
        for child in children[name]:
            masks[child] |= masks[name] | (1 << index[name])
    return masks
