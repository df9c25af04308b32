"""``blastradius explain PATH PACKAGE``: every path from the project's roots to a package."""

from __future__ import annotations

import json
from typing import Any

import click

from blastradius.commands.common import project_options, scan_options_from
from blastradius.errors import BlastRadiusError


@click.command()
@project_options
@click.argument("package")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--limit", default=100, show_default=True, help="Most paths to list.")
def explain(**kwargs: Any) -> None:
    """Show why PACKAGE is installed: every dependency path from a root to it."""
    from blastradius.pipeline import resolve_project

    options = scan_options_from(kwargs)
    project, graph = resolve_project(options)
    keys = graph.find(kwargs["package"])
    if not keys:
        raise BlastRadiusError(
            f"{kwargs['package']!r} is not installed in this view ({graph.view.describe()}); "
            "try --all-groups", project.input_file
        )
    results = []
    for key in keys:
        node = graph.nodes[key]
        paths, truncated = graph.all_paths(key, kwargs["limit"])
        results.append(
            {
                "key": key,
                "name": node.package.name,
                "version": node.package.version,
                "depth": node.depth,
                "dependents": node.dependents,
                "groups": sorted(node.labels),
                "location": str(node.package.location) if node.package.location else None,
                "paths": [[graph.nodes[k].package.label for k in path] for path in paths],
                "paths_truncated": truncated,
                "parent_known": node.parent_known,
            }
        )
    if kwargs["fmt"] == "json":
        click.echo(json.dumps({"input": project.input_file, "view": graph.view.describe(), "matches": results}, indent=2, sort_keys=True))
        return
    for item in results:
        depth = "unknown" if item["depth"] is None else item["depth"]
        click.echo(f"{item['name']} {item['version'] or ''}  (depth {depth}, {item['dependents']} dependents, groups: {', '.join(item['groups'])})")
        if item["location"]:
            click.echo(f"  pinned at {item['location']}")
        if not item["parent_known"]:
            click.echo(f"  {project.input_kind} has no dependency edges: the path to this package is unknown")
            continue
        count = len(item["paths"])
        more = " (truncated; raise --limit)" if item["paths_truncated"] else ""
        click.echo(f"  {count} path{'s' if count != 1 else ''} from a root{more}:")
        for path in item["paths"]:
            click.echo("    " + " → ".join(path))
