"""``blastradius scan PATH``: the front door."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from blastradius.commands.common import end_progress, progress_printer, project_options, scan_options_from
from blastradius.report import FORMATS, render, write_output
from blastradius.report.build import build_report


@click.command()
@project_options
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to a file (atomically).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.option("-v", "--verbose", is_flag=True, help="Show every package in the terminal table.")
def scan(**kwargs: Any) -> None:
    """Scan a project: dependency graph, credentials, score and gate.

    PATH is a project directory (default: .) or one input file. Exit 0 pass, 1 gate failed,
    2 usage or input error.
    """
    from blastradius.pipeline import run_scan

    options = scan_options_from(kwargs)
    progress = progress_printer(kwargs["quiet"])
    try:
        result = run_scan(options, progress)
    finally:
        end_progress(kwargs["quiet"])
    report = build_report(result)
    fmt = kwargs["fmt"]
    extra: dict[str, Any] = {}
    if fmt == "text":
        extra = {"colour": kwargs["output"] is None and sys.stdout.isatty(), "verbose": kwargs["verbose"]}
    text = render(report, fmt, **extra)
    write_output(text, kwargs["output"])
    gate = report.get("gate")
    if gate and not gate.get("passed", True):
        sys.exit(1)
