"""Reading inputs safely: size limits, text checks, TOML/JSON errors turned into one line.

Every source reads its file through here so that a binary file named ``uv.lock``, a 50 MB lock or
a stray NUL byte all fail the same way: a :class:`~blastradius.errors.SourceError` naming the file
(and the line, when the parser knows it), never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from blastradius.errors import SourceError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# Real lock files of large monorepos stay below ~10 MiB; anything far beyond is not a lock we
# should spend seconds parsing. Overridable for the rare legitimate giant.
DEFAULT_MAX_INPUT_BYTES = 32 * 1024 * 1024


def max_input_bytes() -> int:
    value = os.environ.get("BLASTRADIUS_MAX_INPUT_MB")
    if value:
        try:
            return int(float(value) * 1024 * 1024)
        except ValueError:
            pass
    return DEFAULT_MAX_INPUT_BYTES


def display_path(path: Path, project_dir: Path | None) -> str:
    """Path as shown to the user: relative to the project when inside it, POSIX separators."""
    try:
        if project_dir is not None:
            return path.resolve().relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        pass
    return path.as_posix()


def read_text(path: Path, shown: str | None = None) -> str:
    """Read a UTF-8 text input with a size limit; reject binaries with one clear line."""
    shown = shown or path.as_posix()
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SourceError("no such file", shown) from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", shown) from None
    if path.is_dir():
        raise SourceError("is a directory, expected a file", shown)
    limit = max_input_bytes()
    if size > limit:
        raise SourceError(
            f"file is {size / 1048576:.1f} MiB, over the {limit / 1048576:.0f} MiB input limit "
            "(set BLASTRADIUS_MAX_INPUT_MB to raise it)",
            shown,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", shown) from None
    if b"\x00" in data[:8192]:
        raise SourceError("binary file, not a text lock or manifest", shown)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError("not valid UTF-8 text", shown, line) from None
    return text


_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


def load_toml(path: Path, shown: str | None = None) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; return the data and the raw text (for line lookups)."""
    shown = shown or path.as_posix()
    text = read_text(path, shown)
    return parse_toml(text, shown), text


def parse_toml(text: str, shown: str) -> dict[str, Any]:
    """TOML text -> data, errors as one line with the file and line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        line = int(match.group(1)) if match else None
        message = _TOML_POSITION.sub("", message).strip()
        raise SourceError(f"invalid TOML: {message}", shown, line) from None


def load_json(path: Path, shown: str | None = None) -> tuple[Any, str]:
    shown = shown or path.as_posix()
    text = read_text(path, shown)
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise SourceError(f"invalid JSON: {exc.msg}", shown, exc.lineno) from None


def header_lines(text: str, header: str) -> list[int]:
    """1-based line numbers of every ``header`` line (e.g. ``[[package]]``), in file order.

    tomllib keeps array-of-tables order, so the i-th parsed entry sits at the i-th header: a
    cheap way to give every package a line for reports and SARIF without a second TOML parser.
    """
    lines: list[int] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if line.startswith(header) and line.strip() == header:
            lines.append(line_no)
    return lines


def strip_credentials_from_url(url: str | None) -> str | None:
    """Index and VCS URLs may embed ``user:token@``; never carry that into a report."""
    if not url:
        return url
    return re.sub(r"(?<=://)[^/@\s]+@", "***@", url)
