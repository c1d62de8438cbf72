"""A pipeline's graph as a picture a reviewer reads: Mermaid (renders in a pull request), DOT
(Graphviz) and plain text stages for a terminal. Output depends only on the pipeline, so it can
be committed and diffed."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from modelcar_dsl.diagnostics.errors import MissingExtraError
from modelcar_dsl.diagnostics.extras import how_to_install
from modelcar_dsl.model.graph import Edge, PipelineGraph, task_references
from modelcar_dsl.model.specs import PipelineTaskSpec


@attrs.frozen
class Link:
    """One arrow: a graph edge, or a finally task reading a regular task's result or status."""

    source: str
    target: str
    kind: str
    detail: str

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.detail}" if self.detail else self.kind


def links(graph: PipelineGraph) -> list[Link]:
    """Every arrow, in a stable order: by target, then source, in declaration order."""
    found = [Link(edge.source, edge.target, edge.kind, _detail(edge)) for edge in graph.edges]
    for task in graph.spec.finally_tasks:
        for source, result in sorted(set(task_references(task))):
            if source in graph.tasks:
                found.append(Link(source, task.name, "data" if result else "status", result))
    position = {name: i for i, name in enumerate(graph.tasks + graph.finally_tasks)}
    return sorted(found, key=lambda link: (position[link.target], position[link.source]))


def _detail(edge: Edge) -> str:
    return edge.detail if edge.kind != "explicit" else ""


def _guards(task: PipelineTaskSpec) -> list[str]:
    """What a reviewer reads beside the task: its when guards, its fan-out if it has a matrix,
    that its failure does not stop the run, and the sidecars its pod starts beside it."""
    guards = [
        f"when {w.cel}" if w.cel else f"when {w.input} {w.operator} [{', '.join(w.values)}]"
        for w in task.when
    ]
    if task.on_error == "continue":
        guards.append("on error: continue")
    if task.task.sidecars:
        guards.append("sidecars: " + ", ".join(sidecar.name for sidecar in task.task.sidecars))
    return guards + _fan_out(task)


def _title(task: PipelineTaskSpec) -> list[str]:
    """The title a dashboard shows for the task: its call's display_name, else its Task's."""
    title = task.display_name or task.task.display_name
    return [f"title: {_one_line(title)}"] if title else []


def _one_line(title: str) -> str:
    """A title as one line: a newline in it would break the text layout and a Mermaid label."""
    return " ".join(title.split())


def _fan_out(task: PipelineTaskSpec) -> list[str]:
    """`matrix: suite (2) x limit (3)`, `+ include quick`: one run per combination."""
    if not task.is_matrixed:
        return []
    axes = [
        f"{name} ({len(values)})" if isinstance(values, tuple) else f"{name} ({values})"
        for name, values in task.matrix
    ]
    line = "matrix: " + (" x ".join(axes) or "include only")
    if task.include:
        line += ", + include " + ", ".join(name for name, _ in task.include)
    return [line]


def stages(graph: PipelineGraph) -> list[list[str]]:
    """Tasks grouped by the longest chain of edges before them: stage 1 can start at once."""
    depth: dict[str, int] = {}
    for name in graph.order():
        depth[name] = 1 + max((depth[source] for source in graph.upstream(name)), default=0)
    grouped: dict[int, list[str]] = {}
    for name in graph.tasks:
        grouped.setdefault(depth[name], []).append(name)
    return [grouped[level] for level in sorted(grouped)]


def _calls(graph: PipelineGraph) -> dict[str, PipelineTaskSpec]:
    return {task.name: task for task in graph.spec.all_tasks}


def to_text(graph: PipelineGraph) -> str:
    calls = _calls(graph)
    incoming: dict[str, list[Link]] = {}
    for link in links(graph):
        incoming.setdefault(link.target, []).append(link)
    title = graph.spec.display_name
    lines = [f"pipeline {graph.spec.name}" + (f" (title: {_one_line(title)})" if title else "")]

    def describe(name: str) -> Iterator[str]:
        yield f"  {name}"
        for link in incoming.get(name, []):
            yield f"    after {link.source} ({link.label})"
        for guard in [*_title(calls[name]), *_guards(calls[name])]:
            yield f"    {guard}"

    for number, stage in enumerate(stages(graph), start=1):
        lines.append(f"stage {number}:")
        for name in stage:
            lines.extend(describe(name))
    if graph.finally_tasks:
        lines.append("finally (once every task has ended):")
        for name in graph.finally_tasks:
            lines.extend(describe(name))
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return text.replace('"', "#quot;")


MERMAID_ARROWS = {"data": "-->", "explicit": "-.->", "serialization": "==>", "status": "-.->"}


def to_mermaid(graph: PipelineGraph) -> str:
    calls = _calls(graph)
    ids = {name: f"t{i}" for i, name in enumerate(graph.tasks + graph.finally_tasks)}

    def node(name: str) -> str:
        label = "<br/>".join([name, *_title(calls[name]), *_guards(calls[name])])
        return f'{ids[name]}["{_quoted(label)}"]'

    lines = ["flowchart TD"]
    lines += [f"  {node(name)}" for name in graph.tasks]
    if graph.finally_tasks:
        lines.append('  subgraph finally["finally: once every task has ended"]')
        lines += [f"    {node(name)}" for name in graph.finally_tasks]
        lines.append("  end")
    for link in links(graph):
        arrow = MERMAID_ARROWS[link.kind]
        lines.append(f'  {ids[link.source]} {arrow}|"{_quoted(link.label)}"| {ids[link.target]}')
    return "\n".join(lines) + "\n"


DOT_STYLES = {
    "data": "solid",
    "explicit": "dashed",
    "serialization": "bold",
    "status": "dotted",
}


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(graph: PipelineGraph) -> str:
    calls = _calls(graph)

    def node(name: str) -> str:
        label = "\n".join([name, *_title(calls[name]), *_guards(calls[name])])
        return f"{_dot_string(name)} [label={_dot_string(label)}];"

    lines = [
        f"digraph {_dot_string(graph.spec.name)} {{",
        "  rankdir=TB;",
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    lines += [f"  {node(name)}" for name in graph.tasks]
    if graph.finally_tasks:
        lines.append("  subgraph cluster_finally {")
        lines.append('    label="finally: once every task has ended";')
        lines += [f"    {node(name)}" for name in graph.finally_tasks]
        lines.append("  }")
    for link in links(graph):
        lines.append(
            f"  {_dot_string(link.source)} -> {_dot_string(link.target)} "
            f"[label={_dot_string(link.label)}, style={DOT_STYLES[link.kind]}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_png(graph: PipelineGraph) -> bytes:
    """DOT rendered by Graphviz; needs the `graph` extra and Debian's graphviz."""
    try:
        import graphviz
    except ImportError:
        raise MissingExtraError(
            "--format png needs the graphviz package of the graph extra (and apt-get install "
            "graphviz for its dot program); install the extra: " + how_to_install("graph")
        ) from None
    try:
        return bytes(graphviz.Source(to_dot(graph)).pipe(format="png"))
    except graphviz.ExecutableNotFound:
        raise MissingExtraError(
            "--format png needs Graphviz's dot program: apt-get install graphviz"
        ) from None
