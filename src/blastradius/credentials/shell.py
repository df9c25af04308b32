"""Shell scripts and ``.envrc``: ``export NAME=value`` (and ``NAME=value`` assignments of
credential names), and ``$NAME`` / ``${NAME}`` uses of credential names."""

from __future__ import annotations

import re
from typing import Iterator

from blastradius.credentials._base import FileContext, Finding, interpolations, value_findings

_EXPORT = re.compile(r"^\s*(export\s+|declare\s+-x\s+|readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def _value(raw: str) -> str:
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        end = raw.find(raw[0], 1)
        return raw[1:end] if end > 0 else raw[1:]
    return raw.split()[0] if raw.split() else ""


def find(text: str, ctx: FileContext) -> Iterator[Finding]:
    catalog = ctx.catalog
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _EXPORT.match(line)
        assigned = None
        if match:
            exported, name, raw = match.group(1), match.group(2), match.group(3)
            if exported or catalog.is_credential_name(name):
                assigned = name
                how = "shell export" if exported else "shell assignment"
                yield from value_findings(ctx, name, _value(raw), number, how)
        if "$" in line:
            seen = set()
            for ref, _ in interpolations(line):
                if ref != assigned and ref not in seen and catalog.is_credential_name(ref):
                    seen.add(ref)
                    yield Finding(ref, ctx.loc(number), "shell reference")
