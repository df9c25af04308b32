"""What each package's code can do, read statically from wheels, sdists or site-packages.

Nothing is imported, built or extracted to disk: archives are read in memory with limits, and
Python files go through a regex pre-filter before ``ast``. See ``docs/rules.md`` for the rules
and the incidents they come from.

The names below are loaded on first use: a scan without ``--env``/``--fetch`` only needs the
data model, not the analysers (~0.15 s of imports).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "analyse_artifact": "blastradius.capabilities.analyse",
    "analyse_environment": "blastradius.capabilities.environment",
    "fetch_and_analyse": "blastradius.capabilities.fetch",
    "Evidence": "blastradius.capabilities.model",
    "FetchResult": "blastradius.capabilities.model",
    "PackageAnalysis": "blastradius.capabilities.model",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
