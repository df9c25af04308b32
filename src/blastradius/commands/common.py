"""Options shared by the commands that read a project (scan, explain, graph, compare)."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable

import click

from blastradius.pipeline import ScanOptions


def project_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """PATH plus the input/view flags, in one place so every command reads a project alike."""
    decorators = [
        click.argument("path", type=click.Path(path_type=Path), default=".", required=False),
        click.option("--input", "input_file", type=click.Path(path_type=Path), help="Use this input file instead of auto-detection."),
        click.option("--env", "env_path", type=click.Path(path_type=Path), help="An installed environment (venv or site-packages) to read."),
        click.option("--offline", is_flag=True, help="Never use the network (an unlocked project then shows direct requirements only)."),
        click.option("--group", "groups", multiple=True, metavar="NAME", help="Add a dependency group or extra to the runtime view (repeatable)."),
        click.option("--all-groups", is_flag=True, help="Include every dependency group and extra of the roots."),
        click.option("--target", metavar="python=3.12,platform=linux", help="Evaluate markers for one deployment target instead of all."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def scan_options_from(kwargs: dict[str, Any]) -> ScanOptions:
    return ScanOptions(
        path=kwargs["path"],
        input_file=kwargs.get("input_file"),
        env_path=kwargs.get("env_path"),
        offline=kwargs.get("offline", False),
        groups=tuple(kwargs.get("groups") or ()),
        all_groups=kwargs.get("all_groups", False),
        target=kwargs.get("target"),
    )


def progress_printer(quiet: bool) -> Callable[[str], None]:
    """A one-line progress bar on stderr, only when stderr is a terminal and not --quiet
    (CI logs and pipes get nothing)."""
    if quiet or not sys.stderr.isatty():
        return lambda _message: None
    from blastradius.pipeline import STAGES

    def show(message: str) -> None:
        done = STAGES.index(message) if message in STAGES else 0
        width = 20
        filled = width * done // len(STAGES)
        bar = "█" * filled + "░" * (width - filled)
        click.echo(f"\r\033[K{bar} {done + 1}/{len(STAGES)} {message}…", err=True, nl=False)

    return show


def end_progress(quiet: bool) -> None:
    if not quiet and sys.stderr.isatty():
        click.echo("\r\033[K", err=True, nl=False)


def keep_kwargs(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        return func(kwargs)

    return wrapper
