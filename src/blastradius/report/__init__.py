"""Renderers: one module per output format, each ``render(report: dict) -> str``.

The report object comes from :func:`blastradius.report.build.build_report`; renderers only
format it. ``write_output`` writes atomically so a failed run never leaves half a file.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path
from typing import Any

from blastradius.errors import ReportError

FORMATS: dict[str, str] = {
    "text": "blastradius.report.text",
    "json": "blastradius.report.json_format",
    "markdown": "blastradius.report.markdown",
    "html": "blastradius.report.html",
    "sarif": "blastradius.report.sarif",
}


def render(report: dict[str, Any], fmt: str, **options: Any) -> str:
    try:
        module = importlib.import_module(FORMATS[fmt])
    except (KeyError, ModuleNotFoundError) as exc:
        raise ReportError(f"output format {fmt!r} is not available") from exc
    return module.render(report, **options)


def write_output(text: str, output: Path | None) -> None:
    """Write to a file atomically (temp file + rename), or to stdout when no file is given."""
    if output is None:
        import click

        click.echo(text, nl=False)
        return
    if output.exists() and not output.is_file():
        # /dev/null, /dev/stdout, a FIFO: never replace it with a regular file, write through.
        try:
            with output.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            raise ReportError(f"cannot write: {exc.strerror}", output.as_posix()) from None
        return
    directory = output.parent if str(output.parent) else Path(".")
    if not directory.is_dir():
        raise ReportError("output directory does not exist", output.as_posix())
    fd, tmp = tempfile.mkstemp(prefix=".blastradius-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a CI artifact follows the umask
        os.replace(tmp, output)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ReportError(f"cannot write: {exc.strerror}", output.as_posix()) from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
