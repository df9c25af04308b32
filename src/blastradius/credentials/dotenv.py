"""``.env``, ``.env.*``, ``*.env`` files: the names they set, and values that are real secrets.

A commented-out line is not held by any process and is ignored. A value that is present and
not a placeholder is a finding of its own ("plaintext secret in repository"), reduced to a
fingerprint here.
"""

from __future__ import annotations

import re
from typing import Iterator

from blastradius.credentials._base import FileContext, Finding, value_findings

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s?(.*)$")
# a bare ``NAME`` line: python-dotenv reads it as a variable without a value; templates use it
# to list what must be set
_BARE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*$")


def _value(raw: str) -> str:
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = raw.find(quote, 1)
        return raw[1:end] if end > 0 else raw[1:]
    # unquoted: an inline comment starts at " #"
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def find(text: str, ctx: FileContext) -> Iterator[Finding]:
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            bare = _BARE.match(line)
            if bare is not None:
                yield from value_findings(ctx, bare.group(1), None, index, "dotenv")
            continue
        name, raw = match.group(1), match.group(2)
        lineno = index
        # multi-line double-quoted value (PEM keys, JSON credentials)
        quote = raw.strip()[:1]
        if quote in ("'", '"') and raw.strip().count(quote) == 1:
            parts = [raw]
            while index < len(lines):
                parts.append(lines[index])
                index += 1
                if quote in lines[index - 1]:
                    break
            raw = "\n".join(parts)
        value = _value(raw)
        yield from value_findings(ctx, name, value, lineno, "dotenv")
