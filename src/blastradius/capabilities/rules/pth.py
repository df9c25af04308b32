"""Start-up hooks: executable ``.pth`` lines and PEP 829 ``.start`` files.

``site.py`` executes every ``.pth`` line that starts with ``import`` followed by a space or tab,
at every interpreter start, with no import of the package needed (litellm 1.82.8's
``litellm_init.pth``). Legitimate tools also use this hook, so a few exact line shapes are
allowed -- exact shapes (anchored regexes over the whole line), never substrings, because an
attacker can append ``; exec(...)`` to any benign prefix. A benign shape shipped by a
distribution that is not its known owner is still reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_IDENT}(?:\.{_IDENT})*"
_STR = r"'[A-Za-z_][A-Za-z0-9_.]*'"
_TUPLE = rf"\((?:{_STR}, ?)*{_STR},?\)"

# setuptools >= 49 distutils-precedence.pth (the default changed from 'stdlib' to 'local').
_DISTUTILS = re.compile(
    r"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; "
    r"enabled = os\.environ\.get\(var, '(?:local|stdlib)'\) == 'local'; "
    r"enabled and __import__\('_distutils_hack'\)\.add_shim\(\); ?"
)
# setuptools namespaces.py _nspkg_tmpl (modern, with has_mfs) and its optional parent line.
_NSPKG_MODERN = re.compile(
    r"import sys, types, os;has_mfs = sys\.version_info > \(3, 5\);"
    rf"p = os\.path\.join\(sys\._getframe\(1\)\.f_locals\['sitedir'\], \*{_TUPLE}\);"
    r"importlib = has_mfs and __import__\('importlib\.util'\);"
    r"has_mfs and __import__\('importlib\.machinery'\);"
    rf"m = has_mfs and sys\.modules\.setdefault\(({_STR}), importlib\.util\.module_from_spec\("
    r"importlib\.machinery\.PathFinder\.find_spec\(\1, \[os\.path\.dirname\(p\)\]\)\)\);"
    r"m = m or sys\.modules\.setdefault\(\1, types\.ModuleType\(\1\)\);"
    r"mp = \(m or \[\]\) and m\.__dict__\.setdefault\('__path__',\[\]\);"
    r"\(p not in mp\) and mp\.append\(p\)"
    rf"(?:;m and setattr\(sys\.modules\[{_STR}\], {_STR}, m\))?"
)
# the pre-2017 template (no has_mfs; checks for __init__.py).
_NSPKG_OLD = re.compile(
    rf"import sys, types, os;p = os\.path\.join\(sys\._getframe\(1\)\.f_locals\['sitedir'\], \*{_TUPLE}\);"
    r"ie = os\.path\.exists\(os\.path\.join\(p,'__init__\.py'\)\);"
    rf"m = not ie and sys\.modules\.setdefault\(({_STR}), types\.ModuleType\(\1\)\);"
    r"mp = \(m or \[\]\) and m\.__dict__\.setdefault\('__path__',\[\]\);"
    r"\(p not in mp\) and mp\.append\(p\)"
    rf"(?:;m and setattr\(sys\.modules\[{_STR}\], {_STR}, m\))?"
)
# setuptools PEP 660 editable installs: "import __editable___<dist>_<ver>_finder; ...install()"
_EDITABLE = re.compile(rf"import (__editable___({_IDENT})_finder); \1\.install\(\)")
_VIRTUALENV = re.compile(r"import _virtualenv")
_PYWIN32 = re.compile(r"import pywin32_bootstrap")


@dataclass(frozen=True)
class Shape:
    name: str
    pattern: re.Pattern[str]
    owners: tuple[str, ...]  # normalised distribution names allowed to ship it; () = any
    file_suffix: str = ""


SHAPES = (
    Shape("setuptools distutils-precedence", _DISTUTILS, ("setuptools",), "distutils-precedence.pth"),
    Shape("setuptools namespace package (-nspkg.pth)", _NSPKG_MODERN, (), "-nspkg.pth"),
    Shape("setuptools namespace package (-nspkg.pth, old template)", _NSPKG_OLD, (), "-nspkg.pth"),
    Shape("setuptools editable finder", _EDITABLE, ()),
    Shape("virtualenv _virtualenv.pth", _VIRTUALENV, ("<unowned>",), "_virtualenv.pth"),
    Shape("pywin32 bootstrap", _PYWIN32, ("pywin32",), "pywin32.pth"),
)

# Extra words that make an executable line worse (they are named in the evidence).
_AGGRAVATING = re.compile(
    r"exec\s*\(|eval\s*\(|compile\s*\(|base64|b64decode|zlib|marshal|codecs|fromhex|"
    r"subprocess|os\.system|popen|urllib|urlopen|requests|http\.client|socket|__import__"
)


def is_executable_line(line: str) -> bool:
    """What ``site.addpackage`` executes (``import`` + space/tab). Leading whitespace is
    tolerated here although CPython does not execute such lines: being stricter than the
    interpreter only costs a finding, never a miss."""
    stripped = line.lstrip(" \t\ufeff")
    return stripped.startswith(("import ", "import\t"))


def decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _editable_ok(match: re.Match[str], owner: str | None) -> bool:
    if owner is None or owner == "<unowned>":
        return False
    finder_dist = match.group(2).lower()
    want = owner.replace("-", "_").lower()
    return finder_dist == want or finder_dist.startswith(want + "_")


Hit = tuple[str, str, "int | None", str]  # (rule_id, severity, line, message)


def check_pth(path: str, data: bytes, owner: str | None) -> tuple[list[Hit], list[tuple[int, str]]]:
    """Classify one ``.pth`` file. ``owner`` is the normalised distribution name that ships it
    (``"<unowned>"`` for a file no RECORD lists; ``None`` when unknown).

    Returns the hits and the executable lines (line number, text) that are not benign, so
    the caller can analyse them as Python code too.
    """
    text = decode_text(data)
    filename = path.rsplit("/", 1)[-1]
    hits: list[Hit] = []
    code: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not is_executable_line(line):
            continue
        stripped = line.strip()
        shape = next((s for s in SHAPES if s.pattern.fullmatch(stripped)), None)
        if shape is not None:
            owner_ok = not shape.owners or (owner in shape.owners)
            if shape.pattern is _EDITABLE:
                owner_ok = _editable_ok(shape.pattern.fullmatch(stripped), owner)  # type: ignore[arg-type]
            if shape.file_suffix and not filename.endswith(shape.file_suffix):
                owner_ok = False
            if owner_ok:
                hits.append(("BR-PTH-KNOWN", "info", number, f"known-benign executable .pth line: {shape.name}"))
            else:
                hits.append((
                    "BR-PTH-SHAPE-OWNER", "high", number,
                    f"{shape.name} line in {filename} shipped by {owner or 'an unknown distribution'}, "
                    "which is not its known owner",
                ))
                code.append((number, stripped))
            continue
        worse = sorted({m.group(0).rstrip("( ").strip() for m in _AGGRAVATING.finditer(stripped)})
        detail = f"; uses {', '.join(worse)}" if worse else ""
        hits.append((
            "BR-PTH-EXEC", "critical", number,
            f"executable .pth line runs at every Python start ({len(stripped)} chars, "
            f"file {len(data)} bytes){detail}",
        ))
        code.append((number, stripped))
    return hits, code


_START_ENTRY = re.compile(rf"\s*({_DOTTED})\s*:\s*({_DOTTED})\s*")


def check_start(path: str, data: bytes) -> list[Hit]:
    """PEP 829 ``<name>.start``: each non-comment line is ``pkg.mod:callable`` run at start."""
    text = decode_text(data)
    hits: list[Hit] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _START_ENTRY.fullmatch(line)
        target = f"{match.group(1)}:{match.group(2)}" if match else "an unparseable entry"
        hits.append((
            "BR-START-ENTRY", "high", number,
            f"start-up entry point {target} runs at every Python start (PEP 829 .start file)",
        ))
    return hits
