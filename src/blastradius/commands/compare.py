"""``blastradius compare PATH_A PATH_B``: two real projects' blast radius side by side.

Typical use: a multi-provider gateway against the single-provider service that could replace
it. Both are scanned exactly as ``scan`` would (each with its own ``[tool.blastradius]``), so the
numbers match their own reports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


def _label(path: Path) -> str:
    resolved = path.resolve()
    name = resolved.name if resolved.is_dir() else f"{resolved.parent.name}/{resolved.name}"
    return name or str(path)


def _scan(path: Path, provider: str | None, online: bool) -> tuple[Any, Any]:
    from blastradius.compare import compare_variants, ensure_scored, load_closures
    from blastradius.config import load_config
    from blastradius.pipeline import ScanOptions, run_scan
    from blastradius.scoring import Weights

    config = load_config(path)
    options = ScanOptions(path=path, provider=provider or config.provider, online=online, config=config)
    result = run_scan(options)
    weights = Weights.load(config.weights or None)
    ensure_scored(result, weights, config)
    comparison = result.comparison
    if comparison is None or not hasattr(comparison, "variants"):
        names = result.inventory and [c.provider_id for c in result.inventory.credentials if c.provider_id]
        closures = load_closures(online=online, providers=sorted(set(names or ())) or None) if online else load_closures()
        comparison = compare_variants(result.graph, result.inventory, result.score, options.provider, closures, weights,
                                      result.advisories or ())
    return result, comparison


@click.command()
@click.argument("path_a", type=click.Path(path_type=Path, exists=True))
@click.argument("path_b", type=click.Path(path_type=Path, exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file (atomically).")
@click.option("--provider", metavar="ID", help="Provider for each project's single-provider variant (default: most referenced).")
@click.option("--online", is_flag=True, help="Refresh the SDK closure snapshot with the resolver (into the cache).")
def compare(path_a: Path, path_b: Path, fmt: str, output: Path | None, provider: str | None, online: bool) -> None:
    """Compare two projects' blast radius side by side.

    Each project is scanned like `blastradius scan` would; the table shows score, packages,
    credentials, providers and exposure, then what only one side has. Exit 0, or 2 on bad input.
    """
    from blastradius.compare import compare_projects, format_comparison, format_project_comparison
    from blastradius.report import write_output

    label_a, label_b = _label(path_a), _label(path_b)
    if label_a == label_b:
        label_a, label_b = f"A:{label_a}", f"B:{label_b}"
    result_a, variants_a = _scan(path_a, provider, online)
    result_b, variants_b = _scan(path_b, provider, online)
    comparison = compare_projects(result_a, result_b, label_a, label_b)
    if fmt == "json":
        data = comparison.to_dict()
        data["variants"] = {"a": variants_a.to_dict(), "b": variants_b.to_dict()}
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    else:
        parts = [format_project_comparison(comparison)]
        for label, variants in ((label_a, variants_a), (label_b, variants_b)):
            parts.append(f"{label}\n" + "\n".join("  " + line for line in format_comparison(variants).splitlines()))
        text = "\n\n".join(parts) + "\n"
    write_output(text, output)
