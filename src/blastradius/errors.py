"""One error type per layer, all sharing one base so the CLI can turn any of them into
one clear line (file, line, what is wrong) and exit code 2 -- never a traceback.

Messages must never contain a secret value: only names, paths and redacted fingerprints.
"""

from __future__ import annotations

from pathlib import Path


class BlastRadiusError(Exception):
    """Base class: bad input or configuration the user can fix."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def one_line(self) -> str:
        """`file:line: message`, folded onto one line whatever the message contained."""
        where = ""
        if self.path:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        text = " ".join(self.message.split())
        return f"{where}{text}"

    def __str__(self) -> str:
        return self.one_line()


class SourceError(BlastRadiusError):
    """A lock file, manifest or environment could not be read into a dependency set."""


class ResolverError(BlastRadiusError):
    """The external resolver (uv / pip) failed for an unlocked project."""


class ConfigError(BlastRadiusError):
    """`[tool.blastradius]` or `.blastradius.toml` is invalid."""


class ArtifactError(BlastRadiusError):
    """A wheel or sdist could not be read safely (bad archive, limits exceeded)."""


class AdvisoryError(BlastRadiusError):
    """An advisory database given with --advisories could not be read."""


class ReportError(BlastRadiusError):
    """A report could not be written or a baseline report could not be read."""
