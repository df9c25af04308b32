"""``blastradius scan PATH``: the front door."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from blastradius.commands.common import end_progress, progress_printer, project_options, scan_options_from
from blastradius.gate import gate_options
from blastradius.report import FORMATS, render, write_output
from blastradius.report.build import build_report


@click.command()
@project_options
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to a file (atomically).")
@click.option("--advisories", "advisory_paths", multiple=True, type=click.Path(path_type=Path, exists=True),
              help="OSV records (directory, file or an all.zip) to match offline, besides the embedded feed.")
@click.option("--online", is_flag=True, help="Also query pip-audit's service and refresh SDK closures (network).")
@click.option("--fetch", is_flag=True, help="Download the lock's pinned artifacts (binary-only, hash-checked) and analyse their code.")
@click.option("--provider", metavar="ID", help="Provider for the single-provider variant (default: most referenced).")
@gate_options
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.option("-v", "--verbose", is_flag=True, help="Show every package in the terminal table.")
def scan(**kwargs: Any) -> None:
    """Scan a project: dependency graph, credentials, score and gate.

    PATH is a project directory (default: .) or one input file. Exit 0 pass, 1 gate failed,
    2 usage or input error.
    """
    from blastradius.pipeline import run_scan

    from blastradius.config import load_config
    from blastradius.gate import GateConfig, cli_values

    options = scan_options_from(kwargs)
    if kwargs["offline"] and (kwargs["online"] or kwargs["fetch"]):
        raise click.UsageError("--offline cannot be combined with --online or --fetch")
    options.advisories = tuple(kwargs["advisory_paths"])
    options.online = kwargs["online"]
    options.fetch = kwargs["fetch"]
    options.provider = kwargs["provider"]
    options.config = load_config(options.path if options.path.is_dir() else options.path.parent)
    options.gate = GateConfig.resolve(cli_values(kwargs), options.config)
    progress = progress_printer(kwargs["quiet"])
    try:
        result = run_scan(options, progress)
    finally:
        end_progress(kwargs["quiet"])
    report = build_report(result)
    fmt = kwargs["fmt"]
    extra: dict[str, Any] = {}
    if fmt == "sarif":
        extra = {"uri_prefix": _uri_prefix(options.path)}
    if fmt == "text":
        extra = {"colour": kwargs["output"] is None and sys.stdout.isatty(), "verbose": kwargs["verbose"]}
    text = render(report, fmt, **extra)
    write_output(text, kwargs["output"])
    gate = result.gate
    if gate is not None and not gate.passed and not options.gate.exit_zero:
        sys.exit(1)


def _uri_prefix(path: Path) -> str | None:
    """SARIF locations are relative to the repository root, which CI runs from: when the
    scanned project is a subdirectory of the working directory, prefix its relative path."""
    import os

    project = path if path.is_dir() else path.parent
    try:
        relative = project.resolve().relative_to(Path(os.getcwd()).resolve())
    except ValueError:
        return None
    text = relative.as_posix()
    return None if text in ("", ".") else text
