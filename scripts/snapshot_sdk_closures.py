#!/usr/bin/env python3
"""Snapshot the dependency closure of each provider's official SDK.

Why this exists: the single-provider comparison asks "what if this project talked to one
provider through its own SDK instead of a multi-provider gateway?". Answering that offline needs
the closure of each SDK, resolved for real once and shipped as data
(``src/blastradius/data/sdk_closures.json``). A later ``--online`` refresh imports
:func:`snapshot` from here and re-runs it.

Rules this script keeps (see docs/architecture.md):
- binary-only resolution (``--only-binary :all:``): no sdist is ever built, so no audited code
  runs;
- the index comes from the user's own uv configuration (uv.toml, ``UV_INDEX_URL``, ...); no
  index URL is written here;
- output is sorted and deterministic apart from the ``generated`` date and resolver version.

Output (``schema`` 1), every mapping sorted::

    {"schema": 1, "generated": "YYYY-MM-DD", "resolver": "uv X.Y.Z", "target": "<text>",
     "closures": {"<provider id>": {
         "sdk": [normalised SDK names resolved together],
         "packages": {name: version},   # highest version when a name forks under markers
         "count": N,                    # distinct names == len(packages)
         "target": "universal" | "<platform>/py<X.Y>",   # the fallback when universal failed
         "alternatives": {name: [versions]},  # only names locked at several versions
         "dropped": {sdk name: reason}}},     # only SDK members that failed on their own
     "raw_http": {same shape, for plain httpx},
     "failed": {"<provider id>": "<one-line reason>"}}

Usage::

    python scripts/snapshot_sdk_closures.py                 # all providers, write the data file
    python scripts/snapshot_sdk_closures.py --only anthropic --output out.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "src"))  # run from a checkout without installing

from blastradius.closures import DEFAULT_CATEGORIES, dumps, select_providers, snapshot  # noqa: E402

PROVIDERS_JSON = REPO_ROOT / "src" / "blastradius" / "data" / "providers.json"
DEFAULT_OUTPUT = REPO_ROOT / "src" / "blastradius" / "data" / "sdk_closures.json"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", default=[], metavar="ID",
                    help="resolve only this provider id (repeatable)")
    ap.add_argument("--output", default=str(DEFAULT_OUTPUT), metavar="PATH",
                    help="where to write the JSON (default: the package data file)")
    ap.add_argument("--cache-dir", default=None, metavar="DIR",
                    help="uv cache directory to reuse between runs")
    ap.add_argument("--providers", default=str(PROVIDERS_JSON), metavar="PATH",
                    help="provider catalog (JSON list)")
    ap.add_argument("--category", action="append", default=[], metavar="CAT",
                    help=f"provider categories to include (default: {', '.join(DEFAULT_CATEGORIES)})")
    ap.add_argument("--target", default="universal",
                    help="'universal' or '<platform>/py<X.Y>', e.g. x86_64-unknown-linux-gnu/py3.12")
    ap.add_argument("--uv", default=shutil.which("uv") and "uv", help="resolver command (uv)")
    args = ap.parse_args(argv)
    if not args.uv:
        print("snapshot_sdk_closures: uv not found on PATH", file=sys.stderr)
        return 2
    providers = json.loads(Path(args.providers).read_text(encoding="utf-8"))
    chosen = select_providers(providers, args.category or DEFAULT_CATEGORIES, args.only)
    if args.only and not chosen:
        print(f"snapshot_sdk_closures: no provider with sdk_packages among {args.only}",
              file=sys.stderr)
        return 2
    data = snapshot(chosen, [args.uv], args.target, args.cache_dir,
                    log=lambda m: print(m, file=sys.stderr))
    out = Path(args.output)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(dumps(data), encoding="utf-8")
    tmp.replace(out)
    print(f"{len(data['closures'])} resolved, {len(data['failed'])} failed -> {out.name}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
