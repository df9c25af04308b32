"""Result and artifact cache under the user cache directory.

Why keyed by content: an artifact's sha256 (or, for an installed distribution, the hash of
its RECORD plus the size and mtime of every file it lists) identifies exactly what was
analysed; the rules version is part of the key so a rule change never serves stale verdicts.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from blastradius.capabilities.model import PackageAnalysis
from blastradius.capabilities.rules import RULES_VERSION


def cache_root(override: str | Path | None = None) -> Path:
    """``BLASTRADIUS_CACHE_DIR``, else ``$XDG_CACHE_HOME/blastradius``, else ``~/.cache/blastradius``."""
    if override:
        return Path(override)
    env = os.environ.get("BLASTRADIUS_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "blastradius"


class ResultCache:
    """``<root>/capabilities/<rules version>/<key[:2]>/<key>.json``; writes are atomic."""

    def __init__(self, root: str | Path | None = None, enabled: bool = True) -> None:
        self.root = cache_root(root) / "capabilities" / RULES_VERSION
        self.enabled = enabled

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> PackageAnalysis | None:
        if not self.enabled:
            return None
        try:
            with open(self._path(key), encoding="utf-8") as fh:
                return PackageAnalysis.from_dict(json.load(fh))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, analysis: PackageAnalysis) -> None:
        if not self.enabled:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(analysis.to_dict(), fh, sort_keys=True)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only cache never fails the scan


def artifact_dir(root: str | Path | None = None) -> Path:
    """Where fetched artifacts live, by sha256: ``<root>/artifacts/<sha[:2]>/<sha>/<file name>``."""
    return cache_root(root) / "artifacts"
