"""One report object (plain, JSON-ready data) built once from a ScanResult. Every output format
renders this object; none recomputes anything. Lists are sorted and no wall-clock time or
absolute path is included, so the same input gives byte-identical JSON.
"""

from __future__ import annotations

from typing import Any

from blastradius import __version__
from blastradius.pipeline import ScanResult

SCHEMA = "blastradius-report/1"


def _to_dict(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


def build_report(result: ScanResult) -> dict[str, Any]:
    project = result.project
    graph = result.graph
    resolver = project.resolver
    packages = []
    for key in graph.packages:
        node = graph.nodes[key]
        package = node.package
        path = graph.shortest_path(key)
        packages.append(
            {
                "key": key,
                "name": package.name,
                "version": package.version,
                "source": package.source,
                "depth": node.depth,
                "direct": node.depth == 1,
                "dependents": node.dependents,
                "groups": sorted(node.labels),
                "path": [graph.nodes[k].package.name for k in path] if path else [],
                "path_known": bool(path),
                "hashes": len(package.hashes),
                "location": str(package.location) if package.location else None,
            }
        )
    direct = graph.direct()
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": "blastradius", "version": __version__},
        "input": {
            "file": project.input_file,
            "kind": project.input_kind,
            "reason": project.detection_reason,
            "files_read": sorted(set(project.files_read)),
            "edges_complete": project.edges_complete,
            "transitive_known": project.transitive_known,
            "resolver": None
            if resolver is None
            else {
                "name": resolver.name,
                "version": resolver.version,
                "online": resolver.online,
                "binary_only": resolver.binary_only,
                "command": list(resolver.command),
            },
            "notes": list(project.notes),
        },
        "online": sorted(result.online_activity),
        "view": {
            "groups": sorted(graph.view.groups),
            "all_groups": graph.view.all_groups,
            "target": graph.view.target.describe() if graph.view.target else None,
            "description": graph.view.describe(),
        },
        "summary": {
            "roots": [graph.nodes[r].package.name for r in graph.roots if r in graph.nodes],
            "packages": len(graph.packages),
            "direct": len(direct),
            "transitive": len(graph.packages) - len(direct),
            "max_depth": graph.max_depth(),
            "groups_available": dict(sorted(graph.available_groups.items())),
            "group_counts": dict(sorted(graph.group_counts.items())),
            "groups": {label: dict(sorted(stats.items())) for label, stats in sorted(graph.group_stats.items())},
            "cycles": graph.cycles(),
        },
        "packages": packages,
        "credentials": _to_dict(result.inventory),
        "capabilities": _to_dict(result.capabilities),
        "advisories": _to_dict(result.advisories),
        "score": _to_dict(result.score),
        "comparison": _to_dict(result.comparison),
        "gate": _to_dict(result.gate),
        "warnings": sorted(result.warnings),
    }
    return report
