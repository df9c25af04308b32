"""``blastradius inspect ARTIFACT``: analyse one wheel or sdist before adding it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from blastradius.capabilities.model import PackageAnalysis


def render_text(analysis: PackageAnalysis) -> str:
    lines = [
        f"{analysis.name} {analysis.version or '?'}  ({analysis.artifact})",
        f"verdict: {analysis.verdict.upper()}",
        f"sha256: {analysis.sha256 or '-'}",
        f"capabilities: {', '.join(analysis.capabilities) or 'none'}",
        f"direct reach (env vars read by name): {', '.join(analysis.env_names) or 'none'}",
        f"files analysed: {analysis.files_scanned}",
    ]
    shown = [e for e in analysis.evidence if e.rule_id != "BR-ENV-READ"]
    if shown:
        lines.append("evidence:")
        for e in shown:
            where = e.path if e.line is None else f"{e.path}:{e.line}"
            lines.append(f"  [{e.severity}] {e.rule_id} {where}: {e.message}")
    for note in analysis.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"


def render_json(analysis: PackageAnalysis) -> str:
    return json.dumps(analysis.to_dict(), indent=2, sort_keys=True) + "\n"


@click.command(name="inspect")
@click.argument("artifact", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Write the report to this file instead of stdout.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
def inspect(artifact: Path, fmt: str, output: Path | None, no_cache: bool) -> None:
    """Analyse one wheel or sdist statically, without running or extracting it.

    Reports the package's capabilities, the environment variables it reads by name (its direct
    reach into your credentials) and a verdict with evidence (file, line, rule).

    Exit codes: 0 no high or critical verdict, 1 high or critical verdict, 2 bad input
    (missing file, not a wheel/sdist, unsafe or oversized archive).
    """
    from blastradius.capabilities.analyse import analyse_artifact

    analysis = analyse_artifact(artifact, use_cache=not no_cache)
    text = render_json(analysis) if fmt == "json" else render_text(analysis)
    if output is not None:
        from blastradius.errors import ReportError

        try:
            tmp = output.with_name(output.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(output)
        except OSError as exc:
            raise ReportError(f"cannot write report: {exc.strerror or exc}", path=str(output)) from None
    else:
        click.echo(text, nl=False)
    sys.exit(1 if analysis.is_blocking else 0)
