"""Dockerfile ``ENV`` and ``ARG`` instructions. A credential in ``ENV``/``ARG`` is baked into
the image (``ARG`` values persist in the build history); a literal value is a plaintext
secret."""

from __future__ import annotations

import re
import shlex
from typing import Iterator

from blastradius.credentials._base import FileContext, Finding, value_findings

_INSTRUCTION = re.compile(r"^\s*(ENV|ARG)\s+(.*)$", re.IGNORECASE)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    buffer, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if not buffer:
            start = number
            if line.lstrip().startswith("#"):
                continue
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        buffer += line
        yield start, buffer
        buffer = ""
    if buffer:
        yield start, buffer


def find(text: str, ctx: FileContext) -> Iterator[Finding]:
    for line, logical in _logical_lines(text):
        match = _INSTRUCTION.match(logical)
        if not match:
            continue
        instruction, rest = match.group(1).upper(), match.group(2).strip()
        how = f"dockerfile {instruction}"
        try:
            tokens = shlex.split(rest, comments=False, posix=True)
        except ValueError:
            tokens = rest.split()
        if instruction == "ENV" and tokens and "=" not in tokens[0]:
            # legacy form: ENV NAME value with spaces
            name, _, value = rest.partition(" ")
            yield from value_findings(ctx, name.strip(), value.strip().strip("'\""), line, how)
            continue
        for token in tokens:
            name, sep, value = token.partition("=")
            yield from value_findings(ctx, name, value if sep else None, line, how)
