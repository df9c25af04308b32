"""``blastradius graph PATH --format dot|graphml|json``: export the graph in view."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from blastradius.commands.common import project_options, scan_options_from
from blastradius.report import write_output


def _dot(graph: Any) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph dependencies {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    for key in sorted(graph.nodes):
        node = graph.nodes[key]
        attrs = f"label={quote(node.package.label)}"
        if node.package.is_root:
            attrs += ", style=bold"
        lines.append(f"  {quote(key)} [{attrs}];")
    for key in sorted(graph.nodes):
        for child in sorted(graph.nodes[key].children):
            lines.append(f"  {quote(key)} -> {quote(child)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _networkx(graph: Any):  # type: ignore[no-untyped-def]
    import networkx as nx

    g = nx.DiGraph()
    for key in sorted(graph.nodes):
        node = graph.nodes[key]
        g.add_node(
            key,
            name=node.package.name,
            version=node.package.version or "",
            depth=-1 if node.depth is None else node.depth,
            dependents=node.dependents,
            root=node.package.is_root,
            source=node.package.source,
        )
    for key in sorted(graph.nodes):
        for child in sorted(graph.nodes[key].children):
            g.add_edge(key, child)
    return g


def _graphml(graph: Any) -> str:
    import networkx as nx

    return "\n".join(nx.generate_graphml(_networkx(graph))) + "\n"


def _json(graph: Any) -> str:
    nodes = []
    for key in sorted(graph.nodes):
        node = graph.nodes[key]
        nodes.append(
            {
                "id": key,
                "name": node.package.name,
                "version": node.package.version,
                "root": node.package.is_root,
                "depth": node.depth,
                "dependents": node.dependents,
                "groups": sorted(node.labels),
            }
        )
    edges = [{"source": k, "target": c} for k in sorted(graph.nodes) for c in sorted(graph.nodes[k].children)]
    data = {"view": graph.view.describe(), "edges_complete": graph.project.edges_complete, "nodes": nodes, "edges": edges}
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


@click.command()
@project_options
@click.option("--format", "fmt", type=click.Choice(["dot", "graphml", "json"]), default="dot", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False))
def graph(**kwargs: Any) -> None:
    """Export the dependency graph in view (roots, packages and edges)."""
    from blastradius.pipeline import resolve_project

    _, dependency_graph = resolve_project(scan_options_from(kwargs))
    render = {"dot": _dot, "graphml": _graphml, "json": _json}[kwargs["fmt"]]
    write_output(render(dependency_graph), kwargs["output"])
