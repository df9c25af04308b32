"""What every finder returns, and the one place a literal value becomes a fingerprint.

A finder sees one file's text and yields :class:`Finding` records. A literal value is passed to
:func:`literal` the moment it is read; what comes back is a fingerprint or nothing, so no
finding -- and nothing built from findings -- ever holds a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from blastradius.credentials.catalog import Catalog
from blastradius.credentials.redact import fingerprint, is_placeholder
from blastradius.model import Location

_INTERPOLATION = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:(:?[-?=+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Finding:
    """``name`` is a credential name (usually an env var). ``credential`` False means the
    finding is only a plaintext literal (a key-shaped string under a non-credential name)."""

    name: str
    location: Location
    how: str
    detail: str = ""
    unit: str | None = None  # None: decided by declared units, else "runtime"
    provider_hint: str | None = None  # provider implied by context (model prefix, package)
    fingerprint: str | None = None
    value_provider: str = ""  # provider whose key pattern the literal matched
    credential: bool = True


@dataclass
class FileContext:
    rel: str
    catalog: Catalog
    warnings: list[str] = field(default_factory=list)
    line_offset: int = 0  # a file embedded in another (a ConfigMap's config.yaml) starts here

    def loc(self, line: int | None) -> Location:
        return Location(self.rel, None if line is None else line + self.line_offset)

    def embedded(self, first_line: int) -> "FileContext":
        """Context for text embedded in this file whose line 1 is ``first_line`` here; its
        warnings land in this file's list."""
        return FileContext(self.rel, self.catalog, self.warnings, first_line - 1)

    def warn(self, line: int | None, message: str) -> None:
        where = self.rel if line is None else f"{self.rel}:{line + self.line_offset}"
        self.warnings.append(f"{where}: {' '.join(message.split())}")


def literal(catalog: Catalog, name: str, value: object) -> tuple[str, str] | None:
    """Fingerprint and matched provider id of a literal found under ``name``, or ``None`` when
    it is not a secret: placeholders and indirections, and values under names that are not
    credentials unless the value itself is shaped like a known key."""
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and catalog.is_credential_name(name):
            value = str(value)
        else:
            return None
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    if not text:
        return None
    matched = catalog.match_value(text)
    if matched is not None:
        provider, prefix = matched
        return fingerprint(text, prefix), provider.id
    if is_placeholder(text) or not catalog.is_credential_name(name):
        return None
    return fingerprint(text, None), ""


def interpolations(text: str) -> list[tuple[str, str | None]]:
    """``${NAME}``, ``${NAME:-default}``, ``$NAME`` references: (name, default or None)."""
    out = []
    for match in _INTERPOLATION.finditer(text):
        if match.group(1):
            default = match.group(3) if match.group(2) in (":-", "-", ":=", "=") else None
            out.append((match.group(1), default))
        else:
            out.append((match.group(4), None))
    return out


def value_findings(
    ctx: FileContext, name: str, value: object, line: int | None, how: str, detail: str = "",
    unit: str | None = None,
) -> list[Finding]:
    """Findings for ``NAME = value`` in a config file: the name (when a credential), names the
    value interpolates (``${OTHER}``), and the literal as a plaintext secret when it is one."""
    catalog = ctx.catalog
    out: list[Finding] = []
    loc = ctx.loc(line)
    is_cred = catalog.is_credential_name(name)
    text = value if isinstance(value, str) else None
    fp = None
    if text is not None and ("$" in text):
        for ref, default in interpolations(text):
            if catalog.is_credential_name(ref) and ref != name:
                out.append(Finding(ref, loc, how + " interpolation", detail or f"in {name}", unit))
            if default and catalog.match_value(default):
                found = literal(catalog, ref, default)
                if found:
                    out.append(Finding(ref, loc, how + " default", detail, unit, fingerprint=found[0],
                                       value_provider=found[1], credential=catalog.is_credential_name(ref)))
    elif value is not None:
        fp = literal(catalog, name, value)
    if is_cred or fp:
        out.append(Finding(name, loc, how, detail, unit, fingerprint=fp[0] if fp else None,
                           value_provider=fp[1] if fp else "", credential=is_cred))
    return out
