"""``blastradius report REPORT.json --format FMT``: render a saved JSON report in another format.

CI scans once and renders the same report object as Markdown for the job summary, SARIF for
code scanning and HTML for the artifact -- no format is ever recomputed from the project.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from blastradius.errors import ReportError
from blastradius.report import FORMATS, render, write_output
from blastradius.report.build import SCHEMA


def load_report(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError("no such file", path.as_posix()) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read: {getattr(exc, 'strerror', None) or type(exc).__name__}", path.as_posix()) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"invalid JSON: {exc.msg}", path.as_posix(), exc.lineno) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ReportError(f"not a blastradius report (expected \"schema\": \"{SCHEMA}\")", path.as_posix())
    return data


@click.command()
@click.argument("report_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file (atomically).")
@click.option("--uri-prefix", help="SARIF: the scanned project's path relative to the repository root.")
@click.option("-v", "--verbose", is_flag=True, help="Text: show every package.")
def report(report_file: Path, fmt: str, output: Path | None, uri_prefix: str | None, verbose: bool) -> None:
    """Render a saved `scan --format json` report as text, markdown, html or sarif.

    Exit 0, or 1 when the saved report's gate failed (so CI can render and gate in one step).
    """
    data = load_report(report_file)
    options: dict[str, Any] = {}
    if fmt == "sarif" and uri_prefix and uri_prefix.strip("./"):
        options["uri_prefix"] = uri_prefix.strip().rstrip("/").removeprefix("./")
    if fmt == "text":
        options = {"colour": output is None and sys.stdout.isatty(), "verbose": verbose}
    write_output(render(data, fmt, **options), output)
    gate = data.get("gate") or {}
    if gate and not gate.get("passed", True) and not (gate.get("config") or {}).get("exit_zero"):
        sys.exit(1)
